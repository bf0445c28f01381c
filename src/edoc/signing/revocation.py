"""Revocation status of a certificate: OCSP (RFC 6960) and CRLs (RFC 5280), checked with
cryptography, fetched with ``edoc.signing._fetch``, cached by the data's own validity.

Every answer is checked before it counts: an OCSP response must be signed by the issuer or
by a responder the issuer delegated (id-kp-OCSPSigning), a CRL by the issuer; both must be
current (thisUpdate not in the future, nextUpdate not passed, with a few minutes' skew). A
CRL must moreover be one edoc may use and cover the certificate (``edoc.signing._crl``).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    OCSPExtensionOID,
)

from edoc.errors import InputError
from edoc.signing._crl import ALL_REASONS, Crl, distribution_points, parse_crl, scope_of, wrap_crl
from edoc.signing._fetch import Fetcher, FetchFailed
from edoc.signing.trust import subject_text

__all__ = ["REVOCATION_MODES", "Evidence", "RevocationChecker", "RevocationMode", "load_crl"]

RevocationMode = Literal["ocsp-then-crl", "crl", "ocsp", "offline", "none"]
REVOCATION_MODES: tuple[str, ...] = get_args(RevocationMode)
SKEW = dt.timedelta(minutes=5)
OCSP_MAX_AGE = dt.timedelta(days=1)
"""How old an OCSP response without nextUpdate may be."""

Status = Literal["good", "revoked", "unknown", "unavailable", "stale"]


@attrs.frozen(kw_only=True)
class Evidence:
    """One answer about one certificate, as the report shows it."""

    subject: str
    serial: str
    source: Literal["ocsp", "crl", "crl-file"]
    location: str
    """The responder's or distribution point's URL, or the CRL file."""
    status: Status
    this_update: dt.datetime | None = None
    next_update: dt.datetime | None = None
    produced_at: dt.datetime | None = None
    revocation_time: dt.datetime | None = None
    reason: str | None = None
    cached: bool = False
    detail: str | None = None

    @property
    def decisive(self) -> bool:
        return self.status in ("good", "revoked")

    def as_dict(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, dt.datetime) else v
                for k, v in attrs.asdict(self).items()}  # fmt: skip


def load_crl(path: str | os.PathLike[str]) -> x509.CertificateRevocationList:
    """A CRL file, DER or PEM."""
    return _read_crl(path).crl


def _read_crl(path: str | os.PathLike[str]) -> Crl:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return parse_crl(data, str(path))


def _verify_signed(
    key: Any, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None
) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _urls(cert: x509.Certificate, kind: Literal["ocsp", "crl"]) -> list[str]:
    if kind == "crl":
        return [url for url, _ in _crl_points(cert)]
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [d.access_location.value for d in aia
            if d.access_method == AuthorityInformationAccessOID.OCSP
            and isinstance(d.access_location, x509.UniformResourceIdentifier)]  # fmt: skip


def _crl_points(cert: x509.Certificate) -> list[tuple[str, x509.DistributionPoint]]:
    """Each CRL distribution point's URLs, with the point (an indirect one is not used)."""
    uri = x509.UniformResourceIdentifier
    return [(n.value, dp) for dp in distribution_points(cert) if dp.crl_issuer is None
            for n in dp.full_name or () if isinstance(n, uri)]  # fmt: skip


def names_revocation_source(cert: x509.Certificate) -> bool:
    """Whether ``cert`` names an OCSP responder or any CRL distribution point, even one
    edoc does not use (an indirect one): then its status is unknown, not uncheckable."""
    return bool(_urls(cert, "ocsp") or distribution_points(cert))


class RevocationChecker:
    """Asks, per ``mode``, whether certificates were revoked; caches answers until their
    nextUpdate. Thread-safe; one per :class:`~edoc.signing.assessment.Verifier`."""

    def __init__(
        self, mode: RevocationMode = "ocsp-then-crl", *,
        crls: Iterable[x509.CertificateRevocationList | str | os.PathLike[str]] = (),
        offline: bool = False,
    ) -> None:  # fmt: skip
        if mode not in REVOCATION_MODES:
            choices = ", ".join(REVOCATION_MODES)
            raise InputError(f"revocation mode {mode!r} is not one of {choices}")
        self.mode: RevocationMode = "offline" if offline and mode != "none" else mode
        self.files: list[tuple[str, Crl]] = []
        for c in crls:
            if isinstance(c, x509.CertificateRevocationList):
                self.files.append(("<given CRL>", wrap_crl(c)))
            else:
                self.files.append((os.fspath(c), _read_crl(c)))
        self._lock = threading.Lock()
        self._ocsp: dict[tuple[bytes, int], Evidence] = {}
        self._crl: dict[str, Crl] = {}

    def check(
        self, cert: x509.Certificate, issuer: x509.Certificate, now: dt.datetime,
        fetcher: Fetcher,
    ) -> list[Evidence]:  # fmt: skip
        """Every answer sought for ``cert``, in order; the last is decisive if any is.
        ``now`` is the clock the answers' currency is judged by."""
        steps: list[str] = {
            "ocsp-then-crl": ["ocsp", "crl-file", "crl"], "crl": ["crl-file", "crl"],
            "ocsp": ["ocsp"], "offline": ["crl-file"], "none": [],
        }[self.mode]  # fmt: skip
        out: list[Evidence] = []
        for step in steps:
            if step == "ocsp":
                out += [self._ocsp_check(cert, issuer, url, now, fetcher)
                        for url in _urls(cert, "ocsp")[:2]]  # fmt: skip
            elif step == "crl-file":
                points = distribution_points(cert)
                out += [self._crl_status(cert, issuer, crl, points, "crl-file", where, now, False)
                        for where, crl in self.files if crl.crl.issuer == cert.issuer]  # fmt: skip
            else:
                out += [self._crl_check(cert, issuer, url, point, now, fetcher)
                        for url, point in _crl_points(cert)[:2]]  # fmt: skip
            decisive = [e for e in out if e.decisive]
            if decisive:
                return [*[e for e in out if not e.decisive], decisive[0]]
        return out

    # -- OCSP -------------------------------------------------------------------------
    def _ocsp_check(
        self, cert: x509.Certificate, issuer: x509.Certificate, url: str, now: dt.datetime,
        fetcher: Fetcher,
    ) -> Evidence:  # fmt: skip
        request = (
            ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()  # noqa: S303
        )  # SHA-1 CertIDs are what responders universally index (RFC 5019 §2.1.1)
        key = (request.issuer_key_hash, cert.serial_number)
        with self._lock:
            hit = self._ocsp.get(key)
        if hit is not None and hit.next_update is not None and now <= hit.next_update:
            return attrs.evolve(hit, cached=True)
        base = Evidence(subject=subject_text(cert), serial=f"{cert.serial_number:x}",
                        source="ocsp", location=url, status="unavailable")  # fmt: skip
        try:
            body = fetcher.post(
                url, request.public_bytes(serialization.Encoding.DER),
                "application/ocsp-request", "ocsp",
            )  # fmt: skip
        except FetchFailed as exc:
            return attrs.evolve(base, detail=str(exc))
        try:
            evidence = self._ocsp_read(body, request, issuer, now, base)
        except _Bad as exc:
            return attrs.evolve(base, detail=str(exc))
        if evidence.next_update is not None and evidence.decisive:
            with self._lock:
                self._ocsp[key] = evidence
        return evidence

    def _ocsp_read(
        self, body: bytes, request: ocsp.OCSPRequest, issuer: x509.Certificate,
        now: dt.datetime, base: Evidence,
    ) -> Evidence:  # fmt: skip
        try:
            resp = ocsp.load_der_ocsp_response(body)
        except ValueError:
            raise _Bad("the OCSP answer is not an OCSP response") from None
        if resp.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise _Bad(f"the OCSP responder answered {resp.response_status.name}")
        try:
            critical = [e.oid for e in [*resp.extensions, *resp.single_extensions] if e.critical]
        except ValueError:
            raise _Bad("the OCSP response's extensions do not parse") from None
        if any(oid != OCSPExtensionOID.NONCE for oid in critical):
            raise _Bad("the OCSP response carries a critical extension edoc does not know")
        signer = _ocsp_signer(resp, issuer, now)
        if not _verify_signed(signer.public_key(), resp.signature, resp.tbs_response_bytes,
                              resp.signature_hash_algorithm):  # fmt: skip
            raise _Bad("the OCSP response's signature does not verify")
        for single in resp.responses:
            if (single.serial_number == request.serial_number
                    and single.issuer_key_hash == request.issuer_key_hash
                    and single.issuer_name_hash == request.issuer_name_hash):  # fmt: skip
                break
        else:
            raise _Bad("the OCSP response does not speak of the certificate asked about")
        this, nxt = single.this_update_utc, single.next_update_utc
        status: Status = {
            ocsp.OCSPCertStatus.GOOD: "good", ocsp.OCSPCertStatus.REVOKED: "revoked",
            ocsp.OCSPCertStatus.UNKNOWN: "unknown",
        }[single.certificate_status]  # type: ignore[assignment]  # fmt: skip
        detail = None
        if this > now + SKEW:
            status, detail = "unavailable", "the OCSP response's thisUpdate is in the future"
        elif status != "revoked" and (
            (nxt is not None and nxt < now - SKEW) or (nxt is None and this < now - OCSP_MAX_AGE)
        ):
            status, detail = "stale", "the OCSP response is out of date"
        reason = single.revocation_reason.name if single.revocation_reason else None
        return attrs.evolve(
            base, status=status, this_update=this, next_update=nxt,
            produced_at=resp.produced_at_utc, revocation_time=single.revocation_time_utc,
            reason=reason, detail=detail,
        )  # fmt: skip

    # -- CRLs -------------------------------------------------------------------------
    def _crl_check(
        self, cert: x509.Certificate, issuer: x509.Certificate, url: str,
        point: x509.DistributionPoint, now: dt.datetime, fetcher: Fetcher,
    ) -> Evidence:  # fmt: skip
        with self._lock:
            crl = self._crl.get(url)
        cached = crl is not None and crl.crl.next_update_utc is not None
        if crl is None or not cached or now > crl.crl.next_update_utc:  # type: ignore[operator]
            try:
                crl = parse_crl(fetcher.get(url, "crl"), url)
            except (FetchFailed, InputError) as exc:
                return Evidence(
                    subject=subject_text(cert), serial=f"{cert.serial_number:x}",
                    source="crl", location=url, status="unavailable", detail=str(exc),
                )  # fmt: skip
            cached = False
        evidence = self._crl_status(cert, issuer, crl, [point], "crl", url, now, cached)
        if not cached and evidence.decisive and crl.crl.next_update_utc is not None:
            with self._lock:
                self._crl[url] = crl
        return evidence

    def _crl_status(
        self, cert: x509.Certificate, issuer: x509.Certificate, parsed: Crl,
        points: Sequence[x509.DistributionPoint], source: Literal["crl", "crl-file"],
        where: str, now: dt.datetime, cached: bool,
    ) -> Evidence:  # fmt: skip
        """What one CRL says of ``cert``: unusable (no evidence), out of scope (no
        evidence), revoked, stale, or good (only when it covers every reason)."""
        crl = parsed.crl
        base = Evidence(
            subject=subject_text(cert), serial=f"{cert.serial_number:x}",
            source=source, location=where, status="unavailable", cached=cached,
            this_update=crl.last_update_utc, next_update=crl.next_update_utc,
        )  # fmt: skip
        if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
            return attrs.evolve(base, detail="the CRL is not signed by the certificate's issuer")
        if not _may_sign_crls(issuer):
            return attrs.evolve(base, detail="the CRL's issuer lacks the cRLSign key usage")
        if parsed.unusable is not None:
            return attrs.evolve(base, detail=f"the CRL is not used: {parsed.unusable}")
        scope = scope_of(parsed, cert, points)
        if scope.problem is not None:
            return attrs.evolve(base, detail=f"the CRL does not cover the certificate: "
                                f"{scope.problem}")  # fmt: skip
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            try:
                reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
            except x509.ExtensionNotFound:
                reason = None
            return attrs.evolve(
                base, status="revoked", revocation_time=entry.revocation_date_utc, reason=reason
            )
        if crl.last_update_utc > now + SKEW:
            return attrs.evolve(base, detail="the CRL's thisUpdate is in the future")
        if crl.next_update_utc is None:  # RFC 5280 §5.1.2.5: conforming CRLs carry one
            return attrs.evolve(base, status="stale", detail="the CRL has no nextUpdate: "
                                "nothing says it is still current")  # fmt: skip
        if crl.next_update_utc < now - SKEW:
            return attrs.evolve(
                base, status="stale", detail="the CRL is out of date (nextUpdate passed)"
            )
        if scope.reasons != ALL_REASONS:
            covered = ", ".join(sorted(r.name for r in scope.reasons)) or "none"
            return attrs.evolve(base, detail=f"the CRL covers only some revocation reasons "
                                f"({covered}): no evidence that the certificate is not "
                                "revoked")  # fmt: skip
        return attrs.evolve(base, status="good")


def _may_sign_crls(issuer: x509.Certificate) -> bool:
    """RFC 5280 §6.3.3 (f): the CRL signer's KeyUsage, when present, has cRLSign."""
    try:
        return bool(issuer.extensions.get_extension_for_class(x509.KeyUsage).value.crl_sign)
    except x509.ExtensionNotFound:
        return True


class _Bad(Exception):
    pass


def _ocsp_signer(
    resp: ocsp.OCSPResponse, issuer: x509.Certificate, now: dt.datetime
) -> x509.Certificate:
    """The issuer itself, or a responder certificate it issued for OCSP signing."""

    def named(cert: x509.Certificate) -> bool:
        if resp.responder_name is not None:
            return cert.subject == resp.responder_name
        digest = x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest
        return digest == resp.responder_key_hash

    if named(issuer):
        return issuer
    for cert in resp.certificates:
        if not named(cert):
            continue
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise _Bad("the OCSP responder's certificate is not issued by the CA") from None
        try:
            eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            eku = x509.ExtendedKeyUsage([])
        if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
            raise _Bad("the OCSP responder's certificate lacks id-kp-OCSPSigning")
        if not cert.not_valid_before_utc - SKEW <= now <= cert.not_valid_after_utc + SKEW:
            raise _Bad("the OCSP responder's certificate is outside its validity")
        return cert
    raise _Bad("the OCSP response is signed by neither the CA nor a responder it delegated")


def issuers_of(
    chain: Sequence[x509.Certificate],
) -> list[tuple[x509.Certificate, x509.Certificate]]:
    """(certificate, issuer) for every non-anchor link of a chain that ends in its anchor."""
    return [(chain[i], chain[i + 1]) for i in range(len(chain) - 1)]
