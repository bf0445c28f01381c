"""Sign packages while they are written: one pass over the attachments, constant memory.

What is written (see docs/signing.md): an enveloped XML-DSig signature in the xmldsig
namespace, the last child of ``edXMLHeader``, with one ``Reference URI=""``, the
enveloped-signature and exclusive-C14N transforms, exclusive C14N for ``SignedInfo``, and
the signer's certificate chain in ``KeyInfo/X509Data``. With ``xades=``, the XAdES
qualifying properties too (see :mod:`edoc.signing.xades`), signed by a second Reference.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from typing import TYPE_CHECKING, BinaryIO, Literal

from cryptography.hazmat.primitives import serialization

from edoc.errors import InputError, SigningError
from edoc.model import Package
from edoc.signing.algorithms import CanonicalizationMethod, SignatureMethod, SigningPolicy
from edoc.signing.keys import SigningKey
from edoc.xml import WriteResult, read, write
from edoc.xml.names import DSIG_NS
from edoc.xml.names import NS as EDXML_NS
from edoc.xml.names import PREFIX as EDXML_PREFIX
from edoc.xml.reader import Source

if TYPE_CHECKING:
    from edoc.signing.timestamp import TimeStampAuthority
    from edoc.signing.xades import SignaturePolicyId

XadesLevel = Literal["bes", "epes", "t"]
__all__ = ["SigningError", "choose_method", "sign", "sign_package"]

_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_PAD_MAX = 512
"""A XAdES-T block shorter than reserved by at most this is padded with white space inside
the Signature (no digest covers it); otherwise the writer moves the rest of the file."""


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
    """The signature block for one signing: its exact size is known before signing (for
    XAdES-T, its expected size: the time-stamp token arrives after signing)."""

    def __init__(
        self,
        key: SigningKey,
        policy: SigningPolicy,
        *,
        xades: XadesLevel | None = None,
        signature_policy: SignaturePolicyId | None = None,
        tsa: TimeStampAuthority | None = None,
        signing_time: dt.datetime | None = None,
    ) -> None:
        self.key = key
        self.policy = policy
        self.method = choose_method(key, policy)
        self.digest = policy.digest
        self.hash_name = self.digest.hash_name
        self.tsa = tsa
        certs = "".join(
            f"<X509Certificate>{_b64(c.public_bytes(serialization.Encoding.DER))}</X509Certificate>"
            for c in key.certificates
        )
        self._key_info = f"<KeyInfo><X509Data>{certs}</X509Data></KeyInfo>" if certs else ""
        self._signed_properties = ""
        self._properties_reference = ""
        if xades is not None:
            self._prepare_xades(xades, signature_policy, signing_time)
        elif signature_policy is not None or tsa is not None:
            raise InputError("signature_policy and tsa need xades='epes' or xades='t'")
        placeholder = bytes(hashlib.new(self.hash_name).digest_size)
        sig_len = len(_b64(bytes(_signature_value_length(key, self.method))))
        unsigned = ""
        if tsa is not None:
            from edoc.signing.xades import unsigned_properties

            unsigned = unsigned_properties(bytes(tsa.expected_size))
        self.size = len(self._block(placeholder, "A" * sig_len, unsigned))

    def _prepare_xades(
        self,
        level: XadesLevel,
        signature_policy: SignaturePolicyId | None,
        signing_time: dt.datetime | None,
    ) -> None:
        """SignedProperties and their Reference: they do not depend on the package digest."""
        from edoc.signing.xades import (
            SIGNED_PROPERTIES_ID,
            SIGNED_PROPERTIES_TYPE,
            XADES_NS,
            canonical_fragment,
            signed_properties,
        )

        if level not in ("bes", "epes", "t"):
            raise InputError(f"xades must be 'bes', 'epes' or 't', not {level!r}")
        if level == "epes" and signature_policy is None:
            raise InputError("xades='epes' needs a signature_policy")
        if level == "bes" and signature_policy is not None:
            raise InputError("a signature_policy makes the signature XAdES-EPES: use xades='epes'")
        if level == "t" and self.tsa is None:
            raise InputError("xades='t' needs a tsa (a TimeStampAuthority)")
        if level != "t" and self.tsa is not None:
            raise InputError("a tsa is only used with xades='t'")
        if not self.key.certificates:
            raise SigningError("XAdES needs the signer's certificate (SigningCertificateV2)")
        when = signing_time or dt.datetime.now(dt.UTC)
        text = signed_properties(self.key.certificates[0], self.digest, when, signature_policy)
        c14n = self.policy.properties_c14n
        # The namespaces in scope where the SignedProperties are written (inclusive C14N
        # renders them all): the Signature's default, the envelope's edXML prefix, xades.
        scope = {"": DSIG_NS, EDXML_PREFIX: EDXML_NS, "xades": XADES_NS}
        exclusive = c14n is CanonicalizationMethod.EXC_C14N
        canonical = canonical_fragment(text, scope, exclusive=exclusive)
        digest = hashlib.new(self.hash_name, canonical).digest()
        self._signed_properties = text
        self._properties_reference = (
            f'<Reference Type="{SIGNED_PROPERTIES_TYPE}" URI="#{SIGNED_PROPERTIES_ID}">'
            f'<Transforms><Transform Algorithm="{c14n.value}"></Transform></Transforms>'
            f'<DigestMethod Algorithm="{self.digest.value}"></DigestMethod>'
            f"<DigestValue>{_b64(digest)}</DigestValue></Reference>"
        )

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
            f"<DigestValue>{_b64(digest)}</DigestValue></Reference>"
            f"{self._properties_reference}</SignedInfo>"
        )

    def _block(
        self, digest: bytes, signature_value: str, unsigned: str = "", pad: int = 0
    ) -> bytes:
        obj = ""
        signature_id = ""
        if self._signed_properties:
            from edoc.signing.xades import SIGNATURE_ID, qualifying_properties

            obj = qualifying_properties(self._signed_properties, unsigned)
            signature_id = f' Id="{SIGNATURE_ID}"'
        return (
            f'<Signature xmlns="{DSIG_NS}"{signature_id}>{self.signed_info(digest)}'
            f"<SignatureValue>{signature_value}</SignatureValue>{self._key_info}{obj}"
            f"{' ' * pad}</Signature>"
        ).encode()  # UTF-8: a policy description may be Vietnamese

    def render(self, digest: bytes) -> bytes:
        try:
            value = self.key.sign(self.signed_info(digest).encode("ascii"), self.method)
        except (InputError, SigningError):
            raise
        except Exception as exc:  # a token or backend failure: never echo key material
            raise SigningError(f"the key could not sign: {type(exc).__name__}") from exc
        if self.tsa is None:
            return self._block(digest, _b64(value))
        from edoc.signing.xades import unsigned_properties

        # XAdES: the time-stamp covers the SignatureValue element, exclusive-canonical.
        element = f'<SignatureValue xmlns="{DSIG_NS}">{_b64(value)}</SignatureValue>'
        token, _info = self.tsa.stamp(element.encode("ascii"))
        block = self._block(digest, _b64(value), unsigned_properties(token))
        short = self.size - len(block)
        if 0 < short <= _PAD_MAX:
            block = self._block(digest, _b64(value), unsigned_properties(token), pad=short)
        return block


def sign_package(
    package: Package,
    target: str | os.PathLike[str] | BinaryIO,
    *,
    key: SigningKey,
    policy: SigningPolicy | str | None = None,
    xades: XadesLevel | None = None,
    signature_policy: SignaturePolicyId | None = None,
    tsa: TimeStampAuthority | None = None,
    **write_options: object,
) -> WriteResult:
    """Write ``package`` signed with ``key``: the digest is computed while writing.

    ``xades`` adds XAdES qualifying properties: ``"bes"`` (SigningTime and
    SigningCertificateV2), ``"epes"`` (and ``signature_policy``), ``"t"`` (and a
    SignatureTimeStamp from ``tsa``). Without it the signature is plain XML-DSig.
    """
    if isinstance(policy, str):
        policy = SigningPolicy.named(policy)
    slot = _Slot(key, policy or SigningPolicy.default(), xades=xades,
                 signature_policy=signature_policy, tsa=tsa)  # fmt: skip
    return write(package, target, signature=slot, **write_options)  # type: ignore[arg-type]


def sign(
    source: Source,
    target: str | os.PathLike[str] | BinaryIO,
    *,
    key: SigningKey,
    policy: SigningPolicy | str | None = None,
    xades: XadesLevel | None = None,
    signature_policy: SignaturePolicyId | None = None,
    tsa: TimeStampAuthority | None = None,
    **write_options: object,
) -> WriteResult:
    """Read a package and write it signed. Any signature it had is replaced."""
    return sign_package(read(source), target, key=key, policy=policy, xades=xades,
                        signature_policy=signature_policy, tsa=tsa, **write_options)  # fmt: skip
