"""docs/reference/wire.md is the generator's current output, and the generator is honest."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference" / "wire.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wire_table", ROOT / "docs/_hooks/wire_table.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wire_page_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == _generator().render(), (
        "docs/reference/wire.md is stale: python docs/_hooks/wire_table.py > docs/reference/wire.md"
    )


def test_wire_page_shows_the_writer_spellings_and_order() -> None:
    """Spot checks against the reference SDK's form, written independently of the generator."""
    page = PAGE.read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    edoc_rows = rows[: next(i for i, r in enumerate(rows) if r.startswith("| `from_."))]
    wire = [r.split(" | ")[1] for r in edoc_rows]
    assert "`MessageHeader/From/OrganAdd`" in wire
    assert "`MessageHeader/OtherInfo/TyperNotation`" in wire
    assert "`TraceHeaderList/Bussiness/BussinessDocType`" in wire
    # DocumentId is written third, ToPlaces last in MessageHeader, Bussiness before TraceHeader.
    header = [w for w in wire if w.startswith("`MessageHeader/")]
    assert header.index("`MessageHeader/DocumentId`") < header.index(
        "`MessageHeader/Code/CodeNumber`"
    )
    assert header[-1] == "`MessageHeader/ToPlaces/Place`"
    trace = [w for w in wire if w.startswith("`TraceHeaderList/")]
    assert trace[-1] == "`TraceHeaderList/TraceHeader/Timestamp`"
    assert "| `header.subject` | `MessageHeader/Subject` | 1.6 | *trích yếu* |" in page
