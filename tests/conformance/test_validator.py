"""The validator target against edoc itself and against deliberately broken validators."""

from __future__ import annotations

import pytest

from conformance._kit import edoc_cmd, script_cmd
from edoc.conformance import Vector, Workshop, select
from edoc.conformance.results import Status
from edoc.conformance.validator import run_validator

# What a validator that accepts everything gets wrong: every vector a correct one rejects
# (structure and rules; the signature vectors run only with --verify-cmd).
REJECTED_BY_THE_STANDARD = {
    "invalid-EDX-HDR-001", "invalid-EDX-HDR-002", "invalid-EDX-DATE-001",
    "invalid-EDX-DATE-002", "invalid-EDX-DATE-003", "invalid-EDX-ATT-001",
    "invalid-EDX-ATT-002", "invalid-EDX-ATT-004", "invalid-EDX-BIZ-001",
    "invalid-EDX-BIZ-002", "invalid-EDX-BIZ-003", "invalid-EDX-STS-001",
    "invalid-EDX-STS-002", "invalid-EDX-STS-003", "invalid-EDX-XML-001",
    "invalid-EDX-XML-002", "invalid-EDX-MODEL-001", "invalid-XSD",
    "invalid-EDX-READ-NO-CONTENT", "invalid-EDX-READ-MISSING", "invalid-EDX-READ-VALUE",
    "hostile-dtd-xxe", "hostile-billion-laughs",
    "hostile-base64-garbage", "invalid-EDX-PDF-002",
}  # fmt: skip
SIGNATURE_VECTORS = {
    "invalid-EDX-SIG-001", "invalid-signature-placeholder", "hostile-signature-wrapping",
    "hostile-signature-tampered",
}  # fmt: skip
# What a validator blind to attachments gets wrong.
ATTACHMENT_VECTORS = {
    "invalid-EDX-ATT-001", "invalid-EDX-ATT-002", "invalid-EDX-ATT-004", "hostile-base64-garbage",
}  # fmt: skip


def _failed(results: list) -> set[str]:  # type: ignore[type-arg]
    return {r.id for r in results if r.status is Status.FAIL}


def _own(suite: list[Vector]) -> list[Vector]:
    """The kit's own vectors (the corpus snapshot has tests of its own)."""
    return [v for v in suite if "corpus" not in v.tags]


def test_accept_all_fails_exactly_the_vectors_to_reject(
    quick_suite: list[Vector], workshop: Workshop
) -> None:
    results = run_validator(_own(quick_suite), workshop, cmd=script_cmd("accept_all.py"), jobs=2)
    assert _failed(results) == REJECTED_BY_THE_STANDARD
    assert {r.id for r in results if r.status is Status.SKIP} == SIGNATURE_VECTORS
    assert all(r.required for r in results if r.status is Status.FAIL)


def test_reject_all_fails_exactly_the_vectors_to_accept(
    quick_suite: list[Vector], workshop: Workshop
) -> None:
    results = run_validator(_own(quick_suite), workshop, cmd=script_cmd("reject_all.py"),
                            verify_cmd=script_cmd("reject_all.py"), jobs=2)  # fmt: skip
    ran = {v.id for v in _own(quick_suite)}
    assert _failed(results) == ran - REJECTED_BY_THE_STANDARD - SIGNATURE_VECTORS
    # Among them every valid vector and the interop variants (accepted with a warning).
    assert {r.id for r in results if r.status is Status.FAIL and r.category == "valid"} == {
        v.id for v in quick_suite if v.category.value == "valid"
    }
    assert "invalid-EDX-READ-SPELLING" in _failed(results)


@pytest.mark.slow
def test_ignore_attachments_fails_exactly_the_attachment_vectors(
    quick_suite: list[Vector], workshop: Workshop
) -> None:
    results = run_validator(_own(quick_suite), workshop,
                            cmd=script_cmd("ignore_attachments.py"), jobs=2)  # fmt: skip
    assert _failed(results) == ATTACHMENT_VECTORS


def test_ignore_attachments_on_the_attachment_rules(
    quick_suite: list[Vector], workshop: Workshop
) -> None:
    vectors = _own(select(quick_suite, ["EDX-ATT-*", "hostile-base64-garbage", "valid-many-*",
                                        "invalid-EDX-HDR-001"]))  # fmt: skip
    results = run_validator(vectors, workshop, cmd=script_cmd("ignore_attachments.py"), jobs=2)
    assert _failed(results) == ATTACHMENT_VECTORS
    assert len(results) == 11  # ATT-001..006, two path traversals, garbage, many, HDR-001


@pytest.mark.slow
def test_edoc_itself_passes_every_vector(quick_suite: list[Vector], workshop: Workshop) -> None:
    results = run_validator(
        quick_suite, workshop, cmd=edoc_cmd("validate", "{file}"),
        verify_cmd=edoc_cmd("verify", "{file}", "--trust", "{ca}"), match_rule=True, jobs=2,
    )  # fmt: skip
    assert [(r.id, r.actual, r.detail) for r in results if r.status is not Status.PASS] == []


def test_edoc_itself_passes_a_vector_of_each_kind(
    quick_suite: list[Vector], workshop: Workshop
) -> None:
    vectors = select(quick_suite, ["valid-new", "valid-status-02", "invalid-EDX-HDR-002",
                                   "invalid-EDX-READ-CID", "hostile-dtd-xxe",
                                   "hostile-signature-tampered"])  # fmt: skip
    results = run_validator(
        vectors, workshop, cmd=edoc_cmd("validate", "{file}"),
        verify_cmd=edoc_cmd("verify", "{file}", "--trust", "{ca}"), match_rule=True, jobs=2,
    )  # fmt: skip
    assert [(r.id, r.status) for r in results] == [(v.id, Status.PASS) for v in vectors]


def test_match_rule_fails_a_rejection_that_names_no_rule(
    quick_suite: list[Vector], workshop: Workshop
) -> None:
    vectors = select(quick_suite, ["invalid-EDX-HDR-001"])
    (plain,) = run_validator(vectors, workshop, cmd=script_cmd("reject_all.py"))
    (matched,) = run_validator(vectors, workshop, cmd=script_cmd("reject_all.py"),
                               match_rule=True)  # fmt: skip
    assert plain.status is Status.PASS
    assert matched.status is Status.FAIL
    assert matched.reason == (
        "the validator rejected it (exit 1) as expected, but its output "
        "does not name rule EDX-HDR-001"
    )


def test_a_validator_past_the_timeout_fails(quick_suite: list[Vector], workshop: Workshop) -> None:
    import sys

    vectors = select(quick_suite, ["valid-new"])
    cmd = f'{sys.executable} -c "import time; time.sleep(30)" {{file}}'
    (result,) = run_validator(vectors, workshop, cmd=cmd, timeout=0.5)
    assert result.status is Status.FAIL
    assert result.actual == "no answer in 0.5 s"
