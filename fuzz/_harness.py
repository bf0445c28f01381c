"""Coverage-guided fuzzing of edoc's reader, validator and verifier with atheris (libFuzzer).

The one rule checked: whatever the bytes, edoc ends in a result or an ``edoc.errors``
exception, and leaves no temporary file behind. Anything else (another exception, a hang
past ``-timeout``, memory past ``-rss_limit_mb``) is a crash libFuzzer saves as
``crash-*``/``timeout-*``; replay it with ``python fuzz/fuzz_all.py crash-…``.

The first byte of an input picks the target (``fuzz_all``); the per-target harnesses
(``fuzz_read.py`` …) fix it. Seeds (signed and unsigned packages, the shared vectors with
their attachments shortened, and corpus generators' shapes) are written into an empty
corpus folder on first use; the test PKI is kept beside it so that saved inputs stay
verifiable across runs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

with atheris.instrument_imports(include=["edoc"]):
    import edoc
    from edoc.errors import EdocError
    from edoc.signing import load_pem, sign_package
    from edoc.signing.trust import TrustStore
    from edoc.signing.verifier import VerifyPolicy, verify
    from edoc.validation import validate

TARGETS = ("read", "validate", "verify", "verify-legacy")
NOW = dt.datetime(2026, 1, 1, tzinfo=edoc.VN_TZ)
VECTORS = ROOT.parent / "shared" / "vectors"
_CTE = re.compile(rb"(<(?:edXML:)?ContentTransferEncoded>)[^<]{4096,}(</)")


class _State:
    trust: TrustStore
    spool: str


STATE = _State()


def _pki_dir(corpus: Path) -> Path:
    from pki import make_pki

    d = corpus.parent / (corpus.name + ".pki")
    if not (d / "ca.pem").exists():
        d.mkdir(parents=True, exist_ok=True)
        make_pki(d)
    return d


def seeds(pki: Path) -> list[bytes]:
    """Documents worth mutating: edoc-written (plain, signed RSA/EC), and the vectors."""
    import io

    from conftest import make_package

    out: list[bytes] = []
    plain = make_package(**{"qd.pdf": b"%PDF-1.4 " + bytes(range(64)), "b.txt": b"x"})
    out.append(edoc.to_bytes(plain))
    for label in ("rsa2048", "ec256"):
        buf = io.BytesIO()
        sign_package(plain, buf, key=load_pem(pki / f"{label}.pem"))
        out.append(buf.getvalue())
    if VECTORS.is_dir():
        for p in sorted(VECTORS.rglob("*.edxml")):
            out.append(_CTE.sub(rb"\1JVBERi0xLjQK\2", p.read_bytes()))
    return out


def prepare(argv: list[str]) -> None:
    """Make the PKI and, for an empty corpus folder in ``argv``, write the seeds."""
    corpus = next(
        (Path(a) for a in argv[1:] if not a.startswith("-") and not Path(a).is_file()), None
    )
    pki = _pki_dir(corpus if corpus is not None else Path(tempfile.mkdtemp()) / "c")
    STATE.trust = TrustStore.from_pem(pki / "ca.pem")
    STATE.spool = tempfile.mkdtemp(prefix="edoc-fuzz-spool-")
    if corpus is not None and (not corpus.exists() or not any(corpus.iterdir())):
        corpus.mkdir(parents=True, exist_ok=True)
        for i, doc in enumerate(seeds(pki)):
            for t in range(len(TARGETS)):
                (corpus / f"seed-{i:02d}-{TARGETS[t]}").write_bytes(bytes([t]) + doc)


def run(target: str, data: bytes) -> None:
    """One input through one target; raise anything that is not an edoc error."""
    try:
        if target == "read":
            edoc.read(data, spool_dir=STATE.spool)
        elif target == "validate":
            report = validate(data, now=NOW, spool_dir=STATE.spool)
            assert report.readable in (True, False)
        else:
            policy = VerifyPolicy.legacy() if target == "verify-legacy" else VerifyPolicy()
            verify(data, trust=STATE.trust, policy=policy, spool_dir=STATE.spool)
    except EdocError:
        pass
    left = os.listdir(STATE.spool)
    if left:
        raise AssertionError(f"{target} left temporary files behind: {left}")


def one_input_for(target: str | None) -> Callable[[bytes], None]:
    def one_input(data: bytes) -> None:
        if target is None:
            if not data:
                return
            run(TARGETS[data[0] % len(TARGETS)], data[1:])
        else:
            run(target, data[1:] if data else data)

    return one_input


def main(target: str | None = None) -> None:
    import warnings

    warnings.simplefilter("ignore")  # legacy-algorithm warnings are expected, not findings
    prepare(sys.argv)
    atheris.Setup(sys.argv, one_input_for(target))
    atheris.Fuzz()
