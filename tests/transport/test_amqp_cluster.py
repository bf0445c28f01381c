"""Receive at scale: a real 3-node RabbitMQ cluster, 3 competing worker processes, crashes.

The fixture starts three ``rabbitmq-server`` nodes on loopback (one Erlang cookie and port
mapper, each node its own name, ports and folders) and joins them with ``rabbitmqctl
join_cluster``, as docs/transports.md "Scaling out" shows. A sender publishes 10,000 real
packages (failing over between the nodes) to a quorum queue while three worker processes
receive it into one shared folder. Mid-stream one node is stopped gracefully and, once
it is back, another is killed (SIGKILL); one worker kills itself between store and ack
several times and is started again.

At the end: every package is stored exactly once, none was accepted by the application
twice, none is lost, every stored file was complete when handed out, and both queues are
empty (raw pika). The figures (time, throughput, deliveries, redeliveries) are printed.

Run with ``pytest -m amqp_cluster`` (CI runs it after the main suite: .ci/run).
``EDOC_CLUSTER_PACKAGES`` sets the number of packages (10,000 by default).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest

from edoc.transport import Outgoing
from edoc.transport.amqp import AmqpTransport, package_key
from edoc.transport.base import Receipt

from ._rabbit import Cluster, server_script
from ._support import write_package

pytestmark = [pytest.mark.slow, pytest.mark.amqp_cluster]

A, B = "000.00.00.G22", "000.00.00.H41"
ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
CRASHES = 4  # worker 0 kills itself this many times


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    script = server_script()
    if script is None:
        pytest.skip("rabbitmq-server is not installed (Debian package rabbitmq-server)")
    nodes = Cluster(tmp_path_factory.mktemp("cluster"), script)
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.close()  # every node, even when starting or the test failed


def _packages(folder: Path, n: int) -> list[Path]:
    """``n`` real packages from A to B, differing in their DocumentId (and so their bytes)."""
    template = write_package(folder / "template.edxml", number="7816").read_bytes()
    assert template.count(b"7816") == 2  # the DocumentId and the CodeNumber
    paths = []
    for i in range(n):
        path = folder / f"p{i}.edxml"
        path.write_bytes(template.replace(b"7816", str(100_000 + i).encode()))
        paths.append(path)
    return paths


class Workers:
    """The worker processes; worker 0 crashes ``CRASHES`` times and is started again."""

    def __init__(self, base: Path, urls: list[str], prefix: str, inbox: Path) -> None:
        self.base, self.urls, self.prefix, self.inbox = base, urls, prefix, inbox
        self.stop_file = base / "stop"
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.starts: Counter[int] = Counter()
        self.crashes = 0

    def start(self, slot: int) -> None:
        n = self.starts[slot]
        self.starts[slot] += 1
        crash = slot == 0 and n < CRASHES
        config = {
            "urls": self.urls, "system_id": B, "prefix": self.prefix, "inbox": str(self.inbox),
            "accepted": str(self.base / f"accepted-{slot}-{n}"),
            "problems": str(self.base / f"problems-{slot}-{n}"),
            "counts": str(self.base / f"counts-{slot}-{n}.json"),
            "stop": str(self.stop_file), "crash_after": 60 + 23 * n if crash else 0,
        }  # fmt: skip
        path = self.base / f"worker-{slot}-{n}.json"
        path.write_text(json.dumps(config))
        log = (self.base / f"worker-{slot}-{n}.log").open("wb")
        self.procs[slot] = subprocess.Popen(
            [sys.executable, "-m", "tests.transport._cluster_worker", str(path)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()

    def watch(self) -> None:
        """Start again a worker that crashed; fail on a worker that failed otherwise."""
        for slot, proc in list(self.procs.items()):
            code = proc.poll()
            if code is None or self.stop_file.exists():
                continue
            if code != -9:
                raise AssertionError(f"worker {slot} exited with {code}: {self.logs()}")
            self.crashes += 1
            self.start(slot)

    def accepted(self) -> Counter[str]:
        got: Counter[str] = Counter()
        for path in self.base.glob("accepted-*"):
            got.update(line for line in path.read_text().splitlines() if line)
        return got

    def counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for path in self.base.glob("counts-*.json"):
            total.update(json.loads(path.read_text()))
        return total

    def problems(self) -> list[str]:
        return [line for p in self.base.glob("problems-*") for line in p.read_text().splitlines()]

    def logs(self) -> str:
        return "\n".join(p.read_text()[-2000:] for p in self.base.glob("worker-*.log"))

    def finish(self, timeout: float = 120.0) -> None:
        self.stop_file.touch()
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            proc.wait(max(1.0, deadline - time.monotonic()))

    def kill_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _depths(url: str, queue: str) -> tuple[int, int]:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        live, dead = (
            channel.queue_declare(name, passive=True).method.message_count
            for name in (queue, queue + ".dead")
        )
        return int(live), int(dead)
    finally:
        connection.close()


def _send(cluster: Cluster, prefix: str, paths: list[Path], events: list[str]) -> list[Receipt]:
    """Publish every package (three sender threads) while node 1 is stopped gracefully at
    30 % and, once it is back, node 2 is killed at 70 %; each starts again 3 s later."""
    receipts: list[Receipt] = []
    lock = threading.Lock()
    n = len(paths)
    failures: list[BaseException] = []

    def sender(part: list[Path]) -> None:
        try:
            with AmqpTransport(cluster.urls, A, prefix=prefix, timeout=5.0, retries=100,
                               backoff=0.1, max_backoff=1.0) as out:  # fmt: skip
                for path in part:
                    receipt = out.send(Outgoing(payload=path, to=[B]))
                    with lock:
                        receipts.append(receipt)
        except BaseException as exc:
            failures.append(exc)

    def chaos() -> None:
        for index, kill, at in ((1, False, n * 3 // 10), (2, True, n * 7 // 10)):
            while len(receipts) < at and any(t.is_alive() for t in threads):
                time.sleep(0.05)
            node = cluster.nodes[index]
            events.append(f"node {index} {'killed' if kill else 'stopped'} at {len(receipts)}")
            if kill:
                node.kill()
            else:
                node.stop()
            time.sleep(3.0)
            node.start()
            events.append(f"node {index} back at {len(receipts)}")

    threads = [threading.Thread(target=sender, args=(paths[k::3],)) for k in range(3)]
    for t in threads:
        t.start()
    bouncer = threading.Thread(target=chaos)
    bouncer.start()
    for t in threads:
        t.join()
    bouncer.join()
    assert not failures, failures
    return receipts


def test_10000_packages_3_workers_node_stop_and_kill_worker_crashes(
    cluster: Cluster, tmp_path: Path
) -> None:
    n = int(os.environ.get("EDOC_CLUSTER_PACKAGES", "10000"))
    prefix = f"c{os.getpid()}"
    (tmp_path / "out").mkdir()
    paths = _packages(tmp_path / "out", n)
    expected = {package_key(p.read_bytes())[0] for p in paths}
    assert len(expected) == n
    inbox = tmp_path / "shared-inbox"
    base = tmp_path / "workers"
    base.mkdir()
    with AmqpTransport(cluster.urls, B, prefix=prefix, inbox=inbox) as declare:
        declare.queue_depths()  # the quorum queues exist before the workers start
    workers = Workers(base, cluster.urls, prefix, inbox)
    events: list[str] = []
    started = time.monotonic()
    try:
        for slot in range(WORKERS):
            workers.start(slot)
        receipts: list[Receipt] = []
        sending = threading.Thread(
            target=lambda: receipts.extend(_send(cluster, prefix, paths, events))
        )
        sending.start()
        deadline = time.monotonic() + max(300.0, n * 0.06)
        while time.monotonic() < deadline:
            workers.watch()
            if not sending.is_alive() and len(workers.accepted()) >= n:
                break
            time.sleep(0.5)
        sending.join()
        sent_at = time.monotonic() - started
        workers.finish()
    finally:
        workers.kill_all()
    elapsed = time.monotonic() - started
    accepted = workers.accepted()
    counts = workers.counts()
    print(f"\ncluster soak: {n} packages, {WORKERS} workers, {elapsed:.1f} s "
          f"({n / elapsed:.0f} packages/s; all sent after {sent_at:.1f} s); events {events}; "
          f"worker crashes {workers.crashes}; deliveries {counts['deliveries']}, "
          f"redelivered {counts['redelivered']}, settled again {counts['settled_again']}, "
          f"parked {counts['parked']}, requeued {counts['requeued']}")  # fmt: skip
    assert len(receipts) == n
    assert set(r.doc_id for r in receipts) == expected
    missing = expected - set(accepted)
    assert not missing, (len(missing), events, workers.logs())  # none lost
    assert set(accepted) == expected  # nothing else
    assert max(accepted.values()) == 1, [k for k, v in accepted.items() if v > 1][:5]  # once
    assert workers.problems() == []  # every file complete when handed out
    assert workers.crashes == CRASHES
    stored = sorted(inbox.glob("*.edxml"))
    assert len(stored) == n  # stored exactly once: one file per package
    assert sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in stored) == sorted(
        hashlib.sha256(p.read_bytes()).hexdigest() for p in paths
    )
    assert len(list((inbox / ".edoc-shared").glob("*.settled"))) == n
    assert list((inbox / ".edoc-shared").glob("*.claim.*")) == []
    assert _depths(cluster.urls[0], f"{prefix}.{B}") == (0, 0)
    assert len(events) == 4
