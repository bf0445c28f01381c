"""The suite's shape: one invalid vector per rule, unique ids and numbers, pluggable hostile
sources, selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from edoc.conformance import (
    Category,
    Expect,
    Vector,
    build_suite,
    register_source,
    select,
    unregister_source,
)
from edoc.model import StatusCode
from edoc.validation import RULES, Severity


def test_one_invalid_vector_per_rule_with_the_rules_outcome(quick_suite: list[Vector]) -> None:
    invalid = [v for v in quick_suite if v.category is Category.INVALID]
    by_rule = {v.rule: v for v in invalid if v.mode == "validate"}
    assert set(by_rule) == set(RULES) - {"EDX-SIG-001"}  # that one needs a signature policy
    for rule_id, v in by_rule.items():
        error = RULES[rule_id].severity is Severity.ERROR  # type: ignore[index]
        assert (v.expect, v.required) == ((Expect.REJECT, True) if error else (Expect.WARN, False))


def test_valid_covers_business_types_and_every_status_code(quick_suite: list[Vector]) -> None:
    ids = {v.id for v in quick_suite if v.category is Category.VALID}
    assert {"valid-new", "valid-revocation", "valid-update", "valid-replacement"} <= ids
    assert {f"valid-status-{c.value}" for c in StatusCode} <= ids
    assert {"valid-signed-rsa", "valid-signed-ec", "valid-many-attachments",
            "valid-large-attachment", "valid-new-no-attachment"} <= ids  # fmt: skip


def test_sizes_differ_only_in_many_and_large() -> None:
    quick, full = build_suite("quick"), build_suite("full")
    assert [v.id for v in quick] == [v.id for v in full]
    (large,) = select(full, ["valid-large-attachment"])
    assert str(64 * 1024 * 1024) in large.title


def test_a_registered_hostile_source_joins_the_suite() -> None:
    extra = Vector(id="hostile-extra", category=Category.HOSTILE, title="extra",
                   expect=Expect.REJECT, make=lambda s: b"<x/>", rule="EDX-XML-001")  # fmt: skip

    def source() -> list[Vector]:
        return [extra]

    register_source(source)
    try:
        assert build_suite("quick")[-1] == extra
    finally:
        unregister_source(source)
    assert extra not in build_suite("quick")


def test_a_hostile_source_cannot_add_other_categories() -> None:
    def source() -> list[Vector]:
        return [Vector(id="sneaky", category=Category.VALID, title="x", expect=Expect.ACCEPT,
                       make=lambda s: b"")]  # fmt: skip

    register_source(source)
    try:
        with pytest.raises(ValueError, match="hostile source gave sneaky in valid"):
            build_suite("quick")
    finally:
        unregister_source(source)


def test_select_by_category_rule_and_tag(quick_suite: list[Vector]) -> None:
    assert {v.id for v in select(quick_suite, ["EDX-ATT-004"])} == {
        "invalid-EDX-ATT-004", "hostile-base64-garbage",
    }  # fmt: skip
    assert len(select(quick_suite, ["corpus"])) == 177
    assert all(v.mode == "verify" for v in select(quick_suite, ["signature"]))
    assert len(select(quick_suite, ["hostile"])) == 7 + 177  # the core set and the corpus
    with pytest.raises(ValueError, match="nope matches no vector"):
        select(quick_suite, ["nope"])


def test_a_workshop_never_reuses_an_earlier_runs_files(tmp_path: Path) -> None:
    from edoc.conformance import Workshop

    (v,) = select(build_suite("quick"), ["valid-signed-ec"])
    first = Workshop(tmp_path, seed=1).path(v).read_bytes()
    again = Workshop(tmp_path, seed=1).path(v).read_bytes()
    assert first != again  # signed afresh with the new run's key, not the stale file
    assert (tmp_path / "seed-1" / "pki" / "ca.pem").exists()


# The suite's meaning, pinned to its version: change a vector's id, category, expected
# outcome, rule, need or mode, and this fails until SUITE_VERSION and the digest change.
PINNED = {"2026.1": "ea52c0c963bf9b61", "2026.2": "56386b376bde7605"}


def test_the_suite_version_changes_with_the_suite() -> None:
    import hashlib
    import json

    from edoc.conformance import SUITE_VERSION
    from edoc.conformance._corpus import corpus_vectors
    from edoc.conformance._hostile import core_hostile_vectors

    core = [v for v in build_suite("full") if v.category is not Category.HOSTILE]
    core += core_hostile_vectors() + corpus_vectors()  # plugged-in sources are not the kit's
    shape = [(v.id, v.category.value, v.expect.value, v.rule, v.required, v.mode, v.kind)
             for v in core]  # fmt: skip
    digest = hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]
    assert PINNED.get(SUITE_VERSION) == digest, (
        f"the suite changed: bump SUITE_VERSION and pin {SUITE_VERSION!r}: {digest!r}"
    )


def test_every_vector_cites_a_public_clause_or_says_it_is_an_interop_choice(
    quick_suite: list[Vector],
) -> None:
    from edoc.conformance.clauses import INTEROP, PUBLIC_SOURCES

    for v in quick_suite:
        clause = v.clause or ""
        assert any(s in clause for s in (*PUBLIC_SOURCES, INTEROP)), (v.id, clause)
        # Nothing a vendor cannot get: edoc's rule ids, its private reference or catalogue.
        for private in ("edoc rule", "edxml-reference", "hostile-inputs"):
            assert private not in clause, v.id


def test_clauses_of_a_few_vectors() -> None:
    """Hand-written: the clause each of these rests on."""
    by_id = {v.id: v.clause for v in build_suite("quick")}
    assert by_id["invalid-EDX-HDR-001"] == (
        "QCVN 102:2016 cl. 1.2 (To: one element per recipient, at least one)")  # fmt: skip
    assert by_id["valid-signed-ec"].startswith("NĐ 30/2020/NĐ-CP Art. 8 h)")  # type: ignore[union-attr]
    assert "TT 15/2025/TT-BKHCN" in by_id["valid-signed-rsa"]  # type: ignore[operator]
    assert by_id["invalid-EDX-TXT-001"].startswith("edoc interop choice")  # type: ignore[union-attr]
    assert "QĐ 28/2018/QĐ-TTg" in by_id["valid-status-13"]  # type: ignore[operator]
