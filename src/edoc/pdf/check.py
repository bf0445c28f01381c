"""Check the signatures inside a package's PDF attachments.

pyHanko (in ``edoc.pdf._pyhanko``) reads each signature's facts; the verdict is edoc's:
the same trust store, validation-time rule, time-stamp verifier and OCSP/CRL checker as
the envelope (:class:`edoc.Verifier`), and the same ETSI EN 319 102-1 indications.
Each PDF is bounded in size and time; a hostile PDF becomes its document's ``error``
and the other attachments are still checked.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO

import attrs

from edoc.errors import (
    EdocError,
    PdfError,
    PdfErrorReason,
    Reason,
    UntrustedCertificateError,
    shorten,
)
from edoc.model.attachment import Attachment
from edoc.pdf._pyhanko import Facts, Guarded, read_signatures, require_backend
from edoc.pdf.report import PdfDocument, PdfSignature
from edoc.signing.report import CertificateInfo, Check, Indication, SubIndication
from edoc.signing.timestamp import TimeStampInfo, verify_token
from edoc.signing.trust import check_signing_usage, subject_text

if TYPE_CHECKING:
    from edoc.signing.assessment import Verifier

__all__ = ["PdfChecker", "PdfLimits", "checker_for", "is_pdf", "require_backend"]

Ind, Sub = Indication, SubIndication
_MiB = 1024 * 1024
_MAGIC = b"%PDF-"


@attrs.frozen(kw_only=True)
class PdfLimits:
    """Bounds for one PDF; a PDF over one is reported with ``error_reason`` set."""

    max_bytes: int = 512 * _MiB
    """Size of one PDF (bigger ones are not opened: ``pdf-too-large``)."""
    max_seconds: float = 60.0
    """Time to check one PDF, revocation fetches included (``pdf-timeout``)."""
    max_signatures: int = 64
    """Signature fields checked in one PDF (the rest are reported as not checked)."""


def _ends(attachment: Attachment) -> tuple[bytes, bytes]:
    """The first and the last 1024 bytes (empty when the content cannot be read)."""
    try:
        with attachment.open() as stream:
            head = stream.read(1024)
            if not stream.seekable():
                return head, b""
            size = stream.seek(0, 2)
            stream.seek(max(0, size - 1024))
            return head, stream.read(1024)
    except (EdocError, OSError):
        return b"", b""


def is_pdf(attachment: Attachment) -> bool:
    """A PDF by its content: the header ``%PDF-`` in the first 1024 bytes, and the file
    trailer ``startxref`` ... ``%%EOF`` in the last 1024 (ISO 32000-1 §7.5.2, §7.5.5), which
    every reader starts from. The declared name and type are the sender's word and decide
    nothing."""
    head, tail = _ends(attachment)
    return _MAGIC in head and b"startxref" in tail and b"%%EOF" in tail


class PdfChecker:
    """Checks PDF attachments with ``verifier``'s trust store, revocation and validation
    time; with no verifier, the signatures' integrity only (the chain is not checked).

    Raises :class:`PdfError` (``pdf-backend``) when pyHanko is missing; with
    ``require=False`` it does not, and pyHanko is imported only once a PDF is met (each PDF
    is then reported with the install hint, should it be missing)."""

    def __init__(
        self, verifier: Verifier | None, *, limits: PdfLimits | None = None, require: bool = True
    ) -> None:
        if require:
            require_backend()
        self.verifier = verifier
        self.limits = limits or PdfLimits()

    def check_all(self, attachments: Iterable[Attachment]) -> tuple[PdfDocument, ...]:
        """One :class:`PdfDocument` per PDF attachment, in package order."""
        return tuple(self.check(a) for a in attachments if is_pdf(a))

    def check(self, attachment: Attachment) -> PdfDocument:
        """Check one attachment; never raises for what the file holds."""
        started = time.monotonic()
        progress = [PdfDocument(attachment=attachment.name, content_id=attachment.content_id,
                                size=attachment.size)]  # fmt: skip
        error: tuple[str, str] | None = None
        try:
            size = progress[0].size
            if size is not None and size > self.limits.max_bytes:
                raise PdfError(f"the PDF is {size} bytes, over the limit of "
                               f"{self.limits.max_bytes}",
                               reason=PdfErrorReason.TOO_LARGE)  # fmt: skip
            require_backend()  # cheap once imported
            with attachment.open() as raw:
                self._read(progress, raw, started + self.limits.max_seconds)
        except PdfError as exc:
            error = str(exc), exc.reason
        except EdocError as exc:
            error = str(exc), PdfErrorReason.UNREADABLE
        except (RecursionError, MemoryError) as exc:
            error = (f"{type(exc).__name__}: the PDF's structure is too deep or too large",
                     PdfErrorReason.MALFORMED)  # fmt: skip
        except Exception as exc:  # pyHanko's own errors, whatever their type
            error = shorten(f"{type(exc).__name__}: {exc}", 200), PdfErrorReason.MALFORMED
        doc = progress[-1]  # what was read before an error
        if error is not None:
            doc = attrs.evolve(doc, error=error[0], error_reason=error[1])
        return attrs.evolve(doc, seconds=time.monotonic() - started)

    def _read(self, progress: list[PdfDocument], raw: BinaryIO, deadline: float) -> None:
        if not raw.seekable():
            raise PdfError("the PDF's content cannot be seeked", reason=PdfErrorReason.UNREADABLE)
        size = raw.seek(0, 2)
        raw.seek(0)
        if size > self.limits.max_bytes:
            raise PdfError(f"the PDF is {size} bytes, over the limit of "
                           f"{self.limits.max_bytes}", reason=PdfErrorReason.TOO_LARGE)  # fmt: skip
        stream = Guarded(raw, deadline)
        read = read_signatures(stream)
        doc = attrs.evolve(progress[-1], size=size, revisions=read.revisions,
                           empty_fields=read.empty_fields)  # fmt: skip
        progress.append(doc)
        for n, facts in enumerate(read.signatures):
            if n >= self.limits.max_signatures:
                raise PdfError(f"more than {self.limits.max_signatures} signatures: the rest "
                               "were not checked", reason=PdfErrorReason.TOO_LARGE)  # fmt: skip
            sig = _Judge(self.verifier, facts, read.revisions, stream).go()
            progress.append(attrs.evolve(progress[-1], signatures=(*progress[-1].signatures, sig)))


class _Judge:
    """The verdict on one signature, its checks in order; the first decisive failure ends it."""

    def __init__(
        self, verifier: Verifier | None, facts: Facts, revisions: int, stream: Guarded
    ) -> None:
        from edoc.signing.assessment import Run

        self.v = verifier
        self.f = facts
        self.stream = stream
        self.run = Run(verifier, facts.field) if verifier is not None else None
        self.checks: list[Check] = self.run.checks if self.run else []
        self.findings: list[str] = self.run.findings if self.run else []
        after = revisions - 1 - facts.revision if facts.revision is not None else None
        self.fields: dict[str, object] = {
            "field": facts.field, "kind": facts.kind, "sub_filter": facts.sub_filter,
            "signer": CertificateInfo.of(facts.signer) if facts.signer else None,
            "digest_algorithm": facts.digest_algorithm,
            "signature_algorithm": facts.signature_algorithm,
            "claimed_signing_time": facts.claimed_signing_time,
            "byte_range": facts.byte_range, "intact": facts.intact,
            "signature_valid": facts.signature_valid, "coverage": facts.coverage,
            "revision": facts.revision, "revisions_after": after,
            "modification": facts.modification, "modification_detail": facts.modification_detail,
            "docmdp": facts.docmdp,
        }  # fmt: skip

    def done(
        self, indication: Indication, sub: SubIndication | None, reason: Reason | None = None
    ) -> PdfSignature:
        run = self.run
        extra: dict[str, object] = {}
        if run is not None:
            extra = {"revocation": tuple(run.evidence), "fetches": tuple(run.fetcher.log)}
            reason = reason or (run.reason if indication is not Ind.TOTAL_PASSED else None)
        return PdfSignature(
            indication=indication, sub_indication=sub, reason=reason,
            checks=tuple(self.checks), findings=tuple(self.findings),
            **self.fields, **extra,  # type: ignore[arg-type]
        )  # fmt: skip

    def fail(self, name: str, detail: str, ind: Indication, sub: SubIndication, reason: Reason
             ) -> PdfSignature:  # fmt: skip
        self.checks.append(Check(name, "failed", detail))
        return self.done(ind, sub, reason)

    def go(self) -> PdfSignature:
        f = self.f
        if f.error is not None:
            return self.fail("signature format", f.error, Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE,
                             Reason.PDF_FORMAT)  # fmt: skip
        if f.signer is None:
            return self.fail("signing certificate", "the CMS carries no signer certificate",
                             Ind.INDETERMINATE, Sub.NO_SIGNING_CERTIFICATE_FOUND,
                             Reason.NO_CERTIFICATE)  # fmt: skip
        stamp: TimeStampInfo | None = None
        if f.kind == "timestamp":
            try:
                stamp = verify_token(f.timestamp_token or b"", imprint=f.timestamp_imprint)
            except UntrustedCertificateError as exc:  # pragma: no cover (not raised there)
                return self.fail("document time-stamp", str(exc), Ind.TOTAL_FAILED,
                                 Sub.HASH_FAILURE, exc.reason)  # fmt: skip
            except EdocError as exc:
                reason = getattr(exc, "reason", Reason.TIMESTAMP)
                imprint = reason is Reason.TIMESTAMP_IMPRINT
                sub = Sub.HASH_FAILURE if imprint else Sub.SIG_CRYPTO_FAILURE
                return self.fail("document time-stamp", str(exc), Ind.TOTAL_FAILED, sub, reason)
            self.fields["timestamp_time"] = stamp.gen_time
            self.checks.append(Check("document time-stamp", "passed", "the token's imprint is "
                                     "the digest of the signed byte ranges and its signature "
                                     "verifies"))  # fmt: skip
        else:
            if not f.intact:
                return self.fail("byte-range digest", "the digest of the signed byte ranges "
                                 "is not the signed messageDigest: the bytes changed",
                                 Ind.TOTAL_FAILED, Sub.HASH_FAILURE,
                                 Reason.PDF_DIGEST_MISMATCH)  # fmt: skip
            ranges = list(f.byte_range)
            self.checks.append(Check("byte-range digest", "passed", f"{f.digest_algorithm} of "
                                     f"bytes {ranges} matches messageDigest"))  # fmt: skip
            if not f.signature_valid:
                return self.fail("signature value", "the CMS signature does not verify with "
                                 "the signer's key", Ind.TOTAL_FAILED, Sub.SIG_CRYPTO_FAILURE,
                                 Reason.PDF_SIGNATURE_VALUE)  # fmt: skip
            self.checks.append(Check("signature value", "passed", f.signature_algorithm or ""))
        verdict = self.coverage()
        if verdict is not None:
            return verdict
        if f.kind == "signature" and f.timestamp_token:
            stamp = self.signature_timestamp()
        at, poe = self.validation_time(stamp)
        if self.v is None or self.run is None:
            signer = f.signer
            if signer.issuer == signer.subject:
                return self.fail("certificate path", "the signer's certificate is self-signed: "
                                 "anyone can make such a signature", Ind.INDETERMINATE,
                                 Sub.NO_CERTIFICATE_CHAIN_FOUND, Reason.SELF_SIGNED)  # fmt: skip
            self.checks.append(Check("certificate path", "skipped", "no trust store was given"))
            return self.done(Ind.INDETERMINATE, Sub.NO_CERTIFICATE_CHAIN_FOUND,
                             Reason.NO_TRUST_STORE)  # fmt: skip
        if f.kind == "timestamp":
            return self.tsa_path(stamp)
        return self.path(at, poe)

    def coverage(self) -> PdfSignature | None:
        f = self.f
        after = self.fields["revisions_after"]
        if f.coverage in ("partial", "unclear"):
            what = ("the byte ranges stop short of the end of the signed revision"
                    if f.coverage == "partial"
                    else "the byte ranges are not the two around /Contents")  # fmt: skip
            return self.fail("coverage", what, Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE,
                             Reason.PDF_COVERAGE)  # fmt: skip
        covered = ("the whole file" if f.coverage == "entire-file"
                   else f"its whole revision, then {after} incremental update(s)")  # fmt: skip
        self.checks.append(Check("coverage", "passed", f"the signature covers {covered}"))
        if f.modification_allowed is False:
            return self.fail("changes after signing", f"the incremental update(s) after the "
                             f"signed revision are not allowed ({f.modification}"
                             + (f": {f.modification_detail}" if f.modification_detail else "")
                             + ")", Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE,
                             Reason.PDF_MODIFIED)  # fmt: skip
        if f.modification not in (None, "none"):
            self.checks.append(Check("changes after signing", "passed", f"{f.modification}: "
                                     "allowed after a signature"))  # fmt: skip
            self.findings.append(f"the PDF was updated after this signature ({f.modification})")
        return None

    def signature_timestamp(self) -> TimeStampInfo | None:
        f = self.f
        try:
            stamp = verify_token(f.timestamp_token or b"", f.timestamp_data)
        except EdocError as exc:
            self.checks.append(Check("signature time-stamp", "failed", str(exc)))
            self.findings.append("the signature's time-stamp does not verify: its time is not "
                                 "used as proof of the signing time")  # fmt: skip
            return None
        self.fields["timestamp_time"] = stamp.gen_time
        if self.v is None:
            self.checks.append(Check("signature time-stamp", "passed", "verifies (its authority "
                                     "is not checked: no trust store)"))  # fmt: skip
            return None
        tsa = stamp.certificates
        try:
            self.v.trust.check(tsa[0], [*tsa[1:], *self.v.intermediates], stamp.gen_time)
        except UntrustedCertificateError as exc:
            self.checks.append(Check("time-stamp authority", "failed", str(exc)))
            self.findings.append("the time-stamp's authority is not trusted: its time is not "
                                 "used as proof of the signing time")  # fmt: skip
            return None
        self.checks.append(Check("time-stamp authority", "passed", subject_text(tsa[0])))
        return stamp

    def validation_time(self, stamp: TimeStampInfo | None) -> tuple[dt.datetime, bool]:
        claimed = self.f.claimed_signing_time
        if self.v is not None and self.v.at is not None:
            at, source, poe = self.v.at, "caller", False
        elif stamp is not None:
            at, source, poe = stamp.gen_time, "time-stamp", True
        elif isinstance(claimed, dt.datetime) and claimed.tzinfo is not None:
            at, source, poe = claimed, "claimed", False
            self.findings.append("the signing time is the signer's claim (no time-stamp)")
        else:
            at, source, poe = dt.datetime.now(dt.UTC), "now", False
        self.fields.update(validation_time=at, validation_time_source=source)
        return at, poe

    def tsa_path(self, stamp: TimeStampInfo | None) -> PdfSignature:
        assert self.v is not None
        assert stamp is not None
        tsa = stamp.certificates
        try:
            chain = self.v.trust.check(tsa[0], [*tsa[1:], *self.v.intermediates], stamp.gen_time)
        except UntrustedCertificateError as exc:
            return self.fail("time-stamp authority", str(exc), Ind.INDETERMINATE,
                             Sub.NO_CERTIFICATE_CHAIN_FOUND, exc.reason)  # fmt: skip
        self.fields["chain"] = tuple(CertificateInfo.of(c) for c in chain)
        self.checks.append(Check("time-stamp authority", "passed", subject_text(tsa[0])))
        self.findings.append("the time-stamp authority's revocation status is not checked")
        return self.done(Ind.TOTAL_PASSED, None)

    def path(self, at: dt.datetime, poe: bool) -> PdfSignature:
        from edoc.signing.assessment import INDICATIONS

        assert self.v is not None
        assert self.run is not None
        assert self.f.signer is not None
        signer = self.f.signer
        try:
            chain = self.v.trust.check(signer, [*self.f.certificates, *self.v.intermediates], at)
        except UntrustedCertificateError as exc:
            self.checks.append(Check("certificate path", "failed", str(exc)))
            if exc.reason is Reason.CERTIFICATE_EXPIRED:
                is_signer = getattr(exc, "certificate", signer) is signer
                sub = Sub.EXPIRED if poe and is_signer else Sub.OUT_OF_BOUNDS_NO_POE
                return self.done(Ind.TOTAL_FAILED if sub is Sub.EXPIRED else Ind.INDETERMINATE,
                                 sub, exc.reason)  # fmt: skip
            ind, sub = INDICATIONS[exc.reason]
            return self.done(ind, sub, exc.reason)
        self.fields["chain"] = tuple(CertificateInfo.of(c) for c in chain)
        self.checks.append(Check("certificate path", "passed", f"{len(chain)} certificate(s) "
                                 "to a trust anchor, valid at the validation time"))  # fmt: skip
        try:
            note = check_signing_usage(signer)
        except UntrustedCertificateError as exc:
            return self.fail("signing key usage", str(exc), Ind.INDETERMINATE,
                             Sub.SIG_CONSTRAINTS_FAILURE, exc.reason)  # fmt: skip
        self.checks.append(Check("signing key usage", "passed", note or ""))
        self.stream.check()  # the fetches have their own timeout; do not start one late
        verdict = self.run.revocation(chain, at, poe)
        if verdict is not None:
            return self.done(*verdict)
        return self.done(Ind.TOTAL_PASSED, None)


def checker_for(
    verifier: Verifier | None, pdf: bool | None, limits: PdfLimits | None = None
) -> PdfChecker | None:
    """The checker a :class:`~edoc.Verifier` uses: none when ``pdf`` is False; a
    :class:`PdfError` (``pdf-backend``) now when it is True and pyHanko is missing; for
    ``None``, a checker that imports pyHanko only when a package carries a PDF."""
    if pdf is False:
        return None
    return PdfChecker(verifier, limits=limits, require=bool(pdf))
