"""Shared fixtures: the real vectors beside the project, and a small valid package."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, overload

import pytest

import edoc

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
"""The real packages from other systems (``../shared/vectors``); the one place tests name it."""


def require_vectors() -> Path:
    """:data:`VECTORS`; the calling test is skipped, with the reason, when the folder is absent."""
    if not VECTORS.is_dir():
        pytest.skip(f"the shared vectors are not at {VECTORS} (CI puts shared/ beside the project)")
    return VECTORS


def vector(rel: str) -> Path:
    """The vector file ``rel``; skip when the shared folder is absent, fail when one file is."""
    path = require_vectors() / rel
    if not path.is_file():
        pytest.fail(f"vector {rel} is missing from {VECTORS}")
    return path


@pytest.fixture
def vectors() -> Path:
    return require_vectors()


def read_edoc(source: Any, **options: Any) -> edoc.EdocPackage:
    """``edoc.read`` for a test that expects a document package (not a status)."""
    pkg = edoc.read(source, **options)
    assert isinstance(pkg, edoc.EdocPackage), type(pkg)
    return pkg


@overload
def make_package(**attachments: bytes) -> edoc.EdocPackage: ...
@overload
def make_package(
    *, to: list[edoc.Organization] | None = None, **attachments: bytes
) -> edoc.EdocPackage: ...
def make_package(*, to: Any = None, **attachments: bytes) -> edoc.EdocPackage:
    """A new-document package with the given attachments (name -> bytes); the first
    signature lets a ``**{name: bytes}`` mapping through the type check."""
    header = edoc.MessageHeader(
        from_=edoc.Organization(organ_id="000.00.00.G22", organ_name="Văn phòng Chính phủ"),
        to=to or [edoc.Organization(organ_id="000.00.00.H41", organ_name="UBND tỉnh Nghệ An")],
        code=edoc.Code(number="7816", notation="VPCP-TTĐT"),
        promulgation_info=edoc.PromulgationInfo(
            place="Hà Nội", promulgation_date=dt.date(2015, 9, 30)
        ),
        document_type=edoc.DocumentType(type_code=1, type_name="Công văn"),
        subject="V/v kết nối, liên thông phần mềm quản lý văn bản",
    )
    trace = edoc.TraceHeaderList(
        business=edoc.Business(doc_reason="Văn bản điện tử mới"),
        trace_headers=[
            edoc.TraceHeader(
                organ_id="000.00.00.G22",
                timestamp=dt.datetime(2015, 9, 30, 10, 15, tzinfo=edoc.VN_TZ),
            )
        ],
    )
    return edoc.EdocPackage(
        header=header,
        trace=trace,
        attachments=[
            edoc.Attachment.from_bytes(data, name=name) for name, data in attachments.items()
        ],
    )


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA and agency signers generated for this run (see tests/pki.py)."""
    from pki import make_pki

    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def package() -> edoc.EdocPackage:
    return make_package(**{"qd.pdf": b"%PDF-1.4 test"})
