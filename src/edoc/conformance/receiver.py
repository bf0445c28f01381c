"""The ``receiver`` target: the kit plays the hub and delivers every vector to the vendor's
receiving system, then watches what comes back.

What passes (docs/conformance.md, edxml-reference §3.2, §3.3, §7.4):

* a document to accept: the transport acknowledgement ``done``, and status packages 01
  (received) then 03 (accepted; 15 also for revocations, updates and replacements);
* a document to reject: status 02 (or 16) and the acknowledgement ``done``, or the
  acknowledgement ``fail``, and never 03;
* a status package: the acknowledgement ``done`` (``done`` or ``fail`` for an invalid
  one), and no status package in answer to it (a status is never answered: two systems
  that answer statuses would ping-pong forever).

What the receiver did is checked, not only what it said: an acknowledgement ``done`` for
a package the receiver never fetched (``getEdoc``) fails, as it cannot have stored it
(edxml-reference §3.3: ``done`` means retrieved and stored). Every status package the
vendor sends is validated in full; an invalid one fails the vector it answers. Answers
must come within ``timeout`` seconds of the delivery (all vectors are delivered at once);
a status vector passes only after ``ANSWER_GRACE`` seconds more without an answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from edoc.conformance._hubside import KitHub
from edoc.conformance.results import Progress, Result, Status
from edoc.conformance.vectors import Expect, Vector, Workshop, serial
from edoc.errors import EdocError
from edoc.model import StatusPackage
from edoc.transport.hub_server import Delivery, HubAgency
from edoc.validation import validate
from edoc.xml import read

__all__ = ["run_receiver"]

ANSWER_GRACE = 1.0
"""Seconds a status vector waits, once acknowledged, for an answer it must not get."""

_ACCEPTED = {"03"}
_CHANGE_ACCEPTED = {"03", "15"}
_REFUSED = {"02", "16"}


@attrs.define
class _Watch:
    vector: Vector
    doc_id: str
    codes: list[str] = attrs.Factory(list)
    problems: list[str] = attrs.Factory(list)
    result: Result | None = None
    acked_at: float | None = None
    """When the acknowledgement a status vector needs came (monotonic seconds)."""


def _numbers(vector_id: str) -> set[str]:
    n = serial(vector_id)
    return {str(n), f"9{n:011d}"}


def _business_change(vector: Vector) -> bool:
    """Revocations, updates and replacements (tag ``change``) may be accepted with 15."""
    return "change" in vector.tags


def _judge(w: _Watch, ack: str, fetched: int, final: bool, timeout: float,
           now: float) -> tuple[Status, str] | None:  # fmt: skip
    """PASS/FAIL when decided (or at the deadline when ``final``), else None."""
    codes = w.codes
    if w.problems:
        return Status.FAIL, "; ".join(w.problems)
    if ack == "done" and not fetched:
        return Status.FAIL, ("the receiver acknowledged 'done' without fetching the package "
                             "(getEdoc): it cannot have stored it")  # fmt: skip
    if w.vector.kind == "status":
        if codes:
            said = ", ".join(codes)
            return Status.FAIL, (f"the receiver answered a status package with status {said}: "
                                 "a status package is never answered")  # fmt: skip
        want = ("done",) if w.vector.expect is not Expect.REJECT else ("done", "fail")
        if ack in want:
            w.acked_at = now if w.acked_at is None else w.acked_at
            if final or now - w.acked_at >= min(ANSWER_GRACE, timeout):
                return Status.PASS, ""
            return None
        return (Status.FAIL, f"no acknowledgement in {timeout:g} s") if final else None
    accept = _CHANGE_ACCEPTED if _business_change(w.vector) else _ACCEPTED
    if w.vector.expect is Expect.REJECT:
        if accept & set(codes):
            return Status.FAIL, "expected reject, the receiver accepted it"
        if ack == "fail" or (_REFUSED & set(codes) and ack == "done"):
            return Status.PASS, ""
        if final and _REFUSED & set(codes):
            said = ", ".join(codes)
            return Status.FAIL, f"status {said}, but no acknowledgement in {timeout:g} s"
        return (Status.FAIL, f"no rejection in {timeout:g} s") if final else None
    if _REFUSED & set(codes):
        return Status.FAIL, f"expected {w.vector.expect.value}, the receiver refused it"
    if ack == "fail":
        return Status.FAIL, "the receiver acknowledged the delivery as failed"
    if accept & set(codes):
        first = next(i for i, c in enumerate(codes) if c in accept)
        if "01" not in codes[:first]:
            return Status.FAIL, "acceptance came without status 01 (received) first"
        if ack == "done":
            return Status.PASS, ""
    return (Status.FAIL, f"no 01 then 03 and acknowledgement in {timeout:g} s") if final else None


def _actual(w: _Watch, ack: str, fetched: int) -> str:
    codes = ", ".join(w.codes) if w.codes else "none"
    return f"status {codes}; acknowledgement {ack}; fetched {fetched}"


def run_receiver(
    vectors: Sequence[Vector],
    workshop: Workshop,
    *,
    agency: str,
    system_id: str,
    secret: str,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout: float = 60.0,
    signatures: bool = False,
    poll: float = 0.1,
    progress: Progress | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> list[Result]:
    """Deliver every vector to ``agency`` (served by ``system_id``) and judge the answers.

    The corpus's vectors (tag ``corpus``) are left out: they all carry one CodeNumber, so
    no answer could be matched to one of them (the validator target runs them)."""
    vectors = [v for v in vectors if "corpus" not in v.tags]
    skipped = {v.id: Result.of(v, Status.SKIP, "not delivered",
                               "a signature vector: give --signatures to deliver it")
               for v in vectors if v.mode == "verify" and not signatures}  # fmt: skip
    vendor = HubAgency(system_id=system_id, secret=secret, organ_ids=(agency,))
    hub = KitHub(workshop.folder / "hub", vendor=vendor, host=host, port=port)
    watches: list[_Watch] = []
    done = 0
    try:
        if on_ready is not None:
            on_ready(hub.url)
        for v in vectors:
            if v.id in skipped:
                continue
            doc_id = hub.deliver(workshop.path(v), kind=v.kind, to_organ=agency,
                                 to_system=system_id)  # fmt: skip
            watches.append(_Watch(v, doc_id))
        start = time.monotonic()
        by_number = {n: w for w in watches for n in _numbers(w.vector.id)}
        while True:
            for delivery, path in hub.arrivals():
                _take_answer(hub, delivery, path, by_number)
            final = time.monotonic() - start >= timeout
            for w in watches:
                if w.result is not None:
                    continue
                ack, fetched = hub.ack_of(w.doc_id), hub.fetched(w.doc_id)
                now = time.monotonic()
                verdict = _judge(w, ack, fetched, final, timeout, now)
                if verdict is not None:
                    w.result = Result.of(w.vector, verdict[0], _actual(w, ack, fetched),
                                         verdict[1], now - start)  # fmt: skip
                    done += 1
                    if progress is not None:
                        progress(done, len(watches), w.result)
            if final or all(w.result is not None for w in watches):
                break
            time.sleep(poll)
    finally:
        hub.stop()
    results = {w.vector.id: w.result for w in watches}
    return [skipped.get(v.id) or results[v.id] for v in vectors]  # type: ignore[misc]


def _take_answer(hub: KitHub, delivery: Delivery, path: Path, by_number: dict[str, _Watch]) -> None:
    """Read one package the vendor sent the kit: a status answering one of the vectors."""
    try:
        pkg = read(path)
    except EdocError:
        hub.settle(delivery, "fail")
        return  # not attributable to a vector: nothing to judge
    hub.settle(delivery, "done")
    if not isinstance(pkg, StatusPackage) or pkg.response_for.code is None:
        return
    number = pkg.response_for.code.split("/")[0].strip()
    w = by_number.get(number)
    if w is None or w.result is not None:
        return
    w.codes.append(pkg.status_code.value)
    report = validate(path)
    if not report.ok:
        rules = ", ".join(sorted({f.rule for f in report.errors})) or "unreadable"
        w.problems.append(f"status {pkg.status_code.value} breaks {rules}")
