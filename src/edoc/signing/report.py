"""The validation report: ETSI EN 319 102-1 indications, the checks made, the evidence used.

Names are the standard's (§5.1.3, table 5) so that a report reads the same as any other
AdES validator's. How edoc's findings map onto them is in docs/trust.md.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
from typing import Any, Literal

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from edoc.signing._fetch import Fetch
from edoc.signing.revocation import Evidence
from edoc.signing.trust import subject_text

__all__ = [
    "AssessmentReport",
    "CertificateInfo",
    "Check",
    "Fetch",
    "Indication",
    "SubIndication",
    "ValidationReport",
]

REPORT_FORMAT = "edoc.validation-report/1"


class Indication(enum.StrEnum):
    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(enum.StrEnum):
    # with TOTAL_FAILED
    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    # with INDETERMINATE
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    TRY_LATER = "TRY_LATER"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"


Outcome = Literal["passed", "failed", "indeterminate", "skipped"]


@attrs.frozen
class Check:
    """One step of the validation and how it came out."""

    name: str
    outcome: Outcome
    detail: str = ""


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


@attrs.frozen(kw_only=True)
class CertificateInfo:
    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str

    @classmethod
    def of(cls, cert: x509.Certificate) -> CertificateInfo:
        return _info(cert)

    def as_dict(self) -> dict[str, Any]:
        d = attrs.asdict(self)
        return {**d, "not_before": _iso(self.not_before), "not_after": _iso(self.not_after)}


@functools.lru_cache(maxsize=1024)
def _info(cert: x509.Certificate) -> CertificateInfo:
    return CertificateInfo(
        subject=subject_text(cert), issuer=cert.issuer.rfc4514_string(),
        serial=f"{cert.serial_number:x}", not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc, sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )  # fmt: skip


@attrs.frozen(kw_only=True)
class AssessmentReport:
    """Who signed, when, the chain, the revocation evidence and every check, in order."""

    indication: Indication
    sub_indication: SubIndication | None
    source: str | None = None
    signer: CertificateInfo | None = None
    claimed_signing_time: dt.datetime | None = None
    """The signer's XAdES SigningTime: reported, never used as the validation time."""
    timestamp_time: dt.datetime | None = None
    validation_time: dt.datetime | None = None
    validation_time_source: str | None = None
    """``time-stamp`` (a trusted time-stamp's genTime), ``caller`` or ``now``."""
    signature_form: str | None = None
    xades_level: str | None = None
    """``BES``, ``EPES`` or ``T`` for a XAdES signature, else None."""
    signature_policy: str | None = None
    """The EPES signature policy's identifier."""
    algorithm: str | None = None
    chain: tuple[CertificateInfo, ...] = ()
    revocation: tuple[Evidence, ...] = ()
    fetches: tuple[Fetch, ...] = ()
    checks: tuple[Check, ...] = ()
    findings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "indication": self.indication.value,
            "sub_indication": self.sub_indication.value if self.sub_indication else None,
            "source": self.source,
            "signer": self.signer.as_dict() if self.signer else None,
            "claimed_signing_time": _iso(self.claimed_signing_time),
            "timestamp_time": _iso(self.timestamp_time),
            "validation_time": _iso(self.validation_time),
            "validation_time_source": self.validation_time_source,
            "signature_form": self.signature_form,
            "xades_level": self.xades_level,
            "signature_policy": self.signature_policy,
            "algorithm": self.algorithm,
            "chain": [c.as_dict() for c in self.chain],
            "revocation": [e.as_dict() for e in self.revocation],
            "fetches": [f.as_dict() for f in self.fetches],
            "checks": [attrs.asdict(c) for c in self.checks],
            "findings": list(self.findings),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        head = self.indication.value + (f" / {self.sub_indication.value}"
                                        if self.sub_indication else "")  # fmt: skip
        lines = [head]
        if self.source:
            lines.append(f"  package:     {self.source}")
        if self.signer:
            lines.append(f"  signer:      {self.signer.subject} (serial {self.signer.serial})")
        if self.claimed_signing_time:
            lines.append(f"  claimed:     {self.claimed_signing_time.isoformat()} (not proven)")
        if self.timestamp_time:
            lines.append(f"  time-stamp:  {self.timestamp_time.isoformat()}")
        if self.validation_time:
            lines.append(f"  checked at:  {self.validation_time.isoformat()} "
                         f"({self.validation_time_source})")  # fmt: skip
        if self.algorithm:
            lines.append(f"  algorithm:   {self.algorithm} ({self.signature_form})")
        if self.xades_level:
            policy = f", policy {self.signature_policy}" if self.signature_policy else ""
            lines.append(f"  XAdES:       {self.xades_level}{policy}")
        for i, c in enumerate(self.chain):
            label = "  chain:       " if i == 0 else "               "
            lines.append(f"{label}{'  ' * i}{c.subject}  [{c.not_before:%Y-%m-%d} .. "
                         f"{c.not_after:%Y-%m-%d}]")  # fmt: skip
        for e in self.revocation:
            when = f", thisUpdate {_iso(e.this_update)}" if e.this_update else ""
            when += f", nextUpdate {_iso(e.next_update)}" if e.next_update else ""
            revoked = f", revoked {_iso(e.revocation_time)}" if e.revocation_time else ""
            cached = " (cached)" if e.cached else ""
            why = f" — {e.detail}" if e.detail else ""
            lines.append(f"  revocation:  {e.subject}: {e.status} by {e.source} {e.location}"
                         f"{revoked}{when}{cached}{why}")  # fmt: skip
        for f in self.fetches:
            lines.append(f"  fetched:     {f.method} {f.url} -> {f.status or '-'}, {f.size} bytes, "
                         f"{f.seconds:.3f} s" + (f" — {f.error}" if f.error else ""))  # fmt: skip
        for check in self.checks:
            detail = f": {check.detail}" if check.detail else ""
            lines.append(f"  [{check.outcome:>13}] {check.name}{detail}")
        lines += [f"  note: {f}" for f in self.findings]
        return "\n".join(lines)


ValidationReport = AssessmentReport
"""The former name of :class:`AssessmentReport` (kept as an alias)."""
