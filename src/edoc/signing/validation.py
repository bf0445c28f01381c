"""``edoc.Verifier``: a signature's validation per ETSI EN 319 102-1, with a report.

:func:`edoc.verify` answers "may I trust this package?" by returning or raising. The
Verifier answers the fuller question a receiver files away: the indication
(TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE) and sub-indication, and a report of who
signed, when, the chain, the revocation evidence and every check. It raises only for input
that is not a package at all (unreadable, not XML, over a limit).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from typing import Any

import attrs
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from edoc.errors import EdocError, InvalidSignatureError, UntrustedCertificateError
from edoc.limits import Limits
from edoc.model import Package
from edoc.signing._fetch import Fetcher
from edoc.signing.report import CertificateInfo, Check, Indication, SubIndication, ValidationReport
from edoc.signing.revocation import (
    Evidence,
    RevocationChecker,
    RevocationMode,
    issuers_of,
    names_revocation_source,
)
from edoc.signing.trust import TrustStore, check_signing_usage, subject_text
from edoc.signing.verifier import VerificationResult, VerifyPolicy, verify
from edoc.signing.xades import XadesInfo
from edoc.xml.reader import Source

__all__ = ["ValidationResult", "Verifier", "xades_of"]

Ind, Sub = Indication, SubIndication

# Why edoc.verify() refused, as the standard names it.
_SIGNATURE_REASONS: dict[str, tuple[Indication, SubIndication]] = {
    "digest-mismatch": (Ind.TOTAL_FAILED, Sub.HASH_FAILURE),
    "signature-value": (Ind.TOTAL_FAILED, Sub.SIG_CRYPTO_FAILURE),
    "algorithm": (Ind.INDETERMINATE, Sub.CRYPTO_CONSTRAINTS_FAILURE),
    "key-size": (Ind.INDETERMINATE, Sub.CRYPTO_CONSTRAINTS_FAILURE),
    "no-certificate": (Ind.INDETERMINATE, Sub.NO_SIGNING_CERTIFICATE_FOUND),
    "placeholder-certificate": (Ind.INDETERMINATE, Sub.NO_SIGNING_CERTIFICATE_FOUND),
    # XAdES SigningCertificateV2 names another certificate than the one that signed
    "xades-signing-certificate": (Ind.INDETERMINATE, Sub.NO_SIGNING_CERTIFICATE_FOUND),
    # XAdES SigningTime after the signature time-stamp's genTime
    "timestamp-order": (Ind.INDETERMINATE, Sub.TIMESTAMP_ORDER_FAILURE),
}
_PATH_REASONS: dict[str, tuple[Indication, SubIndication]] = {
    "untrusted-chain": (Ind.INDETERMINATE, Sub.NO_CERTIFICATE_CHAIN_FOUND),
    "chain-constraints": (Ind.INDETERMINATE, Sub.CHAIN_CONSTRAINTS_FAILURE),
    "key-usage": (Ind.INDETERMINATE, Sub.SIG_CONSTRAINTS_FAILURE),
    "certificate-not-yet-valid": (Ind.TOTAL_FAILED, Sub.NOT_YET_VALID),
    # certificate-expired depends on whether a time-stamp proves the signing time
}


def xades_of(result: VerificationResult) -> XadesInfo | None:
    """The signature's XAdES properties, or None when it has none."""
    return result.xades


@attrs.frozen(kw_only=True)
class ValidationResult:
    """The outcome of :meth:`Verifier.verify`."""

    indication: Indication
    sub_indication: SubIndication | None
    report: ValidationReport
    signature: VerificationResult | None
    """The cryptographically verified signature and the package it covers (its ``chain``
    is the validated path), or None when the signature itself did not verify."""
    reason: str | None = None
    """edoc's short reason code when not passed (``digest-mismatch``, ``untrusted-chain``,
    ``key-usage``, ``revoked``, ``revocation-unavailable`` ...), for scripts."""

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    @property
    def package(self) -> Package | None:
        """The signed package, only when the validation passed. (``signature.package`` holds
        it for an INDETERMINATE result, for a caller who decides to look anyway.)"""
        return self.signature.package if self.passed and self.signature else None


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
    network at all. ``at`` fixes the validation time (default: the time-stamp's, else the
    claimed signing time, else now). Fetches time out after ``timeout`` seconds and may
    answer at most ``max_fetch_bytes``. Answers are cached until their nextUpdate.
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

    def verify(self, source: Source) -> ValidationResult:
        """Validate ``source``. Raises :class:`~edoc.errors.ParseError` (or
        :class:`~edoc.errors.SourceError`) only for input that is not a package."""
        run = _Run(self, source)
        return run.go()


def _claimed_signer(source: Source) -> x509.Certificate | None:
    """The certificate a failed signature's KeyInfo carries (a file only; nothing trusted):
    the report of a tampered package still says who it claims signed it."""
    if not isinstance(source, str | os.PathLike):
        return None
    import base64

    from edoc.xml import read

    try:
        signature = getattr(read(source), "signature", None)
        if signature is None or not signature.certificates:
            return None
        return x509.load_der_x509_certificate(base64.b64decode(signature.certificates[0]))
    except (EdocError, ValueError):
        return None


class _Run:
    """One validation: collects checks and evidence, stops at the first decisive failure."""

    def __init__(self, verifier: Verifier, source: Source) -> None:
        self.v = verifier
        self.source = source
        self.checks: list[Check] = []
        self.findings: list[str] = []
        self.evidence: list[Evidence] = []
        self.reason: str | None = None
        self.fetcher = Fetcher(timeout=verifier.timeout, max_bytes=verifier.max_fetch_bytes)
        self.now = dt.datetime.now(dt.UTC)
        self.report: dict[str, Any] = {
            "source": os.fspath(source) if isinstance(source, str | os.PathLike) else None
        }

    def result(
        self, indication: Indication, sub: SubIndication | None,
        signature: VerificationResult | None = None,
    ) -> ValidationResult:  # fmt: skip
        report = ValidationReport(
            indication=indication, sub_indication=sub, checks=tuple(self.checks),
            findings=tuple(self.findings), revocation=tuple(self.evidence),
            fetches=tuple(self.fetcher.log), **self.report,
        )  # fmt: skip
        return ValidationResult(
            indication=indication, sub_indication=sub, report=report, signature=signature,
            reason=None if indication is Ind.TOTAL_PASSED else self.reason,
        )

    def go(self) -> ValidationResult:
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
            ind, sub = _SIGNATURE_REASONS.get(reason, (Ind.TOTAL_FAILED, Sub.FORMAT_FAILURE))
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
        claimed_only = self.report.get("validation_time_source") == "claimed"
        if claimed_only and any(c.not_valid_after_utc < self.now for c in chain):
            # Valid at a claimed time, expired now: the claim is no proof of when it signed.
            self.checks.append(Check("certificate path", "indeterminate", "valid at the claimed "
                                     "signing time but expired since, and no time-stamp proves "
                                     "that time"))  # fmt: skip
            self.reason = "certificate-expired"
            return self.result(Ind.INDETERMINATE, Sub.OUT_OF_BOUNDS_NO_POE, sig)
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
        """The time the certificates must be valid at, and whether it is proven (a POE)."""
        xades = xades_of(sig)
        claimed = xades.signing_time if xades is not None else None
        stamp = xades.timestamp if xades is not None else None
        self.report["claimed_signing_time"] = claimed
        if xades is not None:
            self.report.update(xades_level=xades.level, signature_policy=xades.policy_id)
        if stamp is not None:
            self.report["timestamp_time"] = stamp.gen_time
            tsa = tuple(stamp.certificates)
            try:
                self.v.trust.check(tsa[0], [*tsa[1:], *self.v.intermediates], stamp.gen_time)
                _check_tsa_usage(tsa[0])
            except (UntrustedCertificateError, IndexError) as exc:
                self.checks.append(Check("time-stamp authority", "failed", str(exc)))
                self.findings.append("the time-stamp's authority is not trusted: its time is "
                                     "not used as proof of the signing time")  # fmt: skip
                stamp = None
            else:
                self.checks.append(Check("time-stamp authority", "passed",
                                         subject_text(tsa[0])))  # fmt: skip
        if self.v.at is not None:
            at, source, poe = self.v.at, "caller", False
        elif stamp is not None:
            at, source, poe = stamp.gen_time, "time-stamp", True
        elif claimed is not None:
            at, source, poe = claimed, "claimed", False
            self.findings.append("the signing time is the signer's claim (no time-stamp)")
        else:
            at, source, poe = self.now, "now", False
        self.report.update(validation_time=at, validation_time_source=source)
        return at, poe

    def path_failed(
        self, exc: UntrustedCertificateError, poe: bool, sig: VerificationResult
    ) -> ValidationResult:
        self.checks.append(Check("certificate path", "failed", str(exc)))
        self.reason = exc.reason
        if exc.reason == "certificate-expired":
            is_signer = getattr(exc, "certificate", sig.signer) is sig.signer
            if poe and is_signer:
                return self.result(Ind.TOTAL_FAILED, Sub.EXPIRED, sig)
            return self.result(Ind.INDETERMINATE, Sub.OUT_OF_BOUNDS_NO_POE, sig)
        default = (Ind.INDETERMINATE, Sub.NO_CERTIFICATE_CHAIN_FOUND)
        ind, sub = _PATH_REASONS.get(exc.reason, default)
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
            answers = self.v.revocation.check(cert, issuer, at, self.now, self.fetcher)
            self.evidence += answers
            final = answers[-1] if answers else None
            if final is None:  # no source this mode can use, and no CRL file for its issuer
                if not names_revocation_source(cert):
                    self.checks.append(Check(name, "skipped", "the certificate names no OCSP "
                                             "responder or CRL distribution point"))  # fmt: skip
                    self.findings.append(f"{subject_text(cert)} names no revocation "
                                         "source: its status was not checked")  # fmt: skip
                    continue
                why = (f"no source usable in mode {self.v.revocation.mode!r} and no CRL given "
                       "for its issuer")  # fmt: skip
                self.checks.append(Check(name, "indeterminate", why))
                self.reason = "revocation-unavailable"
                return Ind.INDETERMINATE, Sub.TRY_LATER
            if final.status == "good":
                self.checks.append(Check(name, "passed", f"good per {final.source} "
                                         f"{final.location}"))  # fmt: skip
                continue
            if final.status == "revoked":
                assert final.revocation_time is not None
                detail = f"revoked {final.revocation_time.isoformat()} per {final.source}"
                if final.revocation_time > at and poe:
                    self.checks.append(Check(name, "passed", detail + ", after the time-stamp"))
                    continue
                self.checks.append(Check(name, "failed", detail))
                self.reason = "revoked"
                if depth > 0:
                    return Ind.INDETERMINATE, Sub.REVOKED_CA_NO_POE
                if poe:
                    return Ind.TOTAL_FAILED, Sub.REVOKED
                return Ind.INDETERMINATE, Sub.REVOKED_NO_POE
            stale = any(e.status == "stale" for e in answers)
            details = "; ".join(f"{e.location}: {e.detail or e.status}" for e in answers)
            self.checks.append(Check(name, "indeterminate", details))
            self.reason = "revocation-stale" if stale else "revocation-unavailable"
            sub = Sub.REVOCATION_OUT_OF_BOUNDS_NO_POE if stale else Sub.TRY_LATER
            return Ind.INDETERMINATE, sub
        return None


def _check_tsa_usage(cert: x509.Certificate) -> None:
    """A time-stamping authority's certificate must carry id-kp-timeStamping (RFC 3161 §2.3)."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = x509.ExtendedKeyUsage([])
    if ExtendedKeyUsageOID.TIME_STAMPING not in eku:
        raise UntrustedCertificateError(
            f"the time-stamp's certificate ({subject_text(cert)}) lacks id-kp-timeStamping",
            reason="key-usage",
        )
