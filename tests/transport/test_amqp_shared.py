"""Competing workers on one inbox, and the claim check: no cluster, seconds.

The shared inbox is raced by real processes; the claim check and the quorum queues go
through the session's real RabbitMQ node and are checked with raw pika.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pika
import pytest

from edoc.transport import Outgoing
from edoc.transport._claim_check import BadReference, Reference, fetch, put
from edoc.transport._received import Entry
from edoc.transport._shared_inbox import STATE_DIR, SharedInbox

from ._rabbit import Rabbit, dead_letters

A, B = "000.00.00.G22", "000.00.00.H41"
Make = Callable[..., Any]


def _entry(key: str, state: str = "done") -> Entry:
    return Entry(doc_id=key, sha256="0" * 64, size=1, kind="edoc", file="f", state=state)  # type: ignore[arg-type]


def test_store_once_claim_once_settle_once(tmp_path: Path) -> None:
    one, two = SharedInbox(tmp_path), SharedInbox(tmp_path)  # two workers, both alive
    body = b"<edXML>the same package</edXML>"
    sha = hashlib.sha256(body).hexdigest()
    assert one.store("p.edxml", body, sha, len(body)) is True
    assert two.store("p.edxml", body, sha, len(body)) is False  # there, intact: not rewritten
    assert (tmp_path / "p.edxml").read_bytes() == body
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []

    assert one.claim("k") == "mine"
    assert two.claim("k") == "held"
    one.release("k")  # closed without an outcome: the next worker hands it out
    assert two.claim("k") == "mine"
    assert two.settle(_entry("k")) is True
    assert one.claim("k") == "settled"
    assert one.settle(_entry("k", "fail")) is False  # the first outcome stands
    assert one.settled("k") == _entry("k")
    assert sorted(p.name.rsplit(".", 1)[-1] for p in (tmp_path / STATE_DIR).iterdir()) == [
        "settled"
    ]  # the claims were removed once it was settled


def test_a_damaged_stored_copy_is_replaced(tmp_path: Path) -> None:
    inbox = SharedInbox(tmp_path)
    body = b"<edXML>complete</edXML>"
    (tmp_path / "p.edxml").write_bytes(body[:5])
    assert inbox.store("p.edxml", body, hashlib.sha256(body).hexdigest(), len(body)) is True
    assert (tmp_path / "p.edxml").read_bytes() == body


def test_the_claim_of_a_dead_worker_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    inbox = SharedInbox(tmp_path)
    stem = hashlib.sha256(b"k").hexdigest()[:40]
    owner = {"host": inbox.host, "pid": int(dead.stdout), "token": "gone"}
    (tmp_path / STATE_DIR / f"{stem}.claim.0").write_text(json.dumps(owner))
    assert inbox.claim("k") == "mine"
    assert (tmp_path / STATE_DIR / f"{stem}.claim.1").exists()
    other_host = {"host": "elsewhere", "pid": 1, "token": "t"}
    (tmp_path / STATE_DIR / f"{stem}.claim.0").write_text(json.dumps(other_host))
    assert SharedInbox(tmp_path).claim("j") == "mine"  # another key: unaffected
    stale = SharedInbox(tmp_path, stale_after=0.0)
    stem_j = hashlib.sha256(b"j").hexdigest()[:40]
    (tmp_path / STATE_DIR / f"{stem_j}.claim.0").write_text(json.dumps(other_host))
    assert SharedInbox(tmp_path).claim("j") == "held"  # another host: trusted without a limit
    assert stale.claim("j") == "mine"  # ... and taken over once older than stale_after


def _race(folder: str, keys: int, out: Any) -> None:
    inbox = SharedInbox(Path(folder))
    won = []
    for n in range(keys):
        key = f"key-{n}"
        if inbox.claim(key) == "mine":
            body = f"<edXML>{n}</edXML>".encode()
            inbox.store(f"{n}.edxml", body, hashlib.sha256(body).hexdigest(), len(body))
            if inbox.settle(_entry(key)):
                won.append(key)
    out.put(won)


def test_racing_processes_settle_each_key_exactly_once(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    workers = [ctx.Process(target=_race, args=(str(tmp_path), 300, out)) for _ in range(4)]
    for w in workers:
        w.start()
    won = Counter(key for _ in workers for key in out.get(timeout=60))
    for w in workers:
        w.join(60)
    assert len(won) == 300  # none lost
    assert set(won.values()) == {1}  # none settled twice
    assert len([p for p in tmp_path.glob("*.edxml")]) == 300


# -- the claim check ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        json.dumps({"sha256": "a" * 64, "size": 1, "name": "../../etc/passwd"}).encode(),
        json.dumps({"sha256": "a" * 64, "size": 1, "name": "b" * 64 + ".edxml"}).encode(),
        json.dumps({"sha256": "a" * 64, "size": -1, "name": "a" * 64 + ".edxml"}).encode(),
        json.dumps({"sha256": "a" * 64, "size": True, "name": "a" * 64 + ".edxml"}).encode(),
        b"{" + b" " * 5000 + b"}",
    ],
)
def test_a_bad_reference_is_refused(body: bytes) -> None:
    with pytest.raises(BadReference):
        Reference.parse(body)


def test_put_and_fetch_check_the_bytes(tmp_path: Path) -> None:
    store, inbox = tmp_path / "store", tmp_path / "inbox"
    inbox.mkdir()
    data = os.urandom(3 << 20)
    src = tmp_path / "big.edxml"
    src.write_bytes(data[1000:])
    with src.open("rb") as f:
        ref = put(store, f, prefix=data[:1000])
    assert ref == Reference(hashlib.sha256(data).hexdigest(), len(data))
    assert Reference.parse(ref.message()) == ref
    fetched = fetch(store, ref, inbox)
    assert fetched.parent == inbox
    assert fetched.read_bytes() == data
    (store / ref.name).write_bytes(data[:-1] + b"!")  # changed in the store
    with pytest.raises(BadReference, match="does not match"):
        fetch(store, ref, inbox)
    (store / ref.name).unlink()
    (store / ref.name).symlink_to(src)  # a link is never followed
    with pytest.raises(BadReference):
        fetch(store, ref, inbox)
    assert sorted(p.name for p in inbox.iterdir()) == [fetched.name]  # no leftovers


# -- through a real broker ---------------------------------------------------------------


@pytest.fixture
def raw(broker: Rabbit) -> Iterator[Any]:
    connection = pika.BlockingConnection(pika.URLParameters(broker.url))
    yield connection.channel()
    if connection.is_open:
        connection.close()


def test_a_large_package_travels_by_reference(
    amqp: Make, raw: Any, tmp_path: Path, new_package: Callable[..., Path]
) -> None:
    store = tmp_path / "store"
    path = new_package(body=os.urandom(200_000))
    options = {"claim_store": store, "claim_threshold": 50_000}
    a, b = amqp(A, **options), amqp(B, **options)
    receipt = a.send(Outgoing(payload=path, to=[B]))
    assert receipt.size == path.stat().st_size
    queue = f"{amqp.prefix}.{B}"  # type: ignore[attr-defined]
    method, properties, body = raw.basic_get(queue)
    assert len(body) < 300
    assert json.loads(body)["sha256"] == receipt.sha256
    assert properties.content_type == "application/vnd.edoc.claim-check+json"
    raw.basic_nack(method.delivery_tag, requeue=True)
    [incoming] = b.receive()
    assert incoming.path.read_bytes() == path.read_bytes()
    assert incoming.sender == A
    assert incoming.message_id == receipt.doc_id
    incoming.ack()
    # a reference whose stored package was changed is dead-lettered, never handed out
    other = new_package(body=os.urandom(200_000))
    receipt = a.send(Outgoing(payload=other, to=[B]))
    (store / f"{receipt.sha256}.edxml").write_bytes(b"<edXML>swapped</edXML>")
    assert list(b.receive()) == []
    assert dead_letters(raw, queue + ".dead", 1) == 1


def test_two_workers_on_one_inbox_hand_each_package_out_once(
    amqp: Make, tmp_path: Path, new_package: Callable[..., Path]
) -> None:
    inbox = tmp_path / "shared"
    sender = amqp(A)
    paths = [new_package() for _ in range(20)]
    for path in paths:
        sender.send(Outgoing(payload=path, to=[B]))
    one = amqp(B, inbox=inbox, shared=True, prefetch=5)
    held = list(one.receive(max_messages=5))  # handed out, never acknowledged
    two = amqp(B, inbox=inbox, shared=True)
    first = [i.message_id for i in two.receive()]
    assert len(first) == 15
    one.close()  # worker one "dies": its five come back to worker two, and only they
    again = list(two.receive())
    assert sorted(i.message_id for i in again) == sorted(i.message_id for i in held)
    for incoming in again:
        incoming.ack()
    assert sorted(p.read_bytes() for p in inbox.glob("*.edxml")) == sorted(
        p.read_bytes() for p in paths
    )


def test_quorum_by_default_and_an_existing_classic_queue_kept(
    amqp: Make, raw: Any, broker: Rabbit
) -> None:
    prefix = amqp.prefix  # type: ignore[attr-defined]
    args = {"x-dead-letter-exchange": f"{prefix}.dead", "x-dead-letter-routing-key": A}
    raw.queue_declare(f"{prefix}.{A}", durable=True, arguments=args)  # classic, made before
    a = amqp(A)
    b = amqp(B)
    b.queue_depths()  # declares B's queues: new, so quorum
    a.queue_depths()  # A's queue exists as classic: kept, no error
    raw.queue_declare(f"{prefix}.{A}", durable=True, arguments=args)  # still classic
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        raw.queue_declare(
            f"{prefix}.{B}", durable=True, arguments={**args, "x-dead-letter-routing-key": B}
        )
    assert refused.value.reply_code == 406  # B's is not classic
    connection = pika.BlockingConnection(pika.URLParameters(broker.url))
    try:
        connection.channel().queue_declare(
            f"{prefix}.{B}", durable=True,
            arguments={**args, "x-dead-letter-routing-key": B, "x-queue-type": "quorum"},
        )  # fmt: skip
    finally:
        connection.close()


def test_receive_with_three_workers(
    broker: Rabbit, amqp: Make, tmp_path: Path, new_package: Callable[..., Path]
) -> None:
    sender = amqp(A, prefix="edoc")  # the command's default prefix, a queue of this test's own
    queue_id = f"test.workers.{uuid.uuid4().hex[:8]}"
    paths = [new_package() for _ in range(30)]
    for path in paths:
        sender.send(Outgoing(payload=path, to=[queue_id]))
    inbox = tmp_path / "shared"
    urls = f"{broker.url},{broker.url_with(port=1)}"  # a second node that is down: passed over
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDOC_")}
    done = subprocess.run(
        [sys.executable, "-m", "edoc", "receive", "--url", urls, "--system-id", queue_id,
         "--into", str(inbox), "--workers", "3", "--json"],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "amqp-pw" not in done.stdout + done.stderr
    got = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(got) == 30
    assert len({g["doc_id"] for g in got}) == 30  # none handed out twice
    assert sorted(p.read_bytes() for p in inbox.glob("*.edxml")) == sorted(
        p.read_bytes() for p in paths
    )


def test_a_copy_of_a_package_another_worker_holds_waits_for_its_outcome(
    amqp: Make, raw: Any, tmp_path: Path, new_package: Callable[..., Path]
) -> None:
    inbox = tmp_path / "shared"
    sender = amqp(A)
    first, second = new_package(), new_package()
    for path in (first, second, first, second):  # each published twice (a retried publish)
        sender.send(Outgoing(payload=path, to=[B]))
    one = amqp(B, inbox=inbox, shared=True, prefetch=2)
    held = list(one.receive(max_messages=2))  # both handed out to worker one
    two = amqp(B, inbox=inbox, shared=True)
    assert list(two.receive()) == []  # the copies wait: worker one holds both packages
    assert two.counts["parked"] == 2
    queue = f"{amqp.prefix}.{B}"  # type: ignore[attr-defined]
    held[0].ack()  # settled by one: two's copy is acknowledged, not handed out
    one.close()  # one dies holding the other: two's copy is requeued and handed out by two
    again = list(two.receive())
    assert [i.message_id for i in again] == [held[1].message_id]
    assert two.counts["settled_again"] >= 1
    assert two.counts["requeued"] + two.counts["redelivered"] >= 1
    again[0].ack()
    assert list(two.receive()) == []
    assert int(raw.queue_declare(queue, passive=True).method.message_count) == 0
    assert len(list(inbox.glob("*.edxml"))) == 2
