# ruff: noqa: E501  (one case per line reads best)
"""C14N interop and the XML-DSig schema's edges (issue 17, class 8).

S12: signatures xmlsec1 makes with C14N 1.0 over a package whose root (or another ancestor
of the Signature) carries ``xml:lang``, ``xml:space`` or ``xml:base``; C14N 1.0 §2.4 renders
those on the canonical SignedInfo, so both verifiers must accept them. S6: edits to the
unsigned parts of the Signature that the XML-DSig schema forbids; edoc refuses them all
(tests/hostile/test_differential.py records where xmlsec1 does not).
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

from edoc.errors import SignatureProfileError

from ._build import DSIG, Ctx, rep
from ._case import Accepted, Case, Refused

C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
_ENV = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_SCHEMA = Refused(SignatureProfileError, "the XML-DSig schema forbids it", reason="profile")


def _template(signed_info: str, reference: str) -> str:
    return (f'<Signature xmlns="{DSIG}"><SignedInfo><CanonicalizationMethod Algorithm="{signed_info}"/>'
            '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI=""><Transforms>'
            f'<Transform Algorithm="{_ENV}"/><Transform Algorithm="{reference}"/></Transforms>'
            '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo>'
            "<SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature>")  # fmt: skip


def _xmlsec1_signed(
    *edits: tuple[bytes, bytes], signed_info: str = C14N, reference: str = C14N
) -> Any:
    """The unsigned sample with ``edits`` (old, new) applied, signed by ``xmlsec1 --sign``."""

    def make(c: Ctx) -> bytes:
        data = c.unsigned
        for old, new in edits:
            data = rep(data, old, new)
        data = rep(
            data,
            b"</edXML:edXMLHeader>",
            _template(signed_info, reference) + "</edXML:edXMLHeader>",
        )
        (c.work / "tpl.xml").write_bytes(data)
        key = c.pki / "rsa2048.pem"
        r = subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{key},{key}", "--output", str(c.work / "s.xml"),
                            str(c.work / "tpl.xml")], capture_output=True, text=True, check=False)  # fmt: skip
        assert r.returncode == 0, r.stderr
        return (c.work / "s.xml").read_bytes()

    return make


def _xmlsec1_xades(c: Ctx) -> bytes:
    """edoc's XAdES-BES with C14N 1.0 for the SignedProperties, xml:lang added to the root,
    both Reference digests and SignatureValue recomputed by ``xmlsec1 --sign``."""
    import io

    import attrs

    from edoc.signing import CanonicalizationMethod, SigningPolicy, sign_package

    from ._build import sample

    out = io.BytesIO()
    policy = attrs.evolve(SigningPolicy.default(), properties_c14n=CanonicalizationMethod.C14N)
    sign_package(sample(), out, key=c.key("rsa2048"), xades="bes", policy=policy)
    data = rep(out.getvalue(), _ROOT, b'<edXML xml:lang="vi" xmlns=')
    data = re.sub(
        rb"<X509Data>.*?</X509Data>",
        b"<X509Data><X509Certificate/></X509Data>",
        data,
        count=1,
        flags=re.S,
    )
    (c.work / "tpl.xml").write_bytes(data)
    key = c.pki / "rsa2048.pem"
    r = subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{key},{key}", "--id-attr:Id", XADES_ID_ATTR,
                        "--output", str(c.work / "s.xml"), str(c.work / "tpl.xml")], capture_output=True, text=True, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    return (c.work / "s.xml").read_bytes()


def _xades_level(result: Any, c: Ctx) -> None:
    assert result.xades is not None
    assert result.xades.level == "BES"


XADES_ID_ATTR = "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"
"""xmlsec1's name for the Id attribute of SignedProperties (what URI="#…" points at)."""
_ROOT = b"<edXML xmlns="
_HEADER = b"<edXML:edXMLHeader>"


def _root(attrs: str) -> tuple[bytes, bytes]:
    return _ROOT, f"<edXML {attrs} xmlns=".encode()


def _verified(subject: str = "V/v kết nối") -> Any:
    def check(result: Any, c: Ctx) -> None:
        assert result.package.header.subject.startswith(subject)
        assert result.canonicalization.value in (C14N, EXC)

    return check


_INHERIT = "C14N 1.0 §2.4: the xml:* attributes of the apex's ancestors are rendered on the canonical SignedInfo"


def _sig(c: Ctx, old: bytes, new: bytes) -> bytes:
    return rep(c.signed, old, new)


CASES = [
    Case(
        "S12",
        "xmlsec1-c14n-root-xml-lang",
        "xmlsec1 signs with C14N 1.0 a package whose root carries xml:lang",
        "verify",
        _xmlsec1_signed(_root('xml:lang="vi"')),
        Accepted(_verified(), _INHERIT),
        differential=True,
        needs=("xmlsec1",),
    ),
    Case(
        "S12",
        "xmlsec1-c14n-root-xml-space",
        "the same with xml:space",
        "verify",
        _xmlsec1_signed(_root('xml:space="preserve"')),
        Accepted(_verified(), _INHERIT),
        differential=True,
        needs=("xmlsec1",),
    ),
    Case(
        "S12",
        "xmlsec1-c14n-root-xml-base",
        "the same with xml:base (inherited as written in C14N 1.0; C14N 1.1 would fix it up)",
        "verify",
        _xmlsec1_signed(_root('xml:base="http://example.org/edoc/"')),
        Accepted(_verified(), _INHERIT),
        differential=True,
        needs=("xmlsec1",),
    ),
    Case(
        "S12",
        "xmlsec1-c14n-nearest-xml-lang",
        "xml:lang and xml:space on the root, another xml:lang on edXMLHeader: the nearest wins",
        "verify",
        _xmlsec1_signed(
            _root('xml:space="default" xml:lang="vi"'),
            (_HEADER, b'<edXML:edXMLHeader xml:lang="en">'),
        ),
        Accepted(_verified(), _INHERIT),
        differential=True,
        needs=("xmlsec1",),
    ),
    Case(
        "S12",
        "xmlsec1-c14n-signed-info-only",
        "C14N 1.0 for SignedInfo, exclusive C14N for the document, xml:lang on the envelope",
        "verify",
        _xmlsec1_signed(
            (b"<edXML:edXMLEnvelope ", b'<edXML:edXMLEnvelope xml:lang="vi" '), reference=EXC
        ),
        Accepted(_verified(), _INHERIT),
        differential=True,
        needs=("xmlsec1",),
    ),
    Case(
        "S12",
        "xmlsec1-xades-c14n-properties-xml-lang",
        "XAdES SignedProperties digested with C14N 1.0 under a root carrying xml:lang, re-signed by xmlsec1 (the SignedProperties apex inherits it)",
        "verify",
        _xmlsec1_xades,
        Accepted(_xades_level, _INHERIT.replace("SignedInfo", "SignedProperties")),
        differential=True,
        needs=("xmlsec1",),
    ),
    Case(
        "S12",
        "xmlsec1-exc-c14n-root-xml-lang",
        "exclusive C14N throughout, xml:lang on the root: not inherited",
        "verify",
        _xmlsec1_signed(_root('xml:lang="vi"'), signed_info=EXC, reference=EXC),
        Accepted(_verified(), "exclusive C14N renders no inherited xml:* attribute"),
        differential=True,
        needs=("xmlsec1",),
    ),
    Case(
        "S6",
        "xml-lang-on-signature",
        "xml:lang added to the Signature element (outside what exclusive C14N signs)",
        "verify",
        lambda c: _sig(c, b"<Signature ", b'<Signature xml:lang="vi" '),
        _SCHEMA,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "xml-lang-on-c14n-signature",
        "xml:lang added to the Signature of an xmlsec1 signature made with C14N 1.0 (which would inherit it into SignedInfo)",
        "verify",
        lambda c: rep(_xmlsec1_signed()(c), b"<Signature ", b'<Signature xml:lang="vi" '),
        _SCHEMA,
        before_crypto=True,
        differential=True,
        needs=("xmlsec1",),
    ),
    Case(
        "S6",
        "foreign-attribute-on-signature",
        "a foreign-namespace attribute on the Signature element",
        "verify",
        lambda c: _sig(c, b"<Signature ", b'<Signature xmlns:x="urn:x" x:note="edited" '),
        _SCHEMA,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "key-info-before-signature-value",
        "KeyInfo moved before SignatureValue",
        "verify",
        lambda c: re.sub(
            rb"(<SignatureValue>.*?</SignatureValue>)(<KeyInfo>.*?</KeyInfo>)",
            rb"\2\1",
            c.signed,
            count=1,
            flags=re.S,
        ),
        _SCHEMA,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "two-key-infos",
        "a second KeyInfo after the first",
        "verify",
        lambda c: re.sub(rb"(<KeyInfo>.*?</KeyInfo>)", rb"\1\1", c.signed, count=1, flags=re.S),
        _SCHEMA,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "xml-lang-on-signature-value",
        "xml:lang on SignatureValue (not signed)",
        "verify",
        lambda c: _sig(c, b"<SignatureValue>", b'<SignatureValue xml:lang="vi">'),
        _SCHEMA,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "attribute-on-x509-certificate",
        "an attribute the schema does not define on X509Certificate",
        "verify",
        lambda c: _sig(c, b"<X509Certificate>", b'<X509Certificate Id="c">'),
        _SCHEMA,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "text-in-x509-data",
        "text inside X509Data, whose content is element-only",
        "verify",
        lambda c: _sig(c, b"<X509Data>", b"<X509Data>see below"),
        _SCHEMA,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "unknown-element-in-key-info",
        "an element of the xmldsig namespace the schema does not define, in KeyInfo",
        "verify",
        lambda c: _sig(c, b"<KeyInfo>", b"<KeyInfo><KeyHint>rsa</KeyHint>"),
        _SCHEMA,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "certificate-outside-x509-data",
        "X509Certificate directly in KeyInfo",
        "verify",
        lambda c: _sig(c, b"</KeyInfo>", b"<X509Certificate>AAAA</X509Certificate></KeyInfo>"),
        _SCHEMA,
        before_crypto=True,
        differential=True,
    ),
]
