"""docs/cli.md and the generated docs/reference/cli.md follow the command's code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from click.testing import CliRunner

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


def _generator() -> ModuleType:
    path = DOCS / "_hooks" / "cli_reference.py"
    spec = importlib.util.spec_from_file_location("cli_reference", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_cli_page_is_current() -> None:
    page = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    assert page == _generator().render(), (
        "docs/reference/cli.md is stale: "
        "python docs/_hooks/cli_reference.py > docs/reference/cli.md"
    )


def test_generated_cli_page_has_every_option() -> None:
    """Checked against click's own --help output, not against the generator."""
    page = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    runner = CliRunner()
    for name in main.commands:
        text = runner.invoke(main, [name, "--help"], terminal_width=200).output
        for option in re.findall(r"^\s+(-[-\w]+)", text, re.MULTILINE):
            assert option in page, f"`edoc {name} {option}` is missing from docs/reference/cli.md"
        assert f"## `edoc {name}`" in page
