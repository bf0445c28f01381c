"""Export the hostile corpus (tests/hostile) into the conformance kit's snapshot,
``src/edoc/conformance/corpus.zip``, which ships in the wheel.

Run it after the corpus changes (``tests/conformance/test_corpus_snapshot.py`` fails when a
case in the snapshot no longer matches the corpus)::

    .venv/bin/python tests/conformance/export_corpus.py

Each package case (``read``, ``validate``, ``verify``) whose input is bytes becomes one
vector; its expected outcome is the corpus's own (refused, flagged, accepted). Left out:
cases that need the shared vectors, custom limits or the legacy verification policy, slow
or streamed inputs, and signed cases whose outcome would change with the calendar (a
certificate not yet valid, or an accepted case whose certificate expires within 5 years).
Certificates are made valid for 20 years, so the snapshot does not rot.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import sys
import tempfile
import zipfile
import zlib
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests")]

from edoc.conformance._corpus import CORPUS_FORMAT, SNAPSHOT  # noqa: E402
from edoc.errors import ForbiddenXMLError, LimitExceededError  # noqa: E402
from hostile import _build  # noqa: E402
from hostile._case import Accepted, Case, Flagged, Refused  # noqa: E402
from hostile.corpus import CASES  # noqa: E402

_YEARS = 20
_MAX_BYTES = 32 << 20
_MAX_COMPRESSED = 256 << 10
"""The snapshot ships in the wheel: inputs that do not compress are left to the corpus."""
_RULE_OF_ERROR = {ForbiddenXMLError: "EDX-XML-001", LimitExceededError: "EDX-XML-002"}
# Flagged cases whose package breaks an error rule besides the warning the corpus checks:
# a product rejects them (the corpus says only which finding must be there).
_ALSO_INVALID = {
    "F3-cid-prefix-dropped": "EDX-ATT-001",  # the manifest keeps cid:1, the attachment says 1
    "P10-fuzz-brace-in-namespace": "EDX-ATT-001",  # the fuzzed manifest names no attachment
}


def _long_pki(d: Path) -> Path:
    """tests/pki.py's files (ca.pem, LABEL.pem, LABEL.crt), valid for 20 years."""
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def cert(cn: str, public: Any, ca: bool) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, cn or "x")])
        issuer = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "edoc corpus test CA")])
        usage = dict.fromkeys(["digital_signature", "content_commitment", "key_encipherment",
                               "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
                               "encipher_only", "decipher_only"], False)  # fmt: skip
        usage.update(key_cert_sign=ca, crl_sign=ca, digital_signature=not ca,
                     content_commitment=not ca)  # fmt: skip
        return (
            x509.CertificateBuilder().subject_name(name if not ca else issuer)
            .issuer_name(issuer).public_key(public).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365 * _YEARS))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(**usage), critical=True)
            .sign(ca_key, hashes.SHA256())
        )  # fmt: skip

    (d / "ca.pem").write_bytes(cert("", ca_key.public_key(), True).public_bytes(
        serialization.Encoding.PEM))  # fmt: skip
    keys: dict[str, Any] = {
        "rsa2048": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "rsa1024": rsa.generate_private_key(public_exponent=65537, key_size=1024),
        "ec256": ec.generate_private_key(ec.SECP256R1()),
        "ec384": ec.generate_private_key(ec.SECP384R1()),
    }
    for label, key in keys.items():
        c = cert(f"Văn thư {label}", key.public_key(), False).public_bytes(
            serialization.Encoding.PEM)  # fmt: skip
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
        (d / f"{label}.pem").write_bytes(pem + c)
        (d / f"{label}.crt").write_bytes(c)
    return d


class _LongCtx(_build.Ctx):
    @cached_property
    def own_ca(self) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        days = (-4000, 365 * _YEARS)
        return k, _build.certificate("edoc corpus CA", k.public_key(), k, ca=True, days=days)


def _certificates(data: bytes) -> list[x509.Certificate]:
    out = []
    for m in re.finditer(rb"<(?:\w+:)?X509Certificate>([^<]+)<", data):
        try:
            out.append(x509.load_der_x509_certificate(base64.b64decode(m.group(1))))
        except Exception:  # a mangled certificate (the fuzz cases) holds no validity dates
            continue
    return out


def _stable(case: Case, data: bytes) -> bool:
    """True when the case's outcome does not depend on the date it is run."""
    now = dt.datetime.now(dt.UTC)
    for cert in _certificates(data):
        if cert.not_valid_before_utc > now:
            return False
        soon = cert.not_valid_after_utc < now + dt.timedelta(days=365 * 5)
        if isinstance(case.expect, Accepted) and soon:
            return False
    return True


def _entry(case: Case, trust: str | None) -> dict[str, Any]:
    expect = case.expect
    entry: dict[str, Any] = {
        "name": case.name, "class": case.id, "variant": case.variant,
        "description": case.description, "op": case.op, "trust": trust,
        "file": f"cases/{case.name}.edxml",
    }  # fmt: skip
    if isinstance(expect, Refused):
        entry.update(outcome="refused", error=expect.error.__name__,
                     rule=_RULE_OF_ERROR.get(expect.error))  # fmt: skip
    elif isinstance(expect, Flagged) and case.name in _ALSO_INVALID:
        entry.update(outcome="flagged", rule=_ALSO_INVALID[case.name], severity="error")
    elif isinstance(expect, Flagged):
        entry.update(outcome="flagged", rule=expect.rule, severity=expect.severity)
    else:
        entry.update(outcome="accepted", why=expect.why)
    return entry


def export(target: Path = SNAPSHOT) -> tuple[int, dict[str, str]]:
    """Write the snapshot; returns how many cases went in and why the others did not."""
    left: dict[str, str] = {}
    _build.certificate.__kwdefaults__["days"] = (-1, 365 * _YEARS)  # type: ignore[index]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pki").mkdir()
        pki = _long_pki(root / "pki")
        canary = _build.Canary()
        try:
            ctx = _LongCtx(pki=pki, canary=canary, root=root, work=root)
            ctx.vectors = None  # type: ignore[attr-defined]
            entries, files = [], {}
            for case in CASES:
                why = _excluded(case)
                if why is None:
                    made = case.make(ctx)
                    extra = made[1] if isinstance(made, tuple) else None
                    data = made[0] if isinstance(made, tuple) else made
                    why = _excluded_input(case, data, extra)
                if why is not None:
                    left[case.name] = why
                    continue
                trust = ("own" if extra == "own" else "corpus") if case.op == "verify" else None
                entries.append(_entry(case, trust))
                files[entries[-1]["file"]] = data
            index = {"format": CORPUS_FORMAT, "cases": entries, "left_out": left}
            tmp_zip = target.with_suffix(".zip.part")
            with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("index.json", json.dumps(index, ensure_ascii=False, indent=1))
                z.writestr("ca/corpus.pem", (pki / "ca.pem").read_bytes())
                z.writestr("ca/own.pem", ctx.own_ca[1].public_bytes(serialization.Encoding.PEM))
                for name, data in files.items():
                    z.writestr(name, data)
            tmp_zip.replace(target)
        finally:
            canary.close()
    return len(entries), left


def _excluded(case: Case) -> str | None:
    if case.op not in ("read", "validate", "verify"):
        return f"op {case.op} is not a package a product is given"
    if case.slow:
        return "slow"
    if "vectors" in case.needs:
        return "needs the shared vectors"
    return None


def _excluded_input(case: Case, data: Any, extra: Any) -> str | None:
    if not isinstance(data, bytes):
        return "a streamed input"
    if extra not in (None, "own"):
        return f"needs {type(extra).__name__ if not isinstance(extra, str) else extra!r}"
    if len(data) > _MAX_BYTES or len(zlib.compress(data, 6)) > _MAX_COMPRESSED:
        return f"{len(data)} bytes, {len(zlib.compress(data, 6))} compressed"
    if case.op == "verify" and not _stable(case, data):
        return "its outcome depends on the date (certificate validity)"
    return None


def main() -> None:
    count, left = export()
    print(f"{SNAPSHOT.relative_to(ROOT)}: {count} cases ({SNAPSHOT.stat().st_size} bytes)")
    for name, why in left.items():
        print(f"  left out {name}: {why}")


if __name__ == "__main__":
    main()
