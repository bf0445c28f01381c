"""Every relative link in README.md and docs/ stays inside the repository and names a file
there: a clone has no ``../shared/`` (nor anything else beside it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|<a\s[^>]*href=\"([^\"]+)\"")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|#|//)", re.IGNORECASE)


def _pages() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]


def leaving_links(page: Path) -> list[str]:
    """The relative links of ``page`` that leave the repository or name nothing in it."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)
    bad = []
    for m in LINK.finditer(text):
        target = (m.group(1) or m.group(2)).split("#", 1)[0]
        if not target or EXTERNAL.match(target):
            continue
        resolved = (page.parent / target).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            bad.append(target)
    return bad


def test_no_link_leaves_the_repository() -> None:
    found = {str(p.relative_to(ROOT)): leaving_links(p) for p in _pages()}
    assert {page: links for page, links in found.items() if links} == {}


def test_the_check_catches_a_link_into_shared(tmp_path: Path) -> None:
    probe = tmp_path / "probe.md"
    probe.write_text(
        "See [the vectors](../shared/vectors/README.md), [ok](#here), "
        "[web](https://example.org/x) and `[code](../nowhere.md)`.\n",
        encoding="utf-8",
    )
    assert leaving_links(probe) == ["../shared/vectors/README.md"]
