"""Verify a package in one streaming pass and return only what the signature covers.

One expat pass over the bytes (names as written, so that canonicalisation knows every
prefix) feeds three consumers at once: the canonicaliser whose output is digested, the
node tree the model is built from, and the attachment decoder. The package returned is
built from the same events that were digested; the only unsigned parts of a package (the
``Signature`` itself, comments, the XML declaration) never reach the model.

Pinned profile: exactly one ``Signature`` (xmldsig namespace, or the edXML-namespace form
seen on the hub under a legacy policy), the last child of ``edXMLHeader``; one
``SignedInfo``; one ``Reference`` with ``URI=""``; transforms exactly enveloped-signature
then C14N 1.0 or exclusive C14N; no ``Manifest``; xmldsig elements nowhere else. XAdES adds
exactly one ``Object`` (a child of the Signature) holding the QualifyingProperties, and one
second ``Reference`` of type SignedProperties to the SignedProperties inside that Object
(see :mod:`edoc.signing.xades`). Anything else is refused, never skipped.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import os
import pyexpat
import warnings
from collections.abc import Callable
from typing import Any, BinaryIO

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from edoc._hashing import ParallelHash
from edoc.errors import (
    DigestMismatchError,
    DisallowedAlgorithmError,
    ForbiddenXMLError,
    InvalidSignatureError,
    LegacyAlgorithmWarning,
    LimitExceededError,
    ParseError,
    SignatureMissingError,
    SignatureProfileError,
    shorten,
)
from edoc.limits import Limits
from edoc.model import Package
from edoc.signing import _xades_read
from edoc.signing._c14n import Attr, Canonicalizer
from edoc.signing.algorithms import CanonicalizationMethod, DigestMethod, SignatureMethod
from edoc.signing.trust import TrustStore
from edoc.signing.xades import XadesInfo
from edoc.xml import names as n
from edoc.xml._events import ParsedDocument, _Target
from edoc.xml.reader import Source, _open, package_from_document

__all__ = ["VerificationResult", "VerifyPolicy", "verify"]

_XML_NS = "http://www.w3.org/XML/1998/namespace"
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_SDK_EXC_C14N_TYPO = "http://www.w3.org/TR/xml-exc-c14n#"
_CHUNK = 256 * 1024
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


@attrs.frozen(kw_only=True)
class VerifyPolicy:
    """What a verifier accepts. Safe by default; each relaxation is named."""

    signature_methods: frozenset[SignatureMethod] = frozenset(
        m for m in SignatureMethod if not m.legacy
    )
    digest_methods: frozenset[DigestMethod] = frozenset(d for d in DigestMethod if not d.legacy)
    min_rsa_bits: int = 2048
    max_rsa_bits: int = 8192
    ec_curves: frozenset[str] = frozenset({"secp256r1", "secp384r1", "secp521r1"})
    edxml_dialect: bool = False
    """Accept the edXML-namespace ``Signature`` of the reference SDK and the hub (and its
    invalid exclusive-C14N transform URI)."""

    @classmethod
    def legacy(cls) -> VerifyPolicy:
        """What circulates on the hub: SHA-1, RSA from 1024 bits, the edXML dialect; each use
        is reported with :class:`LegacyAlgorithmWarning` and in ``result.findings``."""
        return cls(
            signature_methods=frozenset(SignatureMethod),
            digest_methods=frozenset(DigestMethod),
            min_rsa_bits=1024,
            edxml_dialect=True,
        )


@attrs.frozen(kw_only=True)
class VerificationResult:
    """A verified package: everything here was covered by the signature."""

    package: Package
    signer: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    algorithm: SignatureMethod
    digest_algorithm: DigestMethod
    canonicalization: CanonicalizationMethod
    dialect: str
    """``xmldsig`` or ``edxml`` (the legacy edXML-namespace form)."""
    verified_at: dt.datetime
    findings: tuple[str, ...] = ()
    """Notes on weak or legacy choices the policy accepted."""
    xades: XadesInfo | None = None
    """The XAdES level, signing time, policy and time-stamp, when the signature has them."""

    @property
    def signed_at(self) -> dt.datetime | None:
        """The signer's claimed time: the last TraceHeader timestamp (not a time-stamp)."""
        trace = getattr(self.package, "trace", None)
        headers = trace.trace_headers if trace is not None else ()
        return headers[-1].timestamp if headers else None


class _Captured:
    """The Signature subtree's events, kept to read and canonicalise SignedInfo."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.objects: list[int] = []
        """Event indices of the Signature's own ``Object`` children (not in :meth:`elements`)."""

    def elements(self, ns: str) -> list[tuple[int, str, dict[str, str], str, int]]:
        """(event index, local name, attributes, text, depth) of every element outside the
        Signature's own Objects, in order."""
        out = []
        depth = 0
        skipping = 0  # the depth of the Object being skipped
        self.objects = []
        for i, ev in enumerate(self.events):
            if ev[0] == "end":
                if skipping == depth:
                    skipping = 0
                depth -= 1
            if ev[0] != "start":
                continue
            depth += 1
            if skipping:
                continue
            local = ev[2].rpartition("}")[2]
            if depth == 2 and ev[2] == f"{{{n.DSIG_NS}}}Object" and ns == n.DSIG_NS:
                self.objects.append(i)
                skipping = depth
            elif ev[2].startswith(f"{{{ns}}}"):
                out.append((i, local, ev[4], self._text(i), depth))
            else:
                raise SignatureProfileError(
                    f"foreign element {shorten(ev[2])} inside Signature", reason="profile"
                )
        return out

    def _text(self, start: int) -> str:
        depth, parts = 0, []
        for ev in self.events[start:]:
            if ev[0] == "start":
                depth += 1
            elif ev[0] == "end":
                depth -= 1
                if depth == 0:
                    break
            elif ev[0] == "text" and depth == 1:
                parts.append(ev[1])
        return "".join(parts)

    def replay(self, start: int, c14n: Canonicalizer) -> None:
        depth = 0
        for ev in self.events[start:]:
            if ev[0] == "start":
                c14n.start(ev[1], ev[3], ev[5])
                depth += 1
            elif ev[0] == "end":
                c14n.end(ev[1])
                depth -= 1
                if depth == 0:
                    return
            elif ev[0] == "text":
                c14n.text(ev[1])
            elif ev[0] == "pi":
                c14n.pi(ev[1], ev[2])


class _Pass:
    """The expat handlers: namespaces, canonical digest, node tree, signature capture."""

    def __init__(
        self, policy: VerifyPolicy, limits: Limits, spool_dir: str | None, source: str
    ) -> None:
        self.policy = policy
        self.source = source
        self.target = _Target(limits, 1 << 20, spool_dir)
        self.lines: dict[int, int] = {}
        self.scopes: list[dict[str, str]] = [{"xml": _XML_NS}]
        self.tags: list[str] = []
        self.buffers = {"exc": bytearray(), "inc": bytearray()}
        self.c14n: dict[str, Canonicalizer] = {
            "exc": Canonicalizer(self.buffers["exc"].extend, exclusive=True),
            "inc": Canonicalizer(self.buffers["inc"].extend, exclusive=False),
        }
        self.hasher: ParallelHash | None = None
        self.signature: _Captured | None = None
        self.signature_ns: str | None = None
        self.signature_depth = 0  # > 0 while inside the Signature
        self.signature_done = False
        self.after_signature_in_header = False
        self.parser: Any = None
        self.bulk_ok = False
        """True inside an attachment's ContentTransferEncoded once the digest is chosen: its
        plain base64 text may then bypass expat (see :func:`_parse`)."""
        self.line_offset = 0
        self.ids: set[str] = set()
        """Id attributes in the package outside the Signature (a #id must not match one)."""

    # -- errors -------------------------------------------------------------------
    def line(self) -> int | None:
        if self.parser is None:
            return None
        return int(self.parser.CurrentLineNumber) + self.line_offset

    def fail(self, message: str) -> ParseError:
        return ParseError(message, line=self.line(), source=self.source)

    def profile(self, message: str) -> SignatureProfileError:
        line = self.line()
        return SignatureProfileError(f"{message} (line {line})", reason="profile")

    # -- expat handlers -------------------------------------------------------------
    def doctype(self, *_: object) -> None:
        raise ForbiddenXMLError(
            "DOCTYPE is not allowed in an edXML package (DTDs and entities are refused)",
            line=self.line(), source=self.source,
        )  # fmt: skip

    def xml_decl(self, version: str | None, encoding: str | None, standalone: int) -> None:
        if encoding is not None and encoding.lower() not in ("utf-8", "utf8"):
            raise self.fail(f"the package declares encoding {encoding!r}; edoc reads UTF-8 only")

    def _resolve(self, qname: str, scope: dict[str, str], *, attribute: bool) -> str:
        prefix, sep, local = qname.partition(":")
        if not sep:
            if attribute:
                return qname
            uri = scope.get("", "")
            return f"{{{uri}}}{qname}" if uri else qname
        uri = scope.get(prefix, "")
        if not uri:
            raise self.fail(
                f"not namespace-well-formed: prefix {prefix!r} of {qname} is not declared"
            )
        return f"{{{uri}}}{local}"

    def start(self, qname: str, attributes: dict[str, str]) -> None:
        if len(attributes) > self.target.limits.max_attributes:
            raise LimitExceededError(
                f"{qname} has more attributes and namespace declarations than "
                "Limits.max_attributes", limit="max_attributes", value=len(attributes),
                maximum=self.target.limits.max_attributes, line=self.line(), source=self.source,
            )  # fmt: skip
        scope = self.scopes[-1]
        decls = {k[6:] if k.startswith("xmlns:") else "": v for k, v in attributes.items()
                 if k == "xmlns" or k.startswith("xmlns:")}  # fmt: skip
        if decls:
            scope = {**scope, **decls}
        self.scopes.append(scope)
        tag = self._resolve(qname, scope, attribute=False)
        attrs_c14n: list[Attr] = []
        attrib: dict[str, str] = {}
        for k, v in attributes.items():
            if k == "xmlns" or k.startswith("xmlns:"):
                continue
            clark = self._resolve(k, scope, attribute=True)
            attrib[clark] = v
            attrs_c14n.append((clark[1:].partition("}")[0] if clark[0] == "{" else "", k, v))
        parent = self.tags[-1] if self.tags else None
        self.tags.append(tag)
        is_signature = tag == n.q(n.SIGNATURE, n.DSIG_NS) or (
            tag == n.q(n.SIGNATURE) and parent == n.q(n.HEADER)
        )
        if self.signature_depth == 0 and is_signature:
            self._signature_start(tag, parent)
        elif self.signature_depth == 0 and tag.startswith(f"{{{n.DSIG_NS}}}"):
            raise self.profile(f"xmldsig element {qname} outside the Signature")
        if self.signature_depth:
            self.signature_depth += 1
            assert self.signature is not None
            self.signature.events.append(("start", qname, tag, scope, attrib, attrs_c14n))
            return  # the Signature is not part of the package model or of the digest
        for id_name in ("Id", "ID", "id"):
            if id_name in attrib:
                self.ids.add(attrib[id_name])
        if self.after_signature_in_header and parent == n.q(n.HEADER):
            raise self.profile("the Signature is not the last child of edXMLHeader")
        self.target.start(tag, attrib)
        self.lines[self.target.count - 1] = self.line() or 0
        for c in self.c14n.values():
            c.start(qname, scope, attrs_c14n)
        self.bulk_ok = (
            self.hasher is not None
            and self.target.decoder is not None
            and tag == n.q(n.CONTENT_TRANSFER_ENCODED)
        )

    def _signature_start(self, tag: str, parent: str | None) -> None:
        if self.signature_done:
            raise self.profile("a second Signature")
        if parent != n.q(n.HEADER):
            raise self.profile("the Signature is not in edXMLHeader")
        ns = tag[1:].partition("}")[0]
        if ns == n.NS and not self.policy.edxml_dialect:
            raise DisallowedAlgorithmError(
                "the Signature is in the edXML namespace (the reference SDK's form); "
                "verify with VerifyPolicy.legacy() to accept it",
                reason="edxml-dialect",
            )
        self.signature = _Captured()
        self.signature_ns = ns
        self.signature_depth = 1

    def end(self, qname: str) -> None:
        tag = self.tags.pop()
        self.scopes.pop()
        if self.signature_depth:
            assert self.signature is not None
            self.signature.events.append(("end", qname))
            self.signature_depth -= 1
            if self.signature_depth == 1:  # the Signature element itself just closed
                self.signature_depth = 0
                self.signature_done = True
                self.after_signature_in_header = True
                self._choose_digest()
            return
        if tag == n.q(n.HEADER):
            self.after_signature_in_header = False
        self.bulk_ok = False
        self.target.end(tag)
        for c in self.c14n.values():
            c.end(qname)

    def bulk(self, content: bytes) -> None:
        """Plain base64 text of an attachment, read without expat: no markup, no ``&``, no
        CR and no ``>`` in it, so its canonical form is the bytes themselves."""
        self.target.data(content.decode("ascii"))
        self.digest_out(content)
        if b"\n" in content:  # memchr first: counting scans 20x slower, and base64 is one line
            self.line_offset += content.count(b"\n")

    def data(self, text: str) -> None:
        if self.signature_depth:
            assert self.signature is not None
            self.signature.events.append(("text", text))
            return
        self.target.data(text)
        for c in self.c14n.values():
            c.text(text)

    def pi(self, target: str, data: str) -> None:
        if self.signature_depth:
            assert self.signature is not None
            self.signature.events.append(("pi", target, data))
            return
        for c in self.c14n.values():
            c.pi(target, data)

    # -- the Reference --------------------------------------------------------------
    def _choose_digest(self) -> None:
        """Read the Reference's transforms; keep one canonicaliser, feed it to the hash."""
        info = reference_info(self.signature, self.signature_ns, self.policy)  # type: ignore[arg-type]
        kind = "exc" if info.reference_c14n is CanonicalizationMethod.EXC_C14N else "inc"
        self.info = info
        self.hasher = ParallelHash(info.digest.hash_name)
        self.hasher.update(bytes(self.buffers[kind]))
        chosen = self.c14n[kind]
        chosen.out = self.digest_out = self.hasher.update
        self.c14n = {kind: chosen}
        self.buffers = {}


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
    compact = text.translate(_XML_WS)
    try:
        raw = binascii.a2b_base64(compact, strict_mode=True)
    except (binascii.Error, ValueError):
        raise InvalidSignatureError(f"{what} is not valid base64", reason="format") from None
    if base64.b64encode(raw).decode("ascii") != compact:
        raise InvalidSignatureError(f"{what} is not canonical base64", reason="format")
    return raw


def _references(
    els: list[tuple[int, str, dict[str, str], str, int]],
) -> list[list[tuple[int, str, dict[str, str], str, int]]]:
    """Each Reference (a SignedInfo child) with its descendants, in order."""
    groups: list[list[tuple[int, str, dict[str, str], str, int]]] = []
    current: list[tuple[int, str, dict[str, str], str, int]] | None = None
    for e in els:  # document order: a Reference's descendants follow it
        if e[1] == "Reference":
            if e[4] != 3:
                raise SignatureProfileError("a Reference outside SignedInfo", reason="profile")
            current = [e]
            groups.append(current)
        elif e[4] <= 3:
            current = None
        elif current is not None:
            current.append(e)
    for g in groups:
        local = [x[1] for x in g[1:]]
        for single in ("DigestMethod", "DigestValue"):
            if local.count(single) != 1:
                raise SignatureProfileError(
                    f"a Reference has {local.count(single)} {single}", reason="profile"
                )
        if local.count("Transforms") > 1 or set(local) - {
            "Transforms",
            "Transform",
            "DigestMethod",
            "DigestValue",
        }:
            raise SignatureProfileError(f"a Reference holds {local}", reason="profile")
    return groups


def reference_info(sig: _Captured, ns: str, policy: VerifyPolicy) -> _SignedInfo:
    """Check the Signature's shape against the pinned profile and read its values."""
    els = sig.elements(ns)
    names = [e[1] for e in els]
    notes: list[str] = []
    for forbidden in ("Object", "Manifest", "RetrievalMethod", "KeyInfoReference", "XPath", "XSLT"):
        if forbidden in names:
            raise SignatureProfileError(f"the Signature carries {forbidden}", reason="profile")
    for single in ("SignedInfo", "SignatureValue", "CanonicalizationMethod", "SignatureMethod"):
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
    groups = _references(els)
    inside = sum(len(g) - 1 for g in groups)
    reference_parts = ("Transforms", "Transform", "DigestMethod", "DigestValue")
    if sum(names.count(x) for x in reference_parts) != inside:
        raise SignatureProfileError(
            "a DigestMethod, DigestValue or Transform outside a Reference", reason="profile"
        )
    if not groups:
        raise SignatureProfileError("the Signature has no Reference", reason="profile")
    if len(groups) > 2:
        raise SignatureProfileError(f"the Signature has {len(groups)} Reference", reason="profile")
    main = [g for g in groups if g[0][2].get("URI") == ""]
    if len(main) > 1:
        raise SignatureProfileError(
            f"the Signature has {len(main)} References with URI=\"\"; the second one may only "
            "be the XAdES SignedProperties Reference",
            reason="profile",
        )
    if not main:
        uri = groups[0][0][2].get("URI")
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
    ref = main[0]
    els = [e for e in els if e[1] != "Reference" or e is ref[0]]
    by = {e[1]: e for e in els if e[1] in ("SignedInfo", "SignatureValue", "CanonicalizationMethod",
                                          "SignatureMethod")}  # fmt: skip
    by.update({e[1]: e for e in ref})

    def algorithm(local: str) -> str:
        return by[local][2].get("Algorithm", "")

    transforms = [e[2].get("Algorithm", "") for e in ref if e[1] == "Transform"]
    if not transforms or transforms[0] != _ENVELOPED or len(transforms) > 2:
        raise SignatureProfileError(
            f"transforms must be enveloped-signature then a C14N, not {transforms}",
            reason="profile",
        )
    reference_c14n = CanonicalizationMethod.C14N
    if len(transforms) == 2:
        t = transforms[1]
        if t == _SDK_EXC_C14N_TYPO and policy.edxml_dialect:
            notes.append(f"the transform URI {t} is the reference SDK's typo for exclusive C14N")
            t = CanonicalizationMethod.EXC_C14N.value
        try:
            reference_c14n = CanonicalizationMethod(t)
        except ValueError:
            raise DisallowedAlgorithmError(
                f"transform {shorten(t)} is not allowed", reason="algorithm"
            ) from None
    try:
        c14n = CanonicalizationMethod(algorithm("CanonicalizationMethod"))
        method = SignatureMethod(algorithm("SignatureMethod"))
        digest = DigestMethod(algorithm("DigestMethod"))
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
            warnings.warn(f"edoc accepted {legacy.value}", LegacyAlgorithmWarning, stacklevel=4)
    if ns == n.NS:
        notes.append("the Signature is in the edXML namespace (legacy dialect)")
    certs = []
    for e in els:
        if e[1] == "X509Certificate":
            try:
                cert = x509.load_der_x509_certificate(_b64(e[3], "X509Certificate"))
                _ = cert.subject, cert.issuer, cert.extensions  # parsed lazily: fail here
                certs.append(cert)
            except (ValueError, x509.InvalidVersion, InvalidSignatureError):
                raise InvalidSignatureError(
                    f"X509Certificate {shorten(e[3].strip(), 20)!r} is not a certificate "
                    "(a placeholder?): the signature cannot be verified",
                    reason="placeholder-certificate",
                ) from None
    if not certs:
        raise InvalidSignatureError(
            "the Signature carries no X509Certificate", reason="no-certificate"
        )
    return _SignedInfo(
        c14n=c14n,
        method=method,
        digest=digest,
        digest_value=_b64(by["DigestValue"][3], "DigestValue"),
        reference_c14n=reference_c14n,
        signature_value=_b64(by["SignatureValue"][3], "SignatureValue"),
        certificates=tuple(certs),
        signed_info_index=by["SignedInfo"][0],
        signature_value_index=by["SignatureValue"][0],
        notes=tuple(notes),
        properties=properties,
        object_index=sig.objects[0] if sig.objects else None,
    )


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
    algorithm = _HASHES[info.method.hash_name]()
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


def verify(
    source: Source,
    *,
    trust: TrustStore,
    policy: VerifyPolicy | None = None,
    at: dt.datetime | None = None,
    limits: Limits | None = None,
    spool_dir: str | os.PathLike[str] | None = None,
) -> VerificationResult:
    """Verify ``source`` and return the package built from exactly what was signed.

    ``trust`` holds the caller's anchors (CA roots, or a pinned signer certificate): the
    certificate in the package is never trusted by itself. ``at`` is when the certificate
    must be valid (default: now). Raises an :class:`~edoc.errors.InvalidSignatureError`
    subclass naming the reason, or :class:`~edoc.errors.ParseError` for unreadable input.
    """
    policy = policy or VerifyPolicy()
    limits = limits or Limits()
    at = at or dt.datetime.now(dt.UTC)
    stream, name, owned = _open(source)
    run = _Pass(policy, limits, os.fspath(spool_dir) if spool_dir else None, name or "<stream>")
    try:
        _parse(stream, run, limits)
    except BaseException:
        run.target.discard()
        raise
    finally:
        if owned:
            stream.close()
    try:
        return _conclude(run, trust, policy, at, name)
    except BaseException:  # a refusal leaves no spooled attachment behind
        run.target.discard()
        raise


def _conclude(
    run: _Pass, trust: TrustStore, policy: VerifyPolicy, at: dt.datetime, name: str | None
) -> VerificationResult:
    """Check the digest, the signature value and the trust; build the verified package."""
    if run.signature is None:
        raise SignatureMissingError("the package carries no signature", reason="missing")
    info: _SignedInfo = run.info
    assert run.hasher is not None
    digest = run.hasher.digest()
    if run.hasher.size == 0:  # CVE-2025-66568: never accept the digest of nothing
        raise InvalidSignatureError(
            "the canonical form is empty: nothing was digested", reason="c14n"
        )
    if not hmac.compare_digest(digest, info.digest_value):
        raise DigestMismatchError(
            "the package changed after it was signed (DigestValue does not match its content)",
            reason="digest-mismatch",
        )
    signed_info = bytearray()
    run.signature.replay(
        info.signed_info_index,
        Canonicalizer(signed_info.extend, exclusive=info.c14n is CanonicalizationMethod.EXC_C14N),
    )
    signers = [
        c for c in info.certificates if _check_signature(c, info, bytes(signed_info), policy)
    ]
    if len(signers) > 1:
        raise SignatureProfileError(
            "more than one certificate in KeyInfo verifies the signature: the signer is ambiguous",
            reason="profile",
        )
    signer = signers[0] if signers else None
    if signer is None:
        raise InvalidSignatureError(
            "SignatureValue does not verify with the certificate in KeyInfo",
            reason="signature-value",
        )
    xades = None
    if info.properties is not None:
        assert info.object_index is not None
        sig = run.signature
        xades = _xades_read.check(
            sig.events,
            object_index=info.object_index,
            signature_value_index=info.signature_value_index,
            reference=info.properties,
            package_ids=run.ids,
            signer=signer,
            digest_methods=policy.digest_methods,
            canonical=lambda index, method: _canonical(sig, index, method),
        )
    chain = trust.check_signer(signer, [c for c in info.certificates if c is not signer], at)
    assert run.target.root is not None
    doc = ParsedDocument(run.target.root, run.lines, name, [])
    package = package_from_document(doc)
    return VerificationResult(
        package=package,
        signer=signer,
        chain=chain,
        algorithm=info.method,
        digest_algorithm=info.digest,
        canonicalization=info.reference_c14n,
        dialect="edxml" if run.signature_ns == n.NS else "xmldsig",
        verified_at=at,
        findings=info.notes,
        xades=xades,
    )


def _canonical(sig: _Captured, index: int, method: CanonicalizationMethod) -> bytes:
    out = bytearray()
    exclusive = method is CanonicalizationMethod.EXC_C14N
    sig.replay(index, Canonicalizer(out.extend, exclusive=exclusive))
    return bytes(out)


def _parse(stream: BinaryIO, run: _Pass, limits: Limits) -> None:
    p = pyexpat.ParserCreate()
    run.parser = p
    p.buffer_text = True
    p.buffer_size = _CHUNK
    p.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = run.doctype
    p.EntityDeclHandler = run.doctype
    p.XmlDeclHandler = run.xml_decl
    p.StartElementHandler = run.start
    p.EndElementHandler = run.end
    p.CharacterDataHandler = run.data
    p.ProcessingInstructionHandler = run.pi
    total = 0
    first = True
    quiet_tail = False  # the last chunk fed to expat ended in plain text
    try:
        while chunk := stream.read(_CHUNK):
            if first and chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise run.fail("the package is UTF-16; edoc reads UTF-8 only")
            first = False
            total += len(chunk)
            if total > limits.max_bytes:
                raise LimitExceededError(
                    "package larger than Limits.max_bytes", limit="max_bytes", value=total,
                    maximum=limits.max_bytes, source=run.source,
                )  # fmt: skip
            if run.bulk_ok and quiet_tail:
                chunk = _bypass(run, chunk)
                if not chunk:
                    continue
            p.Parse(chunk, False)
            tail = chunk[chunk.rfind(b">") + 1 :]
            quiet_tail = b"<" not in tail and b"&" not in tail and b"\r" not in tail
        p.Parse(b"", True)
        run.target.shutdown()
    except pyexpat.ExpatError as exc:
        raise ParseError(
            f"not well-formed XML: {pyexpat.ErrorString(exc.code)}",
            line=exc.lineno, column=exc.offset + 1, source=run.source,
        ) from None  # fmt: skip
    if run.signature is not None and not run.signature_done:
        raise run.profile("the Signature is not closed")


_NOT_PLAIN = (b"&", b"\r", b">")


def _bypass(run: _Pass, chunk: bytes) -> bytes:
    """Hand an attachment's plain base64 straight to the digest and the decoder.

    expat tokenises about 4x slower than base64 and SHA-256 run, so the bulk of an
    attachment skips it when that is provably equivalent: expat's last event was the start
    of a ContentTransferEncoded inside an Attachment, the previous chunk ended in plain text,
    and the bytes up to the next ``<`` hold no ``&``, CR or ``>`` (the only characters whose
    canonical form differs from the bytes) and are ASCII. Anything else goes to expat as
    usual. Returns what expat must still parse.
    """
    end = chunk.find(b"<")
    content = chunk if end < 0 else chunk[:end]
    if any(c in content for c in _NOT_PLAIN) or not content.isascii():
        return chunk
    run.bulk(content)
    return b"" if end < 0 else chunk[end:]
