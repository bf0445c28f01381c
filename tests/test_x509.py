"""One certificate loader for the verifier, the validation rules and `edoc send`'s check:
a certificate cryptography cannot represent is a placeholder everywhere, never a raw
cryptography exception (issue 20: an X.509 version 10 made `edoc validate` exit 70)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

import edoc
from conftest import make_package
from edoc._x509 import load_certificate, load_certificate_b64
from edoc.errors import InvalidSignatureError
from edoc.signing import load_pem, sign_package
from edoc.signing.trust import TrustStore
from edoc.validation import validate

# The first bytes of tbsCertificate: SEQUENCE, then [0] EXPLICIT INTEGER 2 (X.509 v3).
V3 = bytes.fromhex("a003020102")
V10 = bytes.fromhex("a003020109")  # INTEGER 9: "version 10", which cryptography refuses


def _der(pki: Path) -> bytes:
    cert = x509.load_pem_x509_certificate((pki / "rsa2048.crt").read_bytes())
    return cert.public_bytes(serialization.Encoding.DER)


def test_the_loader_reads_a_good_certificate_and_refuses_version_10(pki: Path) -> None:
    der = _der(pki)
    assert der.count(V3) == 1
    assert load_certificate(der) is not None
    with pytest.raises(x509.InvalidVersion):  # what cryptography itself does
        x509.load_der_x509_certificate(der.replace(V3, V10)).subject  # noqa: B018
    assert load_certificate(der.replace(V3, V10)) is None
    assert load_certificate_b64(base64.b64encode(der).decode()) is not None
    assert load_certificate_b64("not base64 at all!") is None
    assert load_certificate(b"\x30\x03\x02\x01\x00") is None


def test_validate_and_verify_agree_on_a_version_10_certificate(pki: Path, tmp_path: Path) -> None:
    signed = tmp_path / "signed.edxml"
    key = load_pem(pki / "rsa2048.pem")
    sign_package(make_package(**{"qd.pdf": b"%PDF-1.4 x"}), signed, key=key)
    data = signed.read_bytes()
    good = base64.b64encode(_der(pki)).decode()
    text = data.decode()
    # the certificate as the signer wrote it (the writer may fold it over lines)
    m = re.search(r"<(?:\w+:)?X509Certificate>([^<]+)<", text)
    assert m is not None
    assert "".join(m.group(1).split()) == good
    bad = base64.b64encode(_der(pki).replace(V3, V10)).decode()
    tampered = tmp_path / "v10.edxml"
    tampered.write_text(text.replace(m.group(1), bad), encoding="utf-8")

    report = validate(tampered)
    sig = [f for f in report.findings if f.rule == "EDX-SIG-002"]
    assert len(sig) == 1
    assert "is not a certificate" in sig[0].message
    with pytest.raises(InvalidSignatureError) as info:
        edoc.verify(tampered, trust=TrustStore.from_pem(pki / "ca.pem"))
    assert info.value.reason == "placeholder-certificate"
