"""One big package through ``edoc send`` to ``edoc hub serve`` and back with ``edoc receive``:
peak memory of each process beside the package's size, and the bytes received compared.

    .venv/bin/python benchmarks/bench_hub_big.py [--sizes 1M,1G] [--work DIR]

Each size is a file of random bytes (the transport never looks inside: ``--kind``,
``--from`` and ``--to`` are given, so neither ``edoc send`` nor the hub reads it as XML).
The three commands run as separate processes; peak RSS is each one's own: ``ru_maxrss``
from ``wait4`` for the two clients, VmHWM from /proc for the hub before it stops. The
smallest size is the peer: flat memory means the big size's peaks stay near the small
one's (ratio ~1), far below the file's size. Needs edoc-edxml[http] and Linux.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import generate, parse_size, revision, size_label

A, B = "000.00.00.G22", "000.00.00.H41"
SECRETS = {"A_SECRET": "bench-secret-a", "B_SECRET": "bench-secret-b"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _run(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(seconds, peak RSS KiB) of one edoc command run to its end (wait4's own rusage)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "edoc", *args], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"edoc {args[0]} failed ({proc.returncode}): {err.read()[-2000:]!r}")
    return seconds, usage.ru_maxrss


def one(size: int, work: Path) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    package = work / "big.edxml"
    sha = generate(package, size)
    port = _free_port()
    env = {**os.environ, **SECRETS}
    hub = subprocess.Popen(
        [sys.executable, "-m", "edoc", "hub", "serve", "--data", str(work / "hubdata"),
         "--port", str(port), "--quiet", "--agency", "vxp.a=env:A_SECRET",
         "--agency", "vxp.b=env:B_SECRET", "--route", f"{A}=vxp.a", "--route", f"{B}=vxp.b"],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert hub.stderr is not None
        while "serving on" not in hub.stderr.readline():
            if hub.poll() is not None:
                raise SystemExit("edoc hub serve did not start")
        url = f"http://127.0.0.1:{port}"
        send_s, send_kib = _run(
            ["send", str(package), "--url", url, "--system-id", "vxp.a", "--secret-env",
             "A_SECRET", "--kind", "edoc", "--from", A, "--to", B, "--timeout", "600"], env,
        )  # fmt: skip
        recv_s, recv_kib = _run(
            ["receive", "--url", url, "--system-id", "vxp.b", "--secret-env", "B_SECRET",
             "--into", str(work / "inbox"), "--max", "1", "--timeout", "600"], env,
        )  # fmt: skip
        hub_kib = _hwm_kib(hub.pid)
    finally:
        hub.terminate()
        hub.wait(30)
    [got] = [p for p in (work / "inbox").iterdir() if p.suffix == ".edxml"]
    h = hashlib.sha256()
    with got.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    identical = h.hexdigest() == sha and got.stat().st_size == size
    for p in (package, got):
        p.unlink()
    return {"size": size, "send_s": send_s, "send_mib": send_kib / 1024,
            "recv_s": recv_s, "recv_mib": recv_kib / 1024, "hub_mib": hub_kib / 1024,
            "identical": identical}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,1G")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    print(f"edoc send → edoc hub serve → edoc receive, one package per size ({revision()})")
    rows = []
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        for i, size in enumerate(sizes):
            rows.append(one(size, Path(tmp) / f"run{i}"))
    peer = rows[0]
    print(f"{'size':>8} {'send s':>7} {'send RSS':>9} {'hub RSS':>8} {'recv s':>7} "
          f"{'recv RSS':>9} {'RSS/size':>9} {'send RSS / peer':>16}  identical")  # fmt: skip
    for r in rows:
        worst = max(r["send_mib"], r["recv_mib"], r["hub_mib"])
        print(f"{size_label(r['size']):>8} {r['send_s']:7.1f} {r['send_mib']:8.0f}M "
              f"{r['hub_mib']:7.0f}M {r['recv_s']:7.1f} {r['recv_mib']:8.0f}M "
              f"{worst * (1 << 20) / r['size']:9.3f} {r['send_mib'] / peer['send_mib']:16.2f}  "
              f"{'yes' if r['identical'] else 'NO'}")  # fmt: skip
    if not all(r["identical"] for r in rows):
        raise SystemExit("a package did not come back byte-identical")


if __name__ == "__main__":
    main()
