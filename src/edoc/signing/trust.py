"""Trust anchors chosen by the caller, and the check of a signer's certificate against them.

Path building and RFC 5280 validation are cryptography's (``x509.verification``); a
failure is then diagnosed (which certificate is out of its validity, whether any path
exists at all) so that the caller learns why, in the ETSI terms of :mod:`edoc.signing.report`.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError

from edoc.errors import InputError, UntrustedCertificateError

__all__ = ["SIGNING_EKUS", "TrustStore", "check_signing_usage"]

SIGNING_EKUS: frozenset[ObjectIdentifier] = frozenset(
    {
        ObjectIdentifier("1.3.6.1.5.5.7.3.36"),  # id-kp-documentSigning (RFC 9336)
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        ExtendedKeyUsageOID.CLIENT_AUTH,  # what Vietnamese signing tokens commonly carry
        ExtendedKeyUsageOID.CODE_SIGNING,
        ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
        ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"),  # Microsoft document signing
        ObjectIdentifier("1.2.840.113583.1.1.5"),  # Adobe authentic documents trust
    }
)
"""Extended key usages that allow a certificate to sign documents (any one suffices)."""


@functools.lru_cache(maxsize=1024)
def subject_text(cert: x509.Certificate) -> str:
    """The subject as RFC 4514 text (cached: cryptography takes ~0.1 ms to format one)."""
    return cert.subject.rfc4514_string()


_name = subject_text


def _when(at: dt.datetime) -> str:
    return f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


def check_signing_usage(cert: x509.Certificate) -> str | None:
    """Raise unless ``cert`` may sign documents: not a CA certificate; KeyUsage with
    digitalSignature or nonRepudiation (contentCommitment); and, when ExtendedKeyUsage is
    present, one of :data:`SIGNING_EKUS`. Returns a note when KeyUsage is absent (RFC 5280:
    unrestricted)."""
    try:
        ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        ca = False
    if ca:
        raise UntrustedCertificateError(
            f"the signer's certificate ({_name(cert)}) is a CA certificate (cA=TRUE), "
            "not a signer's",
            reason="key-usage",
        )
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        ku = None
    if ku is not None and not (ku.digital_signature or ku.content_commitment):
        raise UntrustedCertificateError(
            f"the signer's certificate ({_name(cert)}) may not sign: its KeyUsage has neither "
            "digitalSignature nor nonRepudiation",
            reason="key-usage",
        )
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is not None and not SIGNING_EKUS.intersection(eku):
        names = ", ".join(getattr(o, "_name", o.dotted_string) for o in eku)
        raise UntrustedCertificateError(
            f"the signer's certificate ({_name(cert)}) may not sign documents: its "
            f"ExtendedKeyUsage is {names}",
            reason="key-usage",
        )
    return None if ku is not None else "the signer's certificate has no KeyUsage (unrestricted)"


class TrustStore:
    """Certificates the caller trusts: CA roots to chain to, or a pinned signer certificate.

    The certificate embedded in a package is never trusted by itself.
    """

    def __init__(self, certificates: Iterable[x509.Certificate]) -> None:
        self.certificates = tuple(certificates)
        if not self.certificates:
            raise InputError("a trust store needs at least one certificate")
        self._der = {c.public_bytes(serialization.Encoding.DER) for c in self.certificates}

    @classmethod
    def from_pem(cls, *paths: str | os.PathLike[str]) -> TrustStore:
        """Every certificate in these PEM files."""
        certs: list[x509.Certificate] = []
        for path in paths:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read {path}: {exc.strerror}") from None
            try:
                certs.extend(x509.load_pem_x509_certificates(data))
            except ValueError:
                raise InputError(f"{path} holds no PEM certificate") from None
        return cls(certs)

    @classmethod
    def from_dir(cls, directory: str | os.PathLike[str]) -> TrustStore:
        """Every ``*.pem``/``*.crt``/``*.cer`` file in a folder."""
        try:
            entries = list(Path(directory).iterdir())
        except OSError as exc:
            raise InputError(f"cannot read {directory}: {exc.strerror}") from None
        files = sorted(p for p in entries if p.suffix.lower() in (".pem", ".crt", ".cer"))
        if not files:
            raise InputError(f"{directory} holds no .pem, .crt or .cer file")
        return cls.from_pem(*files)

    def is_anchor(self, cert: x509.Certificate) -> bool:
        return cert.public_bytes(serialization.Encoding.DER) in self._der

    def check_signer(
        self, signer: x509.Certificate, intermediates: Iterable[x509.Certificate], at: dt.datetime
    ) -> tuple[x509.Certificate, ...]:
        """:meth:`check`, then :func:`check_signing_usage`: the chain of a certificate that
        may sign documents."""
        chain = self.check(signer, intermediates, at)
        check_signing_usage(signer)
        return chain

    def check(
        self, signer: x509.Certificate, intermediates: Iterable[x509.Certificate], at: dt.datetime
    ) -> tuple[x509.Certificate, ...]:
        """The chain from ``signer`` to an anchor valid at ``at``; raise if there is none.

        The error's ``reason`` says why: ``certificate-expired`` or
        ``certificate-not-yet-valid`` (a path exists, but a certificate on it is outside its
        validity at ``at``), ``chain-constraints`` (the certificates link up by name and
        signature but break a constraint, e.g. a CA without basicConstraints), or
        ``untrusted-chain`` (nothing links the signer to an anchor).
        """
        if self.is_anchor(signer):
            _within(signer, at, "pinned signer certificate")
            return (signer,)
        pool = list(intermediates)
        try:
            return self._build(signer, pool, at)
        except VerificationError as exc:
            detail = str(exc)
        raise self._diagnose(signer, pool, at, detail)

    def _build(
        self, signer: x509.Certificate, pool: Sequence[x509.Certificate], at: dt.datetime
    ) -> tuple[x509.Certificate, ...]:
        builder = (
            PolicyBuilder()
            .store(Store(list(self.certificates)))
            .time(at)
            .extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=ExtensionPolicy.permit_all(),
            )
        )
        return tuple(builder.build_client_verifier().verify(signer, list(pool)).chain)

    def _diagnose(
        self, signer: x509.Certificate, pool: Sequence[x509.Certificate], at: dt.datetime,
        detail: str,
    ) -> UntrustedCertificateError:  # fmt: skip
        links = self._links(signer, pool)
        if links is None:
            last = self._partial(signer, pool)[-1]
            whose = "the signer's certificate" if last is signer else f"{_name(last)}"
            return UntrustedCertificateError(
                f"the signer's certificate ({_name(signer)}) does not chain to a trusted "
                f"certificate: the issuer of {whose}, {last.issuer.rfc4514_string()!r}, is "
                "neither in the trust store nor among the intermediates given",
                reason="untrusted-chain",
            )
        for cert in links:
            try:
                _within(cert, at, "signer's certificate" if cert is signer else "CA certificate")
            except UntrustedCertificateError as exc:
                exc.certificate = cert  # type: ignore[attr-defined]
                return exc
        return UntrustedCertificateError(
            f"the signer's certificate ({_name(signer)}) links to a trusted certificate but the "
            f"path breaks a constraint: {detail}",
            reason="chain-constraints",
        )

    def _links(
        self, signer: x509.Certificate, pool: Sequence[x509.Certificate]
    ) -> list[x509.Certificate] | None:
        """The certificates from ``signer`` to an anchor linked by name and signature only
        (no validity or extension checks), or None."""
        path = self._partial(signer, pool)
        return path if self.is_anchor(path[-1]) else None

    def _partial(
        self, signer: x509.Certificate, pool: Sequence[x509.Certificate]
    ) -> list[x509.Certificate]:
        """The links from ``signer`` as far as they go (to an anchor, or to the certificate
        whose issuer is missing)."""
        path = [signer]
        candidates = [*pool, *self.certificates]
        while not self.is_anchor(path[-1]) and len(path) <= 16:
            child = path[-1]
            for parent in candidates:
                if parent.subject != child.issuer or parent in path:
                    continue
                try:
                    child.verify_directly_issued_by(parent)
                except (ValueError, TypeError, InvalidSignature):
                    continue
                path.append(parent)
                break
            else:
                break
        return path


def _within(cert: x509.Certificate, at: dt.datetime, what: str) -> None:
    if at < cert.not_valid_before_utc:
        raise UntrustedCertificateError(
            f"the {what} ({_name(cert)}) was not yet valid at {_when(at)} (valid from "
            f"{_when(cert.not_valid_before_utc)})",
            reason="certificate-not-yet-valid",
        )
    if at > cert.not_valid_after_utc:
        raise UntrustedCertificateError(
            f"the {what} ({_name(cert)}) was not valid at {_when(at)}: it expired "
            f"{_when(cert.not_valid_after_utc)}",
            reason="certificate-expired",
        )
