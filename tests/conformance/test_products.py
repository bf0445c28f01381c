"""The kit against two validators that are not edoc (examples/conformance/): one made of
xmllint (XML Schema) and xmlsec1 (signatures), with its rule map, and a lenient one that
passes anything well-formed. Their expected failures are written here by hand, from what
the two tools are known to check, never from a run of the kit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance._kit import edoc_cmd

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = ROOT / "examples" / "conformance"
RULE_MAP = PRODUCTS / "rule-map.toml"
STRICT = f"sh {PRODUCTS / 'xmllint_xmlsec.sh'} validate {{file}}"
STRICT_VERIFY = f"sh {PRODUCTS / 'xmllint_xmlsec.sh'} verify {{file}} {{ca}}"
LENIENT = f"sh {PRODUCTS / 'lenient.sh'} validate {{file}}"
LENIENT_VERIFY = f"sh {PRODUCTS / 'lenient.sh'} verify {{file}}"

pytestmark = pytest.mark.skipif(
    shutil.which("xmllint") is None or shutil.which("xmlsec1") is None,
    reason="xmllint and xmlsec1 are not installed (Debian libxml2-utils, xmlsec1)",
)

# A vector of each kind: valid, one per kind of check, the signature vectors and corpus
# cases of each group.
SELECTION = [
    "valid-new", "valid-status-03", "valid-revocation", "valid-signed-ec",
    "invalid-EDX-HDR-001", "invalid-EDX-HDR-002", "invalid-EDX-XML-001", "invalid-XSD",
    "invalid-EDX-ATT-004", "invalid-EDX-STS-001", "invalid-EDX-READ-CID",
    "invalid-EDX-SIG-001", "invalid-signature-placeholder", "hostile-dtd-xxe",
    "hostile-signature-tampered", "hostile-signature-wrapping",
    "hostile-corpus-P10-truncated", "hostile-corpus-P4-billion-laughs",
    "hostile-corpus-P7-comment-in-subject", "hostile-corpus-S3-XSW1",
    "hostile-corpus-C4-rsa-1024", "hostile-corpus-S4-not-last", "hostile-corpus-C6-expired",
]  # fmt: skip

# xmllint + xmlsec1, with the rule map. The schema cannot say "at least one To" or "no two
# To alike" (edoc's rules do); xmlsec1 1.2 accepts RSA-1024 by default (so does the corpus's
# differential test); a DOCTYPE passes xmllint, and the XXE vector is then refused by the
# schema (E-SCHEMA), not for its DTD (E-XML): the rule map makes that visible. The warn
# vector is accepted, as it should be, but with no code for its rule (optional).
_NAMES = "the validator {} as expected, but its output does not name rule {}"
STRICT_FAILURES = {
    "invalid-EDX-HDR-001": "expected reject, the validator accepted it (exit 0)",
    "invalid-EDX-HDR-002": "expected reject, the validator accepted it (exit 0)",
    "hostile-corpus-C4-rsa-1024": "expected reject, the validator accepted it (exit 0)",
    "hostile-dtd-xxe": _NAMES.format("rejected it (exit 1)", "EDX-XML-001")
    + " or its mapped code(s) E-XML",
    "invalid-EDX-READ-CID": _NAMES.format("accepted it (exit 0)", "EDX-READ-CID")
    + " (the rule map has no code for it)",
}
# The lenient one fails every vector to reject that is well-formed XML and, for signatures,
# has a Signature element; libxml2 refuses the billion laughs and truncated input itself.
LENIENT_FAILURES = {
    "invalid-EDX-HDR-001", "invalid-EDX-HDR-002", "invalid-XSD", "invalid-EDX-ATT-004",
    "invalid-EDX-STS-001", "invalid-signature-placeholder", "hostile-dtd-xxe",
    "hostile-signature-tampered", "hostile-signature-wrapping", "hostile-corpus-S3-XSW1",
    "hostile-corpus-C4-rsa-1024", "hostile-corpus-S4-not-last", "hostile-corpus-C6-expired",
}  # fmt: skip


def _kit(*args: str, out: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDOC_SCHEMAS": str(ROOT / "schemas")}
    only = [a for vid in SELECTION for a in ("--only", vid)] if "--only" not in args else []
    output = ["-o", str(out)] if out is not None else []
    return subprocess.run(
        [*edoc_cmd().split(), "conformance", "run", "validator", "--seed", "5", "--size",
         "quick", *only, *args, *output],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip


def _failures(out: Path) -> dict[str, str]:
    data = json.loads(out.read_text(encoding="utf-8"))
    return {r["id"]: r["reason"] for r in data["results"] if r["status"] == "fail"}


def test_xmllint_and_xmlsec1_with_their_rule_map(tmp_path: Path) -> None:
    out = tmp_path / "strict.json"
    proc = _kit("--cmd", STRICT, "--verify-cmd", STRICT_VERIFY, "--rule-map", str(RULE_MAP),
                out=out)  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _failures(out) == STRICT_FAILURES
    assert "verdict FAIL: the product failed required vectors (exit 1)" in proc.stdout
    assert ("FAIL invalid-EDX-HDR-001 (invalid, required): expected reject, the validator "
            "accepted it (exit 0)") in proc.stdout  # fmt: skip
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["options"]["rule_map_codes"]["XSD"] == ["E-SCHEMA"]
    assert data["categories"]["hostile"]["required_failed"] == 2  # rsa-1024, xxe


def test_a_lenient_validator(tmp_path: Path) -> None:
    out = tmp_path / "lenient.json"
    proc = _kit("--cmd", LENIENT, "--verify-cmd", LENIENT_VERIFY, out=out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert set(_failures(out)) == LENIENT_FAILURES
    assert all(r == "expected reject, the validator accepted it (exit 0)"
               for r in _failures(out).values())  # fmt: skip


def test_without_signatures_the_run_is_incomplete(tmp_path: Path) -> None:
    """Everything it ran passed, but the signature vectors were skipped: exit 3."""
    out = tmp_path / "incomplete.json"
    proc = _kit("--only", "valid-new", "--only", "invalid-XSD", "--only", "invalid-EDX-SIG-001",
                "--only", "hostile-signature-tampered", "--cmd", STRICT, out=out)  # fmt: skip
    assert proc.returncode == 3, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == ("SKIP 2 vector(s), 2 required (invalid-EDX-SIG-001, "
                        "hostile-signature-tampered): a signature vector: give --verify-cmd "
                        "to run it")  # fmt: skip
    assert lines[-2] == ("verdict INCOMPLETE: required vectors were skipped, so this is not a "
                         "pass (exit 3)")  # fmt: skip
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["verdict"], data["ok"], data["summary"]["required_skipped"]) == (
        "incomplete", False, 2)  # fmt: skip


def test_setup_errors_are_not_product_failures(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from edoc.cli import main

    def run(*args: str) -> tuple[int, str]:
        argv = ["conformance", "run", "validator", "--only", "valid-new", "--work", str(tmp_path)]
        result = CliRunner().invoke(main, [*argv, *args])
        return result.exit_code, result.output

    code, out = run("--cmd", "no-such-validator-xyz {file}")
    assert code == 2
    assert "setup error: the command's program 'no-such-validator-xyz' is not found on PATH" in out
    assert "verdict" not in out  # no vector ran
    bad_map = tmp_path / "map.json"
    bad_map.write_text('{"EDX-NOPE-001": "X"}', encoding="utf-8")
    code, out = run("--cmd", STRICT, "--rule-map", str(bad_map))
    assert code == 2
    assert "'EDX-NOPE-001' is not a rule of the suite" in out
    code, out = run("--cmd", STRICT, "--timeout", "0")
    assert code == 2  # click's own usage error
