"""XAdES (ETSI EN 319 132-1) qualifying properties for edXML's enveloped signature.

Written (see docs/signing.md): a ``ds:Object`` holding ``xades:QualifyingProperties
Target="#<Signature Id>"`` with ``SignedProperties`` (SigningTime, SigningCertificateV2,
and for EPES a SignaturePolicyIdentifier), signed by a second ``Reference`` of type
SignedProperties; for XAdES-T, ``UnsignedProperties`` with a ``SignatureTimeStamp`` over
the exclusive canonical ``ds:SignatureValue`` element. Read by ``edoc.signing._xades_read``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import pyexpat

import attrs
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from edoc.errors import XadesError
from edoc.signing._c14n import Attr, Canonicalizer, Scope, declarations, resolve
from edoc.signing.algorithms import CanonicalizationMethod, DigestMethod
from edoc.signing.timestamp import TimeStampInfo

__all__ = [
    "SIGNED_PROPERTIES_TYPE",
    "XADES_NS",
    "SignaturePolicyId",
    "TimeStampInfo",
    "XadesError",
    "XadesInfo",
]

XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
SIGNATURE_ID = "edoc-signature"
SIGNED_PROPERTIES_ID = "edoc-signed-properties"
_EXC = CanonicalizationMethod.EXC_C14N.value


@attrs.frozen(kw_only=True)
class SignaturePolicyId:
    """The signature policy an EPES signature commits to (XAdES SignaturePolicyId)."""

    identifier: str
    """An OID (``1.2.3``, written as ``urn:oid:1.2.3``) or a URI."""
    digest: bytes
    """The digest of the policy document."""
    digest_method: DigestMethod = DigestMethod.SHA256
    uri: str | None = None
    """Where the policy document can be fetched (SPURI qualifier)."""
    description: str | None = None

    @classmethod
    def from_document(
        cls, identifier: str, document: bytes, *, uri: str | None = None,
        description: str | None = None, digest_method: DigestMethod = DigestMethod.SHA256,
    ) -> SignaturePolicyId:  # fmt: skip
        """The policy identified by ``identifier`` whose document is ``document``."""
        digest = hashlib.new(digest_method.hash_name, document).digest()
        return cls(identifier=identifier, digest=digest, digest_method=digest_method, uri=uri,
                   description=description)  # fmt: skip


@attrs.frozen(kw_only=True)
class XadesInfo:
    """What a verified XAdES signature's qualifying properties say."""

    level: str
    """``BES``, ``EPES`` or ``T``."""
    signing_time: dt.datetime | None
    """The signer's claimed time (SigningTime); not proof: see ``timestamp``."""
    policy_id: str | None
    timestamp: TimeStampInfo | None


# -- writing --------------------------------------------------------------------------------
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;"})


def b64(data: bytes) -> str:
    """Base64 text of ``data``."""
    return base64.b64encode(data).decode("ascii")


def issuer_serial_v2(cert: x509.Certificate) -> bytes:
    """DER IssuerSerial (RFC 5035) of ``cert``: its issuer as a directoryName, its serial."""
    issuer = asn1_x509.Name.load(cert.issuer.public_bytes())
    der: bytes = cms.IssuerSerial(
        {
            "issuer": [asn1_x509.GeneralName(name="directory_name", value=issuer)],
            "serial": cert.serial_number,
        }
    ).dump()
    return der


def _digest_xml(method: DigestMethod, value: bytes) -> str:
    return (
        f'<DigestMethod Algorithm="{method.value}"></DigestMethod>'
        f"<DigestValue>{b64(value)}</DigestValue>"
    )


def signed_properties(
    signer: x509.Certificate,
    digest: DigestMethod,
    signing_time: dt.datetime,
    policy: SignaturePolicyId | None,
) -> str:
    """The ``SignedProperties`` element as written inside the Signature (default namespace
    xmldsig, ``xades`` prefix declared by the enclosing QualifyingProperties)."""
    cert_digest = hashlib.new(digest.hash_name, signer.public_bytes(serialization.Encoding.DER))
    when = signing_time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = [
        f'<xades:SignedProperties Id="{SIGNED_PROPERTIES_ID}"><xades:SignedSignatureProperties>'
        f"<xades:SigningTime>{when}</xades:SigningTime>"
        "<xades:SigningCertificateV2><xades:Cert><xades:CertDigest>"
        f"{_digest_xml(digest, cert_digest.digest())}</xades:CertDigest>"
        f"<xades:IssuerSerialV2>{b64(issuer_serial_v2(signer))}</xades:IssuerSerialV2>"
        "</xades:Cert></xades:SigningCertificateV2>"
    ]
    if policy is not None:
        ident = policy.identifier
        qualifier = ""
        if ident.replace(".", "").isdigit():
            ident, qualifier = f"urn:oid:{ident}", ' Qualifier="OIDAsURN"'
        parts.append(
            "<xades:SignaturePolicyIdentifier><xades:SignaturePolicyId><xades:SigPolicyId>"
            f"<xades:Identifier{qualifier}>{ident.translate(_TEXT)}</xades:Identifier>"
        )
        if policy.description:
            parts.append(
                f"<xades:Description>{policy.description.translate(_TEXT)}</xades:Description>"
            )
        parts.append(
            "</xades:SigPolicyId><xades:SigPolicyHash>"
            f"{_digest_xml(policy.digest_method, policy.digest)}</xades:SigPolicyHash>"
        )
        if policy.uri:
            parts.append(
                "<xades:SigPolicyQualifiers><xades:SigPolicyQualifier><xades:SPURI>"
                f"{policy.uri.translate(_TEXT)}</xades:SPURI>"
                "</xades:SigPolicyQualifier></xades:SigPolicyQualifiers>"
            )
        parts.append("</xades:SignaturePolicyId></xades:SignaturePolicyIdentifier>")
    parts.append("</xades:SignedSignatureProperties></xades:SignedProperties>")
    return "".join(parts)


def unsigned_properties(token: bytes) -> str:
    """``UnsignedProperties`` with a SignatureTimeStamp holding ``token`` (DER)."""
    return (
        "<xades:UnsignedProperties><xades:UnsignedSignatureProperties>"
        '<xades:SignatureTimeStamp Id="edoc-signature-timestamp">'
        f'<CanonicalizationMethod Algorithm="{_EXC}"></CanonicalizationMethod>'
        f"<xades:EncapsulatedTimeStamp>{b64(token)}</xades:EncapsulatedTimeStamp>"
        "</xades:SignatureTimeStamp></xades:UnsignedSignatureProperties>"
        "</xades:UnsignedProperties>"
    )


def qualifying_properties(signed: str, unsigned: str = "") -> str:
    """The ``Object`` that carries the qualifying properties."""
    return (
        f'<Object><xades:QualifyingProperties xmlns:xades="{XADES_NS}" '
        f'Target="#{SIGNATURE_ID}">{signed}{unsigned}</xades:QualifyingProperties></Object>'
    )


def canonical_fragment(text: str, scope: dict[str, str], *, exclusive: bool = True) -> bytes:
    """The canonical form of an element written as ``text`` where ``scope`` (prefix to URI)
    is in force: what a same-document Reference to it digests."""
    out = bytearray()
    c14n = Canonicalizer(out.extend, exclusive=exclusive)
    names = Scope(scope)
    p = pyexpat.ParserCreate()

    def start(qname: str, attributes: dict[str, str]) -> None:
        decls = declarations(attributes)
        names.push(decls)
        plain: list[Attr] = []
        for k, v in attributes.items():
            if k == "xmlns" or k.startswith("xmlns:"):
                continue
            clark = resolve(k, names.map, attribute=True)
            if clark is None:
                raise ValueError(f"undeclared prefix in {k!r}")  # edoc's own markup only
            plain.append((clark[1:].partition("}")[0] if clark[0] == "{" else "", k, v))
        c14n.start(qname, decls, plain, names.map)

    def end(qname: str) -> None:
        c14n.end(qname)
        names.pop()

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = c14n.text
    p.Parse(text.encode("utf-8"), True)
    return bytes(out)
