"""The README's Python example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import edoc

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    assert blocks, "README.md has a python example"
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    reply = edoc.read(tmp_path / "status.edxml")
    assert isinstance(reply, edoc.StatusPackage)
    assert reply.status_code is edoc.StatusCode.RECEIVED
    assert reply.response_for.document_id == edoc.DocumentId(
        "000.00.00.G22,2025/09/30,7816/VPCP-TTĐT"
    )
    assert reply.from_.organ_id == edoc.OrganId("000.00.00.H41")
