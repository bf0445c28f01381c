"""Signing a small package plain, XAdES-BES and XAdES-T (loopback `openssl ts` TSA).

    .venv/bin/python benchmarks/bench_xades.py [--repeat 20]

Figures are medians of in-process runs (a PKI, a TSA and the package made once per run):

    edoc sign plain / BES / T   sign_package() to a file (temporary file, fsync, rename)
    xmlsec1 sign                xmlsec1 --sign of the same package with a template
                                (a process per run: its start-up is included)
    TSA round trip (floor)      one POST of a prebuilt TimeStampReq with urllib, no checks:
                                the least any XAdES-T signer pays the same TSA
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import edoc  # noqa: E402
from conftest import make_package  # noqa: E402
from edoc.signing import load_pem, sign_package  # noqa: E402
from edoc.signing.timestamp import TimeStampAuthority  # noqa: E402
from pki import make_pki  # noqa: E402
from tsa import make_tsa, start_tsa  # noqa: E402

DSIG = "http://www.w3.org/2000/09/xmldsig#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
TEMPLATE = (
    f'<ds:Signature xmlns:ds="{DSIG}"><ds:SignedInfo>'
    f'<ds:CanonicalizationMethod Algorithm="{EXC}"/>'
    '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    '<ds:Reference URI=""><ds:Transforms>'
    '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    f'<ds:Transform Algorithm="{EXC}"/></ds:Transforms>'
    '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/>'
    "</ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data>"
    "<ds:X509Certificate/></ds:X509Data></ds:KeyInfo></ds:Signature>"
)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        make_pki(d)
        server = start_tsa(make_tsa(d))
        url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
        pkg = make_package(**{"qd.pdf": b"%PDF-1.4 " + bytes(range(256)) * 40})
        key = load_pem(d / "rsa2048.pem")
        tsa = TimeStampAuthority(url=url)
        out = d / "out.edxml"
        figures = {
            "edoc sign plain": median_ms(lambda: sign_package(pkg, out, key=key), args.repeat),
            "edoc sign BES": median_ms(
                lambda: sign_package(pkg, out, key=key, xades="bes"), args.repeat
            ),
            "edoc sign T": median_ms(
                lambda: sign_package(pkg, out, key=key, xades="t", tsa=tsa), args.repeat
            ),
        }
        unsigned = d / "unsigned.edxml"
        edoc.write(pkg, unsigned)
        text = unsigned.read_text()
        tmpl = d / "tmpl.edxml"
        end = "    </edXML:edXMLHeader>"
        tmpl.write_text(text.replace(end, TEMPLATE + "\n" + end, 1))
        cmd = ["xmlsec1", "--sign", "--privkey-pem", f"{d / 'rsa2048.pem'},{d / 'rsa2048.crt'}",
               "--output", str(d / "x.edxml"), str(tmpl)]  # fmt: skip
        figures["xmlsec1 sign (process)"] = median_ms(
            lambda: subprocess.run(cmd, check=True, capture_output=True), args.repeat
        )
        query = subprocess.run(
            ["openssl", "ts", "-query", "-data", str(tmpl), "-sha256", "-cert"],
            check=True, capture_output=True,
        ).stdout  # fmt: skip

        def round_trip() -> bytes:
            req = urllib.request.Request(
                url, data=query, headers={"Content-Type": "application/timestamp-query"}
            )
            with urllib.request.urlopen(req, timeout=10) as resp:
                body: bytes = resp.read()
            return body

        figures["TSA round trip (floor)"] = median_ms(round_trip, args.repeat)
        server.shutdown()
    print(f"median of {args.repeat} runs, small package ({out.name}), RSA-2048")
    for name, ms in figures.items():
        print(f"  {name:26} {ms:8.1f} ms")
    plain, bes, t = (figures[k] for k in ("edoc sign plain", "edoc sign BES", "edoc sign T"))
    floor = figures["TSA round trip (floor)"]
    print(f"  edoc plain / xmlsec1 process: {plain / figures['xmlsec1 sign (process)']:.2f}")
    print(f"  BES / plain: {bes / plain:.2f}")
    print(f"  (T - BES) / TSA round trip: {(t - bes) / floor:.2f}")


if __name__ == "__main__":
    main()
