# ruff: noqa: E501  (tables of hostile shapes read best one per line)
"""XAdES-BES/EPES/T: checked by xmlsec1, signxml, openssl ts and a second SignedProperties
digest written here from the XAdES specification; a real TSA (openssl ts) on loopback."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import signxml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import edoc
import edoc.signing.xades as xades_mod
from conftest import make_package
from edoc.errors import (
    DigestMismatchError,
    EdocError,
    InputError,
    InvalidSignatureError,
    SignatureProfileError,
)
from edoc.signing import load_pem, sign, sign_package
from edoc.signing.timestamp import TimeStampAuthority, TimeStampError, verify_token
from edoc.signing.trust import TrustStore
from edoc.signing.verifier import verify
from edoc.signing.xades import SignaturePolicyId, XadesError
from tsa import POLICY, TsaServer, make_tsa, start_tsa

DS = "http://www.w3.org/2000/09/xmldsig#"
XA = "http://uri.etsi.org/01903/v1.3.2#"
SP_TYPE = "http://uri.etsi.org/01903#SignedProperties"
XMLSEC1 = shutil.which("xmlsec1")
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


def _package() -> edoc.EdocPackage:
    return make_package(**{"qd.pdf": b"%PDF-1.4 " + bytes(range(256)) * 40})


@pytest.fixture(scope="module")
def tsa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TsaServer]:
    if OPENSSL is None:
        pytest.skip("openssl is not installed (the TSA peer is `openssl ts -reply`)")
    server = start_tsa(make_tsa(tmp_path_factory.mktemp("tsa")))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def tsa(tsa_server: TsaServer) -> Iterator[TimeStampAuthority]:
    tsa_server.mode = "ok"
    host, port = tsa_server.server_address[:2]
    yield TimeStampAuthority(url=f"http://{host!s}:{port}/tsa", timeout=5)
    tsa_server.mode = "ok"


@pytest.fixture
def trust(pki: Path) -> TrustStore:
    return TrustStore.from_pem(pki / "ca.pem")


def _policy() -> SignaturePolicyId:
    return SignaturePolicyId.from_document(
        "1.2.704.1.2.3",
        b"Chinh sach chu ky so",
        uri="https://example.gov.vn/policy.pdf?a=1&b=2",
        description="Chính sách chữ ký số <2025>",
    )


def _sign(pki: Path, out: Path, level: str, *, label: str = "rsa2048", **kw: object) -> Path:
    if level == "epes":
        kw.setdefault("signature_policy", _policy())
    sign_package(_package(), out, key=load_pem(pki / f"{label}.pem"), xades=level, **kw)  # type: ignore[arg-type]
    return out


def _signed_properties_digest_by_spec(path: Path) -> tuple[bytes, bytes]:
    """XAdES 6.3.1 / XML-DSig 4.3.3.3: the Reference to ``#Id`` digests the SignedProperties
    element, canonicalised as its Transforms say (exclusive C14N here). lxml + hashlib only."""
    root = etree.parse(str(path)).getroot()
    (ref,) = root.iterfind(f".//{{{DS}}}Reference[@Type='{SP_TYPE}']")
    target = ref.get("URI")
    assert target is not None
    assert target.startswith("#")
    (props,) = [e for e in root.iter(f"{{{XA}}}SignedProperties") if e.get("Id") == target[1:]]
    (transform,) = ref.iterfind(f"{{{DS}}}Transforms/{{{DS}}}Transform")
    exclusive = transform.get("Algorithm") == "http://www.w3.org/2001/10/xml-exc-c14n#"
    if not exclusive:
        assert transform.get("Algorithm") == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    canonical = etree.tostring(props, method="c14n", exclusive=exclusive, with_comments=False)
    algorithm = ref.find(f"{{{DS}}}DigestMethod").get("Algorithm")  # type: ignore[union-attr]
    assert algorithm == "http://www.w3.org/2001/04/xmlenc#sha256"
    value = base64.b64decode(ref.findtext(f"{{{DS}}}DigestValue") or "")
    return hashlib.sha256(canonical).digest(), value


@pytest.mark.parametrize(
    ("label", "level"),
    [("rsa2048", "bes"), ("ec256", "bes"), ("ec384", "epes"), ("rsa2048", "epes")],
)
def test_bes_and_epes_verify_and_the_signed_properties_digest_matches_a_second_implementation(
    pki: Path, tmp_path: Path, trust: TrustStore, label: str, level: str
) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    out = _sign(pki, tmp_path / "x.edxml", level, label=label)
    ours, written = _signed_properties_digest_by_spec(out)
    assert ours == written
    result = verify(out, trust=trust)
    assert result.package == _package()
    assert result.xades is not None
    assert result.xades.level == level.upper()
    assert result.xades.timestamp is None
    assert result.xades.signing_time is not None
    assert before <= result.xades.signing_time <= dt.datetime.now(dt.UTC)
    assert result.xades.policy_id == ("urn:oid:1.2.704.1.2.3" if level == "epes" else None)


def test_inclusive_c14n_of_the_signed_properties_when_the_policy_says_so(
    pki: Path, tmp_path: Path, trust: TrustStore
) -> None:
    import attrs

    from edoc.signing import CanonicalizationMethod, SigningPolicy

    policy = attrs.evolve(SigningPolicy.default(), properties_c14n=CanonicalizationMethod.C14N)
    out = _sign(pki, tmp_path / "x.edxml", "bes", policy=policy)
    assert (
        b'<Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315">'
        in out.read_bytes()
    )
    ours, written = _signed_properties_digest_by_spec(out)
    assert ours == written
    xa = verify(out, trust=trust).xades
    assert xa is not None
    if XMLSEC1 is not None:
        r = subprocess.run([XMLSEC1, "--verify", "--id-attr:Id", f"{XA}:SignedProperties",
                            "--trusted-pem", str(pki / "ca.pem"), str(out)],
                           capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert r.returncode == 0, r.stderr


def test_signing_certificate_v2_is_the_signers_by_spec(pki: Path, tmp_path: Path) -> None:
    """CertDigest = SHA-256 of the signer's DER certificate; IssuerSerialV2 its issuer and
    serial, read back with openssl asn1parse (not edoc's code)."""
    out = _sign(pki, tmp_path / "x.edxml", "bes")
    root = etree.parse(str(out)).getroot()
    cert = load_pem(pki / "rsa2048.pem").certificates[0]
    from cryptography.hazmat.primitives import serialization

    der = cert.public_bytes(serialization.Encoding.DER)
    digest = root.findtext(f".//{{{XA}}}CertDigest/{{{DS}}}DigestValue")
    assert base64.b64decode(digest or "") == hashlib.sha256(der).digest()
    issuer_serial = base64.b64decode(root.findtext(f".//{{{XA}}}IssuerSerialV2") or "")
    if OPENSSL is not None:
        dump = subprocess.run([OPENSSL, "asn1parse", "-inform", "DER"], input=issuer_serial,
                              capture_output=True, check=True).stdout.decode()  # fmt: skip
        assert f"{cert.serial_number:X}" in dump.replace(":", "").upper()
        assert "edoc test CA" in dump


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 is not installed (Debian xmlsec1)")
@pytest.mark.parametrize("level", ["bes", "epes"])
def test_xmlsec1_verifies_both_references(pki: Path, tmp_path: Path, level: str) -> None:
    out = _sign(pki, tmp_path / "x.edxml", level)
    assert XMLSEC1 is not None
    r = subprocess.run([XMLSEC1, "--verify", "--id-attr:Id", f"{XA}:SignedProperties",
                        "--trusted-pem", str(pki / "ca.pem"), str(out)],
                       capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "SignedInfo References (ok/all): 2/2" in r.stderr
    # and it notices a changed SigningTime
    data = out.read_bytes()
    i = data.index(b"<xades:SigningTime>") + len(b"<xades:SigningTime>")
    out.write_bytes(data[:i] + b"1999" + data[i + 4 :])
    r = subprocess.run([XMLSEC1, "--verify", "--id-attr:Id", f"{XA}:SignedProperties",
                        "--trusted-pem", str(pki / "ca.pem"), str(out)],
                       capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert r.returncode != 0


def test_signxml_xades_verifier_accepts_bes(pki: Path, tmp_path: Path) -> None:
    from signxml.xades import XAdESVerifier

    out = _sign(pki, tmp_path / "x.edxml", "bes")
    config = signxml.SignatureConfiguration(require_x509=True, expect_references=2)
    results = XAdESVerifier().verify(
        out.read_bytes(), ca_pem_file=str(pki / "ca.pem"), expect_config=config
    )
    assert isinstance(results, list)
    assert len(results) == 2
    kinds = {etree.QName(r.signed_xml).localname for r in results}
    assert kinds == {"edXML", "SignedProperties"}


def _edit(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data, old
    path.write_bytes(data.replace(old, new, 1))


HOSTILE = {
    "signing-time-changed": (lambda d: d.replace(b"<xades:SigningTime>20", b"<xades:SigningTime>19", 1), DigestMismatchError),
    "properties-reference-retargeted": (lambda d: d.replace(b'URI="#edoc-signed-properties"', b'URI="#other"', 1), InvalidSignatureError),
    "third-reference": (lambda d: d.replace(b"</SignedInfo>", d[d.index(b"<Reference Type="):d.index(b"</SignedInfo>")] + b"</SignedInfo>", 1), SignatureProfileError),
    "second-reference-not-typed": (lambda d: d.replace(b'<Reference Type="http://uri.etsi.org/01903#SignedProperties"', b"<Reference", 1), SignatureProfileError),
    "duplicate-id-in-package": (lambda d: d.replace(b"<edXML:Subject>", b'<edXML:Subject Id="edoc-signed-properties">', 1), InvalidSignatureError),
    "second-object": (lambda d: d.replace(b"</Signature>", b"<Object></Object></Signature>", 1), SignatureProfileError),
    "foreign-element-in-object": (lambda d: d.replace(b"</Object>", b"<x:y xmlns:x='urn:x'/></Object>", 1), XadesError),
    "target-elsewhere": (lambda d: d.replace(b'Target="#edoc-signature"', b'Target="#someone-else"', 1), XadesError),
    "no-signing-certificate": (lambda d: d[:d.index(b"<xades:SigningCertificateV2>")] + d[d.index(b"</xades:SigningCertificateV2>") + 29:], XadesError),
    "signed-properties-id-changed": (lambda d: d.replace(b'<xades:SignedProperties Id="edoc-signed-properties">', b'<xades:SignedProperties Id="moved">', 1), InvalidSignatureError),
}  # fmt: skip


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_hostile_xades_shapes_are_refused_with_a_reason(
    pki: Path, tmp_path: Path, trust: TrustStore, shape: str
) -> None:
    out = _sign(pki, tmp_path / "x.edxml", "epes")
    change, error = HOSTILE[shape]
    data = change(out.read_bytes())  # type: ignore[no-untyped-call]
    assert data != out.read_bytes()
    out.write_bytes(data)
    with pytest.raises(error) as info:
        verify(out, trust=trust)
    assert info.value.reason


def test_signing_certificate_naming_another_certificate_is_refused(
    pki: Path, tmp_path: Path, trust: TrustStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = load_pem(pki / "ec256.pem").certificates[0]
    real = xades_mod.signed_properties
    monkeypatch.setattr(xades_mod, "signed_properties", lambda _signer, *a: real(other, *a))
    out = _sign(pki, tmp_path / "x.edxml", "bes")
    with pytest.raises(XadesError, match="SigningCertificateV2") as info:
        verify(out, trust=trust)
    assert info.value.reason == "xades-signing-certificate"


def test_api_misuse_is_an_input_error(pki: Path, tmp_path: Path) -> None:
    key = load_pem(pki / "rsa2048.pem")
    with pytest.raises(InputError, match="signature_policy"):
        sign_package(_package(), tmp_path / "x", key=key, xades="epes")
    with pytest.raises(InputError, match="tsa"):
        sign_package(_package(), tmp_path / "x", key=key, xades="t")
    with pytest.raises(InputError, match="epes"):
        sign_package(_package(), tmp_path / "x", key=key, xades="bes", signature_policy=_policy())
    assert not (tmp_path / "x").exists()


def test_plain_signatures_stay_plain(pki: Path, tmp_path: Path, trust: TrustStore) -> None:
    out = tmp_path / "p.edxml"
    sign_package(_package(), out, key=load_pem(pki / "rsa2048.pem"))
    assert b"QualifyingProperties" not in out.read_bytes()
    assert verify(out, trust=trust).xades is None


# -- XAdES-T ----------------------------------------------------------------------------------
def _token_and_signature_value(path: Path) -> tuple[bytes, bytes]:
    """The EncapsulatedTimeStamp and the exclusive-canonical SignatureValue (lxml)."""
    root = etree.parse(str(path)).getroot()
    token = base64.b64decode(root.findtext(f".//{{{XA}}}EncapsulatedTimeStamp") or "")
    (value,) = root.iter(f"{{{DS}}}SignatureValue")
    return token, etree.tostring(value, method="c14n", exclusive=True, with_comments=False)


@pytest.mark.parametrize("label", ["rsa2048", "ec256"])
def test_xades_t_verifies_and_openssl_ts_accepts_the_token(
    pki: Path,
    tmp_path: Path,
    trust: TrustStore,
    tsa: TimeStampAuthority,
    tsa_server: TsaServer,
    label: str,
) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    out = _sign(pki, tmp_path / "t.edxml", "t", label=label, tsa=tsa)
    result = verify(out, trust=trust)
    assert result.package == _package()
    assert result.xades is not None
    assert result.xades.level == "T"
    stamp = result.xades.timestamp
    assert stamp is not None
    assert before - dt.timedelta(seconds=2) <= stamp.gen_time <= dt.datetime.now(dt.UTC)
    assert stamp.policy_oid == POLICY
    assert stamp.certificates[0].subject.rfc4514_string() == "CN=edoc test TSA"
    token, value = _token_and_signature_value(out)
    (tmp_path / "token.der").write_bytes(token)
    (tmp_path / "value.xml").write_bytes(value)
    assert OPENSSL is not None
    r = subprocess.run(
        [OPENSSL, "ts", "-verify", "-token_in", "-in", str(tmp_path / "token.der"), "-data",
         str(tmp_path / "value.xml"), "-CAfile", str(tsa_server.directory / "tsa-ca.pem")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Verification: OK" in r.stdout
    assert edoc.signing.verifier.verify(out, trust=trust).xades == result.xades  # stable
    # xmlsec1 still verifies the XML-DSig core of an XAdES-T signature
    if XMLSEC1 is not None:
        r = subprocess.run([XMLSEC1, "--verify", "--id-attr:Id", f"{XA}:SignedProperties",
                            "--trusted-pem", str(pki / "ca.pem"), str(out)],
                           capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert r.returncode == 0, r.stderr


def test_an_ecdsa_tsa_with_ess_cert_id_v1(
    pki: Path, tmp_path: Path, trust: TrustStore, tsa: TimeStampAuthority, tsa_server: TsaServer
) -> None:
    tsa_server.mode = "ec"
    out = _sign(pki, tmp_path / "t.edxml", "t", tsa=tsa)
    token, value = _token_and_signature_value(out)
    shape = subprocess.run([OPENSSL or "openssl", "cms", "-cmsout", "-print", "-inform", "DER"],
                           input=token, capture_output=True, check=True).stdout.decode()  # fmt: skip
    assert "ecdsa-with-SHA256" in shape
    assert "id-smime-aa-signingCertificate (" in shape  # ESSCertID v1, not v2
    assert "signingCertificateV2" not in shape
    xa = verify(out, trust=trust).xades
    assert xa is not None
    assert xa.timestamp is not None
    assert xa.timestamp.certificates[0].subject.rfc4514_string() == "CN=edoc test TSA (EC)"
    (tmp_path / "token.der").write_bytes(token)
    (tmp_path / "value.xml").write_bytes(value)
    r = subprocess.run(
        [OPENSSL or "openssl", "ts", "-verify", "-token_in", "-in", str(tmp_path / "token.der"),
         "-data", str(tmp_path / "value.xml"), "-CAfile", str(tsa_server.directory / "tsa-ca.pem")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr


def test_the_reserved_room_adapts_and_the_file_stays_exact(
    pki: Path, tmp_path: Path, trust: TrustStore, tsa: TimeStampAuthority
) -> None:
    """A guess far too small (the writer moves the tail), then far too large (moved back):
    both files verify; after a first answer the TSA's size is learned."""
    for guess in (64, 60000):
        tsa.expected_size = guess
        out = _sign(pki, tmp_path / f"t{guess}.edxml", "t", tsa=tsa)
        data = out.read_bytes()
        assert data.endswith(b"</edXML>\n")
        assert b"  </Signature>" not in data
        result = verify(out, trust=trust)
        assert result.package == _package()
    assert 1000 < tsa.expected_size < 8000
    # now the room fits within a few bytes: padded with spaces inside the Signature
    out = _sign(pki, tmp_path / "learned.edxml", "t", tsa=tsa)
    data = out.read_bytes()
    head = data[: data.index(b"</Signature>")]
    pad = len(head) - len(head.rstrip(b" "))
    assert 0 <= pad <= 512
    assert verify(out, trust=trust).xades is not None


def test_moving_the_tail_of_a_large_package(
    pki: Path, tmp_path: Path, trust: TrustStore, tsa: TimeStampAuthority
) -> None:
    """Attachments over several of the writer's 3 MiB chunks move intact, both ways."""
    body = bytes(range(256)) * (7 * 4096 + 17)  # ~7 MiB
    pkg = make_package(**{"lon.bin": body})
    for guess in (64, 60000):
        tsa.expected_size = guess
        out = tmp_path / f"big{guess}.edxml"
        result = sign_package(pkg, out, key=load_pem(pki / "ec256.pem"), xades="t", tsa=tsa)
        assert result.size == out.stat().st_size
        assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
        verified = verify(out, trust=trust, spool_dir=tmp_path)
        assert isinstance(verified.package, edoc.EdocPackage)
        assert verified.package.attachments[0].read_bytes() == body


def test_a_tampered_token_is_refused(
    pki: Path, tmp_path: Path, trust: TrustStore, tsa: TimeStampAuthority
) -> None:
    out = _sign(pki, tmp_path / "t.edxml", "t", tsa=tsa)
    token, _ = _token_and_signature_value(out)
    bad = bytearray(token)
    bad[-10] ^= 0x01  # inside the TSA's signature
    _edit(out, base64.b64encode(token), base64.b64encode(bytes(bad)))
    with pytest.raises(XadesError, match="does not verify") as info:
        verify(out, trust=trust)
    assert info.value.reason == "timestamp-signature"


def test_a_token_from_another_signature_is_refused(
    pki: Path, tmp_path: Path, trust: TrustStore, tsa: TimeStampAuthority
) -> None:
    # ECDSA: two signatures of the same package differ (RSA PKCS#1 v1.5 within one second would not)
    a = _sign(pki, tmp_path / "a.edxml", "t", tsa=tsa, label="ec256")
    b = _sign(pki, tmp_path / "b.edxml", "t", tsa=tsa, label="ec256")
    token_a, _ = _token_and_signature_value(a)
    token_b, _ = _token_and_signature_value(b)
    _edit(b, base64.b64encode(token_b), base64.b64encode(token_a))
    with pytest.raises(XadesError, match="imprint") as info:
        verify(b, trust=trust)
    assert info.value.reason == "timestamp-imprint"


@pytest.mark.parametrize(("mode", "message"), [("wrong-imprint", "imprint"), ("oversize", "more than"),
                                               ("error", "HTTP 500"), ("rejection", "refused")])  # fmt: skip
def test_a_misbehaving_tsa_fails_signing_and_leaves_no_file(
    pki: Path,
    tmp_path: Path,
    tsa: TimeStampAuthority,
    tsa_server: TsaServer,
    mode: str,
    message: str,
) -> None:
    tsa_server.mode = mode
    out = tmp_path / "t.edxml"
    with pytest.raises(TimeStampError, match=message):
        _sign(pki, out, "t", tsa=tsa)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_tsa_down_is_a_clear_signing_error(pki: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        tsa = TimeStampAuthority(url=f"http://127.0.0.1:{port}/", timeout=2)
        with pytest.raises(TimeStampError, match="cannot reach the TSA"):
            _sign(pki, tmp_path / "t.edxml", "t", tsa=tsa)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TimeStampError, match="http"):
        TimeStampAuthority(url="file:///etc/passwd")
    tsa = TimeStampAuthority(url=f"http://user:mat-khau@127.0.0.1:{port}/tsa", timeout=2)
    with pytest.raises(TimeStampError) as info:
        tsa.stamp(b"x")
    assert "mat-khau" not in str(info.value)
    assert "mat-khau" not in repr(tsa)
    assert f"127.0.0.1:{port}/tsa" in str(info.value)


def test_the_tsa_policy_asked_for(tsa: TimeStampAuthority) -> None:
    tsa.policy_oid = POLICY
    _token, info = tsa.stamp(b"du lieu")
    assert info.policy_oid == POLICY
    tsa.policy_oid = "1.3.6.1.4.1.99999.3161.2"  # not one this TSA serves: openssl refuses
    with pytest.raises(TimeStampError, match="refused"):
        tsa.stamp(b"du lieu")


def test_verify_token_checks_nonce_and_data(tsa: TimeStampAuthority) -> None:
    token, info = tsa.stamp(b"du lieu")
    assert verify_token(token, b"du lieu") == info
    with pytest.raises(InvalidSignatureError, match="imprint"):
        verify_token(token, b"du lieu khac")
    with pytest.raises(InvalidSignatureError, match="nonce"):
        verify_token(token, b"du lieu", nonce=12345)
    with pytest.raises(InvalidSignatureError, match="malformed"):
        verify_token(token[:-40], b"du lieu")
    reasons = set()
    for i in range(0, len(token), 11):  # any damaged byte: an edoc error or a token that holds
        damaged = bytearray(token)
        damaged[i] ^= 0x5A
        try:
            verify_token(bytes(damaged), b"du lieu")
        except InvalidSignatureError as exc:
            reasons.add(exc.reason)
    assert reasons
    assert all(r.startswith("timestamp") for r in reasons), reasons


def test_sign_command_xades_t_through_a_subprocess(
    pki: Path, tmp_path: Path, trust: TrustStore, tsa: TimeStampAuthority
) -> None:
    src = tmp_path / "in.edxml"
    edoc.write(_package(), src)
    policy_doc = tmp_path / "policy.pdf"
    policy_doc.write_bytes(b"chinh sach")
    out = tmp_path / "out.edxml"
    r = subprocess.run(
        [sys.executable, "-m", "edoc", "sign", str(src), "-o", str(out), "--key", str(pki / "rsa2048.pem"),
         "--xades", "t", "--tsa", tsa.url, "--policy-id", "1.2.704.9", "--policy-file", str(policy_doc)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    result = verify(out, trust=trust)
    assert result.xades is not None
    assert (result.xades.level, result.xades.policy_id) == ("T", "urn:oid:1.2.704.9")
    r = subprocess.run(
        [sys.executable, "-m", "edoc", "sign", str(src), "-o", str(tmp_path / "o2.edxml"), "--key",
         str(pki / "rsa2048.pem"), "--xades", "t", "--tsa", "http://127.0.0.1:9/"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert r.returncode == 3, r.stderr  # a signature failure (docs/cli.md)
    assert "cannot reach the TSA" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o2.edxml").exists()
    r = subprocess.run(
        [sys.executable, "-m", "edoc", "sign", str(src), "-o", str(tmp_path / "o3.edxml"), "--key",
         str(pki / "rsa2048.pem"), "--xades", "bes"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    xa = verify(tmp_path / "o3.edxml", trust=trust).xades
    assert xa is not None
    assert xa.level == "BES"


def test_sign_from_a_file_keeps_xades(pki: Path, tmp_path: Path, trust: TrustStore) -> None:
    src = tmp_path / "in.edxml"
    edoc.write(_package(), src)
    sign(
        src,
        tmp_path / "o.edxml",
        key=load_pem(pki / "ec256.pem"),
        xades="epes",
        signature_policy=_policy(),
    )
    xa = verify(tmp_path / "o.edxml", trust=trust).xades
    assert xa is not None
    assert xa.level == "EPES"


_TOKENS = [b"<", b">", b"&", b"=", b'"', b"/", b"\x00", b"\xff", b"<!--", b"-->", b"A", b"+",
           b"<xades:SignatureTimeStamp/>", b' Id="edoc-signed-properties"', b"<Object/>",
           b"</xades:SignedProperties>", b"xmlns:xades='urn:x'"]  # fmt: skip


@st.composite
def _mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "token"]))
        i = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[i] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[i : i + draw(st.integers(1, 16))]
        else:
            data[i:i] = draw(st.sampled_from(_TOKENS))
    return bytes(data)


@pytest.fixture(scope="module")
def xades_t_signed(
    pki: Path, tsa_server: TsaServer, tmp_path_factory: pytest.TempPathFactory
) -> bytes:
    tsa_server.mode = "ok"
    host, port = tsa_server.server_address[:2]
    tsa = TimeStampAuthority(url=f"http://{host!s}:{port}/tsa", timeout=5)
    out = tmp_path_factory.mktemp("fuzz") / "t.edxml"
    sign_package(
        make_package(**{"qd.pdf": b"%PDF-1.4 body"}),
        out,
        key=load_pem(pki / "ec256.pem"),
        xades="t",
        tsa=tsa,
        signature_policy=_policy(),
    )
    return out.read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mutated_xades_signatures_raise_only_edoc_errors(
    xades_t_signed: bytes, pki: Path, data: st.DataObject
) -> None:
    """Mutations aimed at the Signature block (the XAdES part and the token included)."""
    start = xades_t_signed.index(b"<Signature ")
    end = xades_t_signed.index(b"</Signature>") + len(b"</Signature>")
    block = data.draw(_mutated(xades_t_signed[start:end]))
    mutant = xades_t_signed[:start] + block + xades_t_signed[end:]
    try:
        result = verify(mutant, trust=TrustStore.from_pem(pki / "ca.pem"))
    except EdocError:
        return
    assert result.xades is not None  # still verifies: only unsigned bytes changed


# -- with the trust layer (edoc.Verifier) -----------------------------------------------------
def test_verifier_uses_a_trusted_time_stamp_as_the_validation_time(
    pki: Path, tmp_path: Path, tsa: TimeStampAuthority, tsa_server: TsaServer
) -> None:
    out = _sign(pki, tmp_path / "t.edxml", "t", tsa=tsa)
    stamp = verify(out, trust=TrustStore.from_pem(pki / "ca.pem")).xades
    assert stamp is not None
    assert stamp.timestamp is not None
    both = TrustStore.from_pem(pki / "ca.pem", tsa_server.directory / "tsa-ca.pem")
    result = edoc.Verifier(trust=both, revocation="none").verify(out)
    assert result.indication.name == "TOTAL_PASSED", result.report.to_text()
    assert result.report.validation_time_source == "time-stamp", result.report.to_text()
    assert result.report.timestamp_time == stamp.timestamp.gen_time
    assert result.report.claimed_signing_time == stamp.signing_time
    assert result.report.xades_level == "T"
    assert "XAdES:       T" in result.report.to_text()
    assert result.report.to_dict()["xades_level"] == "T"
    # the TSA's root not trusted: validated now; the claimed SigningTime is only reported
    alone = edoc.Verifier(trust=TrustStore.from_pem(pki / "ca.pem"), revocation="none")
    result = alone.verify(out)
    assert result.report.validation_time_source == "now"
    assert result.report.claimed_signing_time == stamp.signing_time
    assert any("time-stamp" in f for f in result.report.findings)


def test_verifier_indications_for_bad_xades(
    pki: Path, tmp_path: Path, trust: TrustStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _sign(pki, tmp_path / "x.edxml", "bes")
    _edit(out, b"<xades:SigningTime>20", b"<xades:SigningTime>19")
    verifier = edoc.Verifier(trust=trust, revocation="none")
    result = verifier.verify(out)
    assert (result.indication.name, result.sub_indication.name) == ("TOTAL_FAILED", "HASH_FAILURE")  # type: ignore[union-attr]
    other = load_pem(pki / "ec256.pem").certificates[0]
    real = xades_mod.signed_properties
    monkeypatch.setattr(xades_mod, "signed_properties", lambda _signer, *a: real(other, *a))
    out = _sign(pki, tmp_path / "y.edxml", "bes")
    result = verifier.verify(out)
    assert (result.indication.name, result.sub_indication.name) == (  # type: ignore[union-attr]
        "INDETERMINATE",
        "NO_SIGNING_CERTIFICATE_FOUND",
    )


def test_a_signing_time_after_the_time_stamp_is_refused(
    pki: Path, tmp_path: Path, trust: TrustStore, tsa: TimeStampAuthority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    real = xades_mod.signed_properties
    ahead = dt.timedelta(minutes=30)  # beyond the 5 minutes of clock skew allowed
    monkeypatch.setattr(
        xades_mod, "signed_properties", lambda s, d, when, p: real(s, d, when + ahead, p)
    )
    out = _sign(pki, tmp_path / "t.edxml", "t", tsa=tsa)
    with pytest.raises(XadesError, match="after the time-stamp") as info:
        verify(out, trust=trust)
    assert info.value.reason == "timestamp-order"
    result = edoc.Verifier(trust=trust, revocation="none").verify(out)
    assert result.sub_indication is not None
    assert (result.indication.name, result.sub_indication.name) == (
        "INDETERMINATE",
        "TIMESTAMP_ORDER_FAILURE",
    )


def test_verifier_report_names_the_epes_policy(
    pki: Path, tmp_path: Path, trust: TrustStore
) -> None:
    out = _sign(pki, tmp_path / "e.edxml", "epes")
    result = edoc.Verifier(trust=trust, revocation="none").verify(out)
    assert result.indication.name == "TOTAL_PASSED", result.report.to_text()
    assert (result.report.xades_level, result.report.signature_policy) == (
        "EPES",
        "urn:oid:1.2.704.1.2.3",
    )
    assert "XAdES:       EPES, policy urn:oid:1.2.704.1.2.3" in result.report.to_text()
    plain = _sign(pki, tmp_path / "p.edxml", None)  # type: ignore[arg-type]
    assert edoc.Verifier(trust=trust, revocation="none").verify(plain).report.xades_level is None
