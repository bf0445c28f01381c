"""The receiver target against a reference receiver built on edoc's public API, and against
one that never answers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from edoc import Organization, StatusCode, StatusPackage, read, write
from edoc.conformance import Vector, Workshop, select
from edoc.conformance.receiver import run_receiver
from edoc.conformance.results import Status
from edoc.errors import EdocError, TransportError
from edoc.model import EdocPackage
from edoc.validation import validate

pytest.importorskip("httpx")
from edoc.transport import Outgoing
from edoc.transport.hub import HubTransport

AGENCY = "000.00.00.H41"
SYSTEM = "vendor-receiver"
SECRET = "bi-mat-cua-nha-cung-cap"


class ReferenceReceiver(threading.Thread):
    """A receiving system: HubTransport receive, validate, status 01 then 03 or 02, ack."""

    chatty = False
    """Answer status packages with a status of their own (wrong)."""

    def __init__(self, url: str, folder: Path) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.folder = folder
        self.stop = threading.Event()

    def run(self) -> None:
        with HubTransport(self.url, SYSTEM, SECRET, organ_id=AGENCY, inbox=self.folder / "in",
                          retries=0) as hub:  # fmt: skip
            while not self.stop.is_set():
                try:
                    for item in hub.receive():
                        self._handle(hub, item)
                except TransportError:
                    return  # the kit stopped its hub: the run is over
                self.stop.wait(0.05)

    def _handle(self, hub: HubTransport, item: object) -> None:
        from edoc.transport import Incoming

        assert isinstance(item, Incoming)
        if item.kind == "status":
            if self.chatty:
                self._answer_status(hub, item.path, item.message_id)
            item.ack("done" if validate(item.path).ok else "fail")
            return
        try:
            pkg = read(item.path)
        except EdocError:
            item.ack("fail")  # cannot even say who sent it: refuse at the transport level
            return
        assert isinstance(pkg, EdocPackage)
        ok = validate(item.path).ok
        me = Organization(organ_id=AGENCY)
        for code in (StatusCode.RECEIVED, StatusCode.ACCEPTED if ok else StatusCode.REJECTED):
            status = StatusPackage.reply_to(pkg, code=code, from_=me)
            out = self.folder / f"status-{item.message_id}-{code.value}.edxml"
            write(status, out)
            hub.send(Outgoing(payload=out, kind="status"))
        item.ack("done")

    def _answer_status(self, hub: HubTransport, path: Path, message_id: str) -> None:
        import datetime as dt

        status = read(path)
        assert isinstance(status, StatusPackage)
        answer = StatusPackage(from_=Organization(organ_id=AGENCY),
                               response_for=status.response_for, status_code=StatusCode.RECEIVED,
                               timestamp=dt.datetime.now(dt.UTC))  # fmt: skip
        out = self.folder / f"answer-{message_id}.edxml"
        write(answer, out)
        hub.send(Outgoing(payload=out, kind="status"))


class ChattyReceiver(ReferenceReceiver):
    chatty = True


class LazyReceiver(ReferenceReceiver):
    """Lists what waits and acknowledges it 'done' without ever fetching it."""

    def run(self) -> None:
        with HubTransport(self.url, SYSTEM, SECRET, organ_id=AGENCY, inbox=self.folder / "in",
                          retries=0) as hub:  # fmt: skip
            while not self.stop.is_set():
                try:
                    for kind in ("edoc", "status"):
                        for entry in hub.list_received(kind):
                            hub.update_status(entry["docId"], "done")
                except TransportError:
                    return
                self.stop.wait(0.05)


def _run(vectors: list[Vector], workshop: Workshop, tmp_path: Path, timeout: float,
         answer: bool, receiver: type[ReferenceReceiver] = ReferenceReceiver,
         ) -> list:  # type: ignore[type-arg]  # fmt: skip
    receivers: list[ReferenceReceiver] = []

    def ready(url: str) -> None:
        if answer:
            receivers.append(receiver(url, tmp_path))
            receivers[0].start()

    try:
        return run_receiver(vectors, workshop, agency=AGENCY, system_id=SYSTEM, secret=SECRET,
                            timeout=timeout, on_ready=ready)  # fmt: skip
    finally:
        for r in receivers:
            r.stop.set()
            r.join(5)


def test_reference_receiver_passes(quick_suite: list[Vector], workshop: Workshop,
                                   tmp_path: Path) -> None:  # fmt: skip
    vectors = select(quick_suite, ["valid-new", "valid-update", "valid-status-03",
                                   "invalid-EDX-HDR-002", "invalid-EDX-READ-CID",
                                   "invalid-EDX-XML-001", "hostile-dtd-xxe",
                                   "hostile-signature-wrapping"])  # fmt: skip
    results = _run(vectors, workshop, tmp_path, 30, answer=True)
    by_id = {r.id: r for r in results}
    assert by_id["hostile-signature-wrapping"].status is Status.SKIP
    assert [(r.id, r.actual, r.detail) for r in results if r.status is Status.FAIL] == []
    assert by_id["valid-new"].actual == "status 01, 03; acknowledgement done; fetched 1"
    assert by_id["invalid-EDX-HDR-002"].actual == "status 01, 02; acknowledgement done; fetched 1"
    assert by_id["invalid-EDX-XML-001"].actual == "status none; acknowledgement fail; fetched 1"
    assert by_id["valid-status-03"].actual == "status none; acknowledgement done; fetched 1"


@pytest.mark.slow
def test_reference_receiver_passes_the_whole_suite(quick_suite: list[Vector], workshop: Workshop,
                                                   tmp_path: Path) -> None:  # fmt: skip
    results = _run(quick_suite, workshop, tmp_path, 120, answer=True)
    assert [(r.id, r.actual, r.detail) for r in results if r.status is Status.FAIL] == []


def test_a_receiver_that_never_answers_times_out(quick_suite: list[Vector], workshop: Workshop,
                                                 tmp_path: Path) -> None:  # fmt: skip
    vectors = select(quick_suite, ["valid-new", "invalid-EDX-HDR-001", "valid-status-01"])
    results = _run(vectors, workshop, tmp_path, 1.0, answer=False)
    assert [(r.id, r.status, r.detail) for r in results] == [
        ("valid-new", Status.FAIL, "no 01 then 03 and acknowledgement in 1 s"),
        ("valid-status-01", Status.FAIL, "no acknowledgement in 1 s"),
        ("invalid-EDX-HDR-001", Status.FAIL, "no rejection in 1 s"),
    ]
    assert all(r.actual == "status none; acknowledgement initial; fetched 0" for r in results)


def test_a_receiver_that_acknowledges_without_fetching_fails(
    quick_suite: list[Vector], workshop: Workshop, tmp_path: Path
) -> None:
    vectors = select(quick_suite, ["valid-status-01", "invalid-EDX-STS-001"])
    results = _run(vectors, workshop, tmp_path, 10, answer=True, receiver=LazyReceiver)
    reason = ("the receiver acknowledged 'done' without fetching the package (getEdoc): "
              "it cannot have stored it")  # fmt: skip
    assert [(r.id, r.status, r.reason, r.actual) for r in results] == [
        ("valid-status-01", Status.FAIL, reason, "status none; acknowledgement done; fetched 0"),
        ("invalid-EDX-STS-001", Status.FAIL, reason,
         "status none; acknowledgement done; fetched 0"),
    ]  # fmt: skip


def test_a_receiver_that_answers_status_packages_fails(
    quick_suite: list[Vector], workshop: Workshop, tmp_path: Path
) -> None:
    vectors = select(quick_suite, ["valid-new", "valid-status-05"])
    results = _run(vectors, workshop, tmp_path, 10, answer=True, receiver=ChattyReceiver)
    by_id = {r.id: r for r in results}
    assert by_id["valid-new"].status is Status.PASS
    assert by_id["valid-status-05"].status is Status.FAIL
    assert by_id["valid-status-05"].reason == (
        "the receiver answered a status package with status 01: a status package is never "
        "answered")  # fmt: skip
