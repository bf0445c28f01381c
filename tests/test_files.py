"""Writing files safely: atomic writes, symlinks planted in the target folder, hostile names."""

from __future__ import annotations

from pathlib import Path

import pytest

import edoc
from edoc._files import atomic_write, safe_filename
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
