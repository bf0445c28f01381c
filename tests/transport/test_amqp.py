"""AmqpTransport against a real RabbitMQ on loopback: flows, dead letters, limits, restarts.

The broker's side is checked with raw pika (queue depths, message properties, the
dead-letter queue), not through the transport under test.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import signal
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pika
import pytest

import edoc
from edoc.transport import Outcome, Outgoing, open_transport
from edoc.transport.amqp import AmqpTransport
from edoc.transport.errors import (
    AuthenticationError,
    ConnectError,
    RejectedError,
    StorageError,
    UnknownMessageError,
)

from ._rabbit import PASSWORD, Rabbit, _free_port, dead_letters

A, B = "000.00.00.G22", "000.00.00.H41"
Make = Callable[..., Any]


@pytest.fixture
def raw(broker: Rabbit) -> Iterator[Any]:
    """A raw pika channel on the broker, independent of the transport."""
    connection = pika.BlockingConnection(pika.URLParameters(broker.url))
    yield connection.channel()
    if connection.is_open:
        connection.close()


def depth(channel: Any, queue: str) -> int:
    return int(channel.queue_declare(queue, passive=True).method.message_count)


def package(tmp_path: Path, n: int = 0, body: bytes | None = None) -> Path:
    path = tmp_path / f"out-{n}.edxml"
    path.write_bytes(body if body is not None else f"<edXML>package {n}</edXML>".encode())
    return path


def test_send_receive_ack(amqp: Make, raw: Any, tmp_path: Path) -> None:
    a, b = amqp(A), amqp(B)
    path = package(tmp_path)
    receipt = a.send(Outgoing(payload=path, to=[B]))
    assert receipt.transport == "amqp"
    assert receipt.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert receipt.size == path.stat().st_size
    queue = f"{amqp.prefix}.{B}"  # type: ignore[attr-defined]
    assert depth(raw, queue) == 1  # confirmed: on the broker before send() returned

    [incoming] = b.receive()
    assert incoming.message_id == receipt.doc_id
    assert incoming.kind == "edoc"
    assert incoming.sender == A
    assert incoming.path.parent == b.inbox
    assert incoming.path.read_bytes() == path.read_bytes()
    assert incoming.sha256 == receipt.sha256
    incoming.ack()
    assert depth(raw, queue) == 0
    assert depth(raw, queue + ".dead") == 0
    assert list(b.receive()) == []
    assert list(a.receive()) == []  # nothing was addressed to A


def test_message_is_persistent_and_described(amqp: Make, raw: Any, tmp_path: Path) -> None:
    a = amqp(A)
    path = package(tmp_path)
    receipt = a.send(Outgoing(payload=path, to=[B], kind="status"))
    method, props, body = raw.basic_get(f"{amqp.prefix}.{B}", auto_ack=False)  # type: ignore[attr-defined]
    assert body == path.read_bytes()
    assert props.delivery_mode == 2
    assert props.message_id != receipt.doc_id  # a fresh AMQP id; the key is the content's
    assert receipt.doc_id == f"sha256:{receipt.sha256}"  # not a readable package
    assert props.headers["edoc-sha256"] == receipt.sha256
    assert props.headers["edoc-kind"] == "status"
    assert props.headers["edoc-from"] == A
    raw.basic_nack(method.delivery_tag, requeue=True)
    [incoming] = amqp(B).receive()
    assert incoming.kind == "status"


def test_queues_are_declared_by_the_sender(amqp: Make, raw: Any, tmp_path: Path) -> None:
    """The recipient has never connected: its queue exists all the same and keeps the message."""
    amqp(A).send(Outgoing(payload=package(tmp_path), to=[B, "000.00.00.H26"]))
    prefix = amqp.prefix  # type: ignore[attr-defined]
    assert depth(raw, f"{prefix}.{B}") == 1
    assert depth(raw, f"{prefix}.000.00.00.H26") == 1
    assert depth(raw, f"{prefix}.000.00.00.H26.dead") == 0


def test_fail_dead_letters_the_message(amqp: Make, raw: Any, tmp_path: Path) -> None:
    a, b = amqp(A), amqp(B)
    path = package(tmp_path)
    a.send(Outgoing(payload=path, to=[B]))
    [incoming] = b.receive()
    incoming.ack("fail")
    queue = f"{amqp.prefix}.{B}"  # type: ignore[attr-defined]
    assert depth(raw, queue) == 0
    assert dead_letters(raw, queue + ".dead", 1) == 1
    _, props, body = raw.basic_get(queue + ".dead", auto_ack=True)
    assert body == path.read_bytes()
    assert props.headers["x-death"][0]["reason"] == "rejected"
    assert list(b.receive()) == []


def test_unacknowledged_message_is_offered_again_to_the_next_consumer(
    amqp: Make, raw: Any, tmp_path: Path
) -> None:
    a = amqp(A)
    a.send(Outgoing(payload=package(tmp_path), to=[B]))
    b = amqp(B)
    [first] = b.receive()
    assert list(b.receive()) == []  # not twice to the same running application
    b.close()  # the consumer goes away without acknowledging
    b2 = amqp(B, inbox=b.inbox)
    [again] = b2.receive()
    assert again.message_id == first.message_id
    assert again.path == first.path
    again.ack()
    assert depth(raw, f"{amqp.prefix}.{B}") == 0  # type: ignore[attr-defined]


_CONSUMER = textwrap.dedent(
    """
    import sys, time
    from edoc.transport.amqp import AmqpTransport
    t = AmqpTransport(sys.argv[1], sys.argv[2], inbox=sys.argv[3], prefix=sys.argv[4])
    for incoming in t.receive(max_messages=1):
        print(incoming.path, flush=True)
        time.sleep(600)  # killed here: stored, never acknowledged
    """
)


def test_consumer_killed_between_store_and_ack(
    amqp: Make, raw: Any, broker: Rabbit, tmp_path: Path
) -> None:
    path = package(tmp_path)
    amqp(A).send(Outgoing(payload=path, to=[B]))
    inbox = tmp_path / "inbox"
    prefix = amqp.prefix  # type: ignore[attr-defined]
    proc = subprocess.Popen(
        [sys.executable, "-c", _CONSUMER, broker.url, B, str(inbox), prefix],
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        stored = Path(proc.stdout.readline().decode().strip())
        assert stored.read_bytes() == path.read_bytes()  # complete before it was handed out
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    [again] = amqp(B, inbox=inbox).receive()
    assert again.path == stored
    assert again.path.read_bytes() == path.read_bytes()
    again.ack()
    assert depth(raw, f"{prefix}.{B}") == 0


def test_same_bytes_twice_are_handed_out_once(amqp: Make, raw: Any, tmp_path: Path) -> None:
    a, b = amqp(A), amqp(B)
    path = package(tmp_path)
    first = a.send(Outgoing(payload=path, to=[B]))
    second = a.send(Outgoing(payload=path, to=[B]))
    assert first.doc_id == second.doc_id  # the key is the content's, not a publish's
    got = list(b.receive())
    assert [g.message_id for g in got] == [first.doc_id]
    got[0].ack()
    assert depth(raw, f"{amqp.prefix}.{B}") == 0  # type: ignore[attr-defined]
    assert list(b.receive()) == []


def test_send_from_a_stream(amqp: Make, tmp_path: Path) -> None:
    data = b"<edXML>streamed</edXML>"
    receipt = amqp(A).send(Outgoing(payload=io.BytesIO(data), to=[B]))
    [incoming] = amqp(B).receive()
    assert incoming.path.read_bytes() == data
    assert incoming.sha256 == receipt.sha256


def test_oversize_package_is_refused_before_sending(amqp: Make, raw: Any, tmp_path: Path) -> None:
    a = amqp(A, max_size=1000)
    big = package(tmp_path, body=b"x" * 1001)
    with pytest.raises(RejectedError, match=r"1001 bytes, more than .* 1000") as info:
        a.send(Outgoing(payload=big, to=[B]))
    assert info.value.code == "too-large"
    with pytest.raises(RejectedError, match=r"more than"):
        a.send(Outgoing(payload=io.BytesIO(b"y" * 5000), to=[B]))
    a.send(Outgoing(payload=package(tmp_path, body=b"z" * 1000), to=[B]))  # at the limit
    assert depth(raw, f"{amqp.prefix}.{B}") == 1  # type: ignore[attr-defined]


def test_recipients_are_required(amqp: Make, tmp_path: Path) -> None:
    with pytest.raises(edoc.errors.InputError, match="recipients"):
        amqp(A).send(package(tmp_path))


def test_missing_payload_file_is_a_source_error(amqp: Make, tmp_path: Path) -> None:
    with pytest.raises(edoc.errors.SourceError):
        amqp(A).send(Outgoing(payload=tmp_path / "nope.edxml", to=[B]))


def test_acknowledge_unknown_message(amqp: Make) -> None:
    with pytest.raises(UnknownMessageError):
        amqp(B).acknowledge("nope", Outcome.DONE)


def test_one_receiver_per_inbox(amqp: Make, tmp_path: Path) -> None:
    list(amqp(B, inbox=tmp_path / "shared").receive())
    with pytest.raises(StorageError, match="another receiver"):
        list(amqp(B, inbox=tmp_path / "shared").receive())


def test_broker_down_is_a_connect_error(tmp_path: Path) -> None:
    url = f"amqp://guest:guest@127.0.0.1:{_free_port()}/%2F"
    with AmqpTransport(url, A, retries=1, backoff=0.01, timeout=2) as t:
        with pytest.raises(ConnectError) as info:
            t.send(Outgoing(payload=package(tmp_path), to=[B]))
        assert info.value.transient
        with pytest.raises(ConnectError):
            list(AmqpTransport(url, B, inbox=tmp_path / "in", retries=0).receive())


def test_wrong_password_is_an_authentication_error_without_the_secret(
    amqp: Make, broker: Rabbit, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-pw-3d9f0e2a1b"
    caplog.set_level(logging.DEBUG)
    t = amqp(A, url=broker.url_with(password=wrong), retries=3)
    with pytest.raises(AuthenticationError) as info:
        t.send(Outgoing(payload=package(tmp_path), to=[B]))
    shown = [str(info.value), repr(info.value), repr(t), t.url]
    shown.append("".join(traceback.format_exception(info.value)))
    shown += [r.getMessage() for r in caplog.records]
    for text in shown:
        assert wrong not in text
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    assert sum("retry" in r.getMessage() for r in caplog.records) == 0  # not retried


def test_password_never_in_repr_or_logs(
    amqp: Make, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # pika's own debug logging too
    a, b = amqp(A), amqp(B)
    a.send(Outgoing(payload=package(tmp_path), to=[B]))
    for incoming in b.receive():
        incoming.ack()
    assert PASSWORD not in repr(a)
    assert "***" in repr(a)
    assert caplog.records  # there was logging to look at
    for record in caplog.records:
        assert PASSWORD not in record.getMessage()


def test_open_transport_by_url(broker: Rabbit, tmp_path: Path) -> None:
    with open_transport(broker.url, system_id=A, inbox=tmp_path / "in") as t:
        assert isinstance(t, AmqpTransport)
        assert PASSWORD not in repr(t)
    amqps = broker.url.replace("amqp://", "amqps://")
    with open_transport(amqps, system_id=A) as t:
        assert isinstance(t, AmqpTransport)


def test_not_an_amqp_url() -> None:
    with pytest.raises(edoc.errors.InputError):
        AmqpTransport("http://x", A)
    with pytest.raises(edoc.errors.InputError, match="agency id"):
        AmqpTransport("amqp://localhost", "has space")


def test_closed_transport_refuses_work(broker: Rabbit, tmp_path: Path) -> None:
    t = AmqpTransport(broker.url, A)
    t.close()
    with pytest.raises(edoc.errors.TransportError, match="closed"):
        t.send(Outgoing(payload=package(tmp_path), to=[B]))


def test_close_while_receiving_ends_the_iteration(amqp: Make, tmp_path: Path) -> None:
    a, b = amqp(A), amqp(B)
    for n in range(3):
        a.send(Outgoing(payload=package(tmp_path, n), to=[B]))
    received = b.receive()
    next(received)
    b.close()  # the two others are requeued, not handed out by a closed transport
    with pytest.raises(edoc.errors.TransportError, match="closed"):
        next(received)
    assert len(list(amqp(B, inbox=tmp_path / "other").receive())) == 3


# -- broker restarts -----------------------------------------------------------------------


def test_outcome_recorded_while_the_broker_is_down_is_settled_on_redelivery(
    amqp: Make, raw: Any, broker: Rabbit, tmp_path: Path
) -> None:
    """Held across a restart: redelivered, not handed out again; the later ack settles it;
    a "done" the broker never heard of is settled when the message comes back."""
    a = amqp(A, retries=40, backoff=0.1, max_backoff=1.0)
    b = amqp(B, retries=40, backoff=0.1, max_backoff=1.0)
    for n in range(2):
        a.send(Outgoing(payload=package(tmp_path, n), to=[B]))
    first, second = b.receive()
    raw.connection.close()
    broker.restart()
    assert list(b.receive()) == []  # both redelivered to the new connection, neither twice
    first.ack()  # acknowledged on the new connection
    broker.stop()
    second.ack()  # recorded; the broker cannot hear it
    broker.start()
    assert list(b.receive()) == []  # redelivered, settled from the log, not handed out
    connection = pika.BlockingConnection(pika.URLParameters(broker.url))
    try:
        channel = connection.channel()
        queue = f"{amqp.prefix}.{B}"  # type: ignore[attr-defined]
        assert depth(channel, queue) == 0
        assert depth(channel, queue + ".dead") == 0
    finally:
        connection.close()
    assert os.path.exists(first.path)
    assert os.path.exists(second.path)


# -- identity (issue 17, class 7): keyed on what the receiver can check --------------------


def _publish(raw: Any, prefix: str, to: str, body: bytes, **props: Any) -> None:
    """Publish as any holder of the broker credentials can: every property chosen freely."""
    raw.exchange_declare(prefix, exchange_type="direct", durable=True, passive=True)
    raw.basic_publish(prefix, to, body, pika.BasicProperties(delivery_mode=2, **props))


def test_junk_under_a_real_message_id_cannot_dead_letter_the_real_package(
    amqp: Make, raw: Any, tmp_path: Path
) -> None:
    from ._support import write_package

    b = amqp(B)
    b.queue_depths()  # declares B's queues
    prefix = amqp.prefix  # type: ignore[attr-defined]
    real = write_package(tmp_path / "real.edxml", sender=A, to=(B,)).read_bytes()
    _publish(raw, prefix, B, b"junk from a co-recipient", message_id="m-1",
             headers={"edoc-from": A})  # fmt: skip
    [junk] = b.receive()
    junk.ack("fail")
    _publish(raw, prefix, B, real, message_id="m-1", headers={"edoc-from": A})
    [got] = b.receive()
    assert got.path.read_bytes() == real
    assert got.message_id.startswith(f"{A}|{A},2015/09/30,7816/VPCP-TTĐT|sha256:")
    got.ack()
    assert dead_letters(raw, f"{prefix}.{B}.dead", 1) == 1  # the junk only


def test_each_recipient_and_retry_gets_a_fresh_message_id(
    amqp: Make, raw: Any, tmp_path: Path
) -> None:
    a = amqp(A)
    receipt = a.send(Outgoing(payload=package(tmp_path), to=[B, "000.00.00.H26"]))
    a.send(Outgoing(payload=package(tmp_path), to=[B]))  # the same bytes again
    prefix = amqp.prefix  # type: ignore[attr-defined]
    ids = []
    for queue in (f"{prefix}.{B}", f"{prefix}.{B}", f"{prefix}.000.00.00.H26"):
        _, props, _ = raw.basic_get(queue, auto_ack=True)
        ids.append(props.message_id)
    assert len(set(ids)) == 3, ids
    assert receipt.doc_id not in ids


def test_the_receiver_enforces_max_size_before_storing(
    amqp: Make, raw: Any, tmp_path: Path
) -> None:
    b = amqp(B, max_size=1000)
    b.queue_depths()
    prefix = amqp.prefix  # type: ignore[attr-defined]
    _publish(raw, prefix, B, b"<edXML>" + b"x" * 2000 + b"</edXML>", message_id="big")
    assert list(b.receive()) == []
    assert dead_letters(raw, f"{prefix}.{B}.dead", 1) == 1
    assert [p.name for p in b.inbox.iterdir() if p.suffix == ".edxml"] == []


def test_the_sender_header_does_not_override_the_package(
    amqp: Make, raw: Any, tmp_path: Path
) -> None:
    from ._support import write_package

    b = amqp(B)
    b.queue_depths()
    real = write_package(tmp_path / "real.edxml", sender=A, to=(B,)).read_bytes()
    _publish(raw, amqp.prefix, B, real, message_id="x",  # type: ignore[attr-defined]
             headers={"edoc-from": "000.00.00.EVIL", "edoc-kind": "status"})  # fmt: skip
    [got] = b.receive()
    assert (got.sender, got.kind) == (A, "edoc")
    got.ack()
