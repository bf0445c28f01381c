"""Writing files safely: atomic writes, symlinks planted in the target folder, hostile names."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import edoc
from edoc._files import SPOOL_STALE_AFTER, atomic_write, safe_filename
from edoc.errors import InputError


def test_a_planted_symlink_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "a.pdf").symlink_to(victim)
    (dest / "b.pdf").symlink_to(tmp_path / "missing-target")  # dangling
    att = edoc.Attachment.from_bytes(b"%PDF-1.4 payload", name="a.pdf")
    with pytest.raises(InputError, match="exists"):
        att.save(dest)
    with pytest.raises(InputError, match="exists"):
        att.save(dest, name="b.pdf")
    assert not (tmp_path / "missing-target").exists()
    att.save(dest, overwrite=True)  # replaces the link itself, not what it points at
    assert victim.read_text() == "keep"
    assert not (dest / "a.pdf").is_symlink()
    assert (dest / "a.pdf").read_bytes() == b"%PDF-1.4 payload"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("../../etc/cron.d/x", "x"), ("/etc/passwd", "passwd"), ("C:\\Windows\\evil.dll", "evil.dll"),
     ("\\\\server\\share\\x.doc", "x.doc"), ("NUL.txt", "_NUL.txt"), ("com1", "_com1"),
     ("a\x00b.pdf", "a_b.pdf"), ("file.doc:stream", "file.doc_stream"), ("  .. ", "attachment"),
     ("trailing. ", "trailing"),
     # issue 17: the device names Windows also reserves, and invisible characters
     ("COM0.txt", "_COM0.txt"), ("lpt0", "_lpt0"), ("COM\u00b9.pdf", "_COM\u00b9.pdf"),
     ("LPT\u00b3", "_LPT\u00b3"), ("CONIN$", "_CONIN$"), ("conout$.log", "_conout$.log"),
     ("CON .txt", "_CON .txt"), ("invoice\u202efdp.exe", "invoice_fdp.exe"),
     ("a\u200bb\u200c\u200d.pdf", "a_b__.pdf"), ("\u2066x\u2069\ufeff.doc", "_x__.doc"),
     ("x\u2028y\u0085.pdf", "x_y_.pdf"), ("COM10.txt", "COM10.txt")],
)  # fmt: skip
def test_hostile_names_become_one_plain_name(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_long_vietnamese_names_are_cut_on_a_character_boundary() -> None:
    name = "Quyết định về việc " * 30 + ".pdf"
    safe = safe_filename(name)
    assert len(safe.encode("utf-8")) <= 200
    assert safe.endswith(".pdf")
    assert safe.encode("utf-8").decode("utf-8") == safe  # no broken multi-byte sequence


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"

    def fail() -> None:
        with atomic_write(target) as out:
            out.write(b"half")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        fail()
    assert list(tmp_path.iterdir()) == []


_KILLED_MID_RUN = """
import os, signal, sys
import edoc
pkg = edoc.read(sys.argv[1])  # the 2 MiB attachment is spooled to a file in TMPDIR
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not hasattr(os, "kill") or sys.platform == "win32", reason="POSIX signals")
def test_a_killed_runs_spool_file_is_removed_by_the_next_validate(tmp_path: Path) -> None:
    from conftest import make_package

    spool = tmp_path / "spool"
    spool.mkdir()
    package = tmp_path / "big.edxml"
    edoc.write(make_package(**{"big.pdf": b"%PDF-1.4 " + os.urandom(2 << 20)}), package)
    env = {**os.environ, "TMPDIR": str(spool)}
    killed = subprocess.run([sys.executable, "-c", _KILLED_MID_RUN, str(package)], env=env)
    assert killed.returncode == -signal.SIGKILL
    [left] = list(spool.iterdir())  # what SIGKILL leaves behind
    assert re.fullmatch(r"edoc-\d+-\w+\.bin", left.name), left.name
    old = time.time() - 2 * SPOOL_STALE_AFTER
    os.utime(left, (old, old))
    # Beside it: what must survive (a live process's, a fresh one, a link, another name).
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = killed_pid(left)
        keep = [spool / f"edoc-{sleeper.pid}-live.bin", spool / f"edoc-{dead}-fresh.bin",
                spool / "edoc-notmine.bin", spool / "report.bin"]  # fmt: skip
        for p in keep:
            p.write_bytes(b"x")
            if "fresh" not in p.name:
                os.utime(p, (old, old))
        victim = tmp_path / "victim"
        victim.write_text("keep")
        link = spool / f"edoc-{dead}-link.bin"
        link.symlink_to(victim)
        os.utime(link, (old, old), follow_symlinks=False)
        done = subprocess.run([sys.executable, "-m", "edoc", "validate", str(package)],
                              env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode in (0, 1), done.stderr
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not left.exists()
    assert sorted(p.name for p in spool.iterdir()) == sorted([*(p.name for p in keep), link.name])
    assert victim.read_text() == "keep"


def killed_pid(path: Path) -> str:
    return path.name.split("-")[1]
