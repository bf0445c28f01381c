"""Signing while writing, checked by independent verifiers: xmlsec1 and signxml."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import attrs
import pytest
import signxml
from lxml import etree

import edoc
from conftest import make_package, read_edoc
from edoc.signing import (
    KeyLoadError,
    SignatureMethod,
    SigningError,
    SigningPolicy,
    load_pem,
    load_pkcs12,
    sign,
    sign_package,
)

DSIG = "http://www.w3.org/2000/09/xmldsig#"
XMLSEC1 = shutil.which("xmlsec1")


def _xmlsec1_verify(path: Path, ca: Path) -> subprocess.CompletedProcess[str]:
    assert XMLSEC1 is not None
    return subprocess.run(
        [XMLSEC1, "--verify", "--trusted-pem", str(ca), str(path)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def _signxml_verify(data: bytes, ca: Path) -> signxml.VerifyResult:
    config = signxml.SignatureConfiguration(
        signature_methods=frozenset(signxml.algorithms.SignatureMethod), require_x509=True
    )
    result = signxml.XMLVerifier().verify(data, ca_pem_file=str(ca), expect_config=config)
    assert not isinstance(result, list)
    return result


def _package() -> edoc.EdocPackage:
    return make_package(**{
        "qd.pdf": b"%PDF-1.4 " + bytes(range(256)) * 40,
        "a & b <x>.txt": "Quyết định\r\n".encode(),
    })  # fmt: skip


CASES = [
    ("rsa2048", "default", SignatureMethod.RSA_SHA256),
    ("rsa2048", "tt15-2025", SignatureMethod.RSA_PSS_SHA256),
    ("ec256", "default", SignatureMethod.ECDSA_SHA256),
    ("ec256", "tt15-2025", SignatureMethod.ECDSA_SHA256),
    ("ec384", "default", SignatureMethod.ECDSA_SHA384),
    ("ec384", "tt15-2025", SignatureMethod.ECDSA_SHA384),
]


@pytest.mark.parametrize(("label", "policy", "method"), CASES)
def test_signed_package_verifies_with_signxml(pki: Path, tmp_path: Path, label: str, policy: str,
                                               method: SignatureMethod) -> None:  # fmt: skip
    out = tmp_path / "signed.edxml"
    sign_package(_package(), out, key=load_pem(pki / f"{label}.pem"), policy=policy)
    root = etree.parse(str(out)).getroot()
    (sig,) = root.iter(f"{{{DSIG}}}Signature")
    header = sig.getparent()
    assert etree.QName(header).localname == "edXMLHeader"
    assert header[-1] is sig, "the Signature is the last child of edXMLHeader"  # type: ignore[index]
    assert (
        sig.find(f"{{{DSIG}}}SignedInfo/{{{DSIG}}}SignatureMethod").get("Algorithm") == method.value  # type: ignore[union-attr]
    )
    result = _signxml_verify(out.read_bytes(), pki / "ca.pem")
    assert etree.QName(result.signed_xml).localname == "edXML"


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 is not installed (Debian package xmlsec1)")
@pytest.mark.parametrize(("label", "policy", "method"), CASES)
def test_signed_package_verifies_with_xmlsec1(pki: Path, tmp_path: Path, label: str, policy: str,
                                              method: SignatureMethod) -> None:  # fmt: skip
    if method.family == "rsa-pss":
        version = subprocess.run([XMLSEC1, "--version"], capture_output=True, text=True).stdout  # type: ignore[list-item]
        if version.startswith("xmlsec1 1.2"):
            pytest.skip(
                f"{version.strip()} has no RSA-PSS (added in xmlsec 1.3); signxml checks it"
            )
    out = tmp_path / "signed.edxml"
    sign_package(_package(), out, key=load_pem(pki / f"{label}.pem"), policy=policy)
    r = _xmlsec1_verify(out, pki / "ca.pem")
    assert r.returncode == 0, r.stderr
    assert "SignedInfo References (ok/all): 1/1" in r.stderr


def _tamper(data: bytes, how: str) -> bytes:
    if how == "attachment-byte":
        i = data.index(b"JVBERi0xLjQg") + 20
        swapped = b"B" if data[i : i + 1] != b"B" else b"C"
        return data[:i] + swapped + data[i + 1 :]
    if how == "subject":
        return data.replace(b"<edXML:Subject>V/v", b"<edXML:Subject>V/V", 1)
    if how == "duplicate-to":
        start = data.index(b"        <edXML:To>")
        end = data.index(b"</edXML:To>\n", start) + len(b"</edXML:To>\n")
        return data[:end] + data[start:end] + data[end:]
    if how == "added-element":
        return data.replace(
            b"<edXML:Subject>", b"<edXML:Content>x</edXML:Content><edXML:Subject>", 1
        )
    if how == "moved-signature":
        start = data.index(b"<Signature ")
        end = data.index(b"</Signature>") + len(b"</Signature>")
        sig = data[start:end]
        data = data[:start] + data[end:]
        return data.replace(b"  </AttachmentEncoded>", b"  " + sig + b"\n  </AttachmentEncoded>")
    raise AssertionError(how)


TAMPERING = ["attachment-byte", "subject", "duplicate-to", "added-element", "moved-signature"]


@pytest.mark.parametrize("how", TAMPERING)
def test_tampering_breaks_the_signature_for_both_peers(pki: Path, tmp_path: Path, how: str) -> None:
    good = tmp_path / "good.edxml"
    sign_package(_package(), good, key=load_pem(pki / "rsa2048.pem"))
    bad = tmp_path / "bad.edxml"
    bad.write_bytes(_tamper(good.read_bytes(), how))
    assert bad.read_bytes() != good.read_bytes()
    with pytest.raises(signxml.exceptions.InvalidSignature):
        _signxml_verify(bad.read_bytes(), pki / "ca.pem")
    if XMLSEC1 is not None and how != "moved-signature":  # xmlsec1 finds a moved one too
        assert _xmlsec1_verify(bad, pki / "ca.pem").returncode != 0


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 is not installed (Debian package xmlsec1)")
def test_large_attachment_signs_in_one_pass_and_verifies(pki: Path, tmp_path: Path) -> None:
    blob = tmp_path / "big.bin"
    blob.write_bytes(bytes(range(256)) * (40 * 1024) + b"tail")  # ~10 MiB: several chunks
    pkg = attrs.evolve(_package(), attachments=[edoc.Attachment.from_path(blob)])
    out = tmp_path / "big.edxml"
    result = sign_package(pkg, out, key=load_pem(pki / "ec256.pem"))
    import hashlib

    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    r = _xmlsec1_verify(out, pki / "ca.pem")
    assert r.returncode == 0, r.stderr
    got = read_edoc(out, spool_dir=tmp_path)
    assert got.signature is not None
    assert got.signature.namespace == DSIG
    assert got.deviations == ()
    with got.attachments[0].open() as fh:
        assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(blob.read_bytes()).digest()


def test_sign_an_existing_file_and_it_still_validates(pki: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.edxml"
    edoc.write(make_package(**{"qd.pdf": b"%PDF-1.4 body"}), draft)
    signed = tmp_path / "signed.edxml"
    sign(draft, signed, key=load_pkcs12(pki / "ec256.p12", password="mat-khau-bi-mat"))
    _signxml_verify(signed.read_bytes(), pki / "ca.pem")
    from edoc.validation import validate

    report = validate(signed, profile="strict", require_signature=True,
                                      now=dt.datetime(2026, 1, 1, tzinfo=edoc.VN_TZ))  # fmt: skip
    assert report.findings == ()


def test_signing_to_streams(pki: Path) -> None:
    buf = io.BytesIO()
    sign_package(_package(), buf, key=load_pem(pki / "rsa2048.pem"))
    _signxml_verify(buf.getvalue(), pki / "ca.pem")

    class OneWay(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, b: object) -> int:
            return len(b)  # type: ignore[arg-type]

    with pytest.raises(edoc.errors.InputError, match="seekable"):
        sign_package(_package(), OneWay(), key=load_pem(pki / "rsa2048.pem"))  # type: ignore[arg-type]


def test_policy_refuses_weak_keys_and_names_the_rule(pki: Path, tmp_path: Path) -> None:
    with pytest.raises(SigningError, match="2048 bits or more; this key has 1024"):
        sign_package(_package(), tmp_path / "x.edxml", key=load_pem(pki / "rsa1024.pem"))
    assert not (tmp_path / "x.edxml").exists()
    only = frozenset({SignatureMethod.RSA_SHA512})
    strong = SigningPolicy(name="rsa-sha512", signature_methods=only,
                           preferred=(SignatureMethod.RSA_SHA512,))  # fmt: skip
    sign_package(_package(), tmp_path / "y.edxml", key=load_pem(pki / "rsa2048.pem"), policy=strong)
    assert SignatureMethod.RSA_SHA512.value.encode() in (tmp_path / "y.edxml").read_bytes()
    _signxml_verify((tmp_path / "y.edxml").read_bytes(), pki / "ca.pem")


def test_key_loading_errors_never_echo_the_password(pki: Path) -> None:
    secret = "mat-khau-bi-mat"
    key = load_pem(pki / "rsa2048-enc.pem", password=secret, certificates=pki / "rsa2048.crt")
    assert secret not in repr(key)
    assert "Văn thư rsa2048" in repr(key)
    with pytest.raises(KeyLoadError, match="password is needed"):
        load_pem(pki / "rsa2048-enc.pem")
    for bad in ("Zx9-not-it", b"Qq7-nope"):
        with pytest.raises(KeyLoadError) as info:
            load_pem(pki / "rsa2048-enc.pem", password=bad)
        assert "Zx9" not in str(info.value)
        assert "Qq7" not in str(info.value)
        assert secret not in str(info.value)
        with pytest.raises(KeyLoadError) as info:
            load_pkcs12(pki / "rsa2048.p12", password=bad)
        assert "Zx9" not in str(info.value)
        assert "Qq7" not in str(info.value)
    with pytest.raises(KeyLoadError, match="does not belong"):
        load_pem(pki / "rsa2048-enc.pem", password=secret, certificates=pki / "ec256.crt")
    with pytest.raises(KeyLoadError, match="cannot read"):
        load_pem(pki / "missing.pem")


def test_sign_command_with_password_file(pki: Path, tmp_path: Path) -> None:
    import sys

    draft = tmp_path / "draft.edxml"
    edoc.write(make_package(**{"qd.pdf": b"%PDF-1.4"}), draft)
    pw = tmp_path / "pw.txt"
    pw.write_text("mat-khau-bi-mat\n")
    out = tmp_path / "signed.edxml"
    args = [sys.executable, "-m", "edoc", "sign", str(draft), "-o", str(out)]
    cmd = [*args, "--key", str(pki / "rsa2048.p12"), "--password-file", str(pw)]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
    assert r.returncode == 0, r.stderr
    _signxml_verify(out.read_bytes(), pki / "ca.pem")
    pw.write_text("Zx9-not-it")
    r = subprocess.run([*cmd, "--force"], capture_output=True, text=True, check=False, timeout=60)
    assert r.returncode == 1
    assert "password is wrong" in r.stderr
    assert "Zx9" not in r.stderr + r.stdout
