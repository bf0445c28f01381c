"""Render validation reports: text for people, JSON, JUnit XML and SARIF for machines.

Every renderer takes the reports (one per validated file) and the profile they were made
with, and returns a ``str``.

JSON (``to_json``, shape ``edoc.validation/1``)::

    {
      "format": "edoc.validation/1",   # this shape's name and version
      "tool": {
        "name": "edoc",
        "version": "0.1.0"             # edoc.__version__
      },
      "profile": "interop",            # the profile the files were checked against
      "summary": {
        "files": 3,                    # reports rendered
        "failing": 1,                  # files with an error finding, or unreadable
        "error": 2,                    # findings of each severity, over all files
        "warning": 1,
        "note": 0
      },
      "files": [                       # one per file, in the order given
        {
          "source": "in.edxml",        # the file's path as given; null when unknown (stdin)
          "kind": "edoc",              # "edoc", "status", or null when unknown
          "profile": "interop",
          "readable": true,            # false when the file could not be read as XML
          "ok": false,                 # readable and no error finding
          "counts": {"error": 2, "warning": 1, "note": 0},
          "findings": [                # in document order
            {
              "rule": "EDX-HDR-001",   # stable rule id ("XSD" for schema findings)
              "severity": "error",     # "error", "warning" or "note"
              "message": "...",        # English
              "message_vi": "...",     # Vietnamese
              "path": "/edXML/...",    # element path, or null
              "line": 12               # line number, or null
            }
          ]
        }
      ]
    }

Text is UTF-8 with no escaping (``ensure_ascii=False``), indented by 2.

JUnit XML (``to_junit``): one ``testsuite`` named ``edoc validate (PROFILE)``, one
``testcase`` per file; a file with errors has a ``failure``, an unreadable one an
``error``; warnings and notes go to ``system-out``.

JUnit XML (``to_junit``) also carries each file's ``time`` (seconds, when the caller
measured it) and a ``classname`` per folder, so reporters group files by where they are.

SARIF 2.1.0 (``to_sarif``): one run; one rule descriptor per rule id that occurs, with
``help`` (text and Markdown) and ``helpUri``; one result per finding, located by a URI
relative to the base id ``SRCROOT`` (``originalUriBaseIds``: the folder edoc ran in), a
``region`` on every result (line 1 when the finding has no line: code scanning needs one)
and the element path. Files outside that folder keep an absolute ``file://`` URI.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lxml import etree

import edoc
from edoc.validation.findings import REPORT_FORMAT, Finding, Report, Severity
from edoc.validation.registry import RULES

__all__ = ["FORMATS", "render", "to_json", "to_junit", "to_sarif", "to_text"]

FORMATS = ("text", "json", "junit", "sarif")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/edoc-edxml/"
HELP_URI = INFORMATION_URI
"""Where a rule's help points (the project page; docs/rules.md has every rule)."""
BASE_ID = "SRCROOT"
"""The SARIF base id the artifact URIs are relative to."""

_ANSI = {
    Severity.ERROR: "\x1b[31m",
    Severity.WARNING: "\x1b[33m",
    Severity.NOTE: "\x1b[2m",
}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"

# Characters that must not reach a terminal as they are (controls, lone surrogates from
# undecodable file names); tab is kept.
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
# Characters XML 1.0 cannot carry at all.
_UNSAFE_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_char(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def _safe_text(s: str) -> str:
    return _UNSAFE_TEXT.sub(_escape_char, s)


def _safe_xml(s: str) -> str:
    return _UNSAFE_XML.sub(_escape_char, s)


def _dump_json(obj: Any) -> str:
    # A lone surrogate (an undecodable file name) cannot be written as UTF-8: keep it as a
    # JSON escape, which still loads back to the same string.
    return _SURROGATE.sub(_escape_char, json.dumps(obj, ensure_ascii=False, indent=2)) + "\n"


def _name(report: Report) -> str:
    return report.source if report.source is not None else "<stdin>"


def _failing(report: Report) -> bool:
    return not report.readable or bool(report.errors)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _totals(reports: Sequence[Report]) -> dict[Severity, int]:
    totals = dict.fromkeys(Severity, 0)
    for r in reports:
        for f in r.findings:
            totals[f.severity] += 1
    return totals


LANGUAGES = ("en", "vi")
"""The languages of the text report: English, Vietnamese."""

_VI = {
    "error": "lỗi", "warning": "cảnh báo", "note": "ghi chú", "file": "tệp", "ok": "đạt",
    "unreadable": "không đọc được", "line": "dòng",
}  # fmt: skip


def _word(word: str, lang: str | None) -> str:
    return _VI[word] if lang == "vi" else word


def _counted(n: int, word: str, lang: str | None) -> str:
    return f"{n} {_VI[word]}" if lang == "vi" else _count(n, word)


def _finding_lines(
    f: Finding, paint: Callable[[Severity, str], str], lang: str | None = None
) -> list[str]:
    """A finding's lines: English, Vietnamese (``lang="vi"``), or both (``None``)."""
    line = "?" if f.line is None else str(f.line)
    where = f"  ({_safe_text(f.path)})" if f.path else ""
    message = f.message_vi if lang == "vi" and f.message_vi else f.message
    out = [
        f"{_word('line', lang)} {line}  {paint(f.severity, _word(f.severity.value, lang))}  "
        f"{_safe_text(f.rule)}  {_safe_text(message)}{where}"
    ]
    if lang is None and f.message_vi and f.message_vi != f.message:
        out.append(f"  {_safe_text(f.message_vi)}")
    return out


def _plain(_severity: Severity, s: str) -> str:
    return s


def to_text(
    reports: Sequence[Report],
    profile: str,
    *,
    color: bool = False,
    only_failing: Severity | None = None,
    lang: str | None = None,
) -> str:
    """Findings grouped by file, then a summary line; ANSI colours when ``color``.

    With ``only_failing``, only the files that fail at that severity are listed, with the
    summary after them; nothing at all when none fails. ``lang`` is ``"en"`` (English
    only), ``"vi"`` (Vietnamese only) or ``None`` (each message in both).
    """
    if only_failing is not None:
        if not any(r.fails(only_failing) for r in reports):
            return ""
        failing_reports = [r for r in reports if r.fails(only_failing)]
    else:
        failing_reports = list(reports)

    def paint(severity: Severity, s: str) -> str:
        return f"{_ANSI[severity]}{s}{_RESET}" if color else s

    def bold(s: str) -> str:
        return f"{_BOLD}{s}{_RESET}" if color else s

    lines: list[str] = []
    for r in failing_reports:
        counts = {s: sum(f.severity is s for f in r.findings) for s in Severity}
        parts = [
            paint(s, _counted(counts[s], s.value, lang))
            for s in (Severity.WARNING, Severity.NOTE)
            if counts[s]
        ]
        if not r.readable:
            status = paint(Severity.ERROR, _word("unreadable", lang))
        elif counts[Severity.ERROR]:
            errors = paint(Severity.ERROR, _counted(counts[Severity.ERROR], "error", lang))
            status = ", ".join([errors, *parts])
        else:
            status = ", ".join([_word("ok", lang), *parts])
        kind = f" [{r.kind}]" if r.kind else ""
        lines.append(f"{bold(_safe_text(_name(r)))}{kind}: {status}")
        for f in r.findings:
            lines.extend("  " + s for s in _finding_lines(f, paint, lang))
    totals = _totals(reports)
    failing = sum(_failing(r) for r in reports)
    order = (Severity.ERROR, Severity.WARNING, Severity.NOTE)
    tally = ", ".join(_counted(totals[s], s.value, lang) for s in order)
    if lang == "vi":
        summary = f"đã kiểm tra {len(reports)} tệp ({profile}), {failing} không đạt: {tally}"
    else:
        summary = f"{_count(len(reports), 'file')} checked ({profile}), {failing} failing: {tally}"
    lines.append(paint(Severity.ERROR, summary) if failing else summary)
    return "\n".join(lines) + "\n"


def to_json(reports: Sequence[Report], profile: str) -> str:
    """The ``edoc.validation/1`` document described in this module's docstring."""
    totals = _totals(reports)
    doc = {
        "format": REPORT_FORMAT,
        "tool": {"name": "edoc", "version": edoc.__version__},
        "profile": profile,
        "summary": {
            "files": len(reports),
            "failing": sum(_failing(r) for r in reports),
            **{s.value: totals[s] for s in Severity},
        },
        "files": [r.to_dict() for r in reports],
    }
    return _dump_json(doc)


def _classname(report: Report) -> str:
    """The file's folder (``.`` for the current one): reporters group test cases by it."""
    if report.source is None:
        return "<stdin>"
    return _safe_xml(Path(report.source).parent.as_posix())


def to_junit(
    reports: Sequence[Report], profile: str, *, times: Sequence[float] | None = None
) -> str:
    """JUnit XML: one testcase per file, failed by its errors, errored when unreadable.

    ``times`` (seconds per report, in order) fill the ``time`` attributes; 0 when unknown.
    """
    failures = sum(r.readable and bool(r.errors) for r in reports)
    errors = sum(not r.readable for r in reports)
    seconds = list(times) if times is not None else [0.0] * len(reports)
    total = f"{sum(seconds):.3f}"
    counts = {"tests": str(len(reports)), "failures": str(failures), "errors": str(errors)}
    root = etree.Element("testsuites", {"name": "edoc validate", **counts, "time": total})
    suite = etree.SubElement(
        root,
        "testsuite",
        {"name": f"edoc validate ({profile})", **counts, "skipped": "0", "time": total},
    )
    for r, took in zip(reports, seconds, strict=True):
        case = etree.SubElement(
            suite, "testcase", classname=_classname(r), name=_safe_xml(_name(r)),
            time=f"{took:.3f}",
        )  # fmt: skip
        listing = "\n".join(line for f in r.findings for line in _finding_lines(f, _plain))
        first = r.best()
        if not r.readable:
            message = f"unreadable: {first.message}" if first else "unreadable"
            el = etree.SubElement(case, "error", message=_safe_xml(message))
        elif r.errors:
            el = etree.SubElement(case, "failure", message=_count(len(r.errors), "error"))
        else:
            el = None
        if el is not None:
            if first is not None:
                el.set("type", _safe_xml(first.rule))
            el.text = _safe_xml(listing)
        minor = [f for f in r.findings if f.severity is not Severity.ERROR]
        if minor:
            out = etree.SubElement(case, "system-out")
            out.text = _safe_xml(
                "\n".join(line for f in minor for line in _finding_lines(f, _plain))
            )
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return data.decode("utf-8")


_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def _uri(path: str, base: Path) -> dict[str, str]:
    """An artifact location: relative to ``base`` (with :data:`BASE_ID`) where the file is
    inside it, else an absolute ``file://`` URI."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(base)
        except ValueError:
            return {"uri": p.as_uri()}
    # surrogateescape gives an undecodable file name's bytes back, percent-encoded.
    uri = urllib.parse.quote(p.as_posix(), safe="/", errors="surrogateescape")
    return {"uri": uri, "uriBaseId": BASE_ID}


def _descriptor(rule_id: str, profile: str, seen: Severity) -> dict[str, Any]:
    rule = RULES.get(rule_id)
    d: dict[str, Any] = {"id": rule_id, "name": rule_id, "helpUri": HELP_URI}
    if rule is None:
        d["shortDescription"] = {"text": rule_id}
        d["help"] = {"text": f"{rule_id}: see edoc rules", "markdown": f"`{rule_id}`"}
        d["defaultConfiguration"] = {"level": _LEVEL[seen]}
        return d
    d["shortDescription"] = {"text": rule.title}
    if rule.title_vi:
        d["fullDescription"] = {"text": rule.title_vi}
    levels = f"{rule.severity.value} in the interop profile, {rule.strict_severity.value} in strict"
    d["help"] = {
        "text": f"{rule.title}. ({rule.title_vi}.) {levels}; checked by {rule.source}.",
        "markdown": f"**{rule.title}**\n\n{rule.title_vi}\n\n`{rule.id}`: {levels}; "
        f"checked by {rule.source}. The catalogue: `edoc rules` (docs/rules.md).",
    }
    d["defaultConfiguration"] = {"level": _LEVEL[rule.severity_for(profile)]}
    d["properties"] = {"source": rule.source}
    return d


def to_sarif(reports: Sequence[Report], profile: str, *, base: Path | None = None) -> str:
    """A SARIF 2.1.0 log: one run, a rule descriptor per rule that occurs, a result each.

    URIs are relative to ``base`` (default: the current folder), named ``SRCROOT``.
    """
    root = (base or Path.cwd()).resolve()
    rule_index: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    artifact_index: dict[str, int] = {}
    artifacts: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []

    def artifact(source: str) -> dict[str, Any]:
        location = _uri(source, root)
        uri = location["uri"]
        if uri not in artifact_index:
            artifact_index[uri] = len(artifacts)
            artifacts.append({"location": location})
        return {**location, "index": artifact_index[uri]}

    for r in reports:
        if r.source is not None:
            artifact(r.source)
        findings = r.findings
        if not r.readable and not findings:
            # Should not happen (an unreadable file carries its finding); say it anyway.
            findings = (
                Finding(
                    rule="",
                    severity=Severity.ERROR,
                    message="The file could not be read as XML.",
                    message_vi="Không đọc được tệp dưới dạng XML.",
                ),
            )
        for f in findings:
            result: dict[str, Any] = {
                "level": _LEVEL[f.severity],
                "message": {"text": f.message},
            }
            if f.rule:
                if f.rule not in rule_index:
                    rule_index[f.rule] = len(rules)
                    rules.append(_descriptor(f.rule, profile, f.severity))
                result = {"ruleId": f.rule, "ruleIndex": rule_index[f.rule], **result}
            location: dict[str, Any] = {}
            source = f.source if f.source is not None else r.source
            if source is not None:
                line = f.line if f.line is not None and f.line >= 1 else 1
                location["physicalLocation"] = {
                    "artifactLocation": artifact(source),
                    "region": {"startLine": line},
                }
            if f.path:
                location["logicalLocations"] = [{"fullyQualifiedName": f.path, "kind": "element"}]
            if location:
                result["locations"] = [location]
            props: dict[str, Any] = {}
            if f.message_vi:
                props["message_vi"] = f.message_vi
            if not r.readable:
                props["unreadable"] = True
            if props:
                result["properties"] = props
            results.append(result)

    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "edoc",
                "version": edoc.__version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "results": results,
    }
    if artifacts:
        run["artifacts"] = artifacts
        run["originalUriBaseIds"] = {BASE_ID: {"uri": root.as_uri().rstrip("/") + "/"}}
    run["properties"] = {"profile": profile}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return _dump_json(log)


def render(
    reports: Sequence[Report],
    profile: str,
    fmt: str,
    *,
    color: bool = False,
    only_failing: Severity | None = None,
    times: Sequence[float] | None = None,
    lang: str | None = None,
) -> str:
    """Render in ``fmt``: one of :data:`FORMATS` (``only_failing`` and ``lang``: see
    :func:`to_text`; ``times``: see :func:`to_junit`)."""
    if fmt == "text":
        return to_text(reports, profile, color=color, only_failing=only_failing, lang=lang)
    if fmt == "json":
        return to_json(reports, profile)
    if fmt == "junit":
        return to_junit(reports, profile, times=times)
    if fmt == "sarif":
        return to_sarif(reports, profile)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
