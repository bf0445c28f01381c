"""XAdES (ETSI EN 319 132-1) qualifying properties for edXML's enveloped signature.

Written (see docs/signing.md): a ``ds:Object`` holding ``xades:QualifyingProperties
Target="#<Signature Id>"`` with ``SignedProperties`` (SigningTime, SigningCertificateV2,
and for EPES a SignaturePolicyIdentifier), signed by a second ``Reference`` of type
SignedProperties; for XAdES-T, ``UnsignedProperties`` with a ``SignatureTimeStamp`` over
the exclusive canonical ``ds:SignatureValue`` element. Read: the same shape, strictly.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import pyexpat
from typing import Any

import attrs
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from edoc.errors import (
    DisallowedAlgorithmError,
    InvalidSignatureError,
    SignatureProfileError,
    shorten,
)
from edoc.signing._c14n import Attr, Canonicalizer
from edoc.signing.algorithms import CanonicalizationMethod, DigestMethod
from edoc.signing.timestamp import TimeStampInfo, TimeStampTokenError, verify_token
from edoc.xml.names import DSIG_NS

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


class XadesError(InvalidSignatureError):
    """The XAdES qualifying properties are malformed or do not match the signature."""


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
    """The signer's claimed time (SigningTime); not proof: see :attr:`timestamp`."""
    policy_id: str | None
    timestamp: TimeStampInfo | None


# -- writing --------------------------------------------------------------------------------
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;"})


def _b64(data: bytes) -> str:
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
        f"<DigestValue>{_b64(value)}</DigestValue>"
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
        f"<xades:IssuerSerialV2>{_b64(issuer_serial_v2(signer))}</xades:IssuerSerialV2>"
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
        f"<xades:EncapsulatedTimeStamp>{_b64(token)}</xades:EncapsulatedTimeStamp>"
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
    scopes = [scope]
    p = pyexpat.ParserCreate()

    def start(qname: str, attributes: dict[str, str]) -> None:
        current = dict(scopes[-1])
        plain: list[Attr] = []
        for k, v in attributes.items():
            if k == "xmlns" or k.startswith("xmlns:"):
                current[k[6:]] = v
        for k, v in attributes.items():
            if not (k == "xmlns" or k.startswith("xmlns:")):
                plain.append((current[k.partition(":")[0]] if ":" in k else "", k, v))
        scopes.append(current)
        c14n.start(qname, current, plain)

    def end(qname: str) -> None:
        scopes.pop()
        c14n.end(qname)

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = c14n.text
    p.Parse(text.encode("utf-8"), True)
    return bytes(out)


# -- reading --------------------------------------------------------------------------------
@attrs.define
class Node:
    """An element of the captured Signature: tag (Clark), attributes, direct text, children."""

    tag: str
    attrib: dict[str, str]
    index: int
    """Its start event's index in the captured events (to replay it for C14N)."""
    text: str = ""
    children: list[Node] = attrs.field(factory=list)

    @property
    def local(self) -> str:
        return self.tag.rpartition("}")[2]

    def only(self, ns: str, *names: str) -> list[Node]:
        """The children, refused unless each is one of ``names`` in ``ns``, in that order."""
        order = {name: i for i, name in enumerate(names)}
        last = -1
        for child in self.children:
            if not child.tag.startswith(f"{{{ns}}}") or child.local not in order:
                raise XadesError(
                    f"unexpected {shorten(child.tag)} in {self.local}", reason="xades-profile"
                )
            if order[child.local] < last:
                raise XadesError(
                    f"{child.local} out of order in {self.local}", reason="xades-profile"
                )
            last = order[child.local]
        return self.children

    def child(self, ns: str, name: str) -> Node | None:
        found = [c for c in self.children if c.tag == f"{{{ns}}}{name}"]
        if len(found) > 1:
            raise XadesError(f"{self.local} has {len(found)} {name}", reason="xades-profile")
        return found[0] if found else None

    def need(self, ns: str, name: str) -> Node:
        found = self.child(ns, name)
        if found is None:
            raise XadesError(f"{self.local} has no {name}", reason="xades-profile")
        return found


def tree(events: list[tuple[Any, ...]], start: int) -> Node:
    """The element whose start event is ``events[start]``, as a :class:`Node` tree."""
    stack: list[Node] = []
    root: Node | None = None
    for i in range(start, len(events)):
        ev = events[i]
        if ev[0] == "start":
            node = Node(ev[2], ev[4], i)
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
            stack.append(node)
        elif ev[0] == "end":
            stack.pop()
            if not stack:
                break
        elif ev[0] == "text" and stack:
            stack[-1].text += ev[1]
    assert root is not None
    return root


def _base64(text: str, what: str) -> bytes:
    compact = "".join(text.split())
    try:
        raw = binascii.a2b_base64(compact, strict_mode=True)
    except (binascii.Error, ValueError):
        raise XadesError(f"{what} is not valid base64", reason="xades-format") from None
    if _b64(raw) != compact:
        raise XadesError(f"{what} is not canonical base64", reason="xades-format")
    return raw


def _digest_method(node: Node, allowed: frozenset[DigestMethod]) -> DigestMethod:
    algorithm = node.need(DSIG_NS, "DigestMethod").attrib.get("Algorithm", "")
    try:
        method = DigestMethod(algorithm)
    except ValueError:
        raise DisallowedAlgorithmError(
            f"unknown digest method {shorten(algorithm)} in {node.local}", reason="algorithm"
        ) from None
    if method not in allowed:
        raise DisallowedAlgorithmError(
            f"digest method {method.value} in {node.local} is not allowed by the policy",
            reason="algorithm",
        )
    return method


def _signing_time(text: str) -> dt.datetime:
    value = text.strip()
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise XadesError(
            f"SigningTime {shorten(value)!r} is not an xsd:dateTime", reason="xades-format"
        ) from None
    if when.tzinfo is None:
        raise XadesError(f"SigningTime {shorten(value)!r} has no time zone", reason="xades-format")
    return when.astimezone(dt.UTC)


def _check_signing_certificate(
    node: Node, signer: x509.Certificate, allowed: frozenset[DigestMethod]
) -> None:
    certs = node.only(XADES_NS, "Cert")
    if not certs:
        raise XadesError("SigningCertificateV2 names no certificate", reason="xades-profile")
    first = certs[0]  # the signer's own certificate comes first (EN 319 132-1 5.2.2)
    first.only(XADES_NS, "CertDigest", "IssuerSerialV2")
    cert_digest = first.need(XADES_NS, "CertDigest")
    cert_digest.only(DSIG_NS, "DigestMethod", "DigestValue")
    method = _digest_method(cert_digest, allowed)
    value = _base64(cert_digest.need(DSIG_NS, "DigestValue").text, "CertDigest/DigestValue")
    der = signer.public_bytes(serialization.Encoding.DER)
    if not hmac.compare_digest(value, hashlib.new(method.hash_name, der).digest()):
        raise XadesError(
            "SigningCertificateV2 does not name the certificate that signed (CertDigest differs)",
            reason="xades-signing-certificate",
        )
    serial = first.child(XADES_NS, "IssuerSerialV2")
    if serial is not None:
        try:
            parsed = cms.IssuerSerial.load(_base64(serial.text, "IssuerSerialV2"))
            names = [g.chosen for g in parsed["issuer"] if g.name == "directory_name"]
            matches = parsed["serial"].native == signer.serial_number and (
                names == [asn1_x509.Name.load(signer.issuer.public_bytes())]
            )
        except (ValueError, TypeError, KeyError):
            raise XadesError(
                "IssuerSerialV2 is not a DER IssuerSerial", reason="xades-format"
            ) from None
        if not matches:
            raise XadesError(
                "IssuerSerialV2 does not name the certificate that signed",
                reason="xades-signing-certificate",
            )


def _policy_id(node: Node, allowed: frozenset[DigestMethod]) -> str | None:
    node.only(XADES_NS, "SignaturePolicyId", "SignaturePolicyImplied")
    if node.child(XADES_NS, "SignaturePolicyImplied") is not None:
        return None
    pid = node.need(XADES_NS, "SignaturePolicyId")
    pid.only(XADES_NS, "SigPolicyId", "Transforms", "SigPolicyHash", "SigPolicyQualifiers")
    ident = pid.need(XADES_NS, "SigPolicyId").need(XADES_NS, "Identifier").text.strip()
    policy_hash = pid.need(XADES_NS, "SigPolicyHash")
    _digest_method(policy_hash, allowed)
    _base64(policy_hash.need(DSIG_NS, "DigestValue").text, "SigPolicyHash/DigestValue")
    if not ident:
        raise XadesError("SigPolicyId has an empty Identifier", reason="xades-format")
    return ident


def read_properties(
    qualifying: Node,
    signature_id: str | None,
    signed_properties_id: str,
    signer: x509.Certificate,
    allowed: frozenset[DigestMethod],
) -> tuple[dt.datetime | None, str | None, Node | None]:
    """Check QualifyingProperties against the signature; return (SigningTime, policy id,
    the SignatureTimeStamp node or None)."""
    if signature_id is None or qualifying.attrib.get("Target") != f"#{signature_id}":
        raise XadesError(
            "QualifyingProperties Target does not point at this Signature's Id",
            reason="xades-profile",
        )
    qualifying.only(XADES_NS, "SignedProperties", "UnsignedProperties")
    signed = qualifying.need(XADES_NS, "SignedProperties")
    if signed.attrib.get("Id") != signed_properties_id:
        raise XadesError(
            "the signed Reference does not point at SignedProperties", reason="xades-profile"
        )
    signed.only(XADES_NS, "SignedSignatureProperties", "SignedDataObjectProperties")
    ssp = signed.need(XADES_NS, "SignedSignatureProperties")
    ssp.only(XADES_NS, "SigningTime", "SigningCertificate", "SigningCertificateV2",
             "SignaturePolicyIdentifier", "SignatureProductionPlace",
             "SignatureProductionPlaceV2", "SignerRole", "SignerRoleV2")  # fmt: skip
    if ssp.child(XADES_NS, "SigningCertificate") is not None:
        raise XadesError(
            "SigningCertificate (SHA-1 era, XAdES 1.3.2) is not accepted: use SigningCertificateV2",
            reason="xades-profile",
        )
    signing_cert = ssp.child(XADES_NS, "SigningCertificateV2")
    if signing_cert is None:
        raise XadesError(
            "SignedSignatureProperties has no SigningCertificateV2", reason="xades-profile"
        )
    _check_signing_certificate(signing_cert, signer, allowed)
    time_node = ssp.child(XADES_NS, "SigningTime")
    signing_time = _signing_time(time_node.text) if time_node is not None else None
    policy_node = ssp.child(XADES_NS, "SignaturePolicyIdentifier")
    policy = _policy_id(policy_node, allowed) if policy_node is not None else None
    stamp = None
    unsigned = qualifying.child(XADES_NS, "UnsignedProperties")
    if unsigned is not None:
        unsigned.only(XADES_NS, "UnsignedSignatureProperties")
        usp = unsigned.need(XADES_NS, "UnsignedSignatureProperties")
        usp.only(XADES_NS, "SignatureTimeStamp")
        stamp = usp.child(XADES_NS, "SignatureTimeStamp")
        if stamp is None:
            raise XadesError("UnsignedSignatureProperties is empty", reason="xades-profile")
    return signing_time, policy, stamp


def timestamp_c14n(stamp: Node) -> CanonicalizationMethod:
    """The canonicalisation the SignatureTimeStamp applies to SignatureValue (C14N 1.0 if
    it names none, as XAdES says)."""
    for child in stamp.children:
        if child.tag not in (f"{{{DSIG_NS}}}CanonicalizationMethod",
                             f"{{{XADES_NS}}}EncapsulatedTimeStamp"):  # fmt: skip
            raise XadesError(f"unexpected {shorten(child.tag)} in SignatureTimeStamp",
                             reason="xades-profile")  # fmt: skip
    method = stamp.child(DSIG_NS, "CanonicalizationMethod")
    if method is None:
        return CanonicalizationMethod.C14N
    try:
        return CanonicalizationMethod(method.attrib.get("Algorithm", ""))
    except ValueError:
        raise DisallowedAlgorithmError(
            "SignatureTimeStamp names an unknown canonicalization", reason="algorithm"
        ) from None


def check_timestamp(stamp: Node, signature_value_c14n: bytes) -> TimeStampInfo:
    """The SignatureTimeStamp's token, checked over the canonical SignatureValue element."""
    token = _base64(stamp.need(XADES_NS, "EncapsulatedTimeStamp").text, "EncapsulatedTimeStamp")
    try:
        return verify_token(token, signature_value_c14n)
    except TimeStampTokenError as exc:
        raise XadesError(f"SignatureTimeStamp: {exc}", reason=exc.reason) from None


def check_reference_shape(reference: Node) -> str:
    """A SignedProperties Reference: ``URI="#id"``, no transform or one C14N; its id."""
    uri = reference.attrib.get("URI", "")
    if not uri.startswith("#") or len(uri) < 2:
        raise SignatureProfileError(
            f"the SignedProperties Reference URI {shorten(uri)!r} is not a same-document #id",
            reason="profile",
        )
    return uri[1:]
