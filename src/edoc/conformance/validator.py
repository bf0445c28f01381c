"""The ``validator`` target: run a vendor's command on each vector, judge its exit code.

The command is a template split like a shell would (no shell runs it): ``{file}`` is the
vector's path, ``{ca}`` the run's test CA (PEM). Exit code 0 means accepted, anything
else rejected; death by a signal or running past the timeout fails the vector whatever
was expected. With ``match_rule`` a rejected (or warned) vector must also name its rule
in the command's output (stdout or stderr): the suite's id, or one of the codes a rule map
(:mod:`.rulemap`) gives for it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from edoc.conformance.results import Progress, Result, Status
from edoc.conformance.rulemap import RuleMap
from edoc.conformance.vectors import Expect, Vector, Workshop
from edoc.errors import InputError

__all__ = ["check_command", "judge_exit", "run_validator", "split_template"]

_OUTPUT_KEPT = 2000


def split_template(template: str) -> list[str]:
    """The command's arguments; InputError unless it names ``{file}``."""
    try:
        args = shlex.split(template)
    except ValueError as exc:
        raise InputError(f"cannot split the command {template!r}: {exc}") from None
    if not args or not any("{file}" in a for a in args):
        raise InputError(f"the command {template!r} must contain {{file}}")
    return args


def check_command(args: list[str]) -> None:
    """InputError unless the command's program can be run (found on PATH, or a path to an
    executable file): a missing validator is a setup error, not a product failure."""
    program = args[0]
    if os.sep in program or (os.altsep and os.altsep in program):
        if not (os.path.isfile(program) and os.access(program, os.X_OK)):
            raise InputError(f"the command's program {program!r} is not an executable file")
    elif shutil.which(program) is None:
        raise InputError(f"the command's program {program!r} is not found on PATH")


def judge_exit(
    vector: Vector, code: int, output: str, *, match_rule: bool, rule_map: RuleMap | None = None
) -> tuple[Status, str]:
    """PASS or FAIL for an exit code and output, with the reason (one line)."""
    accepted = code == 0
    said = "accepted it (exit 0)" if accepted else f"rejected it (exit {code})"
    if vector.expect in (Expect.ACCEPT, Expect.WARN) and not accepted:
        return Status.FAIL, f"expected {vector.expect.value}, the validator {said}"
    if vector.expect is Expect.REJECT and accepted:
        return Status.FAIL, f"expected reject, the validator {said}"
    judged = match_rule and vector.mode == "validate" and vector.expect is not Expect.ACCEPT
    if judged and vector.rule is not None:
        codes = (rule_map or {}).get(vector.rule, ())
        if not any(c in output for c in (vector.rule, *codes)):
            mapped = f" or its mapped code(s) {', '.join(codes)}" if codes else ""
            unmapped = "" if codes or rule_map is None else " (the rule map has no code for it)"
            return Status.FAIL, (f"the validator {said} as expected, but its output does "
                                 f"not name rule {vector.rule}{mapped}{unmapped}")  # fmt: skip
    return Status.PASS, ""


def _one(
    vector: Vector, workshop: Workshop, args: list[str], *, match_rule: bool, timeout: float,
    rule_map: RuleMap | None = None,
) -> Result:  # fmt: skip
    path = workshop.path(vector)
    argv = [a.replace("{file}", str(path)).replace("{ca}", str(workshop.ca_path(vector)))
            if "{ca}" in a else a.replace("{file}", str(path)) for a in args]  # fmt: skip
    start = time.monotonic()
    try:
        proc = subprocess.run(
            argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        took = time.monotonic() - start
        why = f"the validator gave no answer in {timeout:g} s (killed)"
        return Result.of(vector, Status.FAIL, f"no answer in {timeout:g} s", why, took)
    except OSError as exc:
        raise InputError(f"cannot run {argv[0]!r}: {exc.strerror}") from None
    seconds = time.monotonic() - start
    output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    if proc.returncode < 0:
        why = f"the validator was killed by signal {-proc.returncode}"
        return Result.of(vector, Status.FAIL, f"killed by signal {-proc.returncode}",
                         f"{why}\n{output[-_OUTPUT_KEPT:]}".strip(), seconds, why)  # fmt: skip
    # The file's name holds the vector id (and so the rule id): echoing it names nothing.
    said = output.replace(str(path), "").replace(path.name, "")
    status, reason = judge_exit(vector, proc.returncode, said, match_rule=match_rule,
                                rule_map=rule_map)  # fmt: skip
    actual = f"exit {proc.returncode} ({'accepted' if proc.returncode == 0 else 'rejected'})"
    detail = reason + ("\n" if reason and output else "") + output[-_OUTPUT_KEPT:]
    return Result.of(vector, status, actual, detail.strip(), seconds, reason)


def run_validator(
    vectors: Sequence[Vector],
    workshop: Workshop,
    *,
    cmd: str,
    verify_cmd: str | None = None,
    match_rule: bool = False,
    rule_map: RuleMap | None = None,
    timeout: float = 60.0,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[Result]:
    """Judge the vendor's validator on every vector, in suite order.

    ``verify`` vectors (signatures) run with ``verify_cmd``; without one they are skipped,
    and a run that skipped a required vector is incomplete, never a pass. A ``rule_map``
    implies ``match_rule``. A command that cannot be run raises InputError before any
    vector runs.
    """
    plain = split_template(cmd)
    verify = split_template(verify_cmd) if verify_cmd else None
    for args in (plain, verify):
        if args is not None:
            check_command(args)
    match_rule = match_rule or rule_map is not None

    def task(v: Vector) -> Result:
        if v.mode == "verify":
            if verify is None:
                return Result.of(v, Status.SKIP, "not run",
                                 "a signature vector: give --verify-cmd to run it")  # fmt: skip
            return _one(v, workshop, verify, match_rule=match_rule, timeout=timeout,
                        rule_map=rule_map)  # fmt: skip
        return _one(v, workshop, plain, match_rule=match_rule, timeout=timeout,
                    rule_map=rule_map)  # fmt: skip

    results: list[Result] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for result in pool.map(task, vectors):
            results.append(result)
            if progress is not None:
                progress(len(results), len(vectors), result)
    return results
