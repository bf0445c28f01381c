"""Rule maps: TOML or JSON, suite rule -> the product's codes; mistakes are setup errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from edoc.conformance import Category, Expect, Vector
from edoc.conformance.results import Status
from edoc.conformance.rulemap import load_rule_map
from edoc.conformance.validator import judge_exit
from edoc.errors import InputError

KNOWN = {"XSD", "EDX-HDR-001"}


def test_toml_and_json_give_the_same_map(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text('XSD = "E-SCHEMA"\n"EDX-HDR-001" = ["N.To", "E12"]\n')
    (tmp_path / "m.json").write_text('{"XSD": "E-SCHEMA", "EDX-HDR-001": ["N.To", "E12"]}')
    want = {"XSD": ("E-SCHEMA",), "EDX-HDR-001": ("N.To", "E12")}
    assert load_rule_map(tmp_path / "m.toml", KNOWN) == want
    assert load_rule_map(tmp_path / "m.json", KNOWN) == want


@pytest.mark.parametrize(("name", "text", "message"), [
    ("m.toml", "XSD = [1]\n", "XSD must be a code or a list of codes"),
    ("m.toml", 'XSD = "a"\nXSD = "b"\n', "not TOML"),
    ("m.json", '["XSD"]', "must map suite rule ids to codes"),
    ("m.json", '{"EDX-NOPE": "x"}', "'EDX-NOPE' is not a rule of the suite"),
    ("m.json", '{"XSD": ""}', "XSD must be a code or a list of codes"),
])  # fmt: skip
def test_a_bad_map_is_refused_with_the_reason(tmp_path: Path, name: str, text: str,
                                              message: str) -> None:  # fmt: skip
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match=message):
        load_rule_map(tmp_path / name, KNOWN)


def test_a_mapped_code_names_the_rule() -> None:
    v = Vector(id="invalid-XSD", category=Category.INVALID, title="t", expect=Expect.REJECT,
               make=lambda s: b"", rule="XSD")  # fmt: skip
    codes = {"XSD": ("E-SCHEMA",)}
    assert judge_exit(v, 1, "E-SCHEMA: bad", match_rule=True, rule_map=codes) == (Status.PASS, "")
    assert judge_exit(v, 1, "XSD: bad", match_rule=True, rule_map=codes) == (Status.PASS, "")
    status, reason = judge_exit(v, 1, "e-schema: bad", match_rule=True, rule_map=codes)
    assert status is Status.FAIL  # codes match as written
    assert reason.endswith("does not name rule XSD or its mapped code(s) E-SCHEMA")
