# ruff: noqa: E501  (one case per line reads best)
"""Groups B (signature structure: S1-S14) and C (crypto, keys, certificates: C1-C12)."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import edoc
from edoc.errors import (
    DigestMismatchError,
    DisallowedAlgorithmError,
    InvalidSignatureError,
    SignatureMissingError,
    SignatureProfileError,
    UntrustedCertificateError,
)
from edoc.signing import DigestMethod, FileKey, SignatureMethod, SigningPolicy

from ._build import DSIG, Ctx, certificate, element, move_sig, rep, sample, sig_block, without_sig
from ._case import Accepted, Case, Refused
from .corpus_parser import _same_subject

_PROFILE = "profile"
_MOVED = Refused(SignatureProfileError, "not in edXMLHeader", reason=_PROFILE)
_DIGEST = Refused(DigestMismatchError, "changed after it was signed", reason="digest-mismatch")
# Two envelopes: ambiguous, so edoc.read refuses the package and verify does too.
_TWO_ENVELOPES = Refused(edoc.errors.ParseError, "2 edXMLEnvelope elements")
_SIGVAL = Refused(InvalidSignatureError, "SignatureValue does not verify", reason="signature-value")
_ENV = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


def _status(c: Ctx) -> bytes:
    import datetime as dt

    st = edoc.StatusPackage(
        from_=edoc.Organization(organ_id="000.00.00.H41"),
        response_for=edoc.ResponseFor(organ_id="000.00.00.G22", code="7816/VPCP-TTĐT"),
        status_code=edoc.StatusCode.RECEIVED,
        timestamp=dt.datetime(2020, 1, 1, tzinfo=edoc.VN_TZ),
    )
    return edoc.to_bytes(st)


def _xmlsec1_resigned(c: Ctx) -> bytes:
    """The envelope alone signed by xmlsec1 (URI="#x", Id="x"), then the attachment swapped."""
    import subprocess

    tpl = (f'<ds:Signature xmlns:ds="{DSIG}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
           '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#x"><ds:Transforms>'
           f'<ds:Transform Algorithm="{_ENV}"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
           '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>'
           "<ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo></ds:Signature>")  # fmt: skip
    data = rep(
        rep(c.unsigned, b"<edXML:edXMLEnvelope ", b'<edXML:edXMLEnvelope Id="x" '),
        b"</edXML:edXMLHeader>",
        tpl + "</edXML:edXMLHeader>",
    )
    (c.work / "tpl.xml").write_bytes(data)
    key = c.pki / "rsa2048.pem"
    r = subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{key},{key}", "--id-attr:Id", "edXMLEnvelope",
                        "--output", str(c.work / "s.xml"), str(c.work / "tpl.xml")], capture_output=True, text=True, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    return rep(
        (c.work / "s.xml").read_bytes(), b"JVBERi0xLjQg", b"TVqQAAMAAAAE"
    )  # the PDF becomes a PE header


def _uri(uri: str) -> Any:
    return lambda c: rep(c.signed, b'<Reference URI="">', f'<Reference URI="{uri}">')


def _transforms(*uris: str, inner: str = "") -> Any:
    tr = "".join(
        f'<Transform Algorithm="{u}">{inner if i == len(uris) - 1 else ""}</Transform>'
        for i, u in enumerate(uris)
    )
    return lambda c: re.sub(
        rb"<Transforms>.*?</Transforms>",
        f"<Transforms>{tr}</Transforms>".encode(),
        c.signed,
        count=1,
    )


def _evil(data: bytes) -> bytes:
    return data.replace(b"V/v k", b"EVIL k")


def _envelope(data: bytes) -> bytes:
    return data[
        data.index(b"<edXML:edXMLEnvelope") : data.index(b"</edXML:edXMLEnvelope>")
        + len(b"</edXML:edXMLEnvelope>")
    ]


# XSW1-XSW8 ("On Breaking SAML"; SAMLRaider XSWHelpers), adapted: XSW1/2 act on the root
# (the signed "whole document"), XSW3-8 on edXMLEnvelope. The evil copy is what an
# application reading the first/outer element would see.
def _xsw1(d: bytes) -> bytes:  # evil root content; the original envelope under Signature/Object
    e = sig_block(d)[1]
    return (
        _evil(d[: e - 12])
        + b"<Object>"
        + without_sig(_envelope(d))
        + b"</Object></Signature>"
        + _evil(d[e:])
    )


def _xsw2(d: bytes) -> bytes:  # the original envelope placed before the Signature's SignedInfo
    s, e = sig_block(d)
    i = d.index(b"<SignedInfo", s)
    return _evil(d[:i]) + without_sig(_envelope(d)) + d[i:e] + _evil(d[e:])


def _xsw3(d: bytes) -> bytes:  # an unsigned evil envelope inserted before the signed one
    return rep(
        d, b"<edXML:edXMLEnvelope", _evil(without_sig(_envelope(d))) + b"<edXML:edXMLEnvelope"
    )


def _xsw4(d: bytes) -> bytes:  # the original envelope moved inside the evil one's body
    env = _envelope(d)
    evil = rep(_evil(without_sig(env)), b"</edXML:edXMLBody>", env + b"</edXML:edXMLBody>")
    return d.replace(env, evil)


def _xsw5(d: bytes) -> bytes:  # the Signature moved into the evil envelope, original appended after
    env = _envelope(d)
    return d.replace(env, _evil(env) + without_sig(env))


def _xsw6(d: bytes) -> bytes:  # the original envelope inside the Signature of the evil one
    env = _envelope(d)
    return d.replace(
        env,
        _evil(env).replace(
            b"</Signature>", b"<Object>" + without_sig(env) + b"</Object></Signature>"
        ),
    )


def _xsw7(d: bytes) -> bytes:  # the original header wrapped in an extensions-like element
    hdr = element(d, b"edXML:MessageHeader")
    return d.replace(hdr, _evil(hdr) + b"<edXML:Extensions>" + hdr + b"</edXML:Extensions>")


def _xsw8(d: bytes) -> bytes:  # the original header under Signature/Object, evil header in place
    hdr = element(d, b"edXML:MessageHeader")
    return rep(
        d.replace(hdr, _evil(hdr)), b"</Signature>", b"<Object>" + hdr + b"</Object></Signature>"
    )


_XSW = {"XSW1": (_xsw1, Refused(SignatureProfileError, "foreign element .*edXMLEnvelope inside Signature|carries an Object", reason=_PROFILE)),
        "XSW2": (_xsw2, Refused(SignatureProfileError, "inside Signature|SignedInfo is not the Signature's first child", reason=_PROFILE)),
        "XSW3": (_xsw3, _TWO_ENVELOPES),
        "XSW4": (_xsw4, _DIGEST),
        "XSW5": (_xsw5, _TWO_ENVELOPES),
        "XSW6": (_xsw6, Refused(SignatureProfileError, "foreign element|carries an Object", reason=_PROFILE)),
        "XSW7": (_xsw7, _DIGEST),
        "XSW8": (_xsw8, Refused(SignatureProfileError, "foreign element|carries an Object", reason=_PROFILE))}  # fmt: skip


def _second_sig_untrusted(c: Ctx) -> bytes:
    other = c.sign(key=c.attacker)
    s, e = sig_block(other)
    return rep(c.signed, b"</Signature>", b"</Signature>" + other[s:e])


def _planted_digest(c: Ctx) -> bytes:
    tampered = _evil(c.signed)
    fake = base64.b64encode(hashlib.sha256(tampered).digest())
    return rep(
        tampered,
        b"<edXML:MessageHeader>",
        f'<edXML:MessageHeader><ds:Reference xmlns:ds="{DSIG}"><ds:DigestValue>{fake.decode()}</ds:DigestValue></ds:Reference>',
    )


def _empty_digest(c: Ctx) -> bytes:
    return re.sub(
        rb"<DigestValue>[^<]*</DigestValue>",
        b"<DigestValue>" + base64.b64encode(hashlib.sha256(b"").digest()) + b"</DigestValue>",
        c.signed,
        count=1,
    )


def _empty_c14n(c: Ctx) -> Any:
    """The CVE-2025-66568 shape: canonicalisation yields nothing and the package carries
    the digest of nothing, signed by the trusted key (worst case)."""
    import io

    from edoc.signing import sign_package, verifier

    def run() -> Any:
        import edoc.signing.signer as signer

        real_init, real_info = verifier._Pass.__init__, signer._Slot.signed_info  # type: ignore[attr-defined]

        def mute(self: Any, *a: Any) -> None:  # the document's canonicaliser yields nothing
            real_init(self, *a)
            for c14n in self.c14n.values():
                c14n.start = c14n.end = c14n.text = c14n.pi = lambda *_: None

        verifier._Pass.__init__ = mute  # type: ignore[assignment, attr-defined, method-assign]
        signer._Slot.signed_info = lambda self, digest: real_info(
            self, hashlib.new(self.hash_name, b"").digest()
        )  # type: ignore[method-assign]
        try:
            out = io.BytesIO()
            sign_package(sample(), out, key=c.key("rsa2048"))
            return verifier.verify(out.getvalue(), trust=c.trust)
        finally:
            verifier._Pass.__init__ = real_init  # type: ignore[attr-defined, method-assign]
            signer._Slot.signed_info = real_info  # type: ignore[method-assign]

    return run


def _sdk_style(c: Ctx) -> bytes:
    d = c.signed.replace(
        f'xmlns="{DSIG}"'.encode(), b'xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"'
    )
    d = re.sub(rb"<DigestValue>[^<]*</DigestValue>", b"<DigestValue>DigestValue</DigestValue>", d)
    return re.sub(
        rb"<X509Certificate>([^<]{40})[^<]*</X509Certificate>",
        rb"<X509Certificate>\1</X509Certificate>",
        d,
    )


def _replay(result: Any, c: Ctx) -> None:
    h = result.package.header
    assert (h.from_.organ_id.value, h.document_id.value) == (
        "000.00.00.G22",
        "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
    )


def _signer_is(label: str) -> Any:
    def check(result: Any, c: Ctx) -> None:
        assert result.signer.subject.rfc4514_string() == f"CN=Văn thư {label},C=VN"

    return check


def _cert_b64(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER))


def _with_certs(c: Ctx, data: bytes, *certs: bytes, keep: bool = True) -> bytes:
    m = re.search(rb"<X509Certificate>[^<]*</X509Certificate>", data)
    assert m
    new = b"".join(b"<X509Certificate>" + x + b"</X509Certificate>" for x in certs) + (
        m.group(0) if keep else b""
    )
    return data[: m.start()] + new + data[m.end() :]


def _same_key_twice(c: Ctx) -> bytes:
    from cryptography.hazmat.primitives import serialization

    key = c.key("rsa2048")
    pk = serialization.load_pem_private_key((c.pki / "rsa2048.pem").read_bytes(), None)
    ca_key, _ = c.own_ca
    twin = certificate("Văn thư twin", pk.public_key(), ca_key)
    return _with_certs(c, c.signed, _cert_b64(twin)) if key else b""


def _rsa_cert(c: Ctx, bits: int, e: int = 65537) -> bytes:
    import secrets

    n = secrets.randbits(bits) | (1 << (bits - 1)) | 1
    pub = rsa.RSAPublicNumbers(e, n).public_key()
    ca_key, _ = c.own_ca
    return _cert_b64(certificate("Huge key", pub, ca_key))


def _legacy(
    method: SignatureMethod, digest: DigestMethod = DigestMethod.SHA256, bits: int = 2048
) -> SigningPolicy:
    return SigningPolicy(
        name="corpus-legacy",
        signature_methods=frozenset({method}),
        preferred=(method,),
        digest=digest,
        min_rsa_bits=bits,
    )


def _sect_signed(c: Ctx) -> bytes:
    k = ec.generate_private_key(ec.BrainpoolP256R1())
    ca_key, _ = c.own_ca
    cert = certificate("Văn thư brainpool", k.public_key(), ca_key)
    return c.sign(
        key=FileKey(k, (cert,)),
        policy=SigningPolicy(
            name="x",
            signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
            preferred=(SignatureMethod.ECDSA_SHA256,),
            min_ec_bits=256,
        ),
    )


def _der_ecdsa(c: Ctx) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    m = re.search(rb"<SignatureValue>([^<]*)</SignatureValue>", c.signed_ec)
    assert m
    raw = base64.b64decode(m.group(1))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    return c.signed_ec.replace(m.group(1), base64.b64encode(der))


def _rsa_zero_prefixed(c: Ctx) -> bytes:
    m = re.search(rb"<SignatureValue>([^<]*)</SignatureValue>", c.signed)
    assert m
    return c.signed.replace(m.group(1), base64.b64encode(b"\x00" + base64.b64decode(m.group(1))))


def _high_s(c: Ctx) -> bytes:
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    m = re.search(rb"<SignatureValue>([^<]*)</SignatureValue>", c.signed_ec)
    assert m
    raw = base64.b64decode(m.group(1))
    s = n - int.from_bytes(raw[32:], "big")
    return c.signed_ec.replace(m.group(1), base64.b64encode(raw[:32] + s.to_bytes(32, "big")))


def _b64_field(field: str, how: str) -> Any:
    def make(c: Ctx) -> bytes:
        m = re.search(f"<{field}>([^<]*)</{field}>".encode(), c.signed)
        assert m
        v = m.group(1)
        bad = {"junk": v[:8] + b"!!!" + v[8:], "stray-bits": v[:-2] + (b"B=" if v[-2:-1] != b"B" else b"C="),
               "data-after-padding": v + b"QQ==", "excess-padding": v + b"=="}[how]  # fmt: skip
        return c.signed.replace(v, bad, 1)

    return make


def _secrets_in_errors(c: Ctx) -> Any:
    def run() -> None:
        import logging
        import traceback

        from edoc.signing import load_pem

        password = "mat-khau-sai-Q9z"
        records: list[str] = []
        handler = logging.Handler()
        handler.emit = lambda r: records.append(r.getMessage())  # type: ignore[assignment, method-assign]
        root = logging.getLogger()
        root.addHandler(handler)
        old = root.level
        root.setLevel(logging.DEBUG)
        try:
            load_pem(c.pki / "rsa2048-enc.pem", password=password)
        except edoc.errors.EdocError as exc:
            text = "".join(traceback.format_exception(exc)) + "".join(records) + repr(exc)
            assert password not in text
            assert "mat-khau-bi-mat" not in text
            raise
        finally:
            root.removeHandler(handler)
            root.setLevel(old)

    return run


def _mac_compare_lint(c: Ctx) -> Any:
    def run() -> list[str]:
        import ast
        from pathlib import Path

        src = Path(edoc.__file__).parent
        bad = []
        for p in src.rglob("*.py"):
            for node in ast.walk(ast.parse(p.read_text())):
                if isinstance(node, ast.Compare) and any(
                    isinstance(o, (ast.Eq, ast.NotEq)) for o in node.ops
                ):
                    names = ast.unparse(node).lower()
                    if (
                        re.search(
                            r"\b\w*(mac|hmac|hash_header|digest_value|signature_value)\b", names
                        )
                        and "len(" not in names
                    ):
                        bad.append(f"{p.name}:{node.lineno}: {ast.unparse(node)}")
        return bad

    return run


def _no_findings(result: Any, c: Ctx) -> None:
    assert result == [], result


CASES = [
    # -- B. Signature structure -------------------------------------------------------------
    Case(
        "S1",
        "stripped",
        "the signed sample minus its Signature",
        "verify",
        lambda c: without_sig(c.signed),
        Refused(SignatureMissingError, "carries no signature", reason="missing"),
    ),
    Case(
        "S1",
        "status-package",
        "a (never signed) status package handed to verify",
        "verify",
        _status,
        Refused(SignatureMissingError, "carries no signature", reason="missing"),
    ),
    Case(
        "S2",
        "resigned-by-xmlsec1",
        'xmlsec1 signs the envelope alone (URI="#x"); the attachment is then swapped',
        "verify",
        _xmlsec1_resigned,
        Refused(SignatureProfileError, "URI is '#x'", reason=_PROFILE),
        before_crypto=True,
        differential=True,
        needs=("xmlsec1",),
    ),
    Case(
        "S2",
        "reference-to-envelope-id",
        'Reference URI="#x" and Id="x" on edXMLEnvelope, attachment swapped',
        "verify",
        lambda c: rep(
            _uri("#x")(c), b"<edXML:edXMLEnvelope ", b'<edXML:edXMLEnvelope Id="x" '
        ).replace(b"JVBER", b"QUJD"),
        Refused(SignatureProfileError, "URI is '#x'", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    *(
        Case(
            "S3",
            k,
            f"{k} adapted to edXML",
            "verify",
            lambda c, f=f: f(c.signed),
            exp,
            differential=True,
        )
        for k, (f, exp) in _XSW.items()
    ),  # type: ignore[misc]
    Case(
        "S4",
        "moved-to-root",
        "the Signature as the last child of edXML",
        "verify",
        lambda c: move_sig(c.signed, b"</edXML>"),
        _MOVED,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S4",
        "moved-to-body",
        "the Signature inside edXMLBody",
        "verify",
        lambda c: move_sig(c.signed, b"</edXML:edXMLBody>"),
        _MOVED,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S4",
        "moved-to-message-header",
        "the Signature inside MessageHeader",
        "verify",
        lambda c: move_sig(c.signed, b"</edXML:MessageHeader>"),
        _MOVED,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S4",
        "not-last",
        "an element after the Signature in edXMLHeader",
        "verify",
        lambda c: rep(c.signed, b"</Signature>", b"</Signature><edXML:Extra/>"),
        Refused(SignatureProfileError, "not the last child", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S5",
        "duplicated",
        "the Signature element twice",
        "verify",
        lambda c: rep(
            c.signed, b"</Signature>", b"</Signature>" + c.signed[slice(*sig_block(c.signed))]
        ),
        Refused(SignatureProfileError, "second Signature", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S5",
        "second-self-consistent-untrusted",
        "a second, valid signature by an untrusted key appended",
        "verify",
        _second_sig_untrusted,
        Refused(SignatureProfileError, "second Signature", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "two-signed-info",
        "a second SignedInfo",
        "verify",
        lambda c: rep(
            c.signed,
            b"<SignatureValue>",
            c.signed[c.signed.index(b"<SignedInfo") : c.signed.index(b"</SignedInfo>") + 13]
            + b"<SignatureValue>",
        ),
        Refused(SignatureProfileError, "2 SignedInfo", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "two-references",
        "a second Reference (sibling)",
        "verify",
        lambda c: rep(
            c.signed,
            b"</SignedInfo>",
            b'<Reference URI=""><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AAAA</DigestValue></Reference></SignedInfo>',
        ),
        Refused(SignatureProfileError, "2 References", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S6",
        "two-digest-values",
        "a second DigestValue (nested)",
        "verify",
        lambda c: rep(
            c.signed, b"</DigestValue>", b"</DigestValue><DigestValue>AAAA</DigestValue>"
        ),
        Refused(SignatureProfileError, "2 DigestValue", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S7",
        "planted-reference",
        "Subject tampered; a ds:Reference carrying its digest planted first in MessageHeader",
        "verify",
        _planted_digest,
        Refused(
            SignatureProfileError,
            "xmldsig element ds:Reference outside the Signature",
            reason=_PROFILE,
        ),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S8",
        "duplicate-ids",
        'URI="#e" with two Id="e" elements',
        "verify",
        lambda c: rep(
            rep(_uri("#e")(c), b"<edXML:edXMLEnvelope ", b'<edXML:edXMLEnvelope Id="e" '),
            b"<edXML:edXMLBody>",
            b'<edXML:edXMLBody Id="e">',
        ),
        Refused(SignatureProfileError, "URI is '#e'", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S9",
        "xslt",
        "an XSLT transform",
        "verify",
        _transforms(_ENV, "http://www.w3.org/TR/1999/REC-xslt-19991116"),
        Refused(DisallowedAlgorithmError, "REC-xslt-19991116 is not allowed", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S9",
        "xpath",
        "an XPath transform selecting nothing",
        "verify",
        _transforms(
            _ENV,
            "http://www.w3.org/TR/1999/REC-xpath-19991116",
            inner=f'<XPath xmlns="{DSIG}">false()</XPath>',
        ),
        Refused(SignatureProfileError, "carries XPath", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S9",
        "xpath-filter2",
        "an XPath-Filter2 transform",
        "verify",
        _transforms(_ENV, "http://www.w3.org/2002/06/xmldsig-filter2"),
        Refused(DisallowedAlgorithmError, "xmldsig-filter2 is not allowed", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S9",
        "base64",
        "a base64 transform",
        "verify",
        _transforms(_ENV, "http://www.w3.org/2000/09/xmldsig#base64"),
        Refused(DisallowedAlgorithmError, "base64 is not allowed", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S9",
        "three-transforms",
        "enveloped, exc-c14n, c14n",
        "verify",
        _transforms(
            _ENV,
            "http://www.w3.org/2001/10/xml-exc-c14n#",
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        ),
        Refused(SignatureProfileError, "transforms must be", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S9",
        "no-enveloped",
        "exc-c14n alone (the Signature would digest itself)",
        "verify",
        _transforms("http://www.w3.org/2001/10/xml-exc-c14n#"),
        Refused(SignatureProfileError, "transforms must be", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S9",
        "unknown-uri",
        "an unknown transform URI",
        "verify",
        _transforms(_ENV, "urn:edoc:evil"),
        Refused(DisallowedAlgorithmError, "urn:edoc:evil is not allowed", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S9",
        "sdk-typo-uri",
        "the reference SDK's http://www.w3.org/TR/xml-exc-c14n# under the default policy",
        "verify",
        _transforms(_ENV, "http://www.w3.org/TR/xml-exc-c14n#"),
        Refused(DisallowedAlgorithmError, "TR/xml-exc-c14n# is not allowed", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S10",
        "file-uri",
        "Reference URI=file:///etc/passwd",
        "verify",
        _uri("file:///etc/passwd"),
        Refused(SignatureProfileError, "file:///etc/passwd", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S10",
        "http-uri",
        "Reference URI on the canary",
        "verify",
        lambda c: _uri(f"{c.canary.url}/r")(c),
        Refused(SignatureProfileError, "URI is 'http://127", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S10",
        "cid-uri",
        "Reference URI=cid:1 (an attachment)",
        "verify",
        _uri("cid:1"),
        Refused(SignatureProfileError, "URI is 'cid:1'", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S10",
        "xpointer",
        "Reference URI=#xpointer(/)",
        "verify",
        _uri("#xpointer(/)"),
        Refused(SignatureProfileError, "xpointer", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S10",
        "retrieval-method",
        "KeyInfo/RetrievalMethod on the canary",
        "verify",
        lambda c: rep(
            c.signed, b"<KeyInfo>", f'<KeyInfo><RetrievalMethod URI="{c.canary.url}/k"/>'
        ),
        Refused(SignatureProfileError, "carries RetrievalMethod", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S10",
        "key-info-reference",
        "KeyInfo/KeyInfoReference",
        "verify",
        lambda c: rep(c.signed, b"<KeyInfo>", b'<KeyInfo><KeyInfoReference URI="#k"/>'),
        Refused(SignatureProfileError, "carries KeyInfoReference", reason=_PROFILE),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S11",
        "digest-of-nothing",
        "DigestValue = SHA-256 of empty input",
        "verify",
        _empty_digest,
        _DIGEST,
        differential=True,
    ),
    Case(
        "S11",
        "c14n-yields-nothing",
        "canonicalisation patched to yield nothing; the package carries (and the trusted key signed) the digest of nothing",
        "call",
        _empty_c14n,
        Refused(InvalidSignatureError, "canonical form is empty", reason="c14n"),
    ),
    Case(
        "S12",
        "signed-view-equals-raw",
        "comment, CDATA and character references: verify's model equals read's model of the same bytes",
        "verify",
        lambda c: rep(
            rep(c.signed, b"<edXML:CodeNumber>7816", b"<edXML:CodeNumber><![CDATA[78]]>&#49;6"),
            b"<edXML:Subject>V/v",
            b"<edXML:Subject><!--x-->V/v",
        ),
        Accepted(
            lambda r, c: (_same_subject(r, c), _eq(r.package, edoc.read(c.last_input))),
            "one parser configuration; the model comes from the digested events",
        ),
    ),  # type: ignore[arg-type, func-returns-value]
    Case(
        "S13",
        "sdk-sample-verbatim",
        "the reference SDK's edoc.edxml verbatim (RSA-SHA1, placeholders)",
        "verify",
        lambda c: (c.vectors / "reference-sdk" / "edoc.edxml").read_bytes(),
        Refused(DisallowedAlgorithmError, "rsa-sha1 is not allowed", reason="algorithm"),
        before_crypto=True,
        needs=("vectors",),
        differential=True,
    ),
    Case(
        "S13",
        "sdk-sample-verbatim-legacy",
        "the same under VerifyPolicy.legacy(): readable, but its undeclared xlink prefix leaves no canonical form: the signature is refused",
        "verify",
        lambda c: ((c.vectors / "reference-sdk" / "edoc.edxml").read_bytes(), "legacy"),
        Refused(edoc.errors.SignatureProfileError, "not namespace-well-formed", reason="profile"),
        before_crypto=True,
        needs=("vectors",),
    ),
    Case(
        "S13",
        "sdk-dialect-default-policy",
        "an SDK-style signature (edXML namespace, dummy DigestValue, truncated certificate)",
        "verify",
        lambda c: _sdk_style(c),
        Refused(DisallowedAlgorithmError, "edXML namespace", reason="edxml-dialect"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "S13",
        "sdk-dialect-legacy-policy",
        "the same under VerifyPolicy.legacy(): parsed, never valid",
        "verify",
        lambda c: (_sdk_style(c), "legacy"),
        Refused(InvalidSignatureError, "not a certificate", reason="placeholder-certificate"),
        before_crypto=True,
    ),
    Case(
        "S14",
        "replay-exposes-dedupe-key",
        "a validly signed envelope verifies; its (From, DocumentId) is exposed for dedupe",
        "verify",
        lambda c: c.signed,
        Accepted(
            _replay,
            "replay is a receiver policy: the hub client recognises duplicates (tests/transport/test_hub.py)",
        ),
    ),
    # -- C. Crypto, keys and certificates -------------------------------------------------------
    Case(
        "C1",
        "attacker-resigned",
        "tampered and re-signed by an attacker's self-signed key",
        "verify",
        lambda c: c.sign(_evil_package(), key=c.attacker),
        Refused(UntrustedCertificateError, "does not chain", reason="untrusted-chain"),
        differential=True,
    ),
    Case(
        "C1",
        "other-ca-anchor",
        "signed by a leaf of another CA than the anchor",
        "verify",
        lambda c: (c.own_signed(), "default"),
        Refused(UntrustedCertificateError, "does not chain", reason="untrusted-chain"),
    ),
    Case(
        "C2",
        "key-value-beside-certificate",
        "an attacker's ECKeyValue beside the real X509Data: ignored",
        "verify",
        lambda c: rep(
            c.signed, b"<KeyInfo>", b"<KeyInfo><KeyValue><ECKeyValue>AAAA</ECKeyValue></KeyValue>"
        ),
        Accepted(
            _signer_is("rsa2048"),
            "KeyValue is never read: only X509Certificate candidates that chain to the caller's anchors",
        ),
    ),
    Case(
        "C2",
        "key-value-only",
        "KeyValue and no X509Data",
        "verify",
        lambda c: re.sub(
            rb"<X509Data>.*</X509Data>",
            b"<KeyValue><RSAKeyValue><Modulus>AAAA</Modulus><Exponent>AQAB</Exponent></RSAKeyValue></KeyValue>",
            c.signed,
        ),
        Refused(InvalidSignatureError, "no X509Certificate", reason="no-certificate"),
        differential=True,
    ),
    Case(
        "C3",
        "decoy-first",
        "a decoy leaf certificate before the signer's",
        "verify",
        lambda c: _with_certs(
            c,
            c.signed,
            _cert_b64(x509.load_pem_x509_certificate((c.pki / "ec256.crt").read_bytes())),
        ),
        Accepted(
            _signer_is("rsa2048"),
            "the signer is the one certificate whose key verifies SignatureValue",
        ),
    ),
    Case(
        "C3",
        "decoy-only",
        "only a decoy certificate",
        "verify",
        lambda c: _with_certs(
            c,
            c.signed,
            _cert_b64(x509.load_pem_x509_certificate((c.pki / "ec256.crt").read_bytes())),
            keep=False,
        ),
        _SIGVAL,
    ),
    Case(
        "C3",
        "two-verifying-leaves",
        "two certificates for the same key: ambiguous signer",
        "verify",
        _same_key_twice,
        Refused(SignatureProfileError, "more than one certificate", reason=_PROFILE),
    ),
    Case(
        "C4",
        "rsa-sha1",
        "RSA-SHA1 with a SHA-1 digest, default policy",
        "verify",
        lambda c: c.sign(policy=_legacy(SignatureMethod.RSA_SHA1, DigestMethod.SHA1)),
        Refused(DisallowedAlgorithmError, "rsa-sha1 is not allowed", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "C4",
        "sha1-digest",
        "RSA-SHA256 over a SHA-1 digest",
        "verify",
        lambda c: c.sign(policy=_legacy(SignatureMethod.RSA_SHA256, DigestMethod.SHA1)),
        Refused(DisallowedAlgorithmError, "sha1 is not allowed", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "C4",
        "rsa-1024",
        "RSA 1024 bits",
        "verify",
        lambda c: c.sign(
            key=c.key("rsa1024"), policy=_legacy(SignatureMethod.RSA_SHA256, bits=1024)
        ),
        Refused(DisallowedAlgorithmError, "1024 bits", reason="key-size"),
        differential=True,
    ),
    Case(
        "C4",
        "md5",
        "rsa-md5",
        "verify",
        lambda c: rep(c.signed, b"xmldsig-more#rsa-sha256", b"xmldsig-more#rsa-md5"),
        Refused(DisallowedAlgorithmError, "unknown algorithm.*rsa-md5", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "C4",
        "dsa",
        "dsa-sha1",
        "verify",
        lambda c: rep(
            c.signed,
            b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            b"http://www.w3.org/2000/09/xmldsig#dsa-sha1",
        ),
        Refused(DisallowedAlgorithmError, "unknown algorithm.*dsa-sha1", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "C4",
        "method-key-mismatch",
        "ecdsa-sha256 declared, RSA key",
        "verify",
        lambda c: rep(c.signed, b"xmldsig-more#rsa-sha256", b"xmldsig-more#ecdsa-sha256"),
        _SIGVAL,
        differential=True,
    ),
    Case(
        "C5",
        "hmac-sha1-40",
        "hmac-sha1 with HMACOutputLength 40",
        "verify",
        lambda c: rep(
            c.signed,
            b'<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"></SignatureMethod>',
            b'<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><HMACOutputLength>40</HMACOutputLength></SignatureMethod>',
        ),
        Refused(DisallowedAlgorithmError, "unknown algorithm.*hmac-sha1", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "C5",
        "hmac-public-key-secret",
        "hmac-sha256 keyed with the signer's public key",
        "verify",
        lambda c: rep(
            c.signed,
            b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            b"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
        ),
        Refused(DisallowedAlgorithmError, "unknown algorithm.*hmac-sha256", reason="algorithm"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "C6",
        "expired",
        "a certificate that expired yesterday",
        "verify",
        lambda c: (c.own_signed(days=(-30, -1)), "own"),
        Refused(
            UntrustedCertificateError,
            "was not valid at .*: it expired",
            reason="certificate-expired",
        ),
    ),
    Case(
        "C6",
        "not-yet-valid",
        "a certificate valid from tomorrow",
        "verify",
        lambda c: (c.own_signed(days=(1, 30)), "own"),
        Refused(UntrustedCertificateError, "was not yet valid", reason="certificate-not-yet-valid"),
    ),
    Case(
        "C6",
        "no-signing-usage",
        "a certificate without digitalSignature or nonRepudiation",
        "verify",
        lambda c: (c.own_signed(signing_usage=False), "own"),
        Refused(
            UntrustedCertificateError,
            "digitalSignature|nonRepudiation|key usage",
            reason="key-usage",
        ),
    ),
    Case(
        "C6",
        "ca-as-signer",
        "a cA=TRUE certificate used as the signer",
        "verify",
        lambda c: (c.own_signed(ca=True), "own"),
        Refused(UntrustedCertificateError, "CA|cA", reason="key-usage"),
    ),
    Case(
        "C6",
        "unknown-critical-extension",
        "an unknown critical extension",
        "verify",
        lambda c: (
            c.own_signed(
                extra=[
                    x509.UnrecognizedExtension(
                        x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00"
                    )
                ]
            ),
            "own",
        ),
        Refused(
            UntrustedCertificateError,
            "unaccounted-for critical extensions",
            reason="chain-constraints",
        ),
    ),
    Case(
        "C7",
        "in-document-time-ignored",
        "a certificate valid only in 2015; TraceHeader says 2015; validated now",
        "verify",
        lambda c: (c.own_signed(days=(-4000, -3000)), "own"),
        Refused(
            UntrustedCertificateError,
            "was not valid at .*: it expired",
            reason="certificate-expired",
        ),
    ),
    Case(
        "C8",
        "ecdsa-der",
        "an ECDSA SignatureValue re-encoded as DER (also tests/test_verify.py)",
        "verify",
        _der_ecdsa,
        Refused(InvalidSignatureError, "not 64 \\(r \\|\\| s\\)", reason="format"),
        differential=True,
    ),
    Case(
        "C8",
        "rsa-leading-zero",
        "an RSA SignatureValue with a prepended zero byte",
        "verify",
        _rsa_zero_prefixed,
        _SIGVAL,
        differential=True,
    ),
    Case(
        "C8",
        "ecdsa-high-s",
        "ECDSA with s replaced by n - s (the same signature, malleated)",
        "verify",
        _high_s,
        Accepted(
            _signer_is("ec256"),
            "high-S is the same r||s encoding XMLDSig 1.1 defines; documents are identified by their canonical form, never by SignatureValue",
        ),
    ),
    *(
        Case(
            "C9",
            f"{f.lower()}-{how}",
            f"{how} in {f}",
            "verify",
            _b64_field(f, how),
            (
                Refused(
                    InvalidSignatureError,
                    "X509Certificate .* is not a certificate",
                    reason="placeholder-certificate",
                )
                if f == "X509Certificate"
                else Refused(
                    InvalidSignatureError, f"{f} is not (valid|canonical) base64", reason="format"
                )
            ),
            differential=True,
        )
        for f in ("SignatureValue", "DigestValue", "X509Certificate")
        for how in ("junk", "stray-bits", "data-after-padding", "excess-padding")
        if not (f == "X509Certificate" and how != "junk")
    ),
    Case(
        "C10",
        "rsa-16384-beside",
        "a 16384-bit RSA certificate beside the signer's: refused, not skipped",
        "verify",
        lambda c: _with_certs(c, c.signed, _rsa_cert(c, 16384)),
        Refused(DisallowedAlgorithmError, "16384 bits", reason="key-size"),
    ),
    Case(
        "C10",
        "rsa-16384-only",
        "only a 16384-bit RSA certificate",
        "verify",
        lambda c: _with_certs(c, c.signed, _rsa_cert(c, 16384), keep=False),
        Refused(DisallowedAlgorithmError, "16384 bits", reason="key-size"),
    ),
    Case(
        "C10",
        "curve-not-allowed",
        "a brainpoolP256r1 signer (binary SECT curves are gone from cryptography)",
        "verify",
        _sect_signed,
        Refused(DisallowedAlgorithmError, "brainpoolP256r1", reason="key-size"),
    ),
    Case(
        "C11",
        "wrong-password",
        "a wrong key password with DEBUG logging: the password is nowhere",
        "call",
        _secrets_in_errors,
        Refused(edoc.signing.KeyLoadError, "password|decrypt"),
    ),
    Case(
        "C12",
        "mac-compare-lint",
        "no == on MAC or signature values anywhere in src/edoc",
        "call",
        _mac_compare_lint,
        Accepted(_no_findings, "MACs are compared with hmac.compare_digest"),
    ),
]


def _evil_package() -> edoc.EdocPackage:
    import attrs

    pkg = sample()
    return attrs.evolve(pkg, header=attrs.evolve(pkg.header, subject="EVIL"))


def _eq(a: Any, b: Any) -> None:
    assert a == b
