"""Packages built for each variant issue 15 names: what real senders and the hub deliver.

Each variant is the bytes edoc writes for :func:`conftest.make_package`, changed the way the
named system changes them. The expected values are in the tests that use them
(``test_reader_tolerance.py``, ``test_readability.py``), written by hand.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable

import attrs

import edoc
from conftest import make_package
from edoc.builder import wrap_like_reference

PDF = b"%PDF-1.4 quyet dinh"
TXT = "Phụ lục: danh sách đơn vị\n".encode()
XLSX = b"PK\x03\x04 not really a spreadsheet, but bytes to carry"


def written() -> bytes:
    return edoc.to_bytes(make_package(**{"qd.pdf": PDF}))


def cut(data: bytes, start: bytes, end: bytes) -> bytes:
    """``data`` without the first span from ``start`` to the end of ``end``."""
    i = data.index(start)
    j = data.index(end, i) + len(end)
    return data[:i] + data[j:]


def sub(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data, old
    return data.replace(old, new, 1)


def _hop(organ: bytes | None) -> bytes:
    """The TraceHeader with ``organ`` as its OrganId, or none (the hub adds such hops)."""
    data = written()
    start = data.index(b"<edXML:TraceHeader>")
    end = data.index(b"</edXML:TraceHeader>")
    hop = data[start:end]
    a = hop.index(b"<edXML:OrganId>")
    b = hop.index(b"</edXML:OrganId>") + len(b"</edXML:OrganId>")
    new = hop[:a] + (b"" if organ is None else b"<edXML:OrganId>" + organ + b"</edXML:OrganId>")
    return data[:start] + new + hop[b:] + data[end:]


def header_without_code_promulgation_and_type() -> bytes:
    """Only From, To, DocumentId and Subject (and the rest the writer always writes)."""
    data = written()
    for start, end in (
        (b"<edXML:Code>", b"</edXML:Code>"),
        (b"<edXML:PromulgationInfo>", b"</edXML:PromulgationInfo>"),
        (b"<edXML:DocumentType>", b"</edXML:DocumentType>"),
    ):
        data = cut(data, start, end)
    return data


def undeclared_prefixes() -> bytes:
    """The SDK sample's shape: edXML: on AttachmentEncoded (outside the envelope, where the
    prefix is not declared) and xlink:href on the manifest Reference, undeclared."""
    data = sub(written(), b"<AttachmentEncoded>", b"<edXML:AttachmentEncoded>")
    data = sub(data, b"</AttachmentEncoded>", b"</edXML:AttachmentEncoded>")
    return sub(data, b"<edXML:Reference>", b'<edXML:Reference xlink:href="">')


def not_base64() -> bytes:
    data = written()
    a = data.index(b"<edXML:ContentTransferEncoded")
    a = data.index(b">", a) + 1
    b = data.index(b"</edXML:ContentTransferEncoded>")
    return data[:a] + b"${__StringFromFile(test.txt,,,)}" + data[b:]


def padded_agency_codes() -> bytes:
    return sub(written(), b"<edXML:OrganId>000.00.00.H41<", b"<edXML:OrganId>  000.00.00.H41\n<")


def manifest_only_description() -> bytes:
    pkg = make_package(**{"qd.pdf": PDF})
    att = pkg.attachments[0]
    data = edoc.to_bytes(
        attrs.evolve(pkg, attachments=[attrs.evolve(att, description="Quyết định số 1")])
    )
    return cut(data, b"<Description>", b"</Description>")  # the Attachment's copy only


def wrapping_zip(entry: str, data: bytes, *, entries: int = 1) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(entries):
            zf.writestr(entry if i == 0 else f"{uuid.uuid4()}.txt", data)
    return buf.getvalue()


def reference_builder_output() -> tuple[bytes, dict[str, bytes]]:
    """What the reference builder writes for a .pdf, a .txt and a .xlsx: the pdf as it is,
    the other two in ZIPs with one ``<uuid>.<ext>`` entry, every manifest Reference typed
    application/zip, the SDK's literal content types, Bussiness before TraceHeader (edoc's
    writer order too). Returns the bytes and the original files."""
    originals = {"qd.pdf": PDF, "phu_luc.txt": TXT, "bang_ke.xlsx": XLSX}
    pkg = wrap_like_reference(make_package(**originals))
    data = edoc.to_bytes(pkg, content_types="reference")
    head, _, tail = data.partition(b"</edXML:edXMLManifest>")
    head = head.replace(
        b"<edXML:ContentType>application/pdf</edXML:ContentType>",
        b"<edXML:ContentType>application/zip</edXML:ContentType>",
    )
    return head + b"</edXML:edXMLManifest>" + tail, originals


VARIANTS: dict[str, Callable[[], bytes]] = {
    "hop-without-organ-id": lambda: _hop(None),
    "hop-organ-id-null": lambda: _hop(b"null"),
    "header-without-code-promulgation-type": header_without_code_promulgation_and_type,
    "undeclared-prefixes": undeclared_prefixes,
    "not-base64-attachment": not_base64,
    "padded-agency-codes": padded_agency_codes,
    "manifest-only-description": manifest_only_description,
    "reference-builder-output": lambda: reference_builder_output()[0],
    "no-subject": lambda: cut(written(), b"<edXML:Subject>", b"</edXML:Subject>"),
    "impossible-date": lambda: sub(written(), b">2015/09/30</edXML:PromulgationDate>",
                                   b">2015/02/30</edXML:PromulgationDate>"),
    "element-in-no-namespace": lambda: sub(
        sub(written(), b"<edXML:Subject>", b'<Subject xmlns="">'), b"</edXML:Subject>",
        b"</Subject>"),
}  # fmt: skip
"""Every constructed variant: each must be read (test_readability checks all four tools)."""
