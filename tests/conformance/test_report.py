"""Reports: JSON round trip, JUnit read by junitparser, HTML escaped and rendered by Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from junitparser import JUnitXml

from edoc.conformance.report import to_html, to_junit
from edoc.conformance.results import Result, Run, Status
from edoc.errors import InputError

HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)> & "\x07'


def _run() -> Run:
    def r(i: int, status: Status, required: bool = True, **kw: str) -> Result:
        values = {"id": f"v-{i}", "category": "invalid", "title": f"vector {i}", "expect": "reject",
                  "rule": "EDX-HDR-001", "clause": "c", "required": required, "status": status,
                  "actual": "exit 0 (accepted)", "detail": "", "seconds": 0.5}  # fmt: skip
        values.update(kw)
        return Result(**values)  # type: ignore[arg-type]

    return Run(
        suite_version="2026.1", seed=42, target="validator", size="quick", edoc_version="x",
        started="2026-11-23T21:00:00+00:00", finished="2026-11-23T21:01:00+00:00",
        options={"cmd": HOSTILE},
        results=(
            r(1, Status.PASS), r(2, Status.PASS), r(3, Status.FAIL),
            r(4, Status.FAIL, required=False), r(5, Status.SKIP),
            r(6, Status.FAIL, title=HOSTILE, detail=HOSTILE, id=HOSTILE),
        ),
    )  # fmt: skip


def test_json_round_trip_and_shape(tmp_path: Path) -> None:
    run = _run()
    run.save(tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["format"] == "edoc.conformance/1"
    assert (data["seed"], data["suite_version"], data["ok"]) == (42, "2026.1", False)
    assert data["summary"] == {"total": 6, "passed": 2, "failed": 3, "skipped": 1,
                               "required_failed": 2, "optional_failed": 1,
                               "required_skipped": 1}  # fmt: skip
    assert data["verdict"] == "fail"
    assert Run.load(tmp_path / "r.json") == run


def test_load_refuses_other_json(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"format": "edoc.validation/1"}')
    with pytest.raises(InputError, match=r"not a edoc\.conformance/1 results file"):
        Run.load(tmp_path / "x.json")


def test_junit_counts_read_by_junitparser(tmp_path: Path) -> None:
    (tmp_path / "j.xml").write_text(to_junit(_run()), encoding="utf-8")
    xml = JUnitXml.fromfile(str(tmp_path / "j.xml"))
    cases = [case for suite in xml for case in suite]
    assert len(cases) == 6
    failed = [c.name for c in cases if c.result and type(c.result[0]).__name__ == "Failure"]
    skipped = [c.name for c in cases if c.result and type(c.result[0]).__name__ == "Skipped"]
    assert sorted(failed) == sorted(["v-3", "v-4", HOSTILE.replace("\x07", "\ufffd")])
    assert skipped == ["v-5"]


def test_html_escapes_everything() -> None:
    page = to_html(_run())
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert page.count("<script") == 2  # the embedded JSON and the page's own script
    assert "script-src &#x27;sha256-" in page  # the CSP allows only the page's own script


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")


def test_chromium_renders_the_summary_counts(tmp_path: Path) -> None:
    from lxml import html as lhtml

    browser = _chromium()
    page = tmp_path / "report.html"
    page.write_text(to_html(_run()), encoding="utf-8")
    static = lhtml.fromstring(page.read_text(encoding="utf-8"))
    assert static.get_element_by_id("count-failed").text_content() == ""  # only a browser fills it
    profile = tmp_path / "chromium-profile"
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    dom = lhtml.fromstring(proc.stdout.decode("utf-8"))
    assert dom.body.get("data-rendered") == "yes"
    counts = {k: dom.get_element_by_id(f"count-{k}").text_content()
              for k in ("total", "passed", "failed", "skipped", "required-failed")}  # fmt: skip
    assert counts == {"total": "6", "passed": "2", "failed": "3", "skipped": "1",
                      "required-failed": "2"}  # fmt: skip
    assert dom.get_element_by_id("verdict").text_content() == "FAIL"
    assert dom.get_element_by_id("seed").text_content() == "42"
    # The hostile title is shown as text, not run: no element came from it.
    assert not dom.xpath("//img")
    assert len(dom.xpath("//tr[contains(@class, 'result')]")) == 6
