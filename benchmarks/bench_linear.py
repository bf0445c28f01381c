"""Worst-case inputs beside an ordinary package: time per MB of each, in one run.

    .venv/bin/python benchmarks/bench_linear.py [--scale 4] [--repeat 3]

Each worst case of ``tests/worst_cases.py`` (many same-named siblings, a tower of namespace
declarations, many elements inside the Signature, many text pieces in XAdES, many
recipients) is generated at ``--scale`` and ``4 x --scale``; the operation it targets
(read, validate, verify, write) is timed on both, best of ``--repeat``, in this process.
Beside each, the same operation on an ordinary package (one PDF-like attachment of about
the same size). Printed: seconds per MB of each, the worst case's over the ordinary's, and
the growth from the smaller to the larger size (time ratio over size ratio: 1 is linear).
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import edoc  # noqa: E402
from conftest import make_package  # noqa: E402
from edoc.errors import EdocError  # noqa: E402
from edoc.signing import load_pem, sign_package  # noqa: E402
from edoc.signing.trust import TrustStore  # noqa: E402
from edoc.signing.verifier import verify  # noqa: E402
from edoc.validation import validate  # noqa: E402
from pki import make_pki  # noqa: E402
from worst_cases import WORST_CASES, signed, unsigned  # noqa: E402

MB = 1_000_000


def _operation(op: str, data: bytes, trust: TrustStore) -> Callable[[], object]:
    if op == "read":
        return lambda: edoc.read(data)
    if op == "validate":
        return lambda: validate(data)
    if op == "write":
        package = edoc.read(data)
        return lambda: edoc.to_bytes(package)

    def run() -> object:
        try:
            return verify(data, trust=trust)
        except EdocError as exc:
            return exc

    return run


def _best(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _ordinary(size: int, key: object, *, signed_: bool, xades: str | None = None) -> bytes:
    """A package with one attachment, about ``size`` bytes as written."""
    content = b"%PDF-1.4 " + bytes(range(256)) * max(1, size * 3 // 4 // 256)
    package = make_package(**{"qd.pdf": content})
    if not signed_:
        return edoc.to_bytes(package)
    out = io.BytesIO()
    sign_package(package, out, key=key, xades=xades)  # type: ignore[arg-type]
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=4, help="the smaller scale (default 4)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per figure; best kept")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        pki = make_pki(Path(tmp))
        key = load_pem(pki / "rsa2048.pem")
        trust = TrustStore.from_pem(pki / "ca.pem")
        bases = {"unsigned": unsigned(), "signed": signed(key), "xades": signed(key, xades="bes")}
        print(f"edoc {edoc.__version__}; scales {args.scale} and {4 * args.scale}; "
              f"best of {args.repeat}")  # fmt: skip
        print(f"{'worst case':28} {'op':8} {'MB':>6} {'s/MB':>8} {'ordinary s/MB':>14} "
              f"{'worst/ord':>9} {'growth':>7}")  # fmt: skip
        for case in WORST_CASES:
            figures = []
            for k in (args.scale, 4 * args.scale):
                data = case.make(k, bases[case.base])
                ordinary = _ordinary(len(data), key, signed_=case.base != "unsigned",
                                     xades="bes" if case.base == "xades" else None)  # fmt: skip
                worst_t = _best(_operation(case.op, data, trust), args.repeat)
                ordinary_t = _best(_operation(case.op, ordinary, trust), args.repeat)
                figures.append((len(data), worst_t, len(ordinary), ordinary_t))
            (s1, t1, _, _), (s4, t4, o4, ot4) = figures
            growth = (t4 / t1) / (s4 / s1)
            per_mb, ord_per_mb = t4 / (s4 / MB), ot4 / (o4 / MB)
            print(f"{case.name:28} {case.op:8} {s4 / MB:6.2f} {per_mb:8.3f} {ord_per_mb:14.3f} "
                  f"{per_mb / ord_per_mb:9.1f} {growth:7.2f}", flush=True)  # fmt: skip
    print("s/MB at the larger size; growth = time ratio / size ratio from the smaller (1 = linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
