"""Reading XAdES qualifying properties in a verified Signature (see :mod:`edoc.signing.xades`).

The verifier hands over the Signature's captured events; this module checks the XAdES part
of the pinned profile: the SignedProperties Reference, the one ``Object`` and its
QualifyingProperties, SigningCertificateV2 against the signer, the SignedProperties digest
and the SignatureTimeStamp.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable

import attrs
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from edoc._base64 import Base64Error, decode_canonical
from edoc.errors import (
    DigestMismatchError,
    DisallowedAlgorithmError,
    SignatureProfileError,
    shorten,
)
from edoc.signing._captured import Element, Event, Start, tree
from edoc.signing.algorithms import CanonicalizationMethod, DigestMethod
from edoc.signing.timestamp import TimeStampInfo, TimeStampTokenError, verify_token
from edoc.signing.xades import (
    SIGNED_PROPERTIES_TYPE,
    XADES_NS,
    XadesError,
    XadesInfo,
)
from edoc.xml.names import DSIG_NS
from edoc.xml.parsed import Node

__all__ = ["PropertiesReference", "check", "properties_reference"]

CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far a signer's clock may run ahead of the TSA's before SigningTime after genTime is
refused."""


@attrs.frozen(kw_only=True)
class PropertiesReference:
    """The XAdES Reference to SignedProperties."""

    target: str
    c14n: CanonicalizationMethod
    digest: DigestMethod
    digest_value: bytes


def properties_reference(
    group: list[Element], digest_methods: frozenset[DigestMethod]
) -> PropertiesReference:
    """The SignedProperties Reference: ``Type`` SignedProperties, ``URI="#id"``, no transform
    or one C14N."""
    head = group[0].attrib
    uri = head.get("URI", "")
    if head.get("Type") != SIGNED_PROPERTIES_TYPE or not uri.startswith("#") or len(uri) < 2:
        raise SignatureProfileError(
            f"a second Reference (URI {shorten(uri)!r}) that is not the XAdES SignedProperties "
            "Reference: edXML signatures cover the whole package",
            reason="profile",
        )
    transforms = [e.attrib.get("Algorithm", "") for e in group if e.local == "Transform"]
    if len(transforms) > 1:
        raise SignatureProfileError(
            f"the SignedProperties Reference has transforms {transforms}", reason="profile"
        )
    try:
        c14n = CanonicalizationMethod(transforms[0]) if transforms else CanonicalizationMethod.C14N
        method = next(e for e in group if e.local == "DigestMethod")
        digest = DigestMethod(method.attrib.get("Algorithm"))
    except ValueError as exc:
        raise DisallowedAlgorithmError(f"unknown algorithm: {exc}", reason="algorithm") from None
    if digest not in digest_methods:
        raise DisallowedAlgorithmError(
            f"digest method {digest.value} is not allowed by the verification policy",
            reason="algorithm",
        )
    value = next(e for e in group if e.local == "DigestValue").text
    return PropertiesReference(
        target=uri[1:], c14n=c14n, digest=digest, digest_value=_base64(value, "DigestValue")
    )


def check(
    events: list[Event],
    *,
    object_index: int,
    signature_value_index: int,
    reference: PropertiesReference,
    package_ids: set[str],
    signer: x509.Certificate,
    digest_methods: frozenset[DigestMethod],
    canonical: Callable[[int, CanonicalizationMethod], bytes],
) -> XadesInfo:
    """The SignedProperties digest, the signing certificate they name, the time-stamp.

    ``canonical(index, method)`` is the canonical form of the captured element starting at
    event ``index``; ``package_ids`` the Id attributes outside the Signature.
    """
    ref = reference
    ids = [ev.attrib.get("Id") for ev in events if type(ev) is Start]
    if ids.count(ref.target) != 1 or ref.target in package_ids:
        raise SignatureProfileError(
            f"the Id {shorten(ref.target)!r} of the SignedProperties is not unique",
            reason="profile",
        )
    obj = tree(events, object_index)
    if obj.text.strip() or [c.tag for c in obj.children] != [f"{{{XADES_NS}}}QualifyingProperties"]:
        raise XadesError(
            "the Object holds more than the QualifyingProperties", reason="xades-profile"
        )
    qualifying = obj.children[0]
    signing_time, policy_id, stamp = read_properties(
        qualifying, _start(events[0]).attrib.get("Id"), ref.target, signer, digest_methods
    )
    signed = _need(qualifying, XADES_NS, "SignedProperties")
    digest = hashlib.new(ref.digest.hash_name, canonical(signed.index, ref.c14n)).digest()
    if not hmac.compare_digest(digest, ref.digest_value):
        raise DigestMismatchError(
            "the SignedProperties changed after signing (their DigestValue does not match)",
            reason="digest-mismatch",
        )
    timestamp = None
    if stamp is not None:
        value = canonical(signature_value_index, timestamp_c14n(stamp))
        timestamp = check_timestamp(stamp, value)
    if timestamp and signing_time and signing_time > timestamp.gen_time + CLOCK_SKEW:
        raise XadesError(
            f"SigningTime {signing_time.isoformat()} is after the time-stamp's genTime "
            f"{timestamp.gen_time.isoformat()}: the signature cannot predate its claimed time",
            reason="timestamp-order",
        )
    level = "T" if timestamp else "EPES" if policy_id else "BES"
    return XadesInfo(
        level=level, signing_time=signing_time, policy_id=policy_id, timestamp=timestamp
    )


def _start(ev: Event) -> Start:
    assert type(ev) is Start
    return ev


def _only(node: Node, ns: str, *names: str) -> list[Node]:
    """The children, refused unless each is one of ``names`` in ``ns``, in that order."""
    order = {name: i for i, name in enumerate(names)}
    last = -1
    for child in node.children:
        if not child.tag.startswith(f"{{{ns}}}") or child.local not in order:
            raise XadesError(
                f"unexpected {shorten(child.tag)} in {node.local}", reason="xades-profile"
            )
        if order[child.local] < last:
            raise XadesError(f"{child.local} out of order in {node.local}", reason="xades-profile")
        last = order[child.local]
    return node.children


def _child(node: Node, ns: str, name: str) -> Node | None:
    found = node.children_named(f"{{{ns}}}{name}")
    if len(found) > 1:
        raise XadesError(f"{node.local} has {len(found)} {name}", reason="xades-profile")
    return found[0] if found else None


def _need(node: Node, ns: str, name: str) -> Node:
    found = _child(node, ns, name)
    if found is None:
        raise XadesError(f"{node.local} has no {name}", reason="xades-profile")
    return found


def _base64(text: str, what: str) -> bytes:
    try:
        return decode_canonical("".join(text.split()))
    except Base64Error as exc:
        raise XadesError(f"{what} is {exc}", reason="xades-format") from None


def _digest_method(node: Node, allowed: frozenset[DigestMethod]) -> DigestMethod:
    algorithm = _need(node, DSIG_NS, "DigestMethod").attrib.get("Algorithm", "")
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
    certs = _only(node, XADES_NS, "Cert")
    if not certs:
        raise XadesError("SigningCertificateV2 names no certificate", reason="xades-profile")
    first = certs[0]  # the signer's own certificate comes first (EN 319 132-1 5.2.2)
    _only(first, XADES_NS, "CertDigest", "IssuerSerialV2")
    cert_digest = _need(first, XADES_NS, "CertDigest")
    _only(cert_digest, DSIG_NS, "DigestMethod", "DigestValue")
    method = _digest_method(cert_digest, allowed)
    value = _base64(_need(cert_digest, DSIG_NS, "DigestValue").text, "CertDigest/DigestValue")
    der = signer.public_bytes(serialization.Encoding.DER)
    if not hmac.compare_digest(value, hashlib.new(method.hash_name, der).digest()):
        raise XadesError(
            "SigningCertificateV2 does not name the certificate that signed (CertDigest differs)",
            reason="xades-signing-certificate",
        )
    serial = _child(first, XADES_NS, "IssuerSerialV2")
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
    _only(node, XADES_NS, "SignaturePolicyId", "SignaturePolicyImplied")
    if _child(node, XADES_NS, "SignaturePolicyImplied") is not None:
        return None
    pid = _need(node, XADES_NS, "SignaturePolicyId")
    _only(pid, XADES_NS, "SigPolicyId", "Transforms", "SigPolicyHash", "SigPolicyQualifiers")
    ident = _need(_need(pid, XADES_NS, "SigPolicyId"), XADES_NS, "Identifier").text.strip()
    policy_hash = _need(pid, XADES_NS, "SigPolicyHash")
    _digest_method(policy_hash, allowed)
    _base64(_need(policy_hash, DSIG_NS, "DigestValue").text, "SigPolicyHash/DigestValue")
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
    _only(qualifying, XADES_NS, "SignedProperties", "UnsignedProperties")
    signed = _need(qualifying, XADES_NS, "SignedProperties")
    if signed.attrib.get("Id") != signed_properties_id:
        raise XadesError(
            "the signed Reference does not point at SignedProperties", reason="xades-profile"
        )
    _only(signed, XADES_NS, "SignedSignatureProperties", "SignedDataObjectProperties")
    ssp = _need(signed, XADES_NS, "SignedSignatureProperties")
    _only(ssp, XADES_NS, "SigningTime", "SigningCertificate", "SigningCertificateV2",
             "SignaturePolicyIdentifier", "SignatureProductionPlace",
             "SignatureProductionPlaceV2", "SignerRole", "SignerRoleV2")  # fmt: skip
    if _child(ssp, XADES_NS, "SigningCertificate") is not None:
        raise XadesError(
            "SigningCertificate (SHA-1 era, XAdES 1.3.2) is not accepted: use SigningCertificateV2",
            reason="xades-profile",
        )
    signing_cert = _child(ssp, XADES_NS, "SigningCertificateV2")
    if signing_cert is None:
        raise XadesError(
            "SignedSignatureProperties has no SigningCertificateV2", reason="xades-profile"
        )
    _check_signing_certificate(signing_cert, signer, allowed)
    time_node = _child(ssp, XADES_NS, "SigningTime")
    signing_time = _signing_time(time_node.text) if time_node is not None else None
    policy_node = _child(ssp, XADES_NS, "SignaturePolicyIdentifier")
    policy = _policy_id(policy_node, allowed) if policy_node is not None else None
    stamp = None
    unsigned = _child(qualifying, XADES_NS, "UnsignedProperties")
    if unsigned is not None:
        _only(unsigned, XADES_NS, "UnsignedSignatureProperties")
        usp = _need(unsigned, XADES_NS, "UnsignedSignatureProperties")
        _only(usp, XADES_NS, "SignatureTimeStamp")
        stamp = _child(usp, XADES_NS, "SignatureTimeStamp")
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
    method = _child(stamp, DSIG_NS, "CanonicalizationMethod")
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
    token = _base64(_need(stamp, XADES_NS, "EncapsulatedTimeStamp").text, "EncapsulatedTimeStamp")
    try:
        return verify_token(token, signature_value_c14n)
    except TimeStampTokenError as exc:
        raise XadesError(f"SignatureTimeStamp: {exc}", reason=exc.reason) from None
