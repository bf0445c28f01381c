"""Fenced code blocks of the Markdown docs, as the docs-examples test runs them.

A page is a script: its runnable blocks run in order, in one temporary folder that holds
``examples/``, sharing one Python namespace. Runnable blocks are

* ``python`` blocks (executed);
* shell blocks (``sh``, ``bash``, ``console``, ``shell``, or untagged) with ``$ `` prompts:
  each prompt line runs in bash and must exit 0; the lines after it, up to the next
  prompt, are the expected output (``...`` matches any text on a line, and a line holding
  only ``...`` matches any number of lines);
* shell blocks without prompts whose lines start with ``edoc `` (each runs, output
  unchecked).

A block preceded by ``<!-- not-tested: REASON -->`` is reported as skipped with the reason.
A block preceded by ``<!-- needs-command: edoc WORD -->`` runs only when that subcommand
exists (the conformance kit's commands, written before the kit landed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SHELL = {"sh", "bash", "console", "shell", "shell-session", ""}

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
_MARK = re.compile(r"<!--\s*(not-tested|needs-command):\s*(.+?)\s*-->")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    code: str
    skip: str | None  # the not-tested reason
    needs: str | None  # a subcommand that must exist, e.g. "edoc conformance"

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def is_python(self) -> bool:
        return self.lang in ("python", "py", "python3")

    @property
    def is_shell(self) -> bool:
        return self.lang in SHELL and bool(shell_steps(self.code))


def blocks(path: Path, root: Path) -> list[Block]:
    """Every fenced block of a page, with its marker."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m["fence"], len(m["indent"])
        lang = m["info"].strip().split(" ")[0].lower() if m["info"].strip() else ""
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        code = "\n".join(line[indent:] for line in lines[i + 1 : j]) + "\n"
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mark = _MARK.search(lines[k]) if k >= 0 else None
        out.append(
            Block(
                page=str(path.relative_to(root)),
                line=i + 1,
                lang=lang,
                code=code,
                skip=mark[2] if mark and mark[1] == "not-tested" else None,
                needs=mark[2] if mark and mark[1] == "needs-command" else None,
            )
        )
        i = j + 1
    return out


@dataclass(frozen=True)
class Step:
    command: str
    expected: list[str] | None  # None: output not checked


def shell_steps(code: str) -> list[Step]:
    """The commands of a shell block and the output shown after each."""
    lines = code.rstrip("\n").split("\n")
    if any(line.startswith("$ ") for line in lines):
        steps: list[Step] = []
        for line in lines:
            if line.startswith("$ "):
                steps.append(Step(line[2:], []))
            elif steps and steps[-1].expected is not None:
                steps[-1].expected.append(line)
        return steps
    return [Step(line, None) for line in lines if line.startswith("edoc ")]


def output_matches(expected: list[str], got: str) -> bool:
    """``expected`` (with ``...`` wildcards) against the whole of ``got``."""
    while expected and not expected[-1].strip():
        expected = expected[:-1]
    parts = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            pieces = [re.escape(p) for p in line.rstrip().split("...")]
            parts.append(r"[^\n]*?".join(pieces) + r"[ \t]*\n")
    text = "\n".join(line.rstrip() for line in got.rstrip("\n").split("\n")) + "\n"
    if not got.strip():
        text = ""
    return re.fullmatch("".join(parts), text) is not None
