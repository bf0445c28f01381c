"""What the check of one attached PDF reports: its signature fields, and for each signature
the signer, times, integrity, coverage, chain, revocation and ETSI indication.

Plain data (no pyHanko here): it is importable, comparable and serialisable without the
``edoc-edxml[pdf]`` extra. The fields are described in docs/reference/pdf-report.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import attrs

from edoc.signing.report import CertificateInfo, Check, Fetch, Indication, SubIndication
from edoc.signing.revocation import Evidence

__all__ = ["Coverage", "Modification", "PdfDocument", "PdfSignature"]

Coverage = Literal["entire-file", "entire-revision", "partial", "unclear"]
"""What the signed byte ranges cover: the whole file; the whole revision the signature
belongs to (later incremental updates follow it); a block from the start that stops short
of its revision's end (``partial``: the tail can be changed freely); or ranges that are
not the standard two around ``/Contents`` (``unclear``)."""

Modification = Literal["none", "ltv-updates", "form-filling", "annotations", "other"]
"""The worst change made by the incremental updates after the signed revision: none;
validation data or document time-stamps only; form filling and further signatures;
annotations; anything else (content, pages, objects rewritten)."""


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


@attrs.frozen(kw_only=True)
class PdfSignature:
    """One filled signature field of a PDF: a signature (``/Sig``) or a document time-stamp
    (``/DocTimeStamp``)."""

    field: str
    """The signature field's fully qualified name."""
    kind: Literal["signature", "timestamp"]
    indication: Indication
    sub_indication: SubIndication | None
    reason: str | None = None
    """edoc's short reason code when not passed (``pdf-digest-mismatch``,
    ``pdf-signature-value``, ``pdf-coverage``, ``pdf-modified``, ``untrusted-chain``,
    ``revoked`` ...)."""
    sub_filter: str | None = None
    """``/SubFilter``: ``adbe.pkcs7.detached``, ``ETSI.CAdES.detached``, ``ETSI.RFC3161``."""
    signer: CertificateInfo | None = None
    """The signer's certificate (the TSA's for a document time-stamp)."""
    digest_algorithm: str | None = None
    signature_algorithm: str | None = None
    claimed_signing_time: dt.datetime | None = None
    """The signer's claim (CMS signingTime, else ``/M``): not proof."""
    timestamp_time: dt.datetime | None = None
    """genTime of the signature's time-stamp token, or of the document time-stamp."""
    byte_range: tuple[int, ...] = ()
    intact: bool | None = None
    """The digest of the signed byte ranges equals the signed messageDigest."""
    signature_valid: bool | None = None
    """The CMS signature verifies with the signer's public key."""
    coverage: Coverage | None = None
    revision: int | None = None
    """The file revision the signature belongs to (0 = the original file)."""
    revisions_after: int | None = None
    """Incremental updates appended after that revision."""
    modification: Modification | None = None
    modification_detail: str | None = None
    docmdp: int | None = None
    """The DocMDP permission the signature locks (1 no changes, 2 form filling and signing,
    3 also annotations), when it is a certification signature or has a field lock."""
    validation_time: dt.datetime | None = None
    validation_time_source: str | None = None
    """``time-stamp``, ``claimed``, ``caller`` or ``now``."""
    chain: tuple[CertificateInfo, ...] = ()
    revocation: tuple[Evidence, ...] = ()
    fetches: tuple[Fetch, ...] = ()
    checks: tuple[Check, ...] = ()
    findings: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    @property
    def broken(self) -> bool:
        """Integrity, signature value, coverage or later changes failed (not trust)."""
        return self.reason in _BROKEN

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "kind": self.kind,
            "indication": self.indication.value,
            "sub_indication": self.sub_indication.value if self.sub_indication else None,
            "reason": self.reason,
            "sub_filter": self.sub_filter,
            "signer": self.signer.as_dict() if self.signer else None,
            "digest_algorithm": self.digest_algorithm,
            "signature_algorithm": self.signature_algorithm,
            "claimed_signing_time": _iso(self.claimed_signing_time),
            "timestamp_time": _iso(self.timestamp_time),
            "byte_range": list(self.byte_range),
            "intact": self.intact,
            "signature_valid": self.signature_valid,
            "coverage": self.coverage,
            "revision": self.revision,
            "revisions_after": self.revisions_after,
            "modification": self.modification,
            "modification_detail": self.modification_detail,
            "docmdp": self.docmdp,
            "validation_time": _iso(self.validation_time),
            "validation_time_source": self.validation_time_source,
            "chain": [c.as_dict() for c in self.chain],
            "revocation": [e.as_dict() for e in self.revocation],
            "fetches": [f.as_dict() for f in self.fetches],
            "checks": [attrs.asdict(c) for c in self.checks],
            "findings": list(self.findings),
        }

    def to_text(self, indent: str = "    ") -> list[str]:
        head = self.indication.value + (
            f" / {self.sub_indication.value}" if self.sub_indication else ""
        )
        out = [f"{indent}{self.kind} {self.field!r}: {head}"]
        i = indent + "  "
        if self.signer:
            out.append(f"{i}signer:      {self.signer.subject} (serial {self.signer.serial})")
        if self.claimed_signing_time:
            out.append(f"{i}claimed:     {self.claimed_signing_time.isoformat()} (not proven)")
        if self.timestamp_time:
            out.append(f"{i}time-stamp:  {self.timestamp_time.isoformat()}")
        if self.byte_range:
            out.append(f"{i}byte range:  {list(self.byte_range)}, coverage {self.coverage}, "
                       f"revision {self.revision} (+{self.revisions_after} after)")  # fmt: skip
        if self.modification is not None:
            detail = f" ({self.modification_detail})" if self.modification_detail else ""
            out.append(f"{i}changed:     {self.modification}{detail}")
        for n, c in enumerate(self.chain):
            label = f"{i}chain:       " if n == 0 else f"{i}             "
            out.append(f"{label}{'  ' * n}{c.subject}")
        for e in self.revocation:
            out.append(f"{i}revocation:  {e.subject}: {e.status} by {e.source} {e.location}")
        for check in self.checks:
            detail = f": {check.detail}" if check.detail else ""
            out.append(f"{i}[{check.outcome:>13}] {check.name}{detail}")
        out += [f"{i}note: {f}" for f in self.findings]
        return out


_BROKEN = frozenset(
    {"pdf-digest-mismatch", "pdf-signature-value", "pdf-coverage", "pdf-modified", "pdf-format",
     "timestamp-imprint", "timestamp-signature", "timestamp-format"}
)  # fmt: skip


@attrs.frozen(kw_only=True)
class PdfDocument:
    """One PDF attachment: its signatures in file order, or why it could not be checked."""

    attachment: str
    """The attachment's name, as the sender gave it."""
    content_id: str | None = None
    size: int | None = None
    signatures: tuple[PdfSignature, ...] = ()
    empty_fields: tuple[str, ...] = ()
    """Signature fields nobody has signed yet."""
    revisions: int | None = None
    """How many revisions (the original plus incremental updates) the file has."""
    error: str | None = None
    """Why the file could not be checked (then ``signatures`` holds what was read before)."""
    error_reason: str | None = None
    """The :class:`~edoc.errors.PdfError` reason: ``pdf-malformed``, ``pdf-too-large``,
    ``pdf-timeout``, ``pdf-unreadable`` or ``pdf-backend``."""
    seconds: float = 0.0

    @property
    def signed(self) -> bool:
        """At least one signature (``/Sig``), whatever its verdict."""
        return any(s.kind == "signature" for s in self.signatures)

    @property
    def passed(self) -> bool:
        """Readable, signed, and every signature and time-stamp TOTAL_PASSED."""
        return self.error is None and self.signed and all(s.passed for s in self.signatures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "attachment": self.attachment,
            "content_id": self.content_id,
            "size": self.size,
            "signed": self.signed,
            "revisions": self.revisions,
            "signatures": [s.to_dict() for s in self.signatures],
            "empty_fields": list(self.empty_fields),
            "error": self.error,
            "error_reason": self.error_reason,
            "seconds": round(self.seconds, 4),
        }

    def to_text(self) -> str:
        state = ("NOT CHECKED" if self.error else "signed" if self.signed
                 else "NOT SIGNED")  # fmt: skip
        out = [f"  document {self.attachment!r} ({self.content_id or '-'}, "
               f"{self.size if self.size is not None else '?'} bytes): {state}"]  # fmt: skip
        if self.error:
            out.append(f"    error: {self.error_reason}: {self.error}")
        for sig in self.signatures:
            out += sig.to_text()
        if self.empty_fields:
            out.append(f"    empty signature fields: {', '.join(self.empty_fields)}")
        return "\n".join(out)
