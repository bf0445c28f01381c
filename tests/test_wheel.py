"""The distribution: a wheel named edoc-edxml, built here and installed in a fresh venv.

Offline: the wheel is built from this tree without build isolation (hatchling comes with
the dev extra) and installed with ``--no-index --no-deps``; its dependencies are the ones
this test environment already installed from the index pip uses, reached through a
``.pth`` line (not a site folder, so this tree's own editable ``edoc`` is not seen).
"""

from __future__ import annotations

import email.parser
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NAME = "edoc-edxml"


def _pip(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling", reason="the dev extra brings hatchling to build the wheel")
    out = tmp_path_factory.mktemp("wheel")
    r = _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", out, ROOT)
    assert r.returncode == 0, r.stderr
    [whl] = out.glob("*.whl")
    return whl


def test_the_wheel_is_named_edoc_edxml_and_ships_edoc(wheel: Path) -> None:
    assert re.fullmatch(r"edoc_edxml-[^-]+-py3-none-any\.whl", wheel.name)
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        [meta_name] = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = email.parser.Parser().parsestr(z.read(meta_name).decode("utf-8"))
        [entry] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entry_points = z.read(entry).decode("utf-8")
    assert meta["Name"] == NAME
    assert "edoc = edoc.cli:main" in entry_points
    assert "edoc/__init__.py" in names
    assert "edoc/schemas/edoc-strict.xsd" in names
    extras = meta.get_all("Provides-Extra") or []
    assert {"http", "amqp", "pkcs11"} <= set(extras)


def test_it_installs_in_a_fresh_venv_and_runs(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    python = venv / "bin" / "python"
    r = _pip("--python", python, "install", "--no-index", "--no-deps", "-q", wheel)
    assert r.returncode == 0, r.stderr
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([python, "-c", purelib], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    (Path(site) / "_edoc_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.run(
        [python, "-c", "import edoc, importlib.metadata as m; "
         "print(edoc.__file__); print(m.version('edoc-edxml'))"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    path, version = where.stdout.split()
    assert Path(path).is_relative_to(venv), "edoc comes from the installed wheel"
    assert wheel.name.split("-")[1] == version
    edoc_cmd = venv / "bin" / "edoc"
    assert subprocess.run([edoc_cmd, "--version"], capture_output=True, text=True,
                          check=True).stdout.startswith("edoc, version ")  # fmt: skip
    out = tmp_path / "out.edxml"
    built = subprocess.run([edoc_cmd, "build", ROOT / "examples" / "new-document.toml", "-o", out],
                           capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert built.returncode == 0, built.stderr
    checked = subprocess.run([edoc_cmd, "validate", out, "--profile", "strict"],
                             capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert checked.returncode == 0, checked.stdout  # the XSDs ship inside the wheel


def test_no_doc_says_pip_install_edoc() -> None:
    """``pip install edoc`` installs an unrelated project: every install line names edoc-edxml."""
    wrong = re.compile(r"pip install (-[-\w]+ )*['\"]?edoc(?![-\w])")
    hits = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if wrong.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert hits == []


_LEFTOVER = re.compile(r"(\.orig|\.rej|\.bak|\.swp|~)$|(^|/)#[^/]*#$")


def test_no_editor_or_merge_leftover_is_tracked() -> None:
    """A merge's ``*.orig`` was once tracked (and would have shipped in the wheel)."""
    r = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        pytest.skip("not a git checkout")
    assert [p for p in r.stdout.splitlines() if _LEFTOVER.search(p)] == []


def test_no_editor_or_merge_leftover_is_in_the_wheel(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        assert [n for n in z.namelist() if _LEFTOVER.search(n)] == []
