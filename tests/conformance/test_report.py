"""Reports: JSON round trip, JUnit read by junitparser, HTML escaped and rendered by Chromium."""

from __future__ import annotations

import json
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
        options={"cmd": HOSTILE,
                 "replay": "edoc conformance run validator --cmd 'x {file}' --seed 42"},
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


def test_html_escapes_everything_and_carries_no_script() -> None:
    from lxml import html as lhtml

    page = to_html(_run())
    assert "<script" not in page
    assert "<img src=x" not in page
    doc = lhtml.fromstring(page)
    (csp,) = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")  # type: ignore[misc, str-unpack]
    assert csp.startswith("default-src 'none'; style-src 'sha256-")  # type: ignore[arg-type, union-attr]
    assert "unsafe" not in csp  # type: ignore[operator]
    assert "script-src" not in csp  # type: ignore[operator]


def test_html_is_readable_as_served_failures_first() -> None:
    """No script fills anything in: the verdict, the counts and the order are in the HTML."""
    from lxml import html as lhtml

    doc = lhtml.fromstring(to_html(_run()))
    assert doc.get_element_by_id("verdict").text_content() == "FAIL"  # type: ignore[attr-defined]
    row = doc.get_element_by_id("category-invalid")  # type: ignore[attr-defined]
    assert [td.text_content() for td in row.xpath("td")] == ["6", "2", "3", "1", "2", "1"]
    ids = [tr.get("id") for tr in doc.xpath("//tr[contains(@class, 'result')]")]  # type: ignore[union-attr]
    hostile_id = "vector-" + HOSTILE
    assert ids == ["vector-v-3", hostile_id, "vector-v-4", "vector-v-5", "vector-v-1",
                   "vector-v-2"]  # fmt: skip
    replay = doc.get_element_by_id("vector-v-3").xpath("td[@class='replay']")[0].text_content()  # type: ignore[attr-defined]
    assert replay == ("edoc conformance run validator --cmd 'x {file}' --seed 42 "
                      "--only v-3 --work conformance-replay")  # fmt: skip


def test_chromium_shows_the_report_and_filters_it_without_javascript(tmp_path: Path) -> None:
    from conformance._chromium import Page

    page = tmp_path / "report.html"
    page.write_text(to_html(_run()), encoding="utf-8")
    injected = tmp_path / "injected.html"  # the same page with a script: the CSP stops it
    script = "<script>document.title='script ran'</script></body>"
    injected.write_text(to_html(_run()).replace("</body>", script), encoding="utf-8")
    browser = Page(page.as_uri(), tmp_path / "profile")
    try:
        visible = """[...document.querySelectorAll('tr.result')]
            .filter(tr => getComputedStyle(tr).display !== 'none').map(tr => tr.id)"""
        everything = ["vector-v-3", "vector-" + HOSTILE, "vector-v-4", "vector-v-5",
                      "vector-v-1", "vector-v-2"]  # fmt: skip
        assert browser.evaluate(visible) == everything
        assert browser.evaluate("document.getElementById('verdict').textContent") == "FAIL"
        # The page's own style applies under the CSP (its hash is allowed): failures are red.
        colour = "getComputedStyle(document.querySelector('tr.fail td.status')).backgroundColor"
        assert browser.evaluate(colour) == "rgb(248, 215, 218)"
        assert browser.evaluate("document.querySelectorAll('img, script').length") == 0
        for link, shown in [
            ("#only-failed", ["vector-v-3", "vector-" + HOSTILE, "vector-v-4"]),
            ("#only-required-failed", ["vector-v-3", "vector-" + HOSTILE]),
            ("#only-skipped", ["vector-v-5"]),
            ("#only-passed", ["vector-v-1", "vector-v-2"]),
            ("#only-cat-invalid", everything),
            ("#only-all", everything),
        ]:
            browser.evaluate(f"document.querySelector('a[href=\"{link}\"]').click()")
            assert browser.evaluate(visible) == shown, link
        browser.navigate(injected.as_uri())
        assert browser.evaluate("document.title").startswith("edoc conformance: validator FAIL")
    finally:
        browser.close()
