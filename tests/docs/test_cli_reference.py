"""The exit-code table of docs/cli.md matches the code, and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

from edoc.cli import ExitCode, main

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_exit_code_table_lists_every_code() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(m[1]) for m in re.finditer(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode}


def test_every_command_has_a_section_in_cli_md() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## `edoc ([a-z]+)", text, re.MULTILINE)
    mentioned = set(headings) | set(re.findall(r"`edoc ([a-z]+)", text))
    missing = sorted(set(main.commands) - mentioned)
    assert not missing, f"docs/cli.md does not mention: {missing}"
