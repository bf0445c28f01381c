"""Sign packages while they are written: one pass over the attachments, constant memory.

What is written (see docs/signing.md): an enveloped XML-DSig signature in the xmldsig
namespace, the last child of ``edXMLHeader``, with one ``Reference URI=""``, the
enveloped-signature and exclusive-C14N transforms, exclusive C14N for ``SignedInfo``, and
the signer's certificate chain in ``KeyInfo/X509Data``.
"""

from __future__ import annotations

import base64
import os
from typing import BinaryIO

from cryptography.hazmat.primitives import serialization

from edoc.errors import InputError, SignatureError
from edoc.model import Package
from edoc.signing.algorithms import CanonicalizationMethod, SignatureMethod, SigningPolicy
from edoc.signing.keys import SigningKey
from edoc.xml import WriteResult, read, write
from edoc.xml.names import DSIG_NS
from edoc.xml.reader import Source

__all__ = ["SigningError", "choose_method", "sign", "sign_package"]

_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


class SigningError(SignatureError):
    """A signature could not be produced (key, token or policy)."""


def choose_method(key: SigningKey, policy: SigningPolicy) -> SignatureMethod:
    """The policy's preferred method that fits the key, or :class:`SigningError`."""
    if key.family == "rsa" and key.key_size < policy.min_rsa_bits:
        raise SigningError(
            f"policy {policy.name!r} needs RSA keys of {policy.min_rsa_bits} bits or more; "
            f"this key has {key.key_size}"
        )
    if key.family == "ec" and key.key_size < policy.min_ec_bits:
        raise SigningError(
            f"policy {policy.name!r} needs EC keys of {policy.min_ec_bits} bits or more; "
            f"this key has {key.key_size}"
        )
    fits = [m for m in policy.preferred if (m.family == "ecdsa") == (key.family == "ec")]
    if key.family == "ec" and key.key_size >= 384:
        fits.sort(key=lambda m: m.hash_name != "sha384")
    if not fits:
        raise SigningError(f"policy {policy.name!r} allows no method for a {key.family} key")
    return fits[0]


def _signature_value_length(key: SigningKey, method: SignatureMethod) -> int:
    octets = (key.key_size + 7) // 8
    return 2 * octets if method.family == "ecdsa" else octets


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class _Slot:
    """The signature block for one signing: its exact size is known before signing."""

    def __init__(self, key: SigningKey, policy: SigningPolicy) -> None:
        self.key = key
        self.policy = policy
        self.method = choose_method(key, policy)
        self.digest = policy.digest
        self.hash_name = self.digest.hash_name
        certs = "".join(
            f"<X509Certificate>{_b64(c.public_bytes(serialization.Encoding.DER))}</X509Certificate>"
            for c in key.certificates
        )
        self._key_info = f"<KeyInfo><X509Data>{certs}</X509Data></KeyInfo>" if certs else ""
        import hashlib

        placeholder = bytes(hashlib.new(self.hash_name).digest_size)
        sig_len = len(_b64(bytes(_signature_value_length(key, self.method))))
        self.size = len(self._block(placeholder, "A" * sig_len))

    def signed_info(self, digest: bytes) -> str:
        """``SignedInfo`` in its exclusive canonical form: these are the bytes signed."""
        exc = CanonicalizationMethod.EXC_C14N.value
        return (
            f'<SignedInfo xmlns="{DSIG_NS}">'
            f'<CanonicalizationMethod Algorithm="{exc}"></CanonicalizationMethod>'
            f'<SignatureMethod Algorithm="{self.method.value}"></SignatureMethod>'
            '<Reference URI=""><Transforms>'
            f'<Transform Algorithm="{_ENVELOPED}"></Transform>'
            f'<Transform Algorithm="{exc}"></Transform>'
            f'</Transforms><DigestMethod Algorithm="{self.digest.value}"></DigestMethod>'
            f"<DigestValue>{_b64(digest)}</DigestValue></Reference></SignedInfo>"
        )

    def _block(self, digest: bytes, signature_value: str) -> bytes:
        return (
            f'<Signature xmlns="{DSIG_NS}">{self.signed_info(digest)}'
            f"<SignatureValue>{signature_value}</SignatureValue>{self._key_info}</Signature>"
        ).encode("ascii")

    def render(self, digest: bytes) -> bytes:
        try:
            value = self.key.sign(self.signed_info(digest).encode("ascii"), self.method)
        except (InputError, SigningError):
            raise
        except Exception as exc:  # a token or backend failure: never echo key material
            raise SigningError(f"the key could not sign: {type(exc).__name__}") from exc
        return self._block(digest, _b64(value))


def sign_package(
    package: Package,
    target: str | os.PathLike[str] | BinaryIO,
    *,
    key: SigningKey,
    policy: SigningPolicy | str | None = None,
    **write_options: object,
) -> WriteResult:
    """Write ``package`` signed with ``key``: the digest is computed while writing."""
    if isinstance(policy, str):
        policy = SigningPolicy.named(policy)
    slot = _Slot(key, policy or SigningPolicy.default())
    return write(package, target, signature=slot, **write_options)  # type: ignore[arg-type]


def sign(
    source: Source,
    target: str | os.PathLike[str] | BinaryIO,
    *,
    key: SigningKey,
    policy: SigningPolicy | str | None = None,
    **write_options: object,
) -> WriteResult:
    """Read a package and write it signed. Any signature it had is replaced."""
    return sign_package(read(source), target, key=key, policy=policy, **write_options)
