"""Signing keys: one small interface that files (PEM, PKCS#12) and tokens implement.

Passwords and PINs are taken as arguments, used once and never kept, logged or echoed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12

from edoc.errors import InputError, KeyLoadError
from edoc.signing.algorithms import HASHES, SignatureMethod

__all__ = ["FileKey", "KeyLoadError", "SigningKey", "load_pem", "load_pkcs12"]


@runtime_checkable
class SigningKey(Protocol):
    """What a signer needs from a key, wherever the key lives."""

    @property
    def family(self) -> str:
        """``rsa`` or ``ec``."""

    @property
    def key_size(self) -> int:
        """Bits of the modulus (RSA) or of the curve order (EC)."""

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        """The signer's certificate first, then the chain to include in KeyInfo."""

    def sign(self, data: bytes, method: SignatureMethod) -> bytes:
        """The XML-DSig SignatureValue bytes for ``data`` (ECDSA as r || s)."""


class FileKey:
    """A private key held in memory, loaded from a file."""

    def __init__(
        self,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificates: tuple[x509.Certificate, ...] = (),
    ) -> None:
        if not isinstance(private_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise KeyLoadError(f"{type(private_key).__name__} keys cannot sign edXML packages")
        self._key = private_key
        self._certificates = certificates
        if certificates and _spki(certificates[0].public_key()) != _spki(private_key.public_key()):
            raise KeyLoadError("the first certificate does not belong to the private key")

    @property
    def family(self) -> str:
        return "rsa" if isinstance(self._key, rsa.RSAPrivateKey) else "ec"

    @property
    def key_size(self) -> int:
        return (
            self._key.key_size
            if isinstance(self._key, rsa.RSAPrivateKey)
            else self._key.curve.key_size
        )

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        return self._certificates

    def sign(self, data: bytes, method: SignatureMethod) -> bytes:
        algorithm = HASHES[method.hash_name]()
        if isinstance(self._key, rsa.RSAPrivateKey):
            if method.family == "rsa":
                return self._key.sign(data, padding.PKCS1v15(), algorithm)
            if method.family == "rsa-pss":
                pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
                return self._key.sign(data, pss, algorithm)
        elif method.family == "ecdsa":
            der = self._key.sign(data, ec.ECDSA(algorithm))
            r, s = decode_dss_signature(der)
            size = (self._key.curve.key_size + 7) // 8
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        raise InputError(f"a {self.family} key cannot sign with {method.name}")

    def __repr__(self) -> str:
        subject = (
            self._certificates[0].subject.rfc4514_string()
            if self._certificates
            else "no certificate"
        )
        return f"<FileKey {self.family}-{self.key_size} {subject}>"


def _spki(key: object) -> bytes:
    return key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _password(password: str | bytes | None) -> bytes | None:
    return password.encode("utf-8") if isinstance(password, str) else password


def _read(path: str | os.PathLike[str]) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise KeyLoadError(f"cannot read {path}: {exc.strerror}") from None


def load_pem(
    key_path: str | os.PathLike[str],
    *,
    password: str | bytes | None = None,
    certificates: str | os.PathLike[str] | None = None,
) -> FileKey:
    """A PEM private key (encrypted or not) and, optionally, a PEM certificate chain file
    (signer first). The key file may also hold the certificates."""
    data = _read(key_path)
    try:
        key = serialization.load_pem_private_key(data, password=_password(password))
    except TypeError:
        raise KeyLoadError(f"{key_path} is encrypted: a password is needed") from None
    except (ValueError, UnsupportedAlgorithm):
        # Never echo the password or the key; say what to check.
        raise KeyLoadError(
            f"{key_path} is not a PEM private key edoc can use, or the password is wrong"
        ) from None
    chain_data = _read(certificates) if certificates is not None else data
    try:
        chain = (
            tuple(x509.load_pem_x509_certificates(chain_data))
            if b"CERTIFICATE" in chain_data
            else ()
        )
    except ValueError:
        raise KeyLoadError(
            f"{certificates or key_path} holds no readable PEM certificate"
        ) from None
    return FileKey(key, chain)  # type: ignore[arg-type]


def load_pkcs12(path: str | os.PathLike[str], *, password: str | bytes | None = None) -> FileKey:
    """A PKCS#12 (.p12/.pfx) file: its key, its certificate and the chain it carries."""
    data = _read(path)
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _password(password))
    except ValueError:
        raise KeyLoadError(f"{path} is not a PKCS#12 file, or the password is wrong") from None
    if key is None:
        raise KeyLoadError(f"{path} holds no private key")
    chain = ((cert,) if cert is not None else ()) + tuple(extra or ())
    return FileKey(key, chain)  # type: ignore[arg-type]
