"""Every Python block and every ``edoc`` command in the docs runs as written.

Pages are scripts (see ``_blocks.py``): their blocks run in order in a temporary folder
holding ``examples/``. Blocks marked ``<!-- not-tested: reason -->`` are reported as
skipped with that reason, one test each.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ._blocks import Block, blocks, output_matches, shell_steps

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
BIN = Path(sys.executable).parent

ALL = [b for page in PAGES for b in blocks(page, ROOT)]
RUNNABLE = [b for b in ALL if b.is_python or b.is_shell]
BY_PAGE: dict[str, list[Block]] = {}
for _b in RUNNABLE:
    if _b.skip is None:
        BY_PAGE.setdefault(_b.page, []).append(_b)


def _has_command(words: str) -> bool:
    args = words.split()
    assert args[0] == "edoc", words
    proc = subprocess.run(
        [str(BIN / "edoc"), *args[1:], "--help"], capture_output=True, check=False, timeout=60
    )
    return proc.returncode == 0


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDOC_")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", NO_COLOR="1", COLUMNS="100")
    env["HOME"] = str(tmp)
    return env


def _run_shell(block: Block, tmp: Path) -> None:
    for step in shell_steps(block.code):
        proc = subprocess.run(
            ["bash", "-c", step.command], cwd=tmp, env=_env(tmp), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, check=False, timeout=120,
        )  # fmt: skip
        where = f"{block.id}: $ {step.command}"
        assert proc.returncode == 0, f"{where}\nexit {proc.returncode}\n{proc.stdout}"
        if step.expected:
            out = proc.stdout
            assert output_matches(step.expected, out), (
                f"{where}\n--- the docs show:\n" + "\n".join(step.expected)
                + f"\n--- it printed:\n{out}"
            )  # fmt: skip


def _run_python(block: Block, namespace: dict[str, object]) -> None:
    code = compile(block.code, f"{ROOT / block.page}:{block.line}", "exec")
    exec(code, namespace)


@pytest.mark.parametrize("page", sorted(BY_PAGE))
def test_page_examples_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("EDOC_")]:
        monkeypatch.delenv(key)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    skipped = []
    for block in BY_PAGE[page]:
        if block.needs is not None and not _has_command(block.needs):
            skipped.append(f"{block.id} needs `{block.needs}`, which does not exist yet")
            continue
        if block.is_python:
            _run_python(block, namespace)
        else:
            _run_shell(block, tmp_path)
    if skipped and len(skipped) == len(BY_PAGE[page]):
        pytest.skip("; ".join(skipped))


@pytest.mark.parametrize("block", [b for b in RUNNABLE if b.skip], ids=lambda b: b.id)
def test_marked_not_tested(block: Block) -> None:
    pytest.skip(f"not tested: {block.skip}")


def test_markers_sit_on_code_blocks() -> None:
    """A not-tested marker names a reason, so a skip always says why."""
    for block in ALL:
        if block.skip is not None:
            assert len(block.skip) > 10, f"{block.id}: say why the block cannot run"


def test_the_docs_have_runnable_examples() -> None:
    assert {"docs/getting-started.md", "README.md"} <= set(BY_PAGE)
