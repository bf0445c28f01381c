"""What the benchmarks share: the child-side measurements, file generation, sizes, the
machine's revision. Each benchmark runs every operation in a fresh child process."""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MiB = 1 << 20
GiB = 1 << 30
CHUNK = 3 * MiB  # a multiple of 3 (encode: whole quads) and of 4 (decode: whole groups)
GEN_CHUNK = 1 * MiB


def _maxrss_kib() -> int:
    import resource

    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib // 1024 if sys.platform == "darwin" else kib


def _vmhwm_kib() -> int | None:
    """This process image's own high-water mark (not inherited through fork/exec)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class _FsyncTimer:
    """Wraps os.fsync to account the time spent in it (edoc's atomic write calls it)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._real = os.fsync

    def __call__(self, fd: int) -> None:
        t = time.perf_counter()
        try:
            self._real(fd)
        finally:
            self.seconds += time.perf_counter() - t
            self.calls += 1


def _file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _pybase64_simd(pybase64: Any) -> str:
    try:
        text = pybase64.get_version()  # e.g. "1.5.1 (C extension active - AVX2)"
    except AttributeError:
        return "?"
    m = re.search(r"\((.*)\)", text)
    return m.group(1) if m else text


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (use e.g. 1M, 100M, 1G)")
    scale = {"": 1, "K": 1 << 10, "M": MiB, "G": GiB}[m.group(2).upper()]
    return int(float(m.group(1)) * scale)


def size_label(n: int) -> str:
    for unit, scale in (("G", GiB), ("M", MiB), ("K", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{unit}"
    return f"{n}B"


def revision() -> str:
    """The checkout measured: commit, and whether src/ has uncommitted changes."""
    root = HERE.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "git revision unknown"
    return f"git {head}{', src/ modified' if dirty else ''}"


def generate(path: Path, size: int) -> str:
    sha = hashlib.sha256()
    left = size
    with open(path, "wb") as fh:
        while left:
            chunk = os.urandom(min(GEN_CHUNK, left))
            sha.update(chunk)
            fh.write(chunk)
            left -= len(chunk)
    return sha.hexdigest()


def _unlink(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def envelope_layout(pkg: Path, size: int) -> dict[str, Any]:
    """Where the base64 run sits in edoc's package: the bytes before it and after it."""
    b64_len = 4 * ((size + 2) // 3)
    total = pkg.stat().st_size
    with open(pkg, "rb") as fh:
        first = fh.read(1 << 16)
        i = first.index(b"ContentTransferEncoded")
        head_len = first.index(b">", i) + 1
        tail_len = total - head_len - b64_len
        if not 0 < tail_len < (1 << 16):
            raise SystemExit(f"cannot find the base64 run in {pkg}")
        fh.seek(head_len + b64_len)
        tail = fh.read()
    if not tail.startswith(b"</"):
        raise SystemExit(f"cannot find the base64 run in {pkg}")
    return {"head": first[:head_len], "tail": tail, "b64_len": b64_len}


def _mib(kib: int) -> float:
    return kib / 1024
