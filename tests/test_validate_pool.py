"""The CLI's process pool reports exactly what :func:`edoc.validation.validate` reports in
this process, on every shared vector and every constructed variant (issue 22): the guard
for any change to how the CLI spreads work or warms its workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from edoc.cli.validate import _run
from edoc.validation import validate
from variants import VARIANTS

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"


def _inputs(tmp_path: Path) -> list[Path]:
    files = sorted(VECTORS.rglob("*.edxml")) if VECTORS.is_dir() else []
    for name, build in VARIANTS.items():
        path = tmp_path / f"{name}.edxml"
        path.write_bytes(build())
        files.append(path)
    return files


@pytest.mark.parametrize("profile", ["interop", "strict"])
def test_pool_reports_what_validate_reports(tmp_path: Path, profile: str) -> None:
    files = _inputs(tmp_path)
    assert len(files) >= len(VARIANTS) >= 10
    pooled = [report for report, _ in _run(files, profile, False, 2, None)]
    here = [validate(str(f), profile=profile) for f in files]
    assert [r.to_dict() for r in pooled] == [r.to_dict() for r in here]
    # the comparison means something: the variants do raise findings, of several rules
    assert len({f.rule for r in here for f in r.findings}) >= 5


def test_vectors_are_present() -> None:
    if not VECTORS.is_dir():
        pytest.skip(f"shared vectors not found at {VECTORS} (CI places shared/ beside the project)")
    assert len(list(VECTORS.rglob("*.edxml"))) >= 10
