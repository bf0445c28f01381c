"""A SoftHSM2 token set up per run: keys generated on the token, certificates beside them.

Used by tests/test_pkcs11.py and benchmarks/bench_token.py. Tokens are initialised with
``softhsm2-util`` (python-pkcs11 has no C_InitToken); keys are generated and certificates
imported through python-pkcs11. SoftHSM2 reads its configuration once, when the module is
initialised, so every token must exist before this process first loads the module.

tests/pki.py keeps no CA key, so the CA that issues the token certificates is made here
with the same profile (pki._cert).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pki import _cert

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
)
USER_PIN = "24681357"
SO_PIN = "13572468"
# CKA_OS_TOKENFLAGS (CKA_VENDOR_DEFINED + "SH" + 3) as SoftHSM2's file store writes it:
# type, then kind 2 (an unsigned long), each as 8 big-endian bytes; the value follows.
_TOKENFLAGS = bytes.fromhex("000000008000534b0000000000000002")
CKF_USER_PIN_LOCKED = 0x00040000


def find_softhsm() -> tuple[str | None, str | None]:
    """(module path, softhsm2-util path), each None when absent."""
    candidates = (os.environ.get("SOFTHSM2_MODULE", ""), *MODULE_CANDIDATES)
    module = next((p for p in candidates if p and Path(p).is_file()), None)
    return module, shutil.which("softhsm2-util")


def write_conf(path: Path, tokendir: Path, *, mechanisms: str | None = None) -> Path:
    """A softhsm2.conf for ``tokendir``; ``mechanisms``: SoftHSM2's ``slots.mechanisms``
    (a list of the mechanisms the slots offer)."""
    lines = [
        f"directories.tokendir = {tokendir}",
        "objectstore.backend = file",
        "log.level = ERROR",
        "slots.removable = false",
    ]
    if mechanisms is not None:
        lines.append(f"slots.mechanisms = {mechanisms}")
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class KeySpec:
    label: str
    kind: str
    """``rsa2048``, ``ec256`` or ``ec384``."""
    key_id: bytes
    sign: bool = True
    certificate: bool = True
    always_authenticate: bool = False


@dataclass
class SoftHsm:
    module: str
    conf: Path
    tokendir: Path
    ca_pem: Path
    certificates: dict[str, x509.Certificate] = field(default_factory=dict)
    file_keys: dict[str, Path] = field(default_factory=dict)
    """label -> PEM file of a key of the same kind (not the token's: it never leaves)."""


def init_tokens(util: str, conf: Path, labels: Iterable[str]) -> dict[str, Path]:
    """Initialise one token per label; label -> its folder in the token dir."""
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    tokendir = Path(
        next(
            line.split("=", 1)[1].strip()
            for line in conf.read_text().splitlines()
            if line.startswith("directories.tokendir")
        )
    )
    folders: dict[str, Path] = {}
    for label in labels:
        before = set(tokendir.iterdir())
        subprocess.run(
            [util, "--init-token", "--free", "--label", label, "--pin", USER_PIN,
             "--so-pin", SO_PIN],
            env=env, check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        (folders[label],) = set(tokendir.iterdir()) - before
    return folders


def plant_locked_flag(token_folder: Path) -> bool:
    """Set CKF_USER_PIN_LOCKED in a SoftHSM2 token file (SoftHSM2 never locks a PIN by
    itself). False if the file is not laid out as expected."""
    path = token_folder / "token.object"
    data = bytearray(path.read_bytes())
    at = data.find(_TOKENFLAGS)
    if at < 0:
        return False
    start = at + len(_TOKENFLAGS)
    flags = int.from_bytes(data[start : start + 8], "big") | CKF_USER_PIN_LOCKED
    data[start : start + 8] = flags.to_bytes(8, "big")
    path.write_bytes(bytes(data))
    return True


def make_ca(d: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _cert("edoc test CA", ca_key.public_key(), ca_key, ca=True)
    (d / "token-ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return ca_key, ca


def provision(module: str, label: str, keys: Iterable[KeySpec], ca_key: rsa.RSAPrivateKey,
              d: Path) -> dict[str, x509.Certificate]:  # fmt: skip
    """Generate ``keys`` on token ``label`` and import a CA-issued certificate for each
    (same CKA_ID and label). label -> certificate."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_named_curve_parameters

    token = pkcs11.lib(module).get_token(token_label=label)
    certs: dict[str, x509.Certificate] = {}
    with token.open(rw=True, user_pin=USER_PIN) as session:
        for spec in keys:
            private: dict[Attribute, object] = {
                Attribute.SIGN: spec.sign,
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
            }
            if spec.always_authenticate:
                private[Attribute.ALWAYS_AUTHENTICATE] = True
            common: dict[str, Any] = {"store": True, "label": spec.label, "id": spec.key_id,
                                      "private_template": private}  # fmt: skip
            if spec.kind.startswith("rsa"):
                pub, _ = session.generate_keypair(KeyType.RSA, int(spec.kind[3:]), **common)
                public_key: object = rsa.RSAPublicNumbers(
                    int.from_bytes(pub[Attribute.PUBLIC_EXPONENT], "big"),
                    int.from_bytes(pub[Attribute.MODULUS], "big"),
                ).public_key()
            else:
                curve = {"ec256": ec.SECP256R1(), "ec384": ec.SECP384R1()}[spec.kind]
                params = session.create_domain_parameters(
                    KeyType.EC,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters(curve.name)},
                    local=True,
                )
                pub, _ = params.generate_keypair(**common)
                point = bytes(pub[Attribute.EC_POINT])
                point = point[2:] if point[0] == 0x04 and point[1] == len(point) - 2 else point
                public_key = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
            cert = _cert(f"Văn thư token {spec.label}", public_key, ca_key, ca=False)
            certs[spec.label] = cert
            (d / f"{spec.label}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            if spec.certificate:
                session.create_object({
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.ID: spec.key_id,
                    Attribute.LABEL: spec.label,
                    Attribute.SUBJECT: cert.subject.public_bytes(),
                    Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                })  # fmt: skip
    return certs


def file_key_like(kind: str, ca_key: rsa.RSAPrivateKey, d: Path, name: str) -> Path:
    """A PEM key file (with its certificate) of the same kind as a token key."""
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
        if kind.startswith("rsa")
        else ec.generate_private_key({"ec256": ec.SECP256R1(), "ec384": ec.SECP384R1()}[kind])
    )
    cert = _cert(f"Văn thư file {name}", key.public_key(), ca_key, ca=False)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = d / f"{name}.pem"
    path.write_bytes(pem + cert.public_bytes(serialization.Encoding.PEM))
    return path


def make_softhsm(d: Path, tokens: Mapping[str, Iterable[KeySpec]], *, locked: Iterable[str] = (),
                 ) -> SoftHsm:  # fmt: skip
    """Tokens in a fresh SoftHSM2 token dir under ``d``, their keys and certificates.

    Sets ``SOFTHSM2_CONF`` in this process's environment (SoftHSM2 reads it when the
    module is first initialised); ``locked`` tokens get CKF_USER_PIN_LOCKED planted.
    """
    module, util = find_softhsm()
    assert module is not None
    assert util is not None
    tokendir = d / "tokens"
    tokendir.mkdir()
    conf = write_conf(d / "softhsm2.conf", tokendir)
    os.environ["SOFTHSM2_CONF"] = str(conf)
    folders = init_tokens(util, conf, [*tokens, *locked])
    for label in locked:
        if not plant_locked_flag(folders[label]):
            raise RuntimeError("the SoftHSM2 token file does not hold CKA_OS_TOKENFLAGS")
    ca_key, _ = make_ca(d)
    hsm = SoftHsm(module=module, conf=conf, tokendir=tokendir, ca_pem=d / "token-ca.pem")
    for label, specs in tokens.items():
        specs = list(specs)
        hsm.certificates.update(provision(module, label, specs, ca_key, d))
        for spec in specs:
            hsm.file_keys[spec.label] = file_key_like(spec.kind, ca_key, d, f"file-{spec.label}")
    return hsm
