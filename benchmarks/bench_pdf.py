"""The added cost of checking a signed PDF attachment, beside the envelope's verification of
the same package, and beside poppler's ``pdfsig`` on the same PDF, in one run.

    .venv/bin/python benchmarks/bench_pdf.py [--sizes 1M,100M] [--repeat N] [--json FILE]

Per size, a one-page PDF padded to that size is signed by pyHanko with the trust PKI's
``good`` signer (tests/pdfs.py), attached to a package, and the package signed by the same
signer. Then, in ``--repeat`` rounds after one warm-up round, each of these runs once per
round, in turn (medians are shown; the added cost is the median of the per-round
differences, so that a shared machine's load falls on both sides alike):

    envelope only          Verifier(revocation="none", pdf=False).verify(package)
    envelope + PDF         Verifier(revocation="none").verify(package): the same, then the PDF
    PDF alone (edoc)       PdfChecker(verifier).check(attachment) on the PDF file
    pdfsig                 `pdfsig -nocert file.pdf` (a whole command: process start included)

Revocation is off in all lines: its cost is the envelope's (benchmarks/bench_trust.py).
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from _harness import parse_size, size_label  # noqa: E402

import edoc  # noqa: E402
from conftest import make_package  # noqa: E402
from edoc.pdf import PdfChecker  # noqa: E402
from edoc.signing import load_pem, sign_package  # noqa: E402
from pdfs import _load, _signer, blank_pdf, sign_pdf  # noqa: E402
from pki_trust import make_trust_pki  # noqa: E402


def _interleaved(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Each function once per round, in turn, so that the machine's load (noisy when shared)
    falls on all of them alike; one uncounted warm-up round first."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1M,100M", help="PDF sizes (default 1M,100M)")
    ap.add_argument("--repeat", type=int, default=7, help="timed rounds (default 7)")
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args(argv)
    pdfsig = shutil.which("pdfsig")
    rows: dict[str, dict[str, float]] = {}
    work = HERE / ".work"  # ignored by git
    work.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-pdf-", dir=work) as tmp:
        d = Path(tmp)
        pki = make_trust_pki(d)
        key, chain = _load(pki.signer("good"))
        signer = _signer(key, chain[0], chain[1:])
        trust = edoc.TrustStore.from_pem(pki.root)
        envelope_only = edoc.Verifier(trust, revocation="none", pdf=False)
        with_pdf = edoc.Verifier(trust, revocation="none", pdf=True)
        checker = PdfChecker(with_pdf)
        for size in (parse_size(s) for s in args.sizes.split(",")):
            label = size_label(size)
            pdf = d / f"signed-{label}.pdf"
            pdf.write_bytes(sign_pdf(blank_pdf(pad=size), signer, "Signer"))
            pkg = d / f"package-{label}.edxml"
            sign_package(make_package(**{"qd.pdf": pdf.read_bytes()}), pkg,
                         key=load_pem(pki.signer("good")))  # fmt: skip

            def envelope(pkg: Path = pkg) -> None:
                r = envelope_only.verify(pkg)
                if not r.passed or r.documents:
                    raise SystemExit(r.report.to_text())

            def both(pkg: Path = pkg) -> None:
                r = with_pdf.verify(pkg)
                if not (r.passed and len(r.documents) == 1 and r.documents[0].passed):
                    raise SystemExit(repr(r.documents))

            att = edoc.Attachment.from_path(pdf)

            def alone(att: edoc.Attachment = att) -> None:
                assert checker.check(att).passed

            fns: dict[str, Callable[[], object]] = {
                "envelope only": envelope,
                "envelope + PDF": both,
                "PDF alone (edoc)": alone,
            }
            if pdfsig:

                def peer(pdf: Path = pdf) -> None:
                    out = subprocess.run([pdfsig, "-nocert", str(pdf)], capture_output=True,
                                         text=True, check=False, timeout=600).stdout  # fmt: skip
                    assert "Signature is Valid." in out, out

                fns["pdfsig"] = peer
            times = _interleaved(fns, args.repeat)
            row = {name: statistics.median(t) for name, t in times.items()}
            # the added cost: the median of the per-round differences (the same round's load)
            row["added"] = statistics.median(
                b - a for a, b in zip(times["envelope only"], times["envelope + PDF"], strict=True)
            )
            row["pdf bytes"] = float(pdf.stat().st_size)
            row["package bytes"] = float(pkg.stat().st_size)
            rows[label] = row
            pdf.unlink()
            pkg.unlink()
    print(
        f"{'size':>6} {'envelope ms':>12} {'env+PDF ms':>11} {'added ms':>9} "
        f"{'added ÷ env':>11} {'PDF alone ms':>13} {'pdfsig ms':>10} {'edoc ÷ pdfsig':>13}"
    )
    for label, r in rows.items():
        added = r["added"]
        sig = r.get("pdfsig")
        print(f"{label:>6} {r['envelope only'] * 1e3:12.1f} {r['envelope + PDF'] * 1e3:11.1f} "
              f"{added * 1e3:9.1f} {added / r['envelope only']:11.3f} "
              f"{r['PDF alone (edoc)'] * 1e3:13.1f} "
              + (f"{sig * 1e3:10.1f} {r['PDF alone (edoc)'] / sig:13.2f}" if sig else
                 f"{'-':>10} {'-':>13}"))  # fmt: skip
    print(
        f"\n{args.repeat} interleaved rounds (median); edoc {edoc.__version__}; Python "
        f"{sys.version.split()[0]}; revocation off. pdfsig is a whole command (process "
        "start included); the edoc lines are in-process."
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
