"""The kit's hostile section (``src/edoc/conformance/corpus.zip``) is the corpus of
tests/hostile: every case it holds is in the corpus with the same outcome, and its signed
cases verify against the CA it ships. Refresh it with tests/conformance/export_corpus.py."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import pytest

from conformance.export_corpus import _ALSO_INVALID, _RULE_OF_ERROR
from edoc.conformance import Expect, Workshop, build_suite, select
from edoc.conformance._corpus import CORPUS_FORMAT, SNAPSHOT
from hostile._case import Accepted, Flagged, Refused
from hostile.corpus import CASES

_FIX = "re-run .venv/bin/python tests/conformance/export_corpus.py"


def _snapshot() -> dict[str, object]:
    with zipfile.ZipFile(SNAPSHOT) as z:
        data: dict[str, object] = json.loads(z.read("index.json"))
    assert data["format"] == CORPUS_FORMAT
    return data


def _index() -> list[dict[str, object]]:
    cases: list[dict[str, object]] = _snapshot()["cases"]  # type: ignore[assignment]
    return cases


def test_every_case_of_the_snapshot_is_the_corpus_case() -> None:
    corpus = {c.name: c for c in CASES}
    for entry in _index():
        name = str(entry["name"])
        assert name in corpus, f"{name} is no longer in the corpus: {_FIX}"
        case = corpus[name]
        assert entry["op"] == case.op, f"{name}: {_FIX}"
        expect = case.expect
        if isinstance(expect, Refused):
            want = ("refused", expect.error.__name__, _RULE_OF_ERROR.get(expect.error))
            assert (entry["outcome"], entry["error"], entry["rule"]) == want, f"{name}: {_FIX}"
        elif isinstance(expect, Flagged):
            rule = _ALSO_INVALID.get(name, expect.rule)
            assert (entry["outcome"], entry["rule"]) == ("flagged", rule), f"{name}: {_FIX}"
        else:
            assert isinstance(expect, Accepted)
            assert entry["outcome"] == "accepted", f"{name}: {_FIX}"
    known = {e["name"] for e in _index()} | set(_snapshot()["left_out"])  # type: ignore[call-overload]
    new = [c.name for c in CASES if c.name not in known]
    if new:  # a corpus case added since the export (another branch): not an error here
        warnings.warn(f"{len(new)} corpus case(s) not in the kit yet ({', '.join(new[:5])}…): "
                      f"{_FIX}", stacklevel=1)  # fmt: skip


def test_the_snapshot_maps_outcomes_to_expectations(quick_suite: list) -> None:  # type: ignore[type-arg]
    corpus = {v.id: v for v in select(quick_suite, ["corpus"])}
    assert len(corpus) == len(_index()) >= 150
    # Hand-picked: a refused parser case, a warning, an accepted signature variant.
    xxe = corpus["hostile-corpus-P2-file-and-network-validate"]
    assert (xxe.expect, xxe.required, xxe.mode) == (Expect.REJECT, True, "validate")
    bidi = corpus["hostile-corpus-P13-bidi-override"]
    assert (bidi.expect, bidi.required, bidi.rule) == (Expect.WARN, False, "EDX-TXT-001")
    comment = corpus["hostile-corpus-P7-comment-in-subject"]
    assert (comment.expect, comment.required, comment.mode) == (Expect.ACCEPT, False, "verify")
    assert all(v.clause for v in corpus.values())


def test_signed_cases_verify_against_the_shipped_ca(tmp_path: Path) -> None:
    """The accepted signature cases still verify with the CA in the snapshot (valid for 20
    years): the snapshot does not rot with the calendar."""
    from edoc.signing.trust import TrustStore
    from edoc.signing.verifier import verify

    shop = Workshop(tmp_path, seed=1)
    accepted = [v for v in select(build_suite("quick"), ["corpus"])
                if v.mode == "verify" and v.expect is Expect.ACCEPT]  # fmt: skip
    assert len(accepted) >= 10
    for v in accepted:
        result = verify(shop.path(v), trust=TrustStore.from_pem(shop.ca_path(v)))
        assert result.package is not None, v.id


@pytest.mark.slow
def test_the_export_reproduces_the_snapshots_cases(tmp_path: Path) -> None:
    from conformance.export_corpus import export

    count, _ = export(tmp_path / "corpus.zip")
    with zipfile.ZipFile(tmp_path / "corpus.zip") as z:
        fresh = [e["name"] for e in json.loads(z.read("index.json"))["cases"]]
    assert count == len(fresh)
    assert fresh == [e["name"] for e in _index()], _FIX
