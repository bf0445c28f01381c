"""Trust anchors chosen by the caller, and the check of a signer's certificate against them."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError

from edoc.errors import InputError, UntrustedCertificateError

__all__ = ["TrustStore", "check_signer_usage"]


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
        """Every ``*.pem``/``*.crt`` file in a folder."""
        files = sorted(
            p for p in Path(directory).iterdir() if p.suffix.lower() in (".pem", ".crt", ".cer")
        )
        return cls.from_pem(*files)

    def check(
        self, signer: x509.Certificate, intermediates: Iterable[x509.Certificate], at: dt.datetime
    ) -> tuple[x509.Certificate, ...]:
        """The chain from ``signer`` to an anchor valid at ``at``; raise if there is none."""
        if signer.public_bytes(serialization.Encoding.DER) in self._der:
            if not (signer.not_valid_before_utc <= at <= signer.not_valid_after_utc):
                raise UntrustedCertificateError(
                    f"the pinned signer certificate was not valid at {at:%Y-%m-%d %H:%M:%S %Z}",
                    reason="certificate-expired",
                )
            return (signer,)
        builder = (
            PolicyBuilder()
            .store(Store(list(self.certificates)))
            .time(at)
            .extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=ExtensionPolicy.permit_all(),
            )
        )
        try:
            chain = builder.build_client_verifier().verify(signer, list(intermediates)).chain
        except VerificationError as exc:
            raise UntrustedCertificateError(
                f"the signer's certificate ({signer.subject.rfc4514_string()}) does not chain "
                f"to a trusted certificate valid at {at:%Y-%m-%d}: {exc}",
                reason="untrusted-chain",
            ) from None
        return tuple(chain)


def check_signer_usage(signer: x509.Certificate) -> None:
    """A signer's certificate is not a CA's, and its KeyUsage (when present) allows signing."""
    try:
        ca = signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        ca = False
    if ca:
        raise UntrustedCertificateError(
            f"the signer's certificate ({signer.subject.rfc4514_string()}) is a CA certificate "
            "(cA=TRUE), not a signer's",
            reason="key-usage",
        )
    try:
        usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise UntrustedCertificateError(
            f"the signer's certificate ({signer.subject.rfc4514_string()}) allows neither "
            "digitalSignature nor nonRepudiation",
            reason="key-usage",
        )
