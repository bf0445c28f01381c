"""``edoc.Verifier``: a signature's assessment (ETSI EN 319 102-1 "validation"), with a report.

:func:`edoc.verify` answers "may I trust this package?" by returning or raising. The
Verifier answers the fuller question a receiver files away: the indication
(TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE) and sub-indication, and a report of who
signed, when, the chain, the revocation evidence and every check. It raises only for input
that is not a package at all (unreadable, not XML, over a limit).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from edoc._base64 import Base64Error, decode_canonical
from edoc.errors import EdocError, InvalidSignatureError, Reason, UntrustedCertificateError
from edoc.limits import Limits
from edoc.model import Package
from edoc.signing._fetch import Fetcher
from edoc.signing.report import AssessmentReport, CertificateInfo, Check, Indication, SubIndication
from edoc.signing.revocation import (
    SKEW,
    Evidence,
    RevocationChecker,
    RevocationMode,
    issuers_of,
    names_revocation_source,
)
from edoc.signing.timestamp import TimeStampInfo
from edoc.signing.trust import TrustStore, check_signing_usage, subject_text
from edoc.signing.verifier import VerificationResult, VerifyPolicy, verify
from edoc.signing.xades import XadesInfo
from edoc.xml.reader import Source

if TYPE_CHECKING:
    from edoc.pdf import PdfDocument, PdfLimits

__all__ = ["INDICATIONS", "AssessmentResult", "Run", "ValidationResult", "Verifier", "xades_of"]

Ind, Sub = Indication, SubIndication

R = Reason
INDICATIONS: Mapping[Reason, tuple[Indication, SubIndication]] = MappingProxyType({
    # the signature itself (edoc.verify refused)
    R.INVALID: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.MISSING: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.PROFILE: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.FORMAT: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.C14N: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.EDXML_DIALECT: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.KEY_TYPE: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.DIGEST_MISMATCH: (Ind.TOTAL_FAILED, Sub.HASH_FAILURE),
    R.SIGNATURE_VALUE: (Ind.TOTAL_FAILED, Sub.SIG_CRYPTO_FAILURE),
    R.ALGORITHM: (Ind.INDETERMINATE, Sub.CRYPTO_CONSTRAINTS_FAILURE),
    R.KEY_SIZE: (Ind.INDETERMINATE, Sub.CRYPTO_CONSTRAINTS_FAILURE),
    R.NO_CERTIFICATE: (Ind.INDETERMINATE, Sub.NO_SIGNING_CERTIFICATE_FOUND),
    R.PLACEHOLDER_CERTIFICATE: (Ind.INDETERMINATE, Sub.NO_SIGNING_CERTIFICATE_FOUND),
    R.XADES_FORMAT: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.XADES_PROFILE: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    # SigningCertificateV2 names another certificate than the one that signed
    R.XADES_SIGNING_CERTIFICATE: (Ind.INDETERMINATE, Sub.NO_SIGNING_CERTIFICATE_FOUND),
    # XAdES SigningTime after the signature time-stamp's genTime
    R.TIMESTAMP_ORDER: (Ind.INDETERMINATE, Sub.TIMESTAMP_ORDER_FAILURE),
    R.TIMESTAMP: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.TIMESTAMP_ALGORITHM: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.TIMESTAMP_CERTIFICATE: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.TIMESTAMP_FORMAT: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.TIMESTAMP_NONCE: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.TIMESTAMP_IMPRINT: (Ind.TOTAL_FAILED, Sub.HASH_FAILURE),
    R.TIMESTAMP_SIGNATURE: (Ind.TOTAL_FAILED, Sub.SIG_CRYPTO_FAILURE),
    # the certificate path (expired and revoked: without a proof of existence; with one,
    # the run decides TOTAL_FAILED EXPIRED / REVOKED)
    R.UNTRUSTED_CHAIN: (Ind.INDETERMINATE, Sub.NO_CERTIFICATE_CHAIN_FOUND),
    R.CHAIN_CONSTRAINTS: (Ind.INDETERMINATE, Sub.CHAIN_CONSTRAINTS_FAILURE),
    R.KEY_USAGE: (Ind.INDETERMINATE, Sub.SIG_CONSTRAINTS_FAILURE),
    R.CERTIFICATE_NOT_YET_VALID: (Ind.TOTAL_FAILED, Sub.NOT_YET_VALID),
    R.CERTIFICATE_EXPIRED: (Ind.INDETERMINATE, Sub.OUT_OF_BOUNDS_NO_POE),
    R.REVOKED: (Ind.INDETERMINATE, Sub.REVOKED_NO_POE),
    R.REVOCATION_STALE: (Ind.INDETERMINATE, Sub.REVOCATION_OUT_OF_BOUNDS_NO_POE),
    R.REVOCATION_UNAVAILABLE: (Ind.INDETERMINATE, Sub.TRY_LATER),
    # signatures inside PDF attachments
    R.SELF_SIGNED: (Ind.INDETERMINATE, Sub.NO_CERTIFICATE_CHAIN_FOUND),
    R.NO_TRUST_STORE: (Ind.INDETERMINATE, Sub.NO_CERTIFICATE_CHAIN_FOUND),
    R.PDF_FORMAT: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.PDF_DIGEST_MISMATCH: (Ind.TOTAL_FAILED, Sub.HASH_FAILURE),
    R.PDF_SIGNATURE_VALUE: (Ind.TOTAL_FAILED, Sub.SIG_CRYPTO_FAILURE),
    R.PDF_COVERAGE: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
    R.PDF_MODIFIED: (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE),
})  # fmt: skip
"""What each :class:`~edoc.errors.Reason` means as an ETSI EN 319 102-1 indication and
sub-indication: total (every member has an entry; a test checks), so no reason falls
through to a default."""
if set(INDICATIONS) != set(Reason):  # pragma: no cover - caught by the tests first
    raise AssertionError(f"INDICATIONS misses {sorted(set(Reason) - set(INDICATIONS))}")


def xades_of(result: VerificationResult) -> XadesInfo | None:
    """The signature's XAdES properties, or None when it has none."""
    return result.xades


@attrs.frozen(kw_only=True)
class AssessmentResult:
    """The outcome of :meth:`Verifier.verify`."""

    indication: Indication
    sub_indication: SubIndication | None
    report: AssessmentReport
    signature: VerificationResult | None
    """The cryptographically verified signature and the package it covers (its ``chain``
    is the validated path), or None when the signature itself did not verify."""
    reason: Reason | None = attrs.field(default=None, converter=attrs.converters.optional(Reason))
    """edoc's short reason code when not passed (``digest-mismatch``, ``untrusted-chain``,
    ``key-usage``, ``revoked``, ``revocation-unavailable`` ...), for scripts."""
    documents: tuple[PdfDocument, ...] = ()
    """The PDF attachments' signatures (:mod:`edoc.pdf.check`), checked once the envelope's
    signature verified; empty when ``pdf=False`` or there is no PDF."""

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    @property
    def package(self) -> Package | None:
        """The signed package, only when the validation passed. (``signature.package`` holds
        it for an INDETERMINATE result, for a caller who decides to look anyway.)"""
        return self.signature.package if self.passed and self.signature else None


ValidationResult = AssessmentResult
"""The former name of :class:`AssessmentResult` (kept as an alias)."""


class _Deferred(TrustStore):
    """Lets :func:`verify` finish the signature checks; the path is validated afterwards,
    at the validation time the signature's time-stamp decides."""

    def __init__(self) -> None:  # no anchors: nothing is trusted here
        self.certificates = ()
        self._der = set()
        self.intermediates: list[x509.Certificate] = []

    def check_signer(
        self, signer: x509.Certificate, intermediates: Iterable[x509.Certificate], at: dt.datetime
    ) -> tuple[x509.Certificate, ...]:
        self.intermediates = list(intermediates)
        return (signer,)


class Verifier:
    """Validate signed packages against the caller's trust anchors, with revocation.

    ``revocation``: ``ocsp-then-crl`` (default), ``crl``, ``ocsp``, ``offline`` (only the
    ``crls`` given here) or ``none``. ``offline=True`` makes any mode ``offline``: no
    network at all. ``at`` fixes the validation time (default: a trusted time-stamp's
    genTime, else now; the signer's claimed SigningTime is reported, never used). Each
    fetch must finish within ``timeout`` seconds in all and may answer at most
    ``max_fetch_bytes``. Answers are cached until their nextUpdate.
    ``pdf``: check the signatures inside PDF attachments (``True`` needs ``edoc-edxml[pdf]``;
    ``None``, the default, when it is installed; ``False`` never), within ``pdf_limits``.
    """

    def __init__(
        self,
        trust: TrustStore,
        *,
        revocation: RevocationMode = "ocsp-then-crl",
        intermediates: Iterable[x509.Certificate] = (),
        policy: VerifyPolicy | None = None,
        offline: bool = False,
        crls: Iterable[x509.CertificateRevocationList | str | os.PathLike[str]] = (),
        at: dt.datetime | None = None,
        timeout: float = 10.0,
        max_fetch_bytes: int = 10 * 1024 * 1024,
        limits: Limits | None = None,
        spool_dir: str | os.PathLike[str] | None = None,
        pdf: bool | None = None,
        pdf_limits: PdfLimits | None = None,
    ) -> None:
        self.trust = trust
        self.intermediates = tuple(intermediates)
        self.policy = policy or VerifyPolicy()
        self.revocation = RevocationChecker(revocation, crls=crls, offline=offline)
        self.at = at
        self.timeout = timeout
        self.max_fetch_bytes = max_fetch_bytes
        self.limits = limits
        self.spool_dir = spool_dir
        from edoc.pdf.check import checker_for

        self.pdf = checker_for(self, pdf, pdf_limits)

    def verify(self, source: Source) -> AssessmentResult:
        """Validate ``source``. Raises :class:`~edoc.errors.ParseError` (or
        :class:`~edoc.errors.SourceError`) only for input that is not a package."""
        result = Run(self, source).go()
        if self.pdf is not None and result.signature is not None:
            attachments = getattr(result.signature.package, "attachments", ())
            documents = self.pdf.check_all(attachments)
            result = attrs.evolve(result, documents=documents)
        return result


def _claimed_signer(source: Source) -> x509.Certificate | None:
    """The certificate a failed signature's KeyInfo carries (a file only; nothing trusted):
    the report of a tampered package still says who it claims signed it."""
    if not isinstance(source, str | os.PathLike):
        return None
    from edoc.xml import read

    try:
        signature = getattr(read(source), "signature", None)
        if signature is None or not signature.certificates:
            return None
        der = decode_canonical("".join(signature.certificates[0].split()))
        return x509.load_der_x509_certificate(der)
    except (EdocError, Base64Error, ValueError):
        return None


class Run:
    """One assessment: collects checks and evidence, stops at the first decisive failure
    (package-internal: :mod:`edoc.pdf.check` runs a PDF signature's path through it)."""

    def __init__(self, verifier: Verifier, source: Source) -> None:
        self.v = verifier
        self.source = source
        self.checks: list[Check] = []
        self.findings: list[str] = []
        self.evidence: list[Evidence] = []
        self.reason: Reason | None = None
        self.fetcher = Fetcher(timeout=verifier.timeout, max_bytes=verifier.max_fetch_bytes)
        self.now = dt.datetime.now(dt.UTC)
        self.report: dict[str, Any] = {
            "source": os.fspath(source) if isinstance(source, str | os.PathLike) else None
        }

    def result(
        self, indication: Indication, sub: SubIndication | None,
        signature: VerificationResult | None = None,
    ) -> AssessmentResult:  # fmt: skip
        report = AssessmentReport(
            indication=indication, sub_indication=sub, checks=tuple(self.checks),
            findings=tuple(self.findings), revocation=tuple(self.evidence),
            fetches=tuple(self.fetcher.log), **self.report,
        )  # fmt: skip
        return AssessmentResult(
            indication=indication,
            sub_indication=sub,
            report=report,
            signature=signature,
            reason=None if indication is Ind.TOTAL_PASSED else self.reason,
        )

    def go(self) -> AssessmentResult:
        deferred = _Deferred()
        try:
            sig = verify(self.source, trust=deferred, policy=self.v.policy,
                         limits=self.v.limits, spool_dir=self.v.spool_dir)  # fmt: skip
        except InvalidSignatureError as exc:
            reason = self.reason = exc.reason
            self.checks.append(Check("signature", "failed", f"{reason}: {exc}"))
            claimed = _claimed_signer(self.source)  # unverified: who KeyInfo says signed
            if claimed is not None:
                self.report["signer"] = CertificateInfo.of(claimed)
            ind, sub = INDICATIONS[reason]
            return self.result(ind, sub)
        self.findings += sig.findings
        self.report.update(
            signer=CertificateInfo.of(sig.signer), algorithm=sig.algorithm.value,
            signature_form=sig.dialect,
        )  # fmt: skip
        self.checks.append(Check("signature", "passed", "the digest and SignatureValue verify "
                                 "with the KeyInfo certificate"))  # fmt: skip
        at, poe = self.validation_time(sig)
        pool = [*deferred.intermediates, *self.v.intermediates]
        try:
            chain = self.v.trust.check(sig.signer, pool, at)
        except UntrustedCertificateError as exc:
            return self.path_failed(exc, poe, sig)
        self.report["chain"] = tuple(CertificateInfo.of(c) for c in chain)
        self.checks.append(Check("certificate path", "passed",
                                 f"{len(chain)} certificate(s) to a trust anchor, valid at the "
                                 "validation time"))  # fmt: skip
        try:
            note = check_signing_usage(sig.signer)
        except UntrustedCertificateError as exc:
            self.checks.append(Check("signing key usage", "failed", str(exc)))
            self.reason = exc.reason
            return self.result(Ind.INDETERMINATE, Sub.SIG_CONSTRAINTS_FAILURE, sig)
        self.checks.append(Check("signing key usage", "passed", note or ""))
        verdict = self.revocation(chain, at, poe)
        sig = attrs.evolve(sig, chain=chain, verified_at=at)
        if verdict is not None:
            return self.result(*verdict, sig)
        return self.result(Ind.TOTAL_PASSED, None, sig)

    def validation_time(self, sig: VerificationResult) -> tuple[dt.datetime, bool]:
        """The time the certificates must be valid at, and whether it is proven (a POE):
        the caller's ``at``, else a trusted time-stamp's genTime, else now. The signer's
        claimed SigningTime is reported, never used."""
        xades = xades_of(sig)
        claimed = xades.signing_time if xades is not None else None
        self.report["claimed_signing_time"] = claimed
        if xades is not None:
            self.report.update(xades_level=xades.level, signature_policy=xades.policy_id)
        stamp = xades.timestamp if xades is not None else None
        proven = stamp is not None and self.trusted_stamp(stamp)
        if claimed is not None and not proven:
            self.findings.append(f"the claimed signing time {claimed.isoformat()} is the "
                                 "signer's own statement: it is reported, not used")  # fmt: skip
        if claimed is not None and claimed > self.now + SKEW:
            self.findings.append("the claimed signing time is in the future")
        if self.v.at is not None:
            at, source, poe = self.v.at, "caller", False
        elif proven:
            assert stamp is not None
            at, source, poe = stamp.gen_time, "time-stamp", True
        else:
            at, source, poe = self.now, "now", False
        self.report.update(validation_time=at, validation_time_source=source)
        return at, poe

    def trusted_stamp(self, stamp: TimeStampInfo) -> bool:
        """Whether the signature time-stamp proves its genTime: not in the future, its
        authority chains to an anchor at genTime with id-kp-timeStamping, and no certificate
        of that chain is revoked (no evidence is not "not revoked")."""
        self.report["timestamp_time"] = stamp.gen_time
        tsa = tuple(stamp.certificates)
        why = None
        if stamp.gen_time > self.now + SKEW:
            why = f"its genTime {stamp.gen_time.isoformat()} is in the future"
            self.checks.append(Check("time-stamp", "failed", why))
        else:
            try:
                chain = self.v.trust.check(tsa[0], [*tsa[1:], *self.v.intermediates],
                                           stamp.gen_time)  # fmt: skip
                _check_tsa_usage(tsa[0])
            except (UntrustedCertificateError, IndexError) as exc:
                self.checks.append(Check("time-stamp authority", "failed", str(exc)))
                why = "its authority is not trusted"
            else:
                self.checks.append(Check("time-stamp authority", "passed", subject_text(tsa[0])))
                why = self.tsa_revocation(chain)
        if why is not None:
            self.findings.append(f"the time-stamp is not used as proof of the signing time: "
                                 f"{why}")  # fmt: skip
        return why is None

    def tsa_revocation(self, chain: tuple[x509.Certificate, ...]) -> str | None:
        """Why the time-stamp authority's chain is not shown unrevoked, or None."""
        if self.v.revocation.mode == "none":
            self.findings.append("the time-stamp authority's revocation was not checked "
                                 "(revocation='none')")  # fmt: skip
            return None
        for cert, issuer in issuers_of(chain):
            name = f"revocation of the time-stamp authority {subject_text(cert)}"
            kind, detail = self.ask(cert, issuer, name)
            if kind == "revoked":
                return f"{subject_text(cert)} is revoked"
            if kind not in ("good", "skipped"):
                return f"the revocation status of {subject_text(cert)} is unknown ({detail})"
        return None

    def path_failed(
        self, exc: UntrustedCertificateError, poe: bool, sig: VerificationResult
    ) -> AssessmentResult:
        self.checks.append(Check("certificate path", "failed", str(exc)))
        self.reason = exc.reason
        if exc.reason is Reason.CERTIFICATE_EXPIRED:
            is_signer = getattr(exc, "certificate", sig.signer) is sig.signer
            if poe and is_signer:
                return self.result(Ind.TOTAL_FAILED, Sub.EXPIRED, sig)
            return self.result(Ind.INDETERMINATE, Sub.OUT_OF_BOUNDS_NO_POE, sig)
        ind, sub = INDICATIONS[exc.reason]
        return self.result(ind, sub, sig)

    def revocation(
        self, chain: tuple[x509.Certificate, ...], at: dt.datetime, poe: bool
    ) -> tuple[Indication, SubIndication] | None:
        """Check each certificate below the anchor; the first problem decides."""
        if self.v.revocation.mode == "none":
            self.checks.append(Check("revocation", "skipped", "revocation checking is off"))
            self.findings.append("revocation was not checked (revocation='none')")
            return None
        links = issuers_of(chain)
        if not links:
            self.checks.append(Check("revocation", "skipped", "the signer certificate is pinned"))
            return None
        for depth, (cert, issuer) in enumerate(links):
            name = f"revocation of {subject_text(cert)}"
            kind, _ = self.ask(cert, issuer, name, at if poe else None)
            if kind in ("good", "skipped"):
                continue
            if kind == "revoked":
                self.reason = Reason.REVOKED
                if depth > 0:
                    return Ind.INDETERMINATE, Sub.REVOKED_CA_NO_POE
                if poe:
                    return Ind.TOTAL_FAILED, Sub.REVOKED
                return Ind.INDETERMINATE, Sub.REVOKED_NO_POE
            stale = kind == "stale"
            self.reason = Reason.REVOCATION_STALE if stale else Reason.REVOCATION_UNAVAILABLE
            sub = Sub.REVOCATION_OUT_OF_BOUNDS_NO_POE if kind == "stale" else Sub.TRY_LATER
            return Ind.INDETERMINATE, sub
        return None

    def ask(
        self, cert: x509.Certificate, issuer: x509.Certificate, name: str,
        proven: dt.datetime | None = None,
    ) -> tuple[str, str]:  # fmt: skip
        """Ask the revocation sources about ``cert`` and record the check: ``good``,
        ``skipped`` (it names no source), ``revoked``, ``stale`` or ``unavailable``, with the
        detail. A revocation after ``proven`` (a time with proof of existence) is good."""
        answers = self.v.revocation.check(cert, issuer, self.now, self.fetcher)
        self.evidence += answers
        final = answers[-1] if answers else None
        if final is None:  # no source this mode can use, and no CRL file for its issuer
            if not names_revocation_source(cert):
                why = "the certificate names no OCSP responder or CRL distribution point"
                self.checks.append(Check(name, "skipped", why))
                self.findings.append(f"{subject_text(cert)} names no revocation "
                                     "source: its status was not checked")  # fmt: skip
                return "skipped", why
            why = (f"no source usable in mode {self.v.revocation.mode!r} and no CRL given "
                   "for its issuer")  # fmt: skip
            self.checks.append(Check(name, "indeterminate", why))
            return "unavailable", why
        if final.status == "good":
            self.checks.append(Check(name, "passed", f"good per {final.source} "
                                     f"{final.location}"))  # fmt: skip
            return "good", ""
        if final.status == "revoked":
            assert final.revocation_time is not None
            detail = f"revoked {final.revocation_time.isoformat()} per {final.source}"
            if proven is not None and final.revocation_time > proven:
                self.checks.append(Check(name, "passed", detail + ", after the time-stamp"))
                return "good", detail
            self.checks.append(Check(name, "failed", detail))
            return "revoked", detail
        stale = any(e.status == "stale" for e in answers)
        details = "; ".join(f"{e.location}: {e.detail or e.status}" for e in answers)
        self.checks.append(Check(name, "indeterminate", details))
        return ("stale" if stale else "unavailable"), details


def _check_tsa_usage(cert: x509.Certificate) -> None:
    """A time-stamping authority's certificate must carry id-kp-timeStamping (RFC 3161 §2.3)."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = x509.ExtendedKeyUsage([])
    if ExtendedKeyUsageOID.TIME_STAMPING not in eku:
        raise UntrustedCertificateError(
            f"the time-stamp's certificate ({subject_text(cert)}) lacks id-kp-timeStamping",
            reason=Reason.KEY_USAGE,
        )
