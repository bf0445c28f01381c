"""The edoc command, run as a real subprocess: exit codes, JSON, safe extraction."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import edoc
from conftest import make_package, read_edoc

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "new-document.toml"


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edoc", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_build_then_inspect_the_shipped_example(tmp_path: Path) -> None:
    out = tmp_path / "out.edxml"
    built = run("build", EXAMPLE, "-o", out)
    assert built.returncode == 0, built.stderr
    assert "sha256" in built.stdout
    shown = run("inspect", out, "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["format"] == "edoc.inspect/1"
    assert data["kind"] == "edoc"
    assert data["header"]["document_id"] == "000.00.00.G22,2025/09/30,7816/VPCP-TTĐT"
    assert [t["organ_id"] for t in data["header"]["to"]] == ["000.00.00.H41", "000.00.00.H14"]
    assert data["header"]["other_info"]["priority"] == 1
    assert data["trace"]["business"]["doc_type"] == 0
    assert data["trace"]["trace_headers"][0]["timestamp"] == "2025/09/30 10:15:00"
    pdf = ROOT / "examples" / "files" / "7816-VPCP-TTDT.pdf"
    assert data["attachments"][0]["size"] == pdf.stat().st_size
    text = run("inspect", out)
    assert "000.00.00.G22,2025/09/30,7816/VPCP-TTĐT" in text.stdout


def test_build_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out.edxml"
    out.write_text("keep me")
    r = run("build", EXAMPLE, "-o", out)
    assert r.returncode == 1
    assert "exists" in r.stderr
    assert out.read_text() == "keep me"
    assert run("build", EXAMPLE, "-o", out, "--force").returncode == 0


def test_build_reports_unknown_keys_and_missing_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace("subject =", "subjct =", 1))
    r = run("build", bad, "-o", tmp_path / "o.edxml")
    assert r.returncode == 1
    assert "header.subjct is not a known key" in r.stderr
    missing = tmp_path / "missing.toml"
    missing.write_text(EXAMPLE.read_text())  # its attachment path is relative to the TOML
    r = run("build", missing, "-o", tmp_path / "o.edxml")
    assert r.returncode == 4
    assert "is not a readable file" in r.stderr
    assert not (tmp_path / "o.edxml").exists()


def test_build_refuses_attachment_paths_outside_the_toml_folder(tmp_path: Path) -> None:
    """Paths are relative to the TOML file: absolute and ../ ones need --allow-outside."""
    secret = tmp_path / "secret.txt"
    secret.write_text("private key")
    folder = tmp_path / "desc"
    folder.mkdir()
    (folder / "link.pdf").symlink_to(secret)
    pdf = 'path = "files/7816-VPCP-TTDT.pdf"'
    for i, path in enumerate([str(secret), "../secret.txt", "link.pdf"]):
        toml = folder / f"d{i}.toml"
        toml.write_text(EXAMPLE.read_text().replace(pdf, f"path = {json.dumps(path)}"))
        r = run("build", toml, "-o", tmp_path / "o.edxml")
        assert r.returncode == 1, (path, r.stderr)
        assert "absolute" in r.stderr or "leads outside the TOML file's folder" in r.stderr
        assert "--allow-outside" in r.stderr
        assert not (tmp_path / "o.edxml").exists()
    r = run("build", folder / "d1.toml", "-o", tmp_path / "o.edxml", "--allow-outside")
    assert r.returncode == 0, r.stderr
    [att] = read_edoc(tmp_path / "o.edxml").attachments
    assert att.read_bytes() == b"private key"


@pytest.mark.parametrize(
    ("args", "code"),
    [(["inspect", "nope.edxml"], 4), (["inspect"], 2), (["frobnicate"], 2)],
)
def test_exit_codes_for_usage(tmp_path: Path, args: list[str], code: int) -> None:
    r = run(*args, cwd=tmp_path)
    assert r.returncode == code, r.stderr


def test_unreadable_package_exits_4_with_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.edxml"
    p.write_bytes(b"1212<?xml version='1.0'?><edXML/>")
    r = run("inspect", p)
    assert r.returncode == 4
    assert "line 1" in r.stderr
    assert "Traceback" not in r.stderr


def test_extract_keeps_hostile_names_inside_the_folder(tmp_path: Path) -> None:
    pkg = make_package(
        **{
            "../../escape.txt": b"one",
            "/etc/passwd": b"two",
            "CON.pdf": b"three",
            "dup.pdf": b"four",
        }
    )
    pkg = edoc.EdocPackage(
        header=pkg.header,
        attachments=[*pkg.attachments, edoc.Attachment.from_bytes(b"five", name="sub\\dup.pdf")],
    )
    src = tmp_path / "p.edxml"
    edoc.write(pkg, src)
    out = tmp_path / "out"
    r = run("inspect", src, "--extract", out, "--json")
    assert r.returncode == 0, r.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == ["_CON.pdf", "dup (2).pdf", "dup.pdf", "escape.txt", "passwd"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "p.edxml"]
    assert (out / "dup (2).pdf").read_bytes() == b"five"
    again = run("inspect", src, "--extract", out)
    assert again.returncode == 1
    assert "exists" in again.stderr
    assert (out / "escape.txt").read_bytes() == b"one"
    assert run("inspect", src, "--extract", out, "--force").returncode == 0
