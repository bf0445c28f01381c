"""Signatures per second: a key on a SoftHSM2 token against a key file of the same size.

    .venv/bin/python benchmarks/bench_token.py [--seconds 1.0] [--rounds 5] [--json FILE]

One run sets up a SoftHSM2 token in a temporary folder (tests/pki_token.py: RSA-2048 and
EC P-256 keys generated on the token) and, for each, a PEM key file of the same kind. Each
key then signs the same ~700-byte ``SignedInfo`` through ``SigningKey.sign`` (what
``edoc.sign`` calls once per package), for ``--seconds`` per round. Rounds alternate token
and file, so a slow phase of the machine hits both; the best round of each is reported.

The ratio is file / token signatures per second: how many times slower the token is. The
token's cost is the PKCS#11 call (C_SignInit + C_Sign through python-pkcs11) and SoftHSM2's
own crypto; SoftHSM2 2.6 has no CKM_ECDSA_SHA256, so edoc hashes and the token signs the
digest with CKM_ECDSA, as on many smart cards. A USB token is far slower than either (tens
of milliseconds per RSA signature); this measures what edoc adds around the token.

Needs the Debian package softhsm2 and python-pkcs11 (``pip install 'edoc-edxml[pkcs11]'``).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

SIGNED_INFO = (
    b'<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><CanonicalizationMethod '
    b'Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></CanonicalizationMethod>'
    b'<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256">'
    b'</SignatureMethod><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/'
    b'2000/09/xmldsig#enveloped-signature"></Transform><Transform Algorithm="http://www.w3.org/'
    b'2001/10/xml-exc-c14n#"></Transform></Transforms><DigestMethod Algorithm="http://www.w3.org'
    b'/2001/04/xmlenc#sha256"></DigestMethod><DigestValue>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3'
    b"hSuFU=</DigestValue></Reference></SignedInfo>"
)


def _rate(sign: object, method: object, seconds: float) -> float:
    """Signatures per second over about ``seconds``."""
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        sign(SIGNED_INFO, method)  # type: ignore[operator]
        n += 1
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="per round and key")
    parser.add_argument("--rounds", type=int, default=5, help="counted rounds (after 1 warm-up)")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args()

    try:
        import pkcs11  # noqa: F401
    except ImportError:
        print("python-pkcs11 is not installed: pip install 'edoc-edxml[pkcs11]'", file=sys.stderr)
        return 2
    from pki_token import USER_PIN, KeySpec, find_softhsm, make_softhsm

    module, util = find_softhsm()
    if module is None or util is None:
        print("SoftHSM2 is not installed (Debian package softhsm2)", file=sys.stderr)
        return 2

    from edoc.signing import SignatureMethod, load_pem
    from edoc.signing.pkcs11 import Pkcs11Key

    cases = [
        ("RSA-2048", "rsa2048", SignatureMethod.RSA_SHA256),
        ("RSA-2048 PSS", "rsa2048", SignatureMethod.RSA_PSS_SHA256),
        ("EC P-256", "ec256", SignatureMethod.ECDSA_SHA256),
    ]
    work = Path(tempfile.mkdtemp(prefix="edoc-bench-token-"))
    try:
        specs = [KeySpec("rsa2048", "rsa2048", b"\x01"), KeySpec("ec256", "ec256", b"\x02")]
        hsm = make_softhsm(work, {"bench": specs})
        version = subprocess.run([util, "--version"], capture_output=True, text=True).stdout
        print(f"python {platform.python_version()}, {platform.machine()}, "
              f"{platform.processor() or platform.platform()}")  # fmt: skip
        print(f"SoftHSM2 {version.strip()} ({module}), python-pkcs11 "
              f"{importlib.metadata.version('python-pkcs11')}, cryptography "
              f"{importlib.metadata.version('cryptography')}")  # fmt: skip
        print(f"{args.rounds} rounds of {args.seconds:g} s per key after one warm-up; best round\n")
        results: list[dict[str, Any]] = []
        for name, label, method in cases:
            token = Pkcs11Key.open(f"pkcs11:token=bench;object={label}", pin=USER_PIN,
                                   module=module)  # fmt: skip
            file_key = load_pem(hsm.file_keys[label])
            assert token.key_size == file_key.key_size
            plan = token._plan(method).mechanism
            token_rates: list[float] = []
            file_rates: list[float] = []
            with token:
                for r in range(args.rounds + 1):
                    t = _rate(token.sign, method, args.seconds)
                    f = _rate(file_key.sign, method, args.seconds)
                    if r:
                        token_rates.append(t)
                        file_rates.append(f)
            best_t, best_f = max(token_rates), max(file_rates)
            results.append({"key": name, "method": method.name, "mechanism": f"CKM_{plan}",
                            "token_per_s": token_rates, "file_per_s": file_rates,
                            "ratio_file_over_token": best_f / best_t})  # fmt: skip
        print(f"{'key':<14}{'mechanism':<24}{'token sig/s':>12}{'file sig/s':>12}"
              f"{'file/token':>12}")  # fmt: skip
        for row in results:
            token_s, file_s = max(row["token_per_s"]), max(row["file_per_s"])
            ratio = row["ratio_file_over_token"]
            print(
                f"{row['key']:<14}{row['mechanism']:<24}{token_s:>12.0f}{file_s:>12.0f}{ratio:>11.2f}x"
            )
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
