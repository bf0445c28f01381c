"""Nothing lost through AMQP: packages sent while the broker stops, crashes and restarts.

A sender publishes N packages while a receiving application consumes them concurrently;
mid-stream the broker is stopped gracefully and later killed, and restarted each time
on the same data. The receiving application checks, at every acknowledgement, that the
stored file is complete; now and then it "dies" between storing and acknowledging
(its transport closes with packages held) and a new one takes over the same inbox.

At the end: every package arrived, none was accepted twice by the application, none
was handed out twice by one running transport, the queues are empty (checked with raw
pika), and the inbox log shows each package stored before it was settled.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pika
import pytest

from edoc.transport import Incoming, Outgoing

from ._rabbit import Rabbit

A, B = "000.00.00.G22", "000.00.00.H41"
Make = Callable[..., Any]
PATIENT = {"retries": 60, "backoff": 0.1, "max_backoff": 1.0}


class Application:
    """The receiving side: accepts a package only if its file is there and complete."""

    def __init__(self) -> None:
        self.accepted: Counter[str] = Counter()  # sha256 -> acknowledgements "done"
        self.incomplete: list[str] = []
        self.handed_twice: list[str] = []
        self.crashes = 0
        self.crashed_at: set[int] = set()

    def run(self, make: Make, expected: int, stop: threading.Event, crash_every: int) -> None:
        seen_here: set[str] = set()
        receiver = make(B, **PATIENT)
        while len(self.accepted) < expected and not stop.is_set():
            held: list[Incoming] = []
            for incoming in receiver.receive(max_messages=500):
                if incoming.message_id in seen_here:
                    self.handed_twice.append(incoming.message_id)
                seen_here.add(incoming.message_id)
                data = incoming.path.read_bytes()  # at ack time: there and complete?
                complete = len(data) == incoming.size
                if not complete or hashlib.sha256(data).hexdigest() != incoming.sha256:
                    self.incomplete.append(incoming.message_id)
                number = len(self.accepted) + len(held) + 1
                if crash_every and number % crash_every == 0 and number not in self.crashed_at:
                    self.crashed_at.add(number)
                    held.append(incoming)  # stored, never acknowledged by this instance
                    continue
                incoming.ack()
                self.accepted[incoming.sha256] += 1
            if held:  # the application dies between store and ack; a new one takes over
                self.crashes += 1
                receiver.close()
                receiver = make(B, **PATIENT)
                seen_here = set()
        receiver.close()


def soak(broker: Rabbit, amqp: Make, tmp_path: Path, n: int, crash_every: int) -> dict[str, Any]:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    paths = []
    for i in range(n):
        path = outbox / f"p{i}.edxml"
        path.write_bytes(f"<edXML n='{i}'>{'x' * (i % 97)}</edXML>".encode())
        paths.append(path)
    expected = {hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    app = Application()
    stop = threading.Event()
    failures: list[BaseException] = []

    def receive() -> None:
        try:
            app.run(amqp, n, stop, crash_every)
        except BaseException as exc:
            failures.append(exc)

    receiver = threading.Thread(target=receive)
    sender = amqp(A, **PATIENT)
    events: list[str] = []
    started = time.monotonic()
    receiver.start()
    try:
        for i, path in enumerate(paths):
            if i == n * 3 // 10:
                broker.stop()
                events.append(f"stopped at {i}")
                threading.Timer(1.0, broker.start).start()  # back while the sender retries
            if i == n * 7 // 10:
                broker.kill()
                events.append(f"killed at {i}")
                threading.Timer(1.0, broker.start).start()
            receipt = sender.send(Outgoing(payload=path, to=[B]))
            assert receipt.sha256 in expected
        receiver.join(timeout=max(120.0, n * 0.05))
    finally:
        stop.set()
        receiver.join()
    elapsed = time.monotonic() - started
    assert not failures, failures
    assert broker.running
    depths = _depths(broker, f"{amqp.prefix}.{B}")  # type: ignore[attr-defined]
    missing = expected - set(app.accepted)
    assert not missing, (events, depths, _log_of(tmp_path / f"inbox-{B}", missing))
    assert max(app.accepted.values()) == 1  # none accepted twice
    assert app.handed_twice == []  # none handed out twice by one running transport
    assert app.incomplete == []  # none acknowledged before it was complete
    assert depths == (0, 0)  # nothing left in the queue or dead-lettered
    _check_log_order(tmp_path / f"inbox-{B}")
    return {"seconds": elapsed, "events": events, "crashes": app.crashes}


def _depths(broker: Rabbit, queue: str) -> tuple[int, int]:
    """(ready, dead-lettered) counted by raw pika, not by the transport."""
    connection = pika.BlockingConnection(pika.URLParameters(broker.url))
    try:
        channel = connection.channel()
        live, dead = (
            channel.queue_declare(name, passive=True).method.message_count
            for name in (queue, queue + ".dead")
        )
        return int(live), int(dead)
    finally:
        connection.close()


def _log_of(inbox: Path, shas: set[str]) -> list[str]:
    path = inbox / ".edoc-received.jsonl"
    return [line for line in path.read_text().splitlines() if json.loads(line)["sha256"] in shas]


def _check_log_order(inbox: Path) -> None:
    """In the inbox log every settled package was stored (file complete) before."""
    stored: set[str] = set()
    for line in (inbox / ".edoc-received.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry["state"] == "stored":
            stored.add(entry["doc_id"])
        elif entry["state"] in ("done", "fail"):
            assert entry["doc_id"] in stored, entry


@pytest.mark.slow  # 16-25 s: more than a few seconds (issue 20)
def test_200_packages_through_a_broker_restart(broker: Rabbit, amqp: Make, tmp_path: Path) -> None:
    result = soak(broker, amqp, tmp_path, 200, crash_every=50)
    assert result["crashes"] >= 1
    print(f"\n200-package AMQP soak: {result}")


@pytest.mark.slow
def test_10000_packages_through_broker_stop_kill_and_restarts(
    broker: Rabbit, amqp: Make, tmp_path: Path
) -> None:
    result = soak(broker, amqp, tmp_path, 10_000, crash_every=997)
    assert result["crashes"] >= 5
    print(f"\n10,000-package AMQP soak: {result}")
