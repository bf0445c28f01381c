"""The runnable examples of docs/transports.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "transports.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("marker", ["from edoc.transport.hub_server import", "MockTransport("])
def test_example_runs(marker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [code] = [b for b in blocks() if marker in b]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(DOC), "exec"), {})
