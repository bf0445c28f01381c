"""The CRL checks' cost and the fetch deadline, each beside a peer in the same run.

    .venv/bin/python benchmarks/bench_crl.py [--sizes 10000,100000] [--repeat N]

1. **CRL use and scope** (RFC 5280 §5.2, §5.3, §6.3.3). For CRLs of each size (entries,
   each with a reasonCode), signed per run by an EC P-256 CA: edoc's one pass over the
   CRL (``edoc.signing._crl.parse_crl``: parse, the CRL's and every entry's critical
   extensions) plus a serial lookup, beside ``openssl crl -inform DER -noout -CAfile`` of
   the same file (parse and signature check, process start included), and the ratio of
   time to the ratio of sizes (linear: near 1).
2. **Fetch deadline.** A loopback server drips its answer one byte every 50 ms (inside any
   per-read timeout): edoc's ``Fetcher(timeout=1)`` beside ``curl --max-time 1`` against
   the same server.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE.parent / "tests")]

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from drip import Dripper  # noqa: E402
from edoc.signing._crl import parse_crl  # noqa: E402
from edoc.signing._fetch import Fetcher, FetchFailed  # noqa: E402


def _ca(d: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edoc bench CRL CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (d / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _crl(key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, n: int) -> bytes:
    now = dt.datetime.now(dt.UTC)
    b = (
        x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
        .last_update(now).next_update(now + dt.timedelta(days=7))
        .add_extension(x509.CRLNumber(n), critical=False)
    )  # fmt: skip
    reason = x509.CRLReason(x509.ReasonFlags.key_compromise)
    for serial in range(1000, 1000 + n):
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now)
            .add_extension(reason, critical=False).build()
        )  # fmt: skip
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _median(f: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def crl_table(sizes: list[int], repeat: int) -> None:
    openssl = shutil.which("openssl")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        key, ca = _ca(d)
        rows = []
        for n in sizes:
            data = _crl(key, ca, n)
            path = d / f"{n}.crl"
            path.write_bytes(data)

            def edoc_pass(data: bytes = data, n: int = n) -> None:
                parsed = parse_crl(data, "bench")
                assert parsed.unusable is None
                assert parsed.crl.get_revoked_certificate_by_serial_number(999 + n) is not None

            ours = _median(edoc_pass, repeat)
            peer = None
            if openssl:
                cmd = [openssl, "crl", "-inform", "DER", "-in", str(path), "-noout", "-CAfile",
                       str(d / "ca.pem")]  # fmt: skip
                peer = _median(lambda cmd=cmd: subprocess.run(cmd, check=True,
                               capture_output=True), repeat)  # fmt: skip
            rows.append((n, len(data), ours, peer))
        print("| entries | CRL bytes | edoc pass ms | openssl crl ms | edoc ÷ openssl |")
        print("|---:|---:|---:|---:|---:|")
        for n, size, ours, peer in rows:
            ratio = f"{ours / peer:.2f}" if peer else "-"
            peer_ms = f"{peer * 1000:.1f}" if peer else "-"
            print(f"| {n:,} | {size:,} | {ours * 1000:.1f} | {peer_ms} | {ratio} |")
        (_n0, s0, t0, _), (_n1, s1, t1, _) = rows[0], rows[-1]
        print(f"\nsize ×{s1 / s0:.1f}, edoc time ×{t1 / t0:.1f} (time ratio ÷ size ratio "
              f"{(t1 / t0) / (s1 / s0):.2f})")  # fmt: skip


def drip_table() -> None:
    server = Dripper()
    try:
        t = time.perf_counter()
        with contextlib.suppress(FetchFailed):
            Fetcher(timeout=1.0).get(server.url, "crl")
        ours = time.perf_counter() - t
        curl = shutil.which("curl")
        peer = None
        if curl:
            t = time.perf_counter()
            subprocess.run([curl, "-s", "-o", "/dev/null", "--max-time", "1", server.url],
                           check=False)  # fmt: skip
            peer = time.perf_counter() - t
    finally:
        server.close()
    print("\n| dripping server, deadline 1 s | seconds |")
    print("|---|---:|")
    print(f"| edoc Fetcher(timeout=1) | {ours:.2f} |")
    if peer is not None:
        print(f"| curl --max-time 1 (process included) | {peer:.2f} |")
        print(f"| edoc ÷ curl | {ours / peer:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    crl_table([int(s) for s in args.sizes.split(",")], args.repeat)
    drip_table()


if __name__ == "__main__":
    main()
