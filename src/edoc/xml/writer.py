"""Model → edXML bytes, streamed: the header is small, attachments are base64-coded in chunks.

Output follows the reference SDK: its element order, the ``edXML:`` prefix on envelope
elements, unprefixed ``AttachmentEncoded``/``Attachment``, the ``Bussiness`` spellings,
``yyyy/MM/dd`` dates, and base64 on one line. Lines end in LF (the SDK writes CRLF;
XML readers treat both alike). Nothing is invented: empty values are omitted, as the SDK does.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

import attrs

from edoc import _base64
from edoc._files import atomic_write
from edoc._hashing import ParallelHash
from edoc.errors import InputError
from edoc.formats import format_date, format_timestamp
from edoc.model import (
    Attachment,
    Business,
    EdocPackage,
    MessageHeader,
    Organization,
    Package,
    ResponseFor,
    StaffInfo,
    StatusPackage,
)
from edoc.xml import names as n

__all__ = ["ContentTypes", "SignatureSlot", "WriteResult", "to_bytes", "write"]

ContentTypes = Literal["standard", "reference"]
Progress = Callable[[int, int | None], None]
"""Called with (attachment bytes done, total or None) while attachments stream."""

_RAW_CHUNK = 3 * (1 << 20)  # a multiple of 3: each chunk encodes to whole base64 quads
# Exactly what exclusive C14N writes for text, so that the output is its own canonical form.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})


@attrs.frozen
class WriteResult:
    """What :func:`write` produced."""

    path: Path | None
    """The file written, or ``None`` for a stream."""
    size: int
    """Bytes written."""
    sha256: str
    """Hex SHA-256 of the bytes written (the hub's ``hash-file``)."""


class _Header:
    """Accumulates the pretty-printed envelope as text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.depth = 0

    def open(self, name: str, prefix: bool = True, attrs_: str = "") -> None:
        tag = f"{n.PREFIX}:{name}" if prefix else name
        self.parts.append(f"{'  ' * self.depth}<{tag}{attrs_}>\n")
        self.depth += 1

    def close(self, name: str, prefix: bool = True) -> None:
        self.depth -= 1
        tag = f"{n.PREFIX}:{name}" if prefix else name
        self.parts.append(f"{'  ' * self.depth}</{tag}>\n")

    def leaf(self, name: str, value: object, prefix: bool = True) -> None:
        if value is None:
            return
        tag = f"{n.PREFIX}:{name}" if prefix else name
        text = _text(value)
        self.parts.append(f"{'  ' * self.depth}<{tag}>{text}</{tag}>\n")

    def text(self) -> str:
        return "".join(self.parts)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).translate(_ESCAPES)


def _organization(out: _Header, name: str, org: Organization) -> None:
    out.open(name)
    for attr, wire in n.ORGANIZATION_FIELDS:
        out.leaf(wire, getattr(org, attr))
    out.close(name)


def _response_for(out: _Header, rf: ResponseFor) -> None:
    out.open("ResponseFor")
    out.leaf("OrganId", rf.organ_id)
    out.leaf("Code", rf.code)
    out.leaf("DocumentId", rf.document_id)
    out.leaf("PromulgationDate", rf.promulgation_date and format_date(rf.promulgation_date))
    out.close("ResponseFor")


def _staff_info(out: _Header, staff: StaffInfo) -> None:
    out.open("StaffInfo")
    for attr, wire in n.STAFF_INFO_FIELDS:
        out.leaf(wire, getattr(staff, attr))
    out.close("StaffInfo")


def check_writable(pkg: Package) -> None:
    """Write strict: refuse a package that lacks what the standard requires, which the
    tolerant reader may have produced (docs/reading.md). Raises :class:`InputError`
    naming every missing piece."""
    missing: list[str] = []
    if isinstance(pkg, StatusPackage):
        if pkg.timestamp is None:
            missing.append("timestamp")
    else:
        h = pkg.header
        if h.subject is None:
            missing.append("header.subject")
        if h.code is None or h.code.number is None or h.code.notation is None:
            missing.append("header.code (number and notation)")
        if h.promulgation_info is None or h.promulgation_info.promulgation_date is None:
            missing.append("header.promulgation_info.promulgation_date")
        if h.document_type is None or h.document_type.type_code is None:
            missing.append("header.document_type.type_code")
        b = pkg.trace.business
        if b is not None and b.document_info is not None:
            if b.document_info.document_info is None or b.document_info.document_receiver is None:
                missing.append("trace.business.document_info (document_info, document_receiver)")
            if any(r.receiver_type is None for r in b.document_info.receivers):
                missing.append("trace.business.document_info.receivers[].receiver_type")
        for i, th in enumerate(pkg.trace.trace_headers):
            if th.organ_id is None or th.timestamp is None:
                missing.append(f"trace.trace_headers[{i}] (organ_id and timestamp)")
        for att in pkg.attachments:
            if att.broken is not None:
                missing.append(f"the content of broken attachment {att.content_id}")
    if missing:
        raise InputError(
            "the package lacks what the standard requires, so it is not written: "
            + "; ".join(missing)
        )


def _message_header(out: _Header, h: MessageHeader) -> None:
    # check_writable has refused a package without these
    assert h.code is not None
    assert h.promulgation_info is not None
    assert h.promulgation_info.promulgation_date is not None
    assert h.document_type is not None
    out.open(n.MESSAGE_HEADER)
    _organization(out, "From", h.from_)
    for to in h.to:
        _organization(out, "To", to)
    out.leaf("DocumentId", h.document_id)
    out.open("Code")
    out.leaf("CodeNumber", h.code.number)
    out.leaf("CodeNotation", h.code.notation)
    out.close("Code")
    out.open("PromulgationInfo")
    out.leaf("Place", h.promulgation_info.place)
    out.leaf("PromulgationDate", format_date(h.promulgation_info.promulgation_date))
    out.close("PromulgationInfo")
    out.open("DocumentType")
    out.leaf("Type", h.document_type.type_code)
    out.leaf("TypeDetail", h.document_type.type_detail)
    out.leaf("TypeName", h.document_type.type_name)
    out.close("DocumentType")
    out.leaf("Subject", h.subject)
    out.leaf("Content", h.content)
    out.open("SignerInfo")
    out.leaf("Competence", h.signer_info.competence)
    out.leaf("Position", h.signer_info.position)
    out.leaf("FullName", h.signer_info.full_name)
    out.close("SignerInfo")
    out.leaf("DueDate", h.due_date and format_date(h.due_date))
    other = h.other_info
    out.open("OtherInfo")
    out.leaf("Priority", int(other.priority))
    out.leaf("SphereOfPromulgation", other.sphere_of_promulgation)
    out.leaf(n.TYPER_NOTATION, other.typer_notation)
    out.leaf("PromulgationAmount", other.promulgation_amount)
    out.leaf("PageAmount", other.page_amount)
    out.leaf("ReplyFors", other.reply_fors)
    out.leaf("Direction", other.direction)
    out.leaf("ReferenceCodes", other.reference_codes)
    if other.appendixes:
        out.open("Appendixes")
        for appendix in other.appendixes:
            out.leaf("Appendix", appendix)
        out.close("Appendixes")
    out.close("OtherInfo")
    for rf in h.response_for:
        _response_for(out, rf)
    out.leaf("SteeringType", int(h.steering_type))
    if h.response_for_task:
        out.open("ResponseForTask")
        for task in h.response_for_task:
            out.leaf("TaskCode", task)
        out.close("ResponseForTask")
    out.leaf("ApplicationType", h.application_type)
    if h.to_places:
        out.open("ToPlaces")
        for place in h.to_places:
            out.leaf("Place", place)
        out.close("ToPlaces")
    out.close(n.MESSAGE_HEADER)


def _business(out: _Header, b: Business) -> None:
    out.open(n.BUSINESS)
    out.leaf("DocumentId", b.document_id)
    out.leaf(n.BUSINESS_DOC_TYPE, int(b.doc_type))
    out.leaf(n.BUSINESS_DOC_REASON, b.doc_reason)
    out.leaf("Paper", b.paper)
    if b.document_info is not None:
        info = b.document_info
        out.open(n.BUSINESS_DOCUMENT_INFO)
        out.leaf("DocumentInfo", info.document_info)
        out.leaf("DocumentReceiver", info.document_receiver)
        if info.receivers:
            out.open("ReceiverList")
            for r in info.receivers:
                out.open("Receiver")
                out.leaf("OrganId", r.organ_id)
                out.leaf("ReceiverType", r.receiver_type)
                out.close("Receiver")
            out.close("ReceiverList")
        out.close(n.BUSINESS_DOCUMENT_INFO)
    if b.replacements:
        out.open("ReplacementInfoList")
        for rep in b.replacements:
            out.open("ReplacementInfo")
            out.leaf("DocumentId", rep.document_id)
            if rep.organ_ids:
                out.open("OrganIdList")
                for organ_id in rep.organ_ids:
                    out.leaf("OrganId", organ_id)
                out.close("OrganIdList")
            out.close("ReplacementInfo")
        out.close("ReplacementInfoList")
    if b.staff_info is not None:
        _staff_info(out, b.staff_info)
    out.close(n.BUSINESS)


def _content_type(att: Attachment, content_types: ContentTypes) -> str:
    if content_types == "reference" and att.content_type != "application/zip":
        # (a ZIP stays application/zip: the reference builder's wrapping of any extension)
        ext = os.path.splitext(att.name)[1].lower()
        return n.REFERENCE_CONTENT_TYPES.get(ext, att.content_type)
    return att.content_type


def _envelope_text(pkg: Package, content_types: ContentTypes) -> str:
    out = _Header()
    out.parts.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.parts.append(f'<{n.ROOT} xmlns="{n.NS}">\n')
    out.depth = 1
    out.open(n.ENVELOPE, attrs_=f' xmlns:{n.PREFIX}="{n.NS}"')
    out.open(n.HEADER)
    if isinstance(pkg, StatusPackage):
        out.open(n.MESSAGE_HEADER)
        _organization(out, "From", pkg.from_)
        _response_for(out, pkg.response_for)
        if pkg.staff_info is not None:
            _staff_info(out, pkg.staff_info)
        out.leaf("StatusCode", pkg.status_code.value)
        out.leaf("Description", pkg.description)
        assert pkg.timestamp is not None  # check_writable
        out.leaf("Timestamp", format_timestamp(pkg.timestamp))
        out.close(n.MESSAGE_HEADER)
        out.close(n.HEADER)
        out.close(n.ENVELOPE)
        return out.text()
    _message_header(out, pkg.header)
    out.open(n.TRACE_HEADER_LIST)
    if pkg.trace.business is not None:
        _business(out, pkg.trace.business)
    for th in pkg.trace.trace_headers:
        out.open("TraceHeader")
        assert th.timestamp is not None  # check_writable
        out.leaf("OrganId", th.organ_id)
        out.leaf("Timestamp", format_timestamp(th.timestamp))
        out.close("TraceHeader")
    out.close(n.TRACE_HEADER_LIST)
    out.close(n.HEADER)
    out.open(n.BODY)
    out.open(n.MANIFEST, attrs_=' version="1.0"')
    for att in pkg.attachments:
        out.open(n.REFERENCE)
        out.leaf("ContentId", att.content_id)
        out.leaf("ContentType", _content_type(att, content_types))
        out.leaf("Description", att.description)
        out.leaf("AttachmentName", att.name)
        out.close(n.REFERENCE)
    out.close(n.MANIFEST)
    out.close(n.BODY)
    out.close(n.ENVELOPE)
    return out.text()


def _attachment_head(att: Attachment, content_types: ContentTypes) -> str:
    out = _Header()
    out.depth = 2
    out.open(n.ATTACHMENT, prefix=False)
    out.leaf("ContentId", att.content_id, prefix=False)
    out.leaf("AttachmentName", att.name, prefix=False)
    out.leaf("Description", att.description, prefix=False)
    out.leaf("FieldName", att.field_name, prefix=False)
    out.leaf("MimeType", att.mime_type, prefix=False)
    out.leaf("ContentType", _content_type(att, content_types), prefix=False)
    out.parts.append(
        f'{"  " * out.depth}<{n.PREFIX}:{n.CONTENT_TRANSFER_ENCODED} xmlns:{n.PREFIX}="{n.NS}">'
    )
    return out.text()


class _HashingWriter:
    """Writes and hashes what it writes (large chunks hash on a second core meanwhile)."""

    def __init__(
        self, out: BinaryIO, *, hash_name: str = "sha256", canonical_only: bool = False
    ) -> None:
        self.out = out
        self.hash = ParallelHash(hash_name)
        self.canonical_only = canonical_only
        self.size = 0

    def raw(self, data: bytes) -> None:
        """Write without hashing when the hash is a canonical digest (not the file's)."""
        if self.canonical_only:
            self.out.write(data)
            self.size += len(data)
        else:
            self.write(data)

    def write(self, data: bytes) -> None:
        self.hash.update(data)
        self.out.write(data)
        self.size += len(data)

    def close(self) -> None:
        self.hash.close()


class SignatureSlot(Protocol):
    """Where a signature goes: the signing layer's side of signing while writing.

    The writer reserves :attr:`size` bytes as the last child of ``edXMLHeader``, streams
    the rest of the package while hashing its exclusive canonical form without the slot
    (what an enveloped-signature Reference with ``URI=""`` digests: edoc writes its
    packages in canonical form, so the bytes written are the bytes digested), then asks
    :meth:`render` for the bytes to fill the slot: exactly ``size`` bytes, or else the
    writer moves the rest of the file to fit them (one more pass over the attachments).
    """

    @property
    def size(self) -> int: ...

    @property
    def hash_name(self) -> str:
        """The hashlib name of the Reference's digest algorithm."""

    def render(self, digest: bytes) -> bytes: ...


_HEADER_END = f"    </{n.PREFIX}:{n.HEADER}>\n"
_SLOT_INDENT = "      "


def _stream(
    pkg: Package,
    out: BinaryIO,
    content_types: ContentTypes,
    progress: Progress | None,
    slot: SignatureSlot | None = None,
) -> WriteResult:
    if slot is None:
        w = _HashingWriter(out)
        try:
            _write_package(w, pkg, content_types, progress, None)
        finally:
            w.close()
        return WriteResult(None, w.size, w.hash.hexdigest())
    start = out.tell()
    w = _HashingWriter(out, hash_name=slot.hash_name, canonical_only=True)
    try:
        offset = _write_package(w, pkg, content_types, progress, slot)
    finally:
        w.close()
    assert offset is not None
    signature = slot.render(w.hash.digest())
    end = out.tell()
    if len(signature) != slot.size:
        end = _resize_slot(out, offset + slot.size, end, len(signature) - slot.size)
    out.seek(offset)
    out.write(signature)
    out.seek(start)
    sha = hashlib.sha256()
    remaining = end - start
    while remaining > 0:
        chunk = out.read(min(_RAW_CHUNK, remaining))
        if not chunk:
            break
        sha.update(chunk)
        remaining -= len(chunk)
    out.seek(end)
    return WriteResult(None, end - start, sha.hexdigest())


def _resize_slot(out: BinaryIO, tail: int, end: int, delta: int) -> int:
    """Move the bytes from ``tail`` to ``end`` by ``delta`` (a signature block that came out
    longer or shorter than reserved: a XAdES-T time-stamp); return the new end."""
    if delta > 0:
        pos = end
        while pos > tail:
            size = min(_RAW_CHUNK, pos - tail)
            pos -= size
            out.seek(pos)
            chunk = out.read(size)
            out.seek(pos + delta)
            out.write(chunk)
    else:
        pos = tail
        while pos < end:
            out.seek(pos)
            chunk = out.read(min(_RAW_CHUNK, end - pos))
            out.seek(pos + delta)
            out.write(chunk)
            pos += len(chunk)
        out.truncate(end + delta)
    return end + delta


def _write_package(
    w: _HashingWriter,
    pkg: Package,
    content_types: ContentTypes,
    progress: Progress | None,
    slot: SignatureSlot | None,
) -> int | None:
    """Write the package; return the offset of the reserved signature slot, if any."""
    declaration, _, envelope = _envelope_text(pkg, content_types).partition("\n")
    w.raw((declaration + "\n").encode())
    offset = None
    if slot is not None:
        cut = envelope.index(_HEADER_END)
        w.write((envelope[:cut] + _SLOT_INDENT).encode("utf-8"))
        w.close()  # the slot's offset must be exact: let the hashing thread catch up
        w.out.flush()
        offset = w.out.tell()
        w.out.write(b" " * slot.size)
        w.size += slot.size
        w.write(b"\n" + envelope[cut:].encode("utf-8"))
    else:
        w.write(envelope.encode("utf-8"))
    if isinstance(pkg, EdocPackage) and pkg.attachments:
        known = [a.size for a in pkg.attachments]
        total = None if None in known else sum(k for k in known if k is not None)
        done = 0
        w.write(b"  <AttachmentEncoded>\n")
        for att in pkg.attachments:
            w.write(_attachment_head(att, content_types).encode("utf-8"))
            with att.open() as src:
                while chunk := src.read(_RAW_CHUNK):
                    w.write(_base64.encode(chunk))
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            w.write(f"</{n.PREFIX}:{n.CONTENT_TRANSFER_ENCODED}>\n    </Attachment>\n".encode())
        w.write(b"  </AttachmentEncoded>\n")
    w.write(f"</{n.ROOT}>".encode())
    w.raw(b"\n")
    return offset


def write(
    package: Package,
    target: str | os.PathLike[str] | BinaryIO,
    *,
    content_types: ContentTypes = "standard",
    overwrite: bool = False,
    durable: bool = True,
    progress: Progress | None = None,
    signature: SignatureSlot | None = None,
) -> WriteResult:
    """Write ``package`` as edXML to a file path or a binary stream.

    A path is written through a temporary file in the same folder and renamed into place:
    on failure nothing is left behind. Attachments stream in chunks: memory stays flat
    whatever their size. ``content_types="reference"`` writes the reference SDK's literal
    content types (``application/doc``, …) for receivers that expect them.
    ``durable=False`` skips the flush to disk (fsync) before the rename: faster, but a
    power loss right after may leave an empty file. ``package.signature`` is never copied:
    a signature covers bytes, so re-written content must be signed again. A file that
    exists is kept (:class:`~edoc.errors.OutputExistsError`) unless ``overwrite=True``:
    the rule of every edoc command (``--force``) and of :meth:`Attachment.save`. New files
    get the mode the umask gives (docs/decisions.md).
    """
    if not isinstance(package, (EdocPackage, StatusPackage)):
        raise InputError(f"expected an EdocPackage or StatusPackage, not {type(package).__name__}")
    if content_types not in ("standard", "reference"):
        raise InputError(f"content_types must be 'standard' or 'reference', not {content_types!r}")
    check_writable(package)
    if isinstance(target, (str, os.PathLike)):
        path = Path(target)
        with atomic_write(path, overwrite=overwrite, durable=durable) as out:
            result = _stream(package, out, content_types, progress, signature)
        return attrs.evolve(result, path=path)
    if signature is not None and not target.seekable():
        raise InputError("signing while writing needs a file path or a seekable stream")
    return _stream(package, target, content_types, progress, signature)


def to_bytes(package: Package, *, content_types: ContentTypes = "standard") -> bytes:
    """The package as bytes in memory (for small packages; prefer :func:`write`)."""
    import io

    buf = io.BytesIO()
    write(package, buf, content_types=content_types)
    return buf.getvalue()
