"""What a run produces: one result per vector, and the run with its seed and suite version.

The JSON shape (``edoc.conformance/1``) is documented in docs/conformance.md; fields are
only ever added within one format version.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from edoc._files import atomic_write
from edoc.conformance.vectors import Vector
from edoc.errors import InputError

__all__ = ["REPLAY_WORK", "RESULTS_FORMAT", "Progress", "Result", "Run", "Status", "Verdict"]

RESULTS_FORMAT = "edoc.conformance/1"


REPLAY_WORK = "conformance-replay"
"""The ``--work`` folder of the replay commands the reports print."""


class Status(enum.Enum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    SKIP = "skip"


class Verdict(enum.Enum):
    """A whole run: every required vector passed, one failed, or some were not run."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    INCOMPLETE = "incomplete"


@attrs.frozen(kw_only=True)
class Result:
    """How one vector went."""

    id: str
    category: str
    title: str
    expect: str
    rule: str | None
    clause: str | None
    required: bool
    status: Status
    actual: str
    """What happened, short: ``exit 0``, ``status 01 then 03``, ``no answer in 30 s``."""
    detail: str = ""
    """Why it failed or was skipped, then an excerpt of the output."""
    seconds: float = 0.0
    reason: str = ""
    """Why it failed or was skipped, on one line (empty when it passed)."""

    @classmethod
    def of(cls, vector: Vector, status: Status, actual: str, detail: str = "",
           seconds: float = 0.0, reason: str | None = None) -> Result:  # fmt: skip
        """``reason`` defaults to the first line of ``detail`` (for a failure or a skip)."""
        if reason is None:
            reason = detail.strip().split("\n", 1)[0] if status is not Status.PASS else ""
        return cls(
            id=vector.id, category=vector.category.value, title=vector.title,
            expect=vector.expect.value, rule=vector.rule, clause=vector.clause,
            required=vector.required, status=status, actual=actual, detail=detail,
            seconds=round(seconds, 3), reason=" ".join(reason.split()),
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        d = attrs.asdict(self)
        d["status"] = self.status.value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        fields = {a.name for a in attrs.fields(cls)}
        values = {k: v for k, v in d.items() if k in fields}
        values["status"] = Status(d["status"])
        return cls(**values)


Progress = Callable[[int, int, Result], None]
"""Called after each vector: (done, total, result)."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@attrs.frozen(kw_only=True)
class Run:
    """A whole run: what was run against what, and every result."""

    suite_version: str
    seed: int
    target: str
    size: str
    edoc_version: str
    started: str
    finished: str
    options: dict[str, Any] = attrs.field(factory=dict)
    """The target's settings (command templates, ports, timeout), never a secret."""
    results: tuple[Result, ...] = ()

    def count(self, status: Status, *, required: bool | None = None) -> int:
        return sum(
            r.status is status and (required is None or r.required is required)
            for r in self.results
        )

    @property
    def summary(self) -> dict[str, int]:
        return _counts(self.results)

    @property
    def categories(self) -> dict[str, dict[str, int]]:
        """The summary of each category, in the order the categories first appear."""
        by: dict[str, list[Result]] = {}
        for r in self.results:
            by.setdefault(r.category, []).append(r)
        return {category: _counts(results) for category, results in by.items()}

    @property
    def verdict(self) -> Verdict:
        """FAIL when a required vector failed; else INCOMPLETE when one was skipped."""
        if self.count(Status.FAIL, required=True):
            return Verdict.FAIL
        if self.count(Status.SKIP, required=True):
            return Verdict.INCOMPLETE
        return Verdict.PASS

    @property
    def ok(self) -> bool:
        """True when every required vector ran and passed."""
        return self.verdict is Verdict.PASS

    def replay(self, result: Result) -> str | None:
        """The command that runs this one vector again with the same seed, or None (the
        sender target, whose results are packages the vendor sent)."""
        base = self.options.get("replay")
        if not isinstance(base, str) or not base:
            return None
        return f"{base} --only {shlex.quote(result.id)} --work {REPLAY_WORK}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": RESULTS_FORMAT,
            "suite_version": self.suite_version,
            "seed": self.seed,
            "target": self.target,
            "size": self.size,
            "edoc_version": self.edoc_version,
            "started": self.started,
            "finished": self.finished,
            "options": self.options,
            "ok": self.ok,
            "verdict": self.verdict.value,
            "summary": self.summary,
            "categories": self.categories,
            "results": [{**r.to_dict(), "replay": self.replay(r)} for r in self.results],
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the JSON report atomically."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"
        with atomic_write(path) as out:
            out.write(text.encode("utf-8"))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Run:
        """Read a JSON report written by :meth:`save` (InputError when it is not one)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: not a conformance results file ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT:
            raise InputError(f"{path}: not a {RESULTS_FORMAT} results file")
        try:
            return cls(
                suite_version=str(data["suite_version"]), seed=int(data["seed"]),
                target=str(data["target"]), size=str(data.get("size", "")),
                edoc_version=str(data.get("edoc_version", "")),
                started=str(data["started"]), finished=str(data["finished"]),
                options=dict(data.get("options", {})),
                results=tuple(Result.from_dict(r) for r in data["results"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}: a results file with a bad field ({exc})") from None


def _counts(results: tuple[Result, ...] | list[Result]) -> dict[str, int]:
    def n(status: Status, required: bool | None = None) -> int:
        return sum(r.status is status and (required is None or r.required is required)
                   for r in results)  # fmt: skip

    return {
        "total": len(results),
        "passed": n(Status.PASS),
        "failed": n(Status.FAIL),
        "skipped": n(Status.SKIP),
        "required_failed": n(Status.FAIL, True),
        "optional_failed": n(Status.FAIL, False),
        "required_skipped": n(Status.SKIP, True),
    }


def new_run(target: str, *, seed: int, size: str, options: dict[str, Any],
            results: list[Result], started: str) -> Run:  # fmt: skip
    """A finished run, stamped now."""
    from edoc import __version__
    from edoc.conformance.vectors import SUITE_VERSION

    return Run(
        suite_version=SUITE_VERSION, seed=seed, target=target, size=size,
        edoc_version=__version__, started=started, finished=_now(), options=options,
        results=tuple(results),
    )  # fmt: skip


def now() -> str:
    """The current time as the reports write it (UTC, ISO 8601)."""
    return _now()
