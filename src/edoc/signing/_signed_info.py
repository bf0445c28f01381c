"""The pinned profile's checks of a captured Signature (SignedInfo, References,
algorithms, KeyInfo) and the check of SignatureValue. See :mod:`edoc.signing.verifier`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from edoc._base64 import Base64Error, decode_canonical
from edoc._x509 import load_certificate
from edoc.errors import (
    DisallowedAlgorithmError,
    InvalidSignatureError,
    LegacyAlgorithmWarning,
    SignatureProfileError,
    shorten,
    warn_caller,
)
from edoc.signing import _dsig_schema, _xades_read
from edoc.signing._captured import Element
from edoc.signing.algorithms import (
    HASHES,
    CanonicalizationMethod,
    DigestMethod,
    SignatureMethod,
)
from edoc.xml import names as n

if TYPE_CHECKING:
    from edoc.signing._captured import Captured
    from edoc.signing.verifier import VerifyPolicy


_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_SDK_EXC_C14N_TYPO = "http://www.w3.org/TR/xml-exc-c14n#"


@attrs.frozen(kw_only=True)
class _SignedInfo:
    c14n: CanonicalizationMethod
    method: SignatureMethod
    digest: DigestMethod
    digest_value: bytes
    reference_c14n: CanonicalizationMethod
    signature_value: bytes
    certificates: tuple[x509.Certificate, ...]
    signed_info_index: int
    signature_value_index: int
    notes: tuple[str, ...]
    properties: _xades_read.PropertiesReference | None = None
    object_index: int | None = None


_XML_WS = str.maketrans("", "", " \t\r\n")


def _b64(text: str, what: str) -> bytes:
    """Strict base64: only XML white space is dropped; non-canonical forms (stray bits,
    excess padding, data after padding) are refused, so one value has one encoding."""
    try:
        return decode_canonical(text.translate(_XML_WS))
    except Base64Error as exc:
        raise InvalidSignatureError(f"{what} is {exc}", reason="format") from None


def _references(els: list[Element]) -> list[list[Element]]:
    """Each Reference (a SignedInfo child) with its descendants, in order."""
    groups: list[list[Element]] = []
    current: list[Element] | None = None
    for e in els:  # document order: a Reference's descendants follow it
        if e.local == "Reference":
            if e.depth != 3:
                raise SignatureProfileError("a Reference outside SignedInfo", reason="profile")
            current = [e]
            groups.append(current)
        elif e.depth <= 3:
            current = None
        elif current is not None:
            current.append(e)
    for g in groups:
        local = [x.local for x in g[1:]]
        for single in ("DigestMethod", "DigestValue"):
            if local.count(single) != 1:
                raise SignatureProfileError(
                    f"a Reference has {local.count(single)} {single}", reason="profile"
                )
        if local.count("Transforms") > 1 or set(local) - set(_REFERENCE_PARTS):
            raise SignatureProfileError(f"a Reference holds {local}", reason="profile")
    return groups


_REFERENCE_PARTS = ("Transforms", "Transform", "DigestMethod", "DigestValue")


def reference_info(sig: Captured, ns: str, policy: VerifyPolicy) -> _SignedInfo:
    """Check the Signature's shape against the pinned profile and read its values."""
    els = sig.elements(ns)
    _check_outline([e.local for e in els])
    groups = _references(els)
    main, properties = _the_references(els, groups, sig, policy)
    by = {e.local: e for e in els if e.local in _SINGLES}
    by.update({e.local: e for e in main})
    notes: list[str] = []
    reference_c14n = _reference_c14n(main, policy, notes)
    c14n, method, digest = _algorithms(by, policy, notes)
    if ns == n.NS:
        notes.append("the Signature is in the edXML namespace (legacy dialect)")
    _dsig_schema.check(sig.events, ns)
    certificates = _certificates(els)  # first: a placeholder is named before bad values
    return _SignedInfo(
        c14n=c14n,
        method=method,
        digest=digest,
        digest_value=_b64(by["DigestValue"].text, "DigestValue"),
        reference_c14n=reference_c14n,
        signature_value=_b64(by["SignatureValue"].text, "SignatureValue"),
        certificates=certificates,
        signed_info_index=by["SignedInfo"].start,
        signature_value_index=by["SignatureValue"].start,
        notes=tuple(notes),
        properties=properties,
        object_index=sig.objects[0] if sig.objects else None,
    )


_FORBIDDEN = ("Object", "Manifest", "RetrievalMethod", "KeyInfoReference", "XPath", "XSLT")
_SINGLES = ("SignedInfo", "SignatureValue", "CanonicalizationMethod", "SignatureMethod")


def _check_outline(names: list[str]) -> None:
    """No forbidden element, one of each single one, SignedInfo first."""
    for forbidden in _FORBIDDEN:
        if forbidden in names:
            raise SignatureProfileError(f"the Signature carries {forbidden}", reason="profile")
    for single in _SINGLES:
        if names.count(single) > 1:
            raise SignatureProfileError(
                f"the Signature has {names.count(single)} {single}", reason="profile"
            )
        if names.count(single) == 0:
            raise SignatureProfileError(f"the Signature has no {single}", reason="profile")
    if names[:2] != ["Signature", "SignedInfo"]:
        raise SignatureProfileError(
            "SignedInfo is not the Signature's first child", reason="profile"
        )


def _the_references(
    els: list[Element], groups: list[list[Element]], sig: Captured, policy: VerifyPolicy
) -> tuple[list[Element], _xades_read.PropertiesReference | None]:
    """The whole-package Reference (``URI=""``, with its descendants) and the XAdES
    SignedProperties Reference when there is a second one (which needs the one Object)."""
    inside = sum(len(g) - 1 for g in groups)
    if sum(1 for e in els if e.local in _REFERENCE_PARTS) != inside:
        raise SignatureProfileError(
            "a DigestMethod, DigestValue or Transform outside a Reference", reason="profile"
        )
    if not groups:
        raise SignatureProfileError("the Signature has no Reference", reason="profile")
    if len(groups) > 2:
        raise SignatureProfileError(f"the Signature has {len(groups)} Reference", reason="profile")
    main = [g for g in groups if g[0].attrib.get("URI") == ""]
    if len(main) > 1:
        raise SignatureProfileError(
            f'the Signature has {len(main)} References with URI=""; the second one may only '
            "be the XAdES SignedProperties Reference",
            reason="profile",
        )
    if not main:
        uri = groups[0][0].attrib.get("URI")
        raise SignatureProfileError(
            f"the Reference URI is {shorten(str(uri))!r}; edXML signatures cover the whole package "
            '(URI="")',
            reason="profile",
        )
    properties = None
    if len(groups) == 2:
        other = next(g for g in groups if g is not main[0])
        properties = _xades_read.properties_reference(other, policy.digest_methods)
    if len(sig.objects) > 1 or bool(sig.objects) != (properties is not None):
        raise SignatureProfileError(
            "the Signature carries an Object, which only XAdES properties referenced from "
            "SignedInfo may use" if sig.objects and properties is None
            else "a SignedProperties Reference needs exactly one Object with the XAdES "
            "QualifyingProperties in this Signature",
            reason="profile",
        )  # fmt: skip
    return main[0], properties


def _reference_c14n(
    ref: list[Element], policy: VerifyPolicy, notes: list[str]
) -> CanonicalizationMethod:
    """The transforms: enveloped-signature, then C14N 1.0 (the default) or exclusive C14N."""
    transforms = [e.attrib.get("Algorithm", "") for e in ref if e.local == "Transform"]
    if not transforms or transforms[0] != _ENVELOPED or len(transforms) > 2:
        raise SignatureProfileError(
            f"transforms must be enveloped-signature then a C14N, not {transforms}",
            reason="profile",
        )
    if len(transforms) == 1:
        return CanonicalizationMethod.C14N
    t = transforms[1]
    if t == _SDK_EXC_C14N_TYPO and policy.edxml_dialect:
        notes.append(f"the transform URI {t} is the reference SDK's typo for exclusive C14N")
        t = CanonicalizationMethod.EXC_C14N.value
    try:
        return CanonicalizationMethod(t)
    except ValueError:
        raise DisallowedAlgorithmError(
            f"transform {shorten(t)} is not allowed", reason="algorithm"
        ) from None


def _algorithms(
    by: dict[str, Element], policy: VerifyPolicy, notes: list[str]
) -> tuple[CanonicalizationMethod, SignatureMethod, DigestMethod]:
    """SignedInfo's canonicalisation, the signature and digest methods, as the policy allows."""
    try:
        c14n = CanonicalizationMethod(by["CanonicalizationMethod"].attrib.get("Algorithm", ""))
        method = SignatureMethod(by["SignatureMethod"].attrib.get("Algorithm", ""))
        digest = DigestMethod(by["DigestMethod"].attrib.get("Algorithm", ""))
    except ValueError as exc:
        raise DisallowedAlgorithmError(f"unknown algorithm: {exc}", reason="algorithm") from None
    if method not in policy.signature_methods:
        raise DisallowedAlgorithmError(
            f"signature method {method.value} is not allowed by the verification policy",
            reason="algorithm",
        )
    if digest not in policy.digest_methods:
        raise DisallowedAlgorithmError(
            f"digest method {digest.value} is not allowed by the verification policy",
            reason="algorithm",
        )
    for legacy in (method, digest):
        if legacy.legacy:
            notes.append(f"weak algorithm accepted by policy: {legacy.value}")
            warn_caller(f"edoc accepted {legacy.value}", LegacyAlgorithmWarning)
    return c14n, method, digest


def _certificates(els: list[Element]) -> tuple[x509.Certificate, ...]:
    """The X509Certificate values, each a certificate (a placeholder is refused)."""
    certs = []
    for e in els:
        if e.local == "X509Certificate":
            try:
                cert = load_certificate(_b64(e.text, "X509Certificate"))
            except InvalidSignatureError:
                cert = None
            if cert is None:
                raise InvalidSignatureError(
                    f"X509Certificate {shorten(e.text.strip(), 20)!r} is not a certificate "
                    "(a placeholder?): the signature cannot be verified",
                    reason="placeholder-certificate",
                )
            certs.append(cert)
    if not certs:
        raise InvalidSignatureError(
            "the Signature carries no X509Certificate", reason="no-certificate"
        )
    return tuple(certs)


def _check_signature(
    cert: x509.Certificate, info: _SignedInfo, signed: bytes, policy: VerifyPolicy
) -> bool:
    try:
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        raise DisallowedAlgorithmError(
            "the certificate's public key is of a type edoc cannot verify with",
            reason="key-type",
        ) from None
    algorithm = HASHES[info.method.hash_name]()
    try:
        if isinstance(key, rsa.RSAPublicKey) and info.method.family in ("rsa", "rsa-pss"):
            if not policy.min_rsa_bits <= key.key_size <= policy.max_rsa_bits:
                raise DisallowedAlgorithmError(
                    f"the RSA key has {key.key_size} bits; the policy allows "
                    f"{policy.min_rsa_bits} to {policy.max_rsa_bits}",
                    reason="key-size",
                )
            pad: padding.AsymmetricPadding = (
                padding.PKCS1v15() if info.method.family == "rsa"
                else padding.PSS(mgf=padding.MGF1(algorithm), salt_length=padding.PSS.AUTO)
            )  # fmt: skip
            key.verify(info.signature_value, signed, pad, algorithm)
            return True
        if isinstance(key, ec.EllipticCurvePublicKey) and info.method.family == "ecdsa":
            if key.curve.name not in policy.ec_curves:
                raise DisallowedAlgorithmError(
                    f"the EC curve {key.curve.name} is not allowed by the policy", reason="key-size"
                )
            size = (key.curve.key_size + 7) // 8
            sig = info.signature_value
            if len(sig) != 2 * size:
                raise InvalidSignatureError(
                    f"the ECDSA SignatureValue is {len(sig)} bytes, not {2 * size} (r || s)",
                    reason="format",
                )
            der = encode_dss_signature(
                int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big")
            )
            key.verify(der, signed, ec.ECDSA(algorithm))
            return True
    except InvalidSignature:
        return False
    return False
