"""Time to validate a signed package with and without revocation, beside ``openssl verify``
of the same chain (and ``openssl ocsp`` / ``openssl verify -crl_check_all``), in one run.

    .venv/bin/python benchmarks/bench_trust.py [--repeat N] [--json FILE]

A three-level PKI (EC P-256) and its peers are generated per run (tests/pki_trust.py): an
``openssl ocsp`` responder per CA and an HTTP server for the CRLs, all on loopback. A small
package is signed by the agency signer; then, each repeated N times (the median is shown):

    edoc, no revocation    Verifier(revocation="none").verify: signature + path + key usage
    edoc, OCSP             a fresh Verifier (no cache) asking both responders
    edoc, OCSP cached      one Verifier reused: the answers come from its cache
    edoc, CRL              a fresh Verifier fetching both CRLs over HTTP
    edoc, offline CRL      CRL files given, no network
    edoc verify (CLI)      `python -m edoc verify` as a command (no revocation; OCSP)
    import edoc            `python -c "import edoc"`: the CLI's start-up floor
    openssl verify         `openssl verify -CAfile root -untrusted inter signer.pem`
    openssl verify CRL     the same with -crl_check_all and both CRL files
    openssl ocsp           `openssl ocsp` asking the signer's status of the same responder

edoc's in-process times are inside one Python process; the openssl figures are whole
commands, process start included, so the CLI line is the like-for-like comparison. openssl
checks only the chain, edoc also the XML signature over the package.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import edoc  # noqa: E402
from conftest import make_package  # noqa: E402
from edoc.signing import load_pem, sign_package  # noqa: E402
from pki_trust import crl_server, make_trust_pki, ocsp_responder  # noqa: E402


def _median(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _run(argv: list[str], ok: Callable[[subprocess.CompletedProcess[bytes]], bool]) -> None:
    r = subprocess.run(argv, capture_output=True, check=False, timeout=60)
    if not ok(r):
        raise SystemExit(f"{argv[0]} failed: {r.stdout.decode()} {r.stderr.decode()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=30, help="timed runs per line (default 30)")
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args(argv)
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SystemExit("openssl is needed (Debian openssl)")
    with tempfile.TemporaryDirectory(prefix="bench-trust-") as tmp:
        d = Path(tmp)
        pki = make_trust_pki(d)
        pkg = d / "signed.edxml"
        sign_package(make_package(**{"qd.pdf": b"%PDF-1.4 " + bytes(range(256)) * 40}), pkg,
                     key=load_pem(pki.signer("good")))  # fmt: skip
        trust = edoc.TrustStore.from_pem(pki.root)
        crls = [d / "inter-offline.crl", d / "root-offline.crl"]
        signer = d / "good.crt"
        figures: dict[str, float] = {}
        with (crl_server(d / "www", pki.http_port), ocsp_responder(pki, "inter", pki.ocsp_port),
              ocsp_responder(pki, "root", pki.root_ocsp_port)):  # fmt: skip

            def edoc_check(**kw: Any) -> Callable[[], None]:
                def go() -> None:
                    r = edoc.Verifier(trust, **kw).verify(pkg)
                    assert r.passed, r.report.to_text()

                return go

            cached = edoc.Verifier(trust)
            r = edoc.Verifier(trust, revocation="ocsp").verify(pkg)
            assert r.passed, r.report.to_text()
            assert len(r.report.fetches) == 2, r.report.to_text()
            figures["edoc, no revocation"] = _median(edoc_check(revocation="none"), args.repeat)
            figures["edoc, OCSP"] = _median(edoc_check(revocation="ocsp"), args.repeat)
            figures["edoc, OCSP cached"] = _median(lambda: cached.verify(pkg), args.repeat)
            figures["edoc, CRL"] = _median(edoc_check(revocation="crl"), args.repeat)
            figures["edoc, offline CRL"] = _median(edoc_check(offline=True, crls=crls), args.repeat)
            cli = [sys.executable, "-m", "edoc", "verify", str(pkg), "--trust", str(pki.root)]
            figures["edoc verify (CLI), no revocation"] = _median(
                lambda: _run([*cli, "--revocation", "none"], lambda p: p.returncode == 0),
                args.repeat)  # fmt: skip
            figures["edoc verify (CLI), OCSP"] = _median(
                lambda: _run([*cli, "--revocation", "ocsp"], lambda p: p.returncode == 0),
                args.repeat)  # fmt: skip
            figures["python -c 'import edoc' (CLI start floor)"] = _median(
                lambda: _run([sys.executable, "-c", "import edoc"], lambda p: p.returncode == 0),
                args.repeat)  # fmt: skip
            base = [openssl, "verify", "-CAfile", str(pki.root), "-untrusted", str(pki.inter)]
            figures["openssl verify"] = _median(
                lambda: _run([*base, str(signer)], lambda p: p.returncode == 0), args.repeat
            )
            crl_args = ["-crl_check_all", "-CRLfile", str(crls[0]), "-CRLfile", str(crls[1])]
            figures["openssl verify -crl_check_all"] = _median(
                lambda: _run([*base, *crl_args, str(signer)], lambda p: p.returncode == 0),
                args.repeat)  # fmt: skip
            ocsp = [openssl, "ocsp", "-issuer", str(pki.inter), "-cert", str(signer), "-url",
                    f"http://127.0.0.1:{pki.ocsp_port}", "-CAfile", str(pki.root)]  # fmt: skip
            figures["openssl ocsp (signer only)"] = _median(
                lambda: _run(ocsp, lambda p: b": good" in p.stdout), args.repeat
            )
    peer = figures["openssl verify"]
    print(f"{'operation':44} {'median ms':>10} {'÷ openssl verify':>17}")
    for name, sec in figures.items():
        print(f"{name:44} {sec * 1e3:10.2f} {sec / peer:17.2f}")
    print(
        f"\nrepeat {args.repeat}; edoc {edoc.__version__}; Python {sys.version.split()[0]}; "
        f"{subprocess.run([openssl, 'version'], capture_output=True, text=True).stdout.strip()}"
    )
    print("edoc in-process lines exclude process start; openssl and CLI lines include it.")
    if args.json:
        args.json.write_text(json.dumps({k: v * 1e3 for k, v in figures.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
