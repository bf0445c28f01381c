"""The ``validator`` target: run a vendor's command on each vector, judge its exit code.

The command is a template split like a shell would (no shell runs it): ``{file}`` is the
vector's path, ``{ca}`` the run's test CA (PEM). Exit code 0 means accepted, anything
else rejected; death by a signal or running past the timeout fails the vector whatever
was expected. With ``match_rule`` a rejected (or warned) vector must also name its rule
id in the command's output (stdout or stderr).
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from edoc.conformance.results import Progress, Result, Status
from edoc.conformance.vectors import Expect, Vector, Workshop
from edoc.errors import InputError

__all__ = ["judge_exit", "run_validator", "split_template"]

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


def judge_exit(
    vector: Vector, code: int, output: str, *, match_rule: bool
) -> tuple[Status, str]:
    """PASS or FAIL for an exit code and output, with the reason."""
    accepted = code == 0
    if vector.expect in (Expect.ACCEPT, Expect.WARN) and not accepted:
        return Status.FAIL, f"expected {vector.expect.value}, the validator rejected it"
    if vector.expect is Expect.REJECT and accepted:
        return Status.FAIL, "expected reject, the validator accepted it"
    named = vector.rule is None or vector.rule in output
    judged = match_rule and vector.mode == "validate" and vector.expect is not Expect.ACCEPT
    if judged and not named:
        return Status.FAIL, f"the output does not name rule {vector.rule}"
    return Status.PASS, ""


def _one(
    vector: Vector, workshop: Workshop, args: list[str], *, match_rule: bool, timeout: float
) -> Result:
    path = workshop.path(vector)
    argv = [a.replace("{file}", str(path)).replace("{ca}", str(workshop.pki.ca_path))
            if "{ca}" in a else a.replace("{file}", str(path)) for a in args]  # fmt: skip
    start = time.monotonic()
    try:
        proc = subprocess.run(
            argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        took = time.monotonic() - start
        return Result.of(vector, Status.FAIL, f"no answer in {timeout:g} s",
                         "the command was killed after the timeout", took)  # fmt: skip
    except OSError as exc:
        raise InputError(f"cannot run {argv[0]!r}: {exc.strerror}") from None
    seconds = time.monotonic() - start
    output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    if proc.returncode < 0:
        return Result.of(vector, Status.FAIL, f"killed by signal {-proc.returncode}",
                         output[-_OUTPUT_KEPT:], seconds)  # fmt: skip
    # The file's name holds the vector id (and so the rule id): echoing it names nothing.
    said = output.replace(str(path), "").replace(path.name, "")
    status, reason = judge_exit(vector, proc.returncode, said, match_rule=match_rule)
    actual = f"exit {proc.returncode} ({'accepted' if proc.returncode == 0 else 'rejected'})"
    detail = reason + ("\n" if reason and output else "") + output[-_OUTPUT_KEPT:]
    return Result.of(vector, status, actual, detail.strip(), seconds)


def run_validator(
    vectors: Sequence[Vector],
    workshop: Workshop,
    *,
    cmd: str,
    verify_cmd: str | None = None,
    match_rule: bool = False,
    timeout: float = 60.0,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[Result]:
    """Judge the vendor's validator on every vector, in suite order.

    ``verify`` vectors (signatures) run with ``verify_cmd``; without one they are skipped.
    """
    plain = split_template(cmd)
    verify = split_template(verify_cmd) if verify_cmd else None

    def task(v: Vector) -> Result:
        if v.mode == "verify":
            if verify is None:
                return Result.of(v, Status.SKIP, "not run",
                                 "a signature vector: give --verify-cmd to run it")  # fmt: skip
            return _one(v, workshop, verify, match_rule=match_rule, timeout=timeout)
        return _one(v, workshop, plain, match_rule=match_rule, timeout=timeout)

    results: list[Result] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for result in pool.map(task, vectors):
            results.append(result)
            if progress is not None:
                progress(len(results), len(vectors), result)
    return results
