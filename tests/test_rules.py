"""Every rule has a package that trips it, and a clean package trips none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import pytest

import edoc
from edoc.conformance._invalid import RULE_CASES
from edoc.conformance._packages import Seeded, base_package, reply
from edoc.validation import RULES, Severity, validate

NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=edoc.VN_TZ)
Case = Callable[[], tuple[bytes, dict[str, object]]]


SEEDED = Seeded(seed=0, vector_id="test-rules", serial=7816, to="000.00.00.H41")


def base() -> edoc.EdocPackage:
    return base_package(SEEDED)


def status() -> edoc.StatusPackage:
    return reply(base())


def b(pkg: edoc.EdocPackage | edoc.StatusPackage) -> bytes:
    return edoc.to_bytes(pkg)


# One place for the packages that trip each rule: the conformance kit's generators
# (src/edoc/conformance/_invalid.py). Here: the bytes, and validate()'s arguments.
_KWARGS: dict[str, dict[str, object]] = {"EDX-SIG-001": {"require_signature": True}}


def _case(rule_id: str) -> Case:
    def make() -> tuple[bytes, dict[str, object]]:
        made = RULE_CASES[rule_id][1](attrs.evolve(SEEDED, vector_id=f"invalid-{rule_id}"))
        assert isinstance(made, bytes)
        return made, dict(_KWARGS.get(rule_id, {}))

    return make


CASES: dict[str, Case] = {rule_id: _case(rule_id) for rule_id in RULE_CASES}


@pytest.mark.parametrize("profile", ["interop", "strict"])
@pytest.mark.parametrize("pkg", [base, status], ids=["edoc", "status"])
def test_a_clean_package_trips_no_rule(pkg: Callable[[], edoc.Package], profile: str) -> None:
    report = validate(b(pkg()), profile=profile, now=NOW)
    assert report.findings == ()
    assert report.ok


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_is_tripped(rule_id: str) -> None:
    data, kwargs = CASES[rule_id]()
    kwargs = {"now": NOW, **kwargs}
    report = validate(data, **kwargs)  # type: ignore[arg-type]
    hits = [f for f in report.findings if f.rule == rule_id]
    assert hits, f"{rule_id} not reported; got {[(f.rule, f.message) for f in report.findings]}"
    expected = RULES[rule_id].severity_for(str(kwargs.get("profile", "interop")))
    assert {f.severity for f in hits} == {expected}
    assert all(f.message and f.message_vi for f in hits)


def test_every_registered_rule_has_a_tripping_case() -> None:
    assert sorted(RULES) == sorted(CASES)


def test_findings_carry_line_and_path() -> None:
    data, _ = CASES["EDX-HDR-002"]()
    (finding,) = [f for f in validate(data, now=NOW).findings if f.rule == "EDX-HDR-002"]
    assert finding.path == "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]/OrganId"
    assert (
        finding.line
        == data[: data.index(b"<edXML:To>", data.index(b"<edXML:To>") + 1)].count(b"\n") + 2
    )


def test_strict_reports_variants_as_errors_through_the_schema() -> None:
    data, _ = CASES["EDX-READ-ORDER"]()
    interop = validate(data, now=NOW)
    strict = validate(data, profile="strict", now=NOW)
    assert [f.rule for f in interop.findings] == ["EDX-READ-ORDER"]
    assert interop.ok
    assert not interop.fails(Severity.ERROR)
    assert interop.fails(Severity.WARNING)
    assert {f.rule for f in strict.findings} == {"XSD"}
    assert not strict.ok
