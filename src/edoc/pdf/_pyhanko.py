"""Everything edoc asks pyHanko, in one place: read a PDF's signature fields and the facts
of each signature (byte ranges and their digest, the CMS signature value, coverage, the
incremental updates after it). Trust, time-stamps and revocation are edoc's own.

pyHanko is imported here only, when a PDF is checked (``pip install 'edoc-edxml[pdf]'``).
The file is read through :class:`Guarded`: pyHanko seeks and reads what it needs (the
cross-reference sections, the objects it resolves, the byte ranges in chunks), never the
whole file at once, and every read checks the deadline and stays inside the file.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from typing import Any, BinaryIO

import attrs
from cryptography import x509

from edoc.errors import PdfError

__all__ = ["Facts", "Guarded", "read_signatures", "require_backend"]

INSTALL = "pip install 'edoc-edxml[pdf]'"


def require_backend() -> None:
    """Raise :class:`PdfError` (``pdf-backend``) unless pyHanko can be imported."""
    if _BACKEND:
        return
    try:
        import pyhanko.pdf_utils.reader
        import pyhanko.sign.validation.pdf_embedded  # noqa: F401
    except ImportError:
        raise PdfError(
            f"PDF signatures not checked: pyHanko is missing ({INSTALL})", reason="pdf-backend"
        ) from None
    # pyHanko logs each suspicious update with a traceback; edoc reports it instead. Without
    # a handler of its own, Python's last-resort handler would print it on stderr.
    logging.getLogger("pyhanko").addHandler(logging.NullHandler())
    _BACKEND.append(True)


_BACKEND: list[bool] = []


class Guarded(io.RawIOBase):
    """A read-only view of a seekable binary file that raises ``pdf-timeout`` once the
    deadline has passed (pyHanko's work is all reads and seeks of this stream)."""

    def __init__(self, raw: BinaryIO, deadline: float) -> None:
        super().__init__()
        self._raw = raw
        self.deadline = deadline

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise PdfError("the PDF took longer than its time limit", reason="pdf-timeout")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.check()
        return self._raw.readinto(buffer)  # type: ignore[attr-defined, no-any-return]

    def read(self, size: int | None = -1) -> bytes:
        self.check()
        return self._raw.read(-1 if size is None else size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.check()
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


@attrs.frozen(kw_only=True)
class Facts:
    """What pyHanko read of one filled signature field (no trust decision in here)."""

    field: str
    kind: str
    """``signature`` (``/Sig``) or ``timestamp`` (``/DocTimeStamp``)."""
    sub_filter: str | None = None
    byte_range: tuple[int, ...] = ()
    signer: x509.Certificate | None = None
    certificates: tuple[x509.Certificate, ...] = ()
    """The other certificates the CMS carries (intermediates, perhaps a TSA's)."""
    digest_algorithm: str | None = None
    signature_algorithm: str | None = None
    claimed_signing_time: Any = None
    intact: bool | None = None
    signature_valid: bool | None = None
    coverage: str | None = None
    revision: int | None = None
    modification: str | None = None
    modification_detail: str | None = None
    modification_allowed: bool | None = None
    docmdp: int | None = None
    timestamp_token: bytes | None = None
    """The signature time-stamp token (unsigned attribute), or for a document time-stamp the
    whole RFC 3161 token."""
    timestamp_data: bytes | None = None
    """What the token's message imprint must cover: the signature value."""
    timestamp_imprint: bytes | None = None
    """...or, for a document time-stamp, the digest of the byte ranges."""
    error: str | None = None
    """Why this signature could not be read (a malformed CMS, a missing /ByteRange)."""


_COVERAGE = {
    "ENTIRE_FILE": "entire-file",
    "ENTIRE_REVISION": "entire-revision",
    "CONTIGUOUS_BLOCK_FROM_START": "partial",
    "UNCLEAR": "unclear",
}
_MODIFICATION = {
    "NONE": "none",
    "LTA_UPDATES": "ltv-updates",
    "FORM_FILLING": "form-filling",
    "ANNOTATIONS": "annotations",
    "OTHER": "other",
}


@attrs.frozen
class Document:
    revisions: int
    empty_fields: tuple[str, ...]
    signatures: Iterator[Facts]


def read_signatures(stream: Guarded) -> Document:
    """Open the PDF and list its fields; the signatures are read one by one as iterated,
    each error confined to its own :class:`Facts`.

    pyHanko's default decode limits (for untrusted input) bound what compressed streams
    may expand to: per stream, per purpose (object streams 64 MiB) and per document."""
    from pyhanko.pdf_utils.decode_limits import DecodeLimits
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    reader = PdfFileReader(stream, strict=False, decode_limits=DecodeLimits())
    fields = list(enumerate_sig_fields(reader, filled_status=None))
    filled = [(name, field) for name, value, field in fields if value is not None]
    empty = tuple(str(name) for name, value, _ in fields if value is None)

    def each() -> Iterator[Facts]:
        for name, field in filled:
            yield _facts(reader, str(name), field)

    return Document(int(reader.xrefs.total_revisions), empty, each())


def _facts(reader: Any, name: str, field: Any) -> Facts:
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    try:
        emb = EmbeddedPdfSignature(reader, field, name)
    except PdfError:
        raise
    except Exception as exc:
        return Facts(field=name, kind="signature", error=_why(exc))
    kind = "timestamp" if emb.sig_object_type == "/DocTimeStamp" else "signature"
    sub = emb.sig_object.get("/SubFilter")
    base = Facts(field=name, kind=kind, sub_filter=str(sub)[1:] if sub is not None else None)
    try:
        return _read(emb, base)
    except PdfError:
        raise
    except Exception as exc:
        return attrs.evolve(base, error=_why(exc))


def _read(emb: Any, base: Facts) -> Facts:
    from pyhanko.sign.diff_analysis import DiffResult
    from pyhanko.sign.validation import generic_cms

    byte_range = tuple(int(v) for v in emb.byte_range)
    signer_asn1 = emb.signer_cert
    signer = x509.load_der_x509_certificate(signer_asn1.dump())
    others = tuple(x509.load_der_x509_certificate(c.dump()) for c in emb.other_embedded_certs)
    si = emb.signer_info
    facts = attrs.evolve(
        base, byte_range=byte_range, signer=signer, certificates=others,
        digest_algorithm=emb.md_algorithm,
        signature_algorithm=str(si["signature_algorithm"]["algorithm"].native),
        claimed_signing_time=emb.self_reported_timestamp, revision=int(emb.signed_revision),
    )  # fmt: skip
    emb.compute_integrity_info()
    coverage = _COVERAGE.get(emb.coverage.name, "unclear")
    diff = emb.diff_result
    if isinstance(diff, DiffResult):
        modification, detail = _MODIFICATION[diff.modification_level.name], None
        if diff.changed_form_fields:
            detail = "fields changed: " + ", ".join(sorted(diff.changed_form_fields))
    else:
        modification, detail = "other", _first_line(str(diff))
    allowed = emb.summarise_integrity_info()["docmdp_ok"]
    docmdp = emb.docmdp_level
    facts = attrs.evolve(
        facts, coverage=coverage, modification=modification, modification_detail=detail,
        modification_allowed=bool(allowed), docmdp=int(docmdp.value) if docmdp else None,
    )  # fmt: skip
    if base.kind == "timestamp":
        return attrs.evolve(
            facts, timestamp_token=bytes(emb.pkcs7_content), timestamp_imprint=emb.compute_digest()
        )
    digest = emb.compute_digest()
    intact, valid = generic_cms.validate_sig_integrity(si, signer_asn1, "data", digest)
    token = None
    tokens = list(generic_cms.extract_tst_data_iter(si, signed=False))
    if tokens:
        from asn1crypto import cms

        token = cms.ContentInfo({"content_type": "signed_data", "content": tokens[0]}).dump()
    return attrs.evolve(
        facts, intact=bool(intact), signature_valid=bool(valid), timestamp_token=token,
        timestamp_data=bytes(si["signature"].native),
    )  # fmt: skip


def _first_line(text: str) -> str:
    from edoc.errors import shorten

    return shorten(text.strip().splitlines()[0] if text.strip() else "", 200)


def _why(exc: BaseException) -> str:
    from edoc.errors import shorten

    text = str(exc) or type(exc).__name__
    return shorten(f"{type(exc).__name__}: {text}", 200)
