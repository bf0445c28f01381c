"""The documentation site builds in strict mode, and its front page renders in Chromium.

Strict mode turns every warning into a failure: a broken link or anchor, a page missing
from the nav, an API reference (``:class:`X```) that names nothing.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs", reason="no docs extra: pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-4000:]}"
    print(f"mkdocs build --strict: {elapsed:.1f} s")
    return out


def test_strict_build_writes_every_page(site: Path) -> None:
    for page in ("index.html", "getting-started.html", "reference/cli.html", "api/model.html"):
        assert (site / page).is_file(), page
    cli = (site / "reference/cli.html").read_text(encoding="utf-8")
    for command in ("build", "inspect", "validate", "sign", "verify", "send", "receive", "hub"):
        assert f"edoc {command}" in cli, f"the CLI reference lacks `edoc {command}`"
    api = (site / "api/model.html").read_text(encoding="utf-8")
    assert "EdocPackage" in api
    assert "reply_to" in api


def _text(page: Path) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_api_pages_show_full_signatures_and_no_attrs_internals(site: Path) -> None:
    """Signatures are formatted on several lines (a formatter is in the docs extra), and an
    attrs field shows its name and type, not ``= attrs.field(converter=...)``."""
    xml = _text(site / "api/xml.html")
    assert "write(\n    package: Package,\n" in xml
    assert "    overwrite: bool = False,\n" in xml
    assert ") -> WriteResult" in xml
    model = _text(site / "api/model.html")
    assert "organ_id: OrganId" in model
    for internal in ("attrs.field(", "converter=", "validator="):
        assert internal not in model, internal


def test_strict_build_fails_on_a_broken_link(tmp_path: Path) -> None:
    """The strictness is real: one link to a missing page fails the build."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\nSee [nowhere](missing.md).\n", encoding="utf-8")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    head = config.split("\nplugins:")[0]  # validation and theme, without the nav and plugins
    (tmp_path / "mkdocs.yml").write_text(head + "\nplugins: [search]\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=tmp_path,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True,
        check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "missing.md" in proc.stderr


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered RGB(A) rows of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8, f"PNG depth {depth}"
            assert color in (2, 6), f"PNG colour type {color}"
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xFF
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xFF
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line[i] for i in range(stride) if i % channels < 3))
        prev = line
    return width, height, rows


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_front_page_screenshot_shows_the_rendered_site(served: str, tmp_path: Path) -> None:
    url = served + "index.html"
    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'class="md-header' in dom.stdout, "no Material header: not the rendered site"
    assert "<title>edoc</title>" in dom.stdout
    assert "Index of /" not in dom.stdout
    assert "Error response" not in dom.stdout
    assert "Getting started" in dom.stdout

    shot = tmp_path / "front-page.png"
    proc = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,900",
                     "--hide-scrollbars", url)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.is_file()
    keep = os.environ.get("EDOC_DOCS_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)
    width, height, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 900)
    # The Material header is a band of its primary colour (indigo) across the top, and
    # the page below it is mostly white with dark text: neither blank nor one flat colour.
    header = rows[20][3 * 600 : 3 * 603]
    r, g, b = header[0], header[1], header[2]
    indigo = b > r + 40 and b > g + 40
    assert indigo, f"the header is not the theme's indigo: rgb{(r, g, b)}"
    body = b"".join(rows[200:880])
    pixels = [body[i : i + 3] for i in range(0, len(body), 3 * 7)]
    white = sum(p == b"\xff\xff\xff" for p in pixels) / len(pixels)
    dark = sum(max(p) < 100 for p in pixels) / len(pixels)
    assert 0.5 < white < 0.995, f"{white:.1%} of the page body is white"
    assert dark > 0.002, f"no text on the page ({dark:.2%} dark pixels)"
