"""A PKI generated per test run: a CA and agency signers (RSA 2048/1024, EC P-256/P-384)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _cert(
    subject: str, public_key: object, ca_key: rsa.RSAPrivateKey, *, ca: bool
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    usage = dict.fromkeys(
        ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"], False,
    )  # fmt: skip
    usage.update(
        {
            "key_cert_sign": ca,
            "crl_sign": ca,
            "digital_signature": not ca,
            "content_commitment": not ca,
        }
    )
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name("edoc test CA"))
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .sign(ca_key, hashes.SHA256())
    )


def make_pki(d: Path) -> Path:
    """A CA and agency signers generated for this run: rsa2048, rsa1024, ec256, ec384."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _cert("edoc test CA", ca_key.public_key(), ca_key, ca=True)
    (d / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    keys: dict[str, object] = {
        "rsa2048": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "rsa1024": rsa.generate_private_key(public_exponent=65537, key_size=1024),
        "ec256": ec.generate_private_key(ec.SECP256R1()),
        "ec384": ec.generate_private_key(ec.SECP384R1()),
    }
    for label, key in keys.items():
        cert = _cert(f"Văn thư {label}", key.public_key(), ca_key, ca=False)  # type: ignore[attr-defined]
        pem = key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (d / f"{label}.pem").write_bytes(pem + cert.public_bytes(serialization.Encoding.PEM))
        enc = key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"mat-khau-bi-mat"),
        )  # fmt: skip
        (d / f"{label}-enc.pem").write_bytes(enc)
        (d / f"{label}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        p12 = pkcs12.serialize_key_and_certificates(
            b"agency", key, cert, [ca],  # type: ignore[arg-type]
            serialization.BestAvailableEncryption(b"mat-khau-bi-mat"),
        )  # fmt: skip
        (d / f"{label}.p12").write_bytes(p12)
    return d
