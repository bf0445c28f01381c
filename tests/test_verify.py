# ruff: noqa: E501  (tables of hostile shapes and peer settings read best one per line)
"""Verification: what edoc and xmlsec1 sign verifies; tampering, wrapping and bad trust do not."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import attrs
import pytest

import edoc
from conftest import make_package, read_edoc
from edoc.errors import (
    DigestMismatchError,
    DisallowedAlgorithmError,
    InvalidSignatureError,
    LegacyAlgorithmWarning,
    ParseError,
    SignatureMissingError,
    SignatureProfileError,
    UntrustedCertificateError,
)
from edoc.signing import SignatureMethod, load_pem, sign_package
from edoc.signing.trust import TrustStore
from edoc.signing.verifier import VerifyPolicy, verify

XMLSEC1 = shutil.which("xmlsec1")
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
INC = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENV = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
needs_xmlsec1 = pytest.mark.skipif(
    XMLSEC1 is None, reason="xmlsec1 is not installed (Debian xmlsec1)"
)


def _package() -> edoc.EdocPackage:
    return make_package(**{"qd.pdf": b"%PDF-1.4 " + bytes(range(256)) * 50})


@pytest.fixture
def trust(pki: Path) -> TrustStore:
    return TrustStore.from_pem(pki / "ca.pem")


@pytest.fixture
def signed(pki: Path, tmp_path: Path) -> Path:
    out = tmp_path / "signed.edxml"
    sign_package(_package(), out, key=load_pem(pki / "rsa2048.pem"))
    return out


@pytest.mark.parametrize(
    ("label", "policy", "method"),
    [("rsa2048", "default", SignatureMethod.RSA_SHA256), ("rsa2048", "tt15-2025", SignatureMethod.RSA_PSS_SHA256),
     ("ec256", "default", SignatureMethod.ECDSA_SHA256), ("ec384", "default", SignatureMethod.ECDSA_SHA384)],
)  # fmt: skip
def test_edoc_signed_packages_verify_and_return_the_signed_model(
    pki: Path,
    tmp_path: Path,
    trust: TrustStore,
    label: str,
    policy: str,
    method: SignatureMethod,
) -> None:
    pkg = _package()
    out = tmp_path / "s.edxml"
    sign_package(pkg, out, key=load_pem(pki / f"{label}.pem"), policy=policy)
    result = verify(out, trust=trust, spool_dir=tmp_path)
    assert result.package == pkg
    assert [a.read_bytes() for a in result.package.attachments] == [
        a.read_bytes() for a in pkg.attachments
    ]
    assert result.algorithm is method
    assert result.dialect == "xmldsig"
    assert result.signer.subject.rfc4514_string() == f"CN=Văn thư {label},C=VN"
    assert result.findings == ()


TEMPLATE = (
    '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    '<ds:CanonicalizationMethod Algorithm="{c14n}"/><ds:SignatureMethod Algorithm="{method}"/>'
    '<ds:Reference URI=""><ds:Transforms>{transforms}</ds:Transforms>'
    '<ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>'
    "<ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>"
    "</ds:Signature>"
)
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


def _xmlsec1_sign(pki: Path, tmp_path: Path, unsigned: bytes, *, key: str = "rsa2048", c14n: str = EXC,
                  transforms: tuple[str, ...] = (ENV, EXC), method: str = RSA_SHA256, digest: str = SHA256,
                  ) -> Path:  # fmt: skip
    assert XMLSEC1 is not None
    tr = "".join(f'<ds:Transform Algorithm="{t}"/>' for t in transforms)
    tpl = TEMPLATE.format(c14n=c14n, method=method, transforms=tr, digest=digest)
    data = unsigned.replace(
        b"    </edXML:edXMLHeader>", tpl.encode() + b"\n    </edXML:edXMLHeader>"
    )
    (tmp_path / "tpl.xml").write_bytes(data)
    out = tmp_path / "xmlsec1-signed.edxml"
    key_pem = pki / f"{key}.pem"
    r = subprocess.run([XMLSEC1, "--sign", "--privkey-pem", f"{key_pem},{key_pem}", "--output", str(out),
                        str(tmp_path / "tpl.xml")], capture_output=True, text=True, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    return out


VARIANTS = {
    "as-written": lambda d: d,
    "crlf": lambda d: d.replace(b"\n", b"\r\n"),
    "comment-in-text": lambda d: d.replace(b"<edXML:Subject>V/v", b"<edXML:Subject><!-- x -->V/v"),
    "processing-instruction": lambda d: d.replace(b"<edXML:edXMLBody>", b"<?edoc hint?><edXML:edXMLBody>"),
    "foreign-attributes": lambda d: d.replace(
        b'<edXML:edXMLManifest version="1.0">', b"<edXML:edXMLManifest  xmlns:z='urn:z' z:b='2' version='1.0' >"
    ),
    "cdata-and-references": lambda d: d.replace(b"<edXML:CodeNumber>7816", b"<edXML:CodeNumber><![CDATA[78]]>&#49;6"),
}  # fmt: skip


@needs_xmlsec1
@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize(
    ("key", "c14n", "transforms"),
    [("rsa2048", EXC, (ENV, EXC)), ("rsa2048", INC, (ENV,)), ("ec256", INC, (ENV, INC)), ("ec256", EXC, (ENV,))],
    ids=["rsa-exc", "rsa-inc-default", "ec-inc", "ec-exc-signedinfo"],
)  # fmt: skip
def test_packages_signed_by_xmlsec1_verify(pki: Path, tmp_path: Path, trust: TrustStore, variant: str,
                                           key: str, c14n: str, transforms: tuple[str, ...]) -> None:  # fmt: skip
    unsigned = VARIANTS[variant](edoc.to_bytes(_package()))
    method = (
        RSA_SHA256
        if key.startswith("rsa")
        else "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    )
    out = _xmlsec1_sign(
        pki, tmp_path, unsigned, key=key, c14n=c14n, transforms=transforms, method=method
    )
    result = verify(out, trust=trust)
    assert isinstance(result.package, edoc.EdocPackage)
    assert result.package.header.subject == _package().header.subject
    assert result.package.header.code.number == "7816"  # type: ignore[union-attr]


def _tamper(data: bytes, how: str) -> bytes:
    from test_signing import _tamper as signing_tamper

    return signing_tamper(data, how)


@pytest.mark.parametrize("how", ["attachment-byte", "subject", "duplicate-to", "added-element"])
def test_tampering_is_a_digest_mismatch(signed: Path, trust: TrustStore, how: str) -> None:
    signed.write_bytes(_tamper(signed.read_bytes(), how))
    with pytest.raises(DigestMismatchError):
        verify(signed, trust=trust)


def _sig_block(data: bytes) -> tuple[int, int]:
    start = data.index(b"<Signature ")
    return start, data.index(b"</Signature>") + len(b"</Signature>")


WRAPPING = {
    "signature-moved-to-body": lambda d: _move_sig(d, b"  </AttachmentEncoded>"),
    "signature-moved-to-root": lambda d: _move_sig(d, b"</edXML>"),
    "second-signature": lambda d: d.replace(b"</edXML:edXMLHeader>", d[slice(*_sig_block(d))] + b"</edXML:edXMLHeader>"),
    "signature-not-last": lambda d: d.replace(b"</Signature>\n    </edXML:edXMLHeader>",
                                              b"</Signature><edXML:Extra/>\n    </edXML:edXMLHeader>"),
    "planted-digest-value": lambda d: d.replace(
        b"<edXML:MessageHeader>",
        b'<edXML:MessageHeader><ds:Reference xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:DigestValue>'
        b"AAAA</ds:DigestValue></ds:Reference>"),
    "reference-to-an-id": lambda d: d.replace(b'<Reference URI="">', b'<Reference URI="#hdr">'),
    "xslt-transform": lambda d: d.replace(
        b'</Transforms>', b'<Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"></Transform></Transforms>'),
    "object-in-signature": lambda d: d.replace(b"</Signature>", b"<Object>x</Object></Signature>"),
    "second-message-header": lambda d: d.replace(
        b"<edXML:TraceHeaderList>", d[d.index(b"<edXML:MessageHeader>"):d.index(b"</edXML:MessageHeader>") + 22]
        + b"<edXML:TraceHeaderList>"),
    "header-wrapped-in-extra-element": lambda d: d.replace(b"<edXML:MessageHeader>", b"<edXML:Wrap><edXML:MessageHeader>")
        .replace(b"</edXML:MessageHeader>", b"</edXML:MessageHeader></edXML:Wrap>"),
}  # fmt: skip


def _move_sig(data: bytes, before: bytes) -> bytes:
    start, end = _sig_block(data)
    sig = data[start:end]
    data = data[:start] + data[end:]
    i = data.rindex(before)
    return data[:i] + sig + data[i:]


@pytest.mark.parametrize("shape", sorted(WRAPPING))
def test_signature_wrapping_shapes_are_refused(signed: Path, trust: TrustStore, shape: str) -> None:
    data = WRAPPING[shape](signed.read_bytes())  # type: ignore[no-untyped-call]
    assert data != signed.read_bytes()
    signed.write_bytes(data)
    # A shape edoc.read refuses (no MessageHeader, two of them) is unreadable to verify too.
    refused = (SignatureProfileError, DigestMismatchError, DisallowedAlgorithmError, ParseError)
    with pytest.raises(refused):
        verify(signed, trust=trust)


def test_comments_injected_into_signed_text_do_not_change_the_model(
    signed: Path, trust: TrustStore
) -> None:
    data = signed.read_bytes().replace(b"<edXML:Subject>V/v", b"<edXML:Subject>V/<!--x-->v", 1)
    signed.write_bytes(data)
    result = verify(signed, trust=trust)  # comments are outside the canonical form
    assert isinstance(result.package, edoc.EdocPackage)
    assert result.package.header.subject == _package().header.subject


def test_trust_is_the_callers(pki: Path, signed: Path, tmp_path: Path) -> None:
    with pytest.raises(UntrustedCertificateError):
        verify(signed, trust=TrustStore.from_pem(pki / "ec256.crt"))  # an unrelated certificate
    pinned = TrustStore.from_pem(pki / "rsa2048.crt")
    assert verify(signed, trust=pinned).signer.subject.rfc4514_string() == "CN=Văn thư rsa2048,C=VN"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    with pytest.raises(UntrustedCertificateError, match="valid"):
        verify(signed, trust=TrustStore.from_pem(pki / "ca.pem"), at=later)


def test_unsigned_package_is_refused(tmp_path: Path, trust: TrustStore) -> None:
    out = tmp_path / "u.edxml"
    edoc.write(_package(), out)
    with pytest.raises(SignatureMissingError):
        verify(out, trust=trust)


@needs_xmlsec1
def test_sha1_needs_the_legacy_policy_and_is_reported(
    pki: Path, tmp_path: Path, trust: TrustStore
) -> None:
    out = _xmlsec1_sign(pki, tmp_path, edoc.to_bytes(_package()), c14n=INC, transforms=(ENV,),
                        method="http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                        digest="http://www.w3.org/2000/09/xmldsig#sha1")  # fmt: skip
    with pytest.raises(DisallowedAlgorithmError, match="rsa-sha1"):
        verify(out, trust=trust)
    with pytest.warns(LegacyAlgorithmWarning) as caught:
        result = verify(out, trust=trust, policy=VerifyPolicy.legacy())
    assert {w.filename for w in caught} == {__file__}  # the caller's line, not edoc's
    assert result.algorithm is SignatureMethod.RSA_SHA1
    assert any("weak algorithm" in f for f in result.findings)


def test_hostile_xml_is_refused_before_any_crypto(signed: Path, trust: TrustStore) -> None:
    data = signed.read_bytes()
    for bad in (
        data.replace(b"<edXML ", b'<!DOCTYPE edXML [<!ENTITY x "y">]>\n<edXML ', 1),
        data.replace(b"<edXML:Subject>", b"<edXML:Subject>&undefined;", 1),
        data.replace(b"<edXML:Subject>", b"<nope:Subject>", 1),
        data[: len(data) // 2],
    ):
        signed.write_bytes(bad)
        with pytest.raises(ParseError):
            verify(signed, trust=trust)


def test_shared_vectors_never_verify(vectors: Path, trust: TrustStore) -> None:
    """Their signatures are placeholders or copied values: refused with a reason, never valid."""
    reasons: dict[str, str] = {}
    for path in sorted(vectors.glob("*/*.edxml")):
        try:
            verify(path, trust=trust, policy=VerifyPolicy.legacy())
        except InvalidSignatureError as exc:
            reasons[path.name] = exc.reason
        except ParseError:
            reasons[path.name] = "unreadable"
        else:
            pytest.fail(f"{path} verified")
    # Written by hand from the files (README of the vectors; edxml-reference §5.2):
    assert reasons["dc0bdef0-c7a3-4aaf-b717-777303442973.edxml"] == "placeholder-certificate"
    assert reasons["edoc_update.edxml"] == "placeholder-certificate"
    assert reasons["status.edxml"] == "missing"
    assert reasons["edoc_new.edxml"] in ("unreadable", "placeholder-certificate")
    assert reasons["edoc_bad_end_tag.edxml"] == "unreadable"


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run([sys.executable, "-m", "edoc", *map(str, args)], capture_output=True, text=True,
                          check=False, timeout=60)  # fmt: skip


def test_verify_command_exit_codes_and_json(pki: Path, signed: Path, tmp_path: Path) -> None:
    import json

    r = _cli("verify", signed, "--trust", pki / "ca.pem", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["valid"] is True
    assert data["signer"] == "CN=Văn thư rsa2048,C=VN"
    assert data["algorithm"] == SignatureMethod.RSA_SHA256.value
    assert data["package"]["header"]["code"]["number"] == "7816"
    bad = tmp_path / "bad.edxml"
    bad.write_bytes(_tamper(signed.read_bytes(), "subject"))
    r = _cli("verify", bad, "--trust", pki / "ca.pem", "--format", "json")
    assert r.returncode == 3
    assert json.loads(r.stdout)["reason"] == "digest-mismatch"
    r = _cli("verify", signed, "--trust", pki / "ec256.crt")
    assert r.returncode == 3
    assert "NOT VALID" in r.stderr
    (tmp_path / "junk.edxml").write_bytes(b"<edXML")
    assert _cli("verify", tmp_path / "junk.edxml", "--trust", pki / "ca.pem").returncode == 4
    assert _cli("verify", signed).returncode == 2


def _edxml_dialect_signed(pki: Path, *, typo_transform: bool) -> bytes:
    """A package signed in the hub's legacy form by an independent implementation written
    here (lxml's C14N + cryptography): an unprefixed Signature in the edXML namespace,
    inclusive C14N for SignedInfo, rsa-sha1/sha1, as edxml-reference §5.1-5.2 describe."""
    import base64
    import hashlib

    from cryptography.hazmat.primitives import hashes as h
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import padding
    from lxml import etree

    key_pem = (pki / "rsa2048.pem").read_bytes()
    key = ser.load_pem_private_key(key_pem, password=None)
    cert_b64 = "".join(
        line for line in (pki / "rsa2048.crt").read_text().splitlines() if "CERTIFICATE" not in line
    )
    typo = '<Transform Algorithm="http://www.w3.org/TR/xml-exc-c14n#"/>' if typo_transform else ""
    sig = (
        "<Signature><SignedInfo>"
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
        '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
        f'<Reference URI=""><Transforms><Transform Algorithm="{ENV}"/>{typo}</Transforms>'
        '<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/><DigestValue>DIGEST</DigestValue>'
        "</Reference></SignedInfo><SignatureValue>SIGVALUE</SignatureValue>"
        f"<KeyInfo><X509Data><X509Certificate>{cert_b64}</X509Certificate></X509Data></KeyInfo></Signature>"
    )
    data = edoc.to_bytes(_package()).replace(
        b"    </edXML:edXMLHeader>", sig.encode() + b"\n    </edXML:edXMLHeader>"
    )
    ns = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
    without = etree.fromstring(data)
    (gone,) = without.iter(f"{{{ns}}}Signature")
    tail = gone.tail
    parent = gone.getparent()
    prev = gone.getprevious()
    parent.remove(gone)  # type: ignore[union-attr]
    if prev is not None:
        prev.tail = (prev.tail or "") + (tail or "")
    canon = etree.tostring(without, method="c14n", exclusive=typo_transform)
    digest = base64.b64encode(hashlib.sha1(canon).digest()).decode()
    data = data.replace(b"DIGEST", digest.encode())
    # SignedInfo's inclusive canonical form, written by hand from C14N 1.0: the apex carries
    # every namespace in scope (the root's default and the envelope's edXML prefix, both the
    # edXML namespace); empty elements become start-end pairs. (libxml2's subtree C14N adds a
    # spurious xmlns="" to Transforms here, where two prefixes share one URI.)
    transforms = f'<Transform Algorithm="{ENV}"></Transform>'
    if typo_transform:
        transforms += '<Transform Algorithm="http://www.w3.org/TR/xml-exc-c14n#"></Transform>'
    signed_info = (
        f'<SignedInfo xmlns="{ns}" xmlns:edXML="{ns}">'
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></CanonicalizationMethod>'
        '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"></SignatureMethod>'
        f'<Reference URI=""><Transforms>{transforms}</Transforms>'
        '<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"></DigestMethod>'
        f"<DigestValue>{digest}</DigestValue></Reference></SignedInfo>"
    )
    value = key.sign(signed_info.encode(), padding.PKCS1v15(), h.SHA1())  # type: ignore[union-attr, call-arg, arg-type]
    return data.replace(b"SIGVALUE", base64.b64encode(value))


@pytest.mark.parametrize(
    "typo_transform", [False, True], ids=["enveloped-only", "sdk-typo-exc-c14n"]
)
def test_the_hubs_legacy_edxml_dialect_verifies_only_under_the_legacy_policy(
    pki: Path, tmp_path: Path, trust: TrustStore, typo_transform: bool
) -> None:
    path = tmp_path / "legacy.edxml"
    path.write_bytes(_edxml_dialect_signed(pki, typo_transform=typo_transform))
    with pytest.raises(DisallowedAlgorithmError, match="edXML namespace"):
        verify(path, trust=trust)
    with pytest.warns(LegacyAlgorithmWarning):
        result = verify(path, trust=trust, policy=VerifyPolicy.legacy())
    assert result.dialect == "edxml"
    assert result.algorithm is SignatureMethod.RSA_SHA1
    assert isinstance(result.package, edoc.EdocPackage)
    assert result.package.header.subject == _package().header.subject
    assert any("legacy dialect" in f for f in result.findings)
    if typo_transform:
        assert any("typo" in f for f in result.findings)
    tampered = path.read_bytes().replace(b"<edXML:Subject>V/v", b"<edXML:Subject>V/V", 1)
    path.write_bytes(tampered)
    with pytest.raises(DigestMismatchError), pytest.warns(LegacyAlgorithmWarning):
        verify(path, trust=trust, policy=VerifyPolicy.legacy())


@pytest.mark.parametrize(
    ("field", "mangle"),
    [("SignatureValue", lambda v: v[:10] + "!!!" + v[10:]), ("SignatureValue", lambda v: v + "=="),
     ("DigestValue", lambda v: v[:-2] + "9="), ("DigestValue", lambda v: v + "AAAA")],
    ids=["garbage", "excess-padding", "non-canonical-bits", "data-after-padding"],
)  # fmt: skip
def test_non_canonical_base64_in_signature_fields_is_refused(signed: Path, trust: TrustStore, field: str,
                                                             mangle: object) -> None:  # fmt: skip
    import re

    data = signed.read_text(encoding="utf-8")
    m = re.search(f"<{field}>([^<]*)</{field}>", data)
    assert m is not None
    value = m.group(1)
    changed = mangle(value)  # type: ignore[operator]
    signed.write_text(data.replace(f"<{field}>{value}<", f"<{field}>{changed}<"), encoding="utf-8")
    with pytest.raises(InvalidSignatureError) as info:
        verify(signed, trust=trust)
    assert info.value.reason in ("format", "digest-mismatch")


def test_an_ecdsa_value_in_der_form_is_refused(
    pki: Path, tmp_path: Path, trust: TrustStore
) -> None:
    import base64
    import re

    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    out = tmp_path / "ec.edxml"
    sign_package(_package(), out, key=load_pem(pki / "ec256.pem"))
    data = out.read_text(encoding="utf-8")
    raw = base64.b64decode(re.search("<SignatureValue>([^<]*)<", data).group(1))  # type: ignore[union-attr]
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    out.write_text(re.sub("<SignatureValue>[^<]*<", f"<SignatureValue>{base64.b64encode(der).decode()}<", data),
                   encoding="utf-8")  # fmt: skip
    with pytest.raises(InvalidSignatureError, match="r \\|\\| s"):
        verify(out, trust=trust)


XMLSEC1_METHODS = [
    (
        "rsa2048",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
    ),
    (
        "rsa2048",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    ),
    (
        "ec384",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
    ),
    ("ec256", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", SHA256),
]


@needs_xmlsec1
@pytest.mark.parametrize(
    ("key", "method", "digest"), XMLSEC1_METHODS, ids=lambda v: str(v).rsplit("#", 1)[-1]
)
def test_every_algorithm_signed_by_xmlsec1_verifies(pki: Path, tmp_path: Path, trust: TrustStore, key: str,
                                                    method: str, digest: str) -> None:  # fmt: skip
    out = _xmlsec1_sign(
        pki, tmp_path, edoc.to_bytes(_package()), key=key, method=method, digest=digest
    )
    result = verify(out, trust=trust)
    assert result.algorithm.value == method
    assert result.digest_algorithm.value == digest


@needs_xmlsec1
def test_rsa_below_2048_bits_needs_the_legacy_policy(
    pki: Path, tmp_path: Path, trust: TrustStore
) -> None:
    out = _xmlsec1_sign(pki, tmp_path, edoc.to_bytes(_package()), key="rsa1024")
    with pytest.raises(DisallowedAlgorithmError, match="1024 bits") as info:
        verify(out, trust=trust)
    assert info.value.reason == "key-size"
    assert (
        verify(out, trust=trust, policy=VerifyPolicy.legacy()).signer.public_key().key_size == 1024  # type: ignore[union-attr]
    )


@pytest.mark.parametrize(
    "mangle",
    [lambda d: d, lambda d: d.replace(b"AAAA", b"AA<!-- x -->AA", 3), lambda d: _wrap_base64(d, b"\r\n"),
     lambda d: _wrap_base64(d, b"\n")],
    ids=["plain", "comments-inside-base64", "crlf-wrapped", "lf-wrapped"],
)  # fmt: skip
def test_large_attachments_verify_through_the_fast_path(pki: Path, tmp_path: Path, trust: TrustStore,
                                                        mangle: object) -> None:  # fmt: skip
    """Several 256 KiB chunks of attachment text, as edoc and as another signer lay them out."""
    import hashlib

    blob = bytes(3 * 1024 * 1024)  # zeros: base64 'AAAA…', so comments can be planted inside
    pkg = edoc.EdocPackage(
        header=_package().header, attachments=[edoc.Attachment.from_bytes(blob, name="a.bin")]
    )
    unsigned = mangle(edoc.to_bytes(pkg))  # type: ignore[operator]
    if XMLSEC1 is None:
        pytest.skip("xmlsec1 is not installed (Debian xmlsec1)")
    out = _xmlsec1_sign(pki, tmp_path, unsigned)
    result = verify(out, trust=trust, spool_dir=tmp_path)
    assert isinstance(result.package, edoc.EdocPackage)
    with result.package.attachments[0].open() as fh:
        assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(blob).digest()
    data = out.read_bytes()
    i = data.rindex(b"AAAA", 0, len(data) // 2)
    out.write_bytes(data[:i] + b"AAAB" + data[i + 4 :])  # one character deep inside the bulk text
    with pytest.raises((DigestMismatchError, ParseError)):
        verify(out, trust=trust, spool_dir=tmp_path)


def _wrap_base64(data: bytes, eol: bytes) -> bytes:
    start = data.index(b'">', data.index(b"ContentTransferEncoded xmlns")) + 2
    end = data.index(b"</edXML:ContentTransferEncoded>")
    b64 = data[start:end]
    return data[:start] + eol.join(b64[i : i + 76] for i in range(0, len(b64), 76)) + data[end:]


def _signed_blob(pki: Path, tmp_path: Path, blob: bytes) -> Path:
    pkg = edoc.EdocPackage(
        header=_package().header, attachments=[edoc.Attachment.from_bytes(blob, name="a.bin")]
    )
    out = tmp_path / "big.edxml"
    sign_package(pkg, out, key=load_pem(pki / "rsa2048.pem"))
    return out


@pytest.mark.parametrize(
    "boundary", [16 * 1024, 32 * 1024, 256 * 1024, 512 * 1024 + 16 * 1024],
    ids=["first-piece", "second-piece", "first-chunk", "after-a-bypass"],
)  # fmt: skip
@pytest.mark.parametrize("comment", [b"<!-- a > b -->", b"<?pi a > b?>", b"<![CDATA[AA>AA]]>"])
def test_markup_with_a_gt_across_a_feed_boundary_is_not_read_as_text(
    pki: Path, tmp_path: Path, trust: TrustStore, boundary: int, comment: bytes
) -> None:
    """A comment, PI or CDATA section in the base64 whose ``>`` lies before the end of one
    expat feed (16 KiB pieces, 256 KiB chunks) and whose end after it: what follows the
    ``>`` is not text yet, so it must not bypass expat. A comment is outside the signed
    canonical form, so planting one after signing keeps the signature valid; a PI is in it,
    and the CDATA's ``>`` is text whose canonical form is ``&gt;``: digest mismatches."""
    import hashlib

    blob = bytes(700 * 1024)  # zeros: base64 'AAAA…'
    out = _signed_blob(pki, tmp_path, blob)
    data = out.read_bytes()
    at = boundary - comment.index(b">") - 2  # the feed ends one byte after the '>'
    assert _b64_start(data) < at
    assert data[at - 4 : at + 4] == b"AAAAAAAA"
    out.write_bytes(data[:at] + comment + data[at:])
    if not comment.startswith(b"<!--"):
        with pytest.raises(DigestMismatchError):
            verify(out, trust=trust, spool_dir=tmp_path)
        return
    result = verify(out, trust=trust, spool_dir=tmp_path)
    assert isinstance(result.package, edoc.EdocPackage)
    with result.package.attachments[0].open() as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == hashlib.sha256(blob).hexdigest()


@pytest.mark.parametrize(
    ("cut", "mangle"),
    [(1, b"QQ=="), (2, b"QQ=="), (3, b"QQ=="), (-40000, b"QQ=="), (-40000, b"AA!A"), (1, b"\xc3\xa9AA"),
     (3, b"A\xc3\xa9A"), (-40000, b"AAA")],
    ids=["padding-1|3", "padding-2|2", "padding-3|1", "padding-inside", "bad-character", "non-ascii-1|3",
         "non-ascii-3|1", "length-not-a-multiple-of-4"],
)  # fmt: skip
def test_bad_base64_is_broken_content_as_edoc_read_says(
    pki: Path, tmp_path: Path, trust: TrustStore, cut: int, mangle: bytes
) -> None:
    """Verify and read give the same verdict on an attachment whose base64 goes wrong
    inside the bulk text: the package verifies (xmlsec1 signed that text) and the
    attachment is broken, for the same reason. ``cut`` > 0: the bad group starts ``cut``
    bytes before the second 256 KiB chunk of the signed file (a group-aligned offset,
    the header padded to make it one); < 0: that far after it."""
    if XMLSEC1 is None:
        pytest.skip("xmlsec1 is not installed (Debian xmlsec1)")
    chunk = 256 * 1024
    at = chunk - cut
    for pad in range(4):  # the header length that puts a group boundary at `at`
        header = attrs.evolve(_package().header, subject="V/v" + " x" * pad)
        pkg = edoc.EdocPackage(
            header=header, attachments=[edoc.Attachment.from_bytes(bytes(700 * 1024), name="a.bin")]
        )
        unsigned = edoc.to_bytes(pkg)
        start = _b64_start(_xmlsec1_sign(pki, tmp_path, unsigned).read_bytes())
        if (at - start) % 4 == 0:
            break
    i = _b64_start(unsigned) + at - start  # the same base64 character in the unsigned bytes
    out = _xmlsec1_sign(pki, tmp_path, unsigned[:i] + mangle + unsigned[i + 4 :])
    assert out.read_bytes()[at : at + len(mangle)] == mangle  # where the test means it
    read_reason = read_edoc(out, spool_dir=tmp_path).attachments[0].broken
    assert read_reason is not None
    assert read_reason.startswith("attachment content is not valid")
    result = verify(out, trust=trust, spool_dir=tmp_path)
    assert isinstance(result.package, edoc.EdocPackage)
    assert result.package.attachments[0].broken == read_reason


def _b64_start(data: bytes) -> int:
    return data.index(b'">', data.index(b"ContentTransferEncoded xmlns")) + 2
