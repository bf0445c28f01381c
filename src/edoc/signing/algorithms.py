"""XML-DSig algorithm identifiers, as enums whose values are the W3C URIs, and policies."""

from __future__ import annotations

import enum

import attrs
from cryptography.hazmat.primitives import hashes

__all__ = ["HASHES", "CanonicalizationMethod", "DigestMethod", "SignatureMethod", "SigningPolicy"]

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
"""cryptography's hash for each hashlib name a method here may use (``hash_name``)."""


class DigestMethod(enum.Enum):
    SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
    SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
    SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
    """Legacy: refused unless a policy allows it."""

    @property
    def hash_name(self) -> str:
        return self.name.lower()

    @property
    def legacy(self) -> bool:
        return self is DigestMethod.SHA1


class SignatureMethod(enum.Enum):
    RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
    RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
    RSA_PSS_SHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
    RSA_PSS_SHA384 = "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
    RSA_PSS_SHA512 = "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"
    ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
    RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    """Legacy: refused unless a policy allows it."""

    @property
    def family(self) -> str:
        """``rsa``, ``rsa-pss`` or ``ecdsa``."""
        if self.name.startswith("RSA_PSS"):
            return "rsa-pss"
        return "ecdsa" if self.name.startswith("ECDSA") else "rsa"

    @property
    def hash_name(self) -> str:
        return self.name.rsplit("_", 1)[1].lower()

    @property
    def legacy(self) -> bool:
        return self is SignatureMethod.RSA_SHA1


class CanonicalizationMethod(enum.Enum):
    EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


@attrs.frozen(kw_only=True)
class SigningPolicy:
    """What a signer may use: named, so that a package says which rules it was signed under."""

    name: str
    signature_methods: frozenset[SignatureMethod]
    """Allowed methods; the first of :attr:`preferred` that fits the key is used."""
    preferred: tuple[SignatureMethod, ...]
    digest: DigestMethod = DigestMethod.SHA256
    min_rsa_bits: int = 2048
    min_ec_bits: int = 256
    properties_c14n: CanonicalizationMethod = CanonicalizationMethod.EXC_C14N
    """XAdES: the canonicalisation of the SignedProperties Reference."""

    @classmethod
    def default(cls) -> SigningPolicy:
        """What today's receivers and Vietnamese CAs use: RSA PKCS#1 v1.5 or ECDSA, SHA-256."""
        methods = (SignatureMethod.RSA_SHA256, SignatureMethod.ECDSA_SHA256)
        return cls(
            name="default",
            signature_methods=frozenset(methods) | {SignatureMethod.ECDSA_SHA384},
            preferred=(*methods, SignatureMethod.ECDSA_SHA384),
        )

    @classmethod
    def tt15_2025(cls) -> SigningPolicy:
        """TT 15/2025/TT-BKHCN: RSASSA-PSS (>= 2048 bits) or ECDSA (>= 256 bits), SHA-2."""
        preferred = (
            SignatureMethod.RSA_PSS_SHA256,
            SignatureMethod.ECDSA_SHA256,
            SignatureMethod.ECDSA_SHA384,
        )
        return cls(
            name="tt15-2025",
            signature_methods=frozenset(preferred)
            | {SignatureMethod.RSA_PSS_SHA384, SignatureMethod.RSA_PSS_SHA512},
            preferred=preferred,
        )

    @classmethod
    def named(cls, name: str) -> SigningPolicy:
        from edoc.errors import InputError

        policies = {"default": cls.default, "tt15-2025": cls.tt15_2025}
        if name not in policies:
            raise InputError(f"unknown signing policy {name!r}; known: {', '.join(policies)}")
        return policies[name]()
