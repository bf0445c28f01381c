"""``edoc conformance list|run|report`` as a vendor runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conformance._kit import edoc_cmd, script_cmd
from edoc.conformance import SUITE_VERSION, build_suite
from edoc.validation import RULES


def _edoc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*edoc_cmd().split(), *args], capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


def test_list_json_has_every_rule_and_the_version() -> None:
    proc = _edoc("conformance", "list", "--json", "--size", "quick")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["suite_version"] == SUITE_VERSION
    rules = {v["rule"] for v in doc["vectors"] if v["category"] == "invalid"}
    assert rules == set(RULES)
    categories = [v["category"] for v in doc["vectors"]]
    assert {c: categories.count(c) for c in set(categories)} == {
        "valid": 20, "invalid": 57, "hostile": 7 + 177,
    }  # fmt: skip


def test_run_prints_seed_and_version_fails_on_required_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = _edoc("conformance", "run", "validator", "--seed", "77", "--size", "quick",
                 "--only", "valid-new", "--only", "invalid-EDX-HDR-00[12]",
                 "--cmd", script_cmd("accept_all.py"), "-o", str(out))  # fmt: skip
    assert proc.returncode == 1
    assert f"edoc conformance suite {SUITE_VERSION}, seed 77" in proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:2] == [
        "FAIL invalid-EDX-HDR-001 (invalid, required): expected reject, the validator "
        "accepted it (exit 0)",
        "FAIL invalid-EDX-HDR-002 (invalid, required): expected reject, the validator "
        "accepted it (exit 0)",
    ]
    assert [line.split() for line in lines[2:5]] == [
        ["category", "total", "passed", "failed", "skipped", "req-failed", "req-skipped"],
        ["valid", "1", "1", "0", "0", "0", "0"],
        ["invalid", "2", "0", "2", "0", "2", "0"],
    ]
    assert lines[5].endswith(": 1 passed, 2 failed (2 required), 0 skipped (0 required), of 3")
    assert lines[6] == "verdict FAIL: the product failed required vectors (exit 1)"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["seed"], data["suite_version"], data["target"]) == (77, SUITE_VERSION, "validator")
    html, junit = tmp_path / "r.html", tmp_path / "r.xml"
    proc = _edoc("conformance", "report", str(out), "--html", str(html), "--junit", str(junit))
    assert proc.returncode == 1  # the run failed: so does its report
    assert 'id="category-invalid"' in html.read_text(encoding="utf-8")
    assert junit.read_text(encoding="utf-8").count("<testcase") == 3


def test_run_passes_when_every_required_vector_passes(tmp_path: Path) -> None:
    # Optional (warn) vectors fail under reject-all, yet the exit code is 0.
    proc = _edoc("conformance", "run", "validator", "--seed", "1", "--only", "invalid-EDX-READ-CID",
                 "--only", "invalid-EDX-HDR-001", "--cmd", script_cmd("reject_all.py"))  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (
        "FAIL invalid-EDX-READ-CID (invalid, optional): expected warn, the validator "
        "rejected it (exit 1)" in proc.stdout
    )


def test_unknown_only_pattern_is_a_usage_error() -> None:
    proc = _edoc("conformance", "run", "validator", "--only", "no-such-vector", "--cmd", "x {file}")
    assert proc.returncode == 2
    assert "no-such-vector matches no vector" in proc.stderr


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    from edoc.conformance import Workshop, select

    (v,) = select(build_suite("quick"), ["valid-many-attachments"])
    a = Workshop(tmp_path / "a", seed=5).path(v).read_bytes()
    b = Workshop(tmp_path / "b", seed=5).path(v).read_bytes()
    c = Workshop(tmp_path / "c", seed=6).path(v).read_bytes()
    assert a == b
    assert a != c


def test_large_attachment_is_generated_to_size(tmp_path: Path) -> None:
    from edoc import read
    from edoc.conformance import Workshop, select
    from edoc.model import EdocPackage

    (v,) = select(build_suite("quick"), ["valid-large-attachment"])
    pkg = read(Workshop(tmp_path, seed=3).path(v))
    assert isinstance(pkg, EdocPackage)
    data = pkg.attachments[0].read_bytes()
    assert len(data) == 1024 * 1024
    assert data.startswith(b"%PDF-1.7\n")


def test_receiver_run_reports_a_silent_receiver(tmp_path: Path) -> None:
    import os

    out = tmp_path / "results.json"
    env = {**os.environ, "EDOC_HUB_SECRET": "bi-mat"}
    proc = subprocess.run(
        [*edoc_cmd().split(), "conformance", "run", "receiver", "--hub-port", "0",
         "--agency", "000.00.00.H41", "--only", "valid-new", "--only", "hostile-signature-*",
         "--timeout", "0.5", "--seed", "3", "-o", str(out)],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the kit's hub is listening on http://127.0.0.1:" in proc.stderr
    assert "bi-mat" not in proc.stdout + proc.stderr + out.read_text(encoding="utf-8")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [(r["id"], r["status"]) for r in data["results"]] == [
        ("valid-new", "fail"), ("hostile-signature-wrapping", "skip"),
        ("hostile-signature-tampered", "skip"),
    ]  # fmt: skip
    assert data["results"][0]["detail"] == "no 01 then 03 and acknowledgement in 0.5 s"


def test_receiver_run_needs_the_secret_variable() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "EDOC_HUB_SECRET"}
    proc = subprocess.run(
        [*edoc_cmd().split(), "conformance", "run", "receiver", "--agency", "000.00.00.H41"],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )  # fmt: skip
    assert proc.returncode == 2  # a setup error: nothing was said about the product
    assert "setup error" in proc.stderr
    assert "EDOC_HUB_SECRET" in proc.stderr
