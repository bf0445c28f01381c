"""The kit's test PKI, made per run: a CA and two signers (RSA-2048, EC P-256).

Nothing secret ships with the kit: the keys live in memory and in the run's work folder
only. The CA certificate is written to ``<work>/pki/ca.pem`` for the ``{ca}`` placeholder.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from edoc._files import atomic_write
from edoc.signing.keys import FileKey

__all__ = ["TestPki"]


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "edoc conformance kit"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _cert(
    subject: str, public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    ca_key: ec.EllipticCurvePrivateKey, *, ca: bool,
) -> x509.Certificate:  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name("edoc conformance test CA"))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )


class TestPki:
    """A CA and signers, generated on first use."""

    __test__ = False  # not a pytest class

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ca_key: ec.EllipticCurvePrivateKey | None = None
        self._ca: x509.Certificate | None = None
        self._keys: dict[str, FileKey] = {}
        self._lock = threading.RLock()

    def _ensure_ca(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        with self._lock:
            return self._make_ca()

    def _make_ca(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        if self._ca_key is None or self._ca is None:
            self._ca_key = ec.generate_private_key(ec.SECP256R1())
            self._ca = _cert("edoc conformance test CA", self._ca_key.public_key(),
                             self._ca_key, ca=True)  # fmt: skip
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_write(self.folder / "ca.pem", durable=False) as out:
                out.write(self._ca.public_bytes(serialization.Encoding.PEM))
        return self._ca_key, self._ca

    @property
    def ca_path(self) -> Path:
        """The CA certificate (PEM), written when first asked for."""
        self._ensure_ca()
        return self.folder / "ca.pem"

    def key(self, family: str) -> FileKey:
        """The signer of ``family`` (``rsa`` or ``ec``), with its certificate chain."""
        with self._lock:
            return self._key(family)

    def _key(self, family: str) -> FileKey:
        if family not in self._keys:
            ca_key, ca = self._ensure_ca()
            private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
            if family == "rsa":
                private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            elif family == "ec":
                private = ec.generate_private_key(ec.SECP256R1())
            else:
                raise ValueError(f"no test key of family {family!r}")
            cert = _cert(f"Văn thư ({family})", private.public_key(), ca_key, ca=False)
            self._keys[family] = FileKey(private, (cert, ca))
        return self._keys[family]
