"""HubTransport against the real local hub over loopback: flows, faults, restarts, idempotency."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import edoc
from edoc.transport import HubTransport, Outcome, Outgoing
from edoc.transport.errors import (
    AuthenticationError,
    ConnectError,
    RejectedError,
    ServerError,
    StorageError,
    TransportTimeout,
    UnknownMessageError,
)
from edoc.transport.hub_server import HubServer

from ._support import A_ORGAN, A_SYSTEM, B_ORGAN, B_SYSTEM, C_SYSTEM, agencies

Client = Callable[..., Any]


def receive_all(t: HubTransport, *, ack: bool = True) -> list[edoc.transport.Incoming]:
    got = list(t.receive())
    if ack:
        for item in got:
            item.ack()
    return got


def test_send_receive_ack(hub: HubServer, client: Client, new_package: Callable[..., Path]) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    path = new_package()
    receipt = a.send(path)
    assert receipt.transport == "hub"
    assert receipt.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert receipt.size == path.stat().st_size

    [incoming] = b.receive()
    assert incoming.kind == "edoc"
    assert incoming.sender == A_ORGAN
    assert incoming.path.read_bytes() == path.read_bytes()
    assert incoming.sha256 == receipt.sha256
    assert incoming.path.parent == b.inbox
    assert edoc.read(incoming.path).header.to[0].organ_id.value == B_ORGAN  # type: ignore[union-attr]
    incoming.ack()

    [sent] = a.list_sent()
    assert sent["senderDocId"] == receipt.doc_id
    assert sent["receiveStatus"] == "done"
    assert list(b.receive()) == []
    assert list(a.receive()) == []  # nothing was addressed to A


def test_status_package_routed_back_by_its_response_for(
    hub: HubServer, client: Client, new_package: Callable[..., Path], tmp_path: Path
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    a.send(new_package())
    [incoming] = receive_all(b)
    pkg = edoc.read(incoming.path)
    assert isinstance(pkg, edoc.EdocPackage)
    reply = edoc.StatusPackage.reply_to(pkg, code=edoc.StatusCode.RECEIVED)
    edoc.write(reply, tmp_path / "status.edxml")
    b.send(Outgoing(payload=tmp_path / "status.edxml", kind="status"))  # no "to": read
    [status] = receive_all(a)
    assert status.kind == "status"
    assert status.sender == B_ORGAN
    assert isinstance(edoc.read(status.path), edoc.StatusPackage)


def test_explicit_to_header_and_several_recipients(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b, c = client(A_SYSTEM), client(B_SYSTEM), client(C_SYSTEM)
    # The package names only B, the "to" header names B and C: the header wins.
    a.send(Outgoing(payload=new_package(), to=[B_ORGAN, C_SYSTEM]))
    assert len(receive_all(b)) == 1
    assert len(receive_all(c)) == 1
    sent = a.list_sent()
    assert {s["toCode"] for s in sent} == {B_ORGAN, C_SYSTEM}


def test_send_from_a_stream(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    path = new_package()
    with path.open("rb") as f:
        receipt = a.send(f)
    [incoming] = receive_all(b)
    assert incoming.sha256 == receipt.sha256
    assert incoming.path.read_bytes() == path.read_bytes()


def test_large_package_streams_through(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    body = bytes(range(256)) * (12 * 4096)  # 12 MiB of attachment, 16 MiB of package
    path = new_package(body=body)
    receipt = a.send(path)
    [incoming] = receive_all(b)
    assert incoming.size == path.stat().st_size == receipt.size
    assert incoming.sha256 == receipt.sha256


def test_unknown_recipient_is_rejected_not_retried(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a = client(A_SYSTEM, retries=3)
    with pytest.raises(RejectedError) as info:
        a.send(new_package(to=("000.00.00.Z99",)))
    assert info.value.code == "E_RECIPIENT"
    assert "000.00.00.Z99" in str(info.value)
    assert hub.requests["sendEdoc"] == 1


def test_wrong_secret_is_an_authentication_error_not_retried(
    hub: HubServer, client: Client
) -> None:
    a = client(A_SYSTEM, secret="not-the-secret", retries=3)
    with pytest.raises(AuthenticationError) as info:
        a.list_received()
    assert "401" in str(info.value)
    assert hub.requests["getReceivedEdocList"] == 1
    assert info.value.transport == "hub"


def test_unknown_system_is_an_authentication_error(hub: HubServer, client: Client) -> None:
    stranger = HubTransport(hub.url, "vxp.unknown", "whatever", inbox=None, retries=0)
    with stranger, pytest.raises(AuthenticationError, match="unknown system id"):
        stranger.list_agencies()


def test_agencies_list(hub: HubServer, client: Client) -> None:
    codes = {a["code"]: a["systemId"] for a in client(A_SYSTEM).list_agencies()}
    assert codes == {A_ORGAN: A_SYSTEM, B_ORGAN: B_SYSTEM, C_SYSTEM: C_SYSTEM}


# -- faults: transient failures are retried, then succeed ---------------------------------


@pytest.mark.parametrize("fault", ["error", "drop"])
@pytest.mark.parametrize(
    "operation", ["sendEdoc", "getReceivedEdocList", "getEdoc", "updateStatus"]
)
def test_transient_faults_are_retried(
    hub: HubServer, client: Client, new_package: Callable[..., Path], fault: Any, operation: str
) -> None:
    a, b = client(A_SYSTEM, retries=3), client(B_SYSTEM, retries=3)
    hub.inject(fault, operation=operation, times=2)
    receipt = a.send(new_package())
    [incoming] = receive_all(b)
    assert incoming.sha256 == receipt.sha256
    assert hub.requests[operation] >= 3  # two faulty answers, then one good
    [sent] = a.list_sent()
    assert sent["receiveStatus"] == "done"


def test_delay_beyond_the_timeout_is_retried(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM, timeout=0.3, retries=2)
    a.send(new_package())
    hub.inject("delay", operation="getEdoc", seconds=1.0)
    [incoming] = receive_all(b)
    assert incoming.size > 0
    assert hub.requests["getEdoc"] == 2


def test_timeout_when_retries_run_out(hub: HubServer, client: Client) -> None:
    b = client(B_SYSTEM, timeout=0.2, retries=1)
    hub.inject("delay", operation="getReceivedEdocList", seconds=0.6, times=2)
    with pytest.raises(TransportTimeout):
        b.list_received()
    assert hub.requests["getReceivedEdocList"] == 2


def test_server_error_when_retries_run_out(hub: HubServer, client: Client) -> None:
    b = client(B_SYSTEM, retries=2)
    hub.inject("error", times=5)
    with pytest.raises(ServerError) as info:
        b.list_received()
    assert info.value.status == 503
    assert info.value.transient
    assert hub.requests["getReceivedEdocList"] == 3


def test_no_hub_is_a_connect_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = HubTransport(f"http://127.0.0.1:{port}", "x", "y", retries=1, backoff=0.01)
    with t, pytest.raises(ConnectError) as info:
        t.list_received()
    assert isinstance(info.value, ConnectionError)  # also the builtin
    assert isinstance(info.value, edoc.errors.TransportError)


# -- idempotency: nothing twice to the application, nothing lost ---------------------------


def test_lost_reply_to_send_delivers_once_to_the_application(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    hub.inject("lost_reply", operation="sendEdoc")  # stored, but the client never hears
    a.send(new_package())
    assert hub.requests["sendEdoc"] == 2
    assert len(b.list_received()) == 2  # the hub holds two copies
    got = receive_all(b)
    assert len(got) == 1  # the application sees one
    assert b.list_received() == []  # and both copies are settled at the hub
    assert {s["receiveStatus"] for s in a.list_sent()} == {"done"}


def test_duplicate_delivery_is_recognised(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    hub.inject("duplicate", operation="sendEdoc")
    a.send(new_package())
    assert len(b.list_received()) == 2
    assert len(receive_all(b)) == 1
    assert b.list_received() == []
    # A later transport on the same inbox (a restart) recognises it too.
    hub.inject("duplicate", operation="sendEdoc")
    path = new_package()
    a.send(path)
    b.close()
    b2 = client(B_SYSTEM)
    assert len(receive_all(b2)) == 1
    assert b2.list_received() == []


def test_duplicate_settled_with_its_original(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    hub.inject("duplicate", operation="sendEdoc")
    a.send(new_package())
    [incoming] = list(b.receive())  # handed out, not yet acknowledged
    assert len(b.list_received()) == 2  # nothing settled yet
    incoming.ack("fail")
    assert b.list_received() == []
    assert {s["receiveStatus"] for s in a.list_sent()} == {"fail"}


def test_redelivery_after_done_is_acknowledged_again_not_handed_out(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    a.send(new_package())
    [incoming] = receive_all(b)
    # The hub forgets the acknowledgement (as if updateStatus never reached it).
    delivery = hub.store.deliveries[incoming.message_id]
    hub.store.set_status(delivery, "initial")
    assert list(b.receive()) == []
    assert hub.store.deliveries[incoming.message_id].status == "done"


def test_lost_reply_to_update_status_is_retried(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    a.send(new_package())
    hub.inject("lost_reply", operation="updateStatus")
    receive_all(b)
    assert hub.requests["updateStatus"] == 2
    assert b.list_received() == []


def test_unacknowledged_package_is_offered_again_after_a_restart(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    a.send(new_package())
    [first] = list(b.receive())
    assert list(b.receive()) == []  # not twice to the same running application
    b.close()  # the application stops before it acknowledges
    b2 = client(B_SYSTEM)
    [again] = list(b2.receive())
    assert again.message_id == first.message_id
    assert again.sha256 == first.sha256
    assert hub.requests["getEdoc"] == 1  # the stored file is reused
    again.ack()
    b2.close()
    assert list(client(B_SYSTEM, inbox=b2.inbox).receive()) == []


def test_nothing_is_acknowledged_before_it_is_stored(
    hub: HubServer, client: Client, new_package: Callable[..., Path], tmp_path: Path
) -> None:
    a = client(A_SYSTEM)
    a.send(new_package())
    blocked = tmp_path / "not-a-folder"
    blocked.write_bytes(b"")  # the inbox cannot be created
    b = client(B_SYSTEM, inbox=blocked)
    with pytest.raises(StorageError):
        list(b.receive())
    [waiting] = client(B_SYSTEM, inbox=tmp_path / "other").list_received()
    assert waiting["status"] == "initial"


def test_download_failure_leaves_no_file_and_no_ack(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM, retries=0)
    a.send(new_package())
    hub.inject("drop", operation="getEdoc")
    with pytest.raises(ConnectError):
        list(b.receive())
    assert [p.name for p in b.inbox.iterdir() if p.suffix in (".edxml", ".part")] == []
    assert hub.requests["updateStatus"] == 0
    assert len(receive_all(b)) == 1  # the next poll gets it


def test_acknowledge_unknown_message(hub: HubServer, client: Client) -> None:
    with pytest.raises(UnknownMessageError):
        client(B_SYSTEM).acknowledge("nope", Outcome.DONE)


def test_receive_needs_an_inbox(hub: HubServer) -> None:
    with HubTransport(hub.url, B_SYSTEM, "x") as t, pytest.raises(edoc.errors.InputError):
        list(t.receive())


def test_one_receiver_per_inbox(hub: HubServer, client: Client, tmp_path: Path) -> None:
    b1 = client(B_SYSTEM, inbox=tmp_path / "shared")
    b2 = client(B_SYSTEM, inbox=tmp_path / "shared")
    list(b1.receive())
    with pytest.raises(StorageError, match="another receiver"):
        list(b2.receive())


def test_max_messages(hub: HubServer, client: Client, new_package: Callable[..., Path]) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    for _ in range(3):
        a.send(new_package())
    assert len(list(b.receive(max_messages=2))) == 2


def test_closed_transport_refuses_work(hub: HubServer) -> None:
    t = HubTransport(hub.url, A_SYSTEM, "x")
    t.close()
    with pytest.raises(edoc.errors.TransportError, match="closed"):
        t.list_received()


# -- restarts ------------------------------------------------------------------------------


def test_hub_restart_keeps_data(
    hub_data: Path, client: Client, hub: HubServer, new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    sent = [a.send(new_package()).sha256 for _ in range(3)]
    [first] = list(b.receive(max_messages=1))
    first.ack()
    port = hub.port
    hub.stop()
    with HubServer(hub_data, agencies(), port=port):
        got = receive_all(b)  # the same client: its pooled connection was cut
        assert sorted([first.sha256] + [g.sha256 for g in got]) == sorted(sent)
        assert {s["receiveStatus"] for s in a.list_sent()} == {"done"}


def test_client_rides_out_a_hub_restart(
    hub_data: Path, client: Client, hub: HubServer, new_package: Callable[..., Path]
) -> None:
    a = client(A_SYSTEM, retries=6, backoff=0.1)
    a.send(new_package())
    port = hub.port
    hub.stop()
    restarted: list[HubServer] = []

    def restart() -> None:
        time.sleep(0.4)
        restarted.append(HubServer(hub_data, agencies(), port=port).start())

    thread = threading.Thread(target=restart)
    thread.start()
    try:
        receipt = a.send(new_package())  # refused while the hub is down, then accepted
        thread.join()
        b = client(B_SYSTEM)
        assert receipt.sha256 in {i.sha256 for i in receive_all(b)}
    finally:
        thread.join()
        for server in restarted:
            server.stop()


@pytest.mark.slow
def test_soak_with_random_faults(
    hub: HubServer, client: Client, new_package: Callable[..., Path]
) -> None:
    """200 packages through a hub that fails, drops, loses replies and duplicates at random."""
    from edoc.transport.hub_server import Faults

    a = client(A_SYSTEM, retries=10, timeout=2.0)
    b = client(B_SYSTEM, retries=10, timeout=2.0)
    paths = [new_package() for _ in range(200)]
    hub.faults = Faults(error_rate=0.1, drop_rate=0.05, lost_reply_rate=0.05, duplicate_rate=0.1)
    expected = {a.send(p).sha256 for p in paths}
    seen: list[str] = []
    for _ in range(50):
        got = receive_all(b)
        seen += [g.sha256 for g in got]
        if not got and set(seen) == expected:
            break
    hub.faults = Faults()
    assert sorted(seen) == sorted(expected)  # every package, none twice
    assert b.list_received() == []


@pytest.mark.slow
def test_soak_10000_packages_with_faults_and_restarts(
    hub_data: Path, hub: HubServer, client: Client, tmp_path: Path
) -> None:
    """10,000 packages sent while a receiver polls concurrently; the hub fails, drops, loses
    replies and duplicates at random, and is restarted twice mid-stream on the same data.
    Every package arrives, the application accepts none twice, and each file is complete
    when the application acknowledges it."""
    from collections import Counter

    from edoc.transport.hub_server import Faults

    n = 10_000
    faults = Faults(error_rate=0.02, drop_rate=0.01, lost_reply_rate=0.01, duplicate_rate=0.02)
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    paths = []
    for i in range(n):
        paths.append(outbox / f"p{i}.edxml")
        paths[-1].write_bytes(f"<edXML n='{i}'>{'y' * (i % 89)}</edXML>".encode())
    expected = {hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    accepted: Counter[str] = Counter()
    incomplete: list[str] = []
    failures: list[BaseException] = []
    stop = threading.Event()
    port = hub.port
    hub.faults = faults
    servers = [hub]

    def receive() -> None:
        b = client(B_SYSTEM, retries=30, backoff=0.05, max_backoff=1.0, timeout=5.0)
        try:
            while len(accepted) < n and not stop.is_set():
                got = 0
                try:
                    for item in b.receive():
                        data = item.path.read_bytes()
                        if hashlib.sha256(data).hexdigest() != item.sha256:
                            incomplete.append(item.message_id)
                        item.ack()
                        accepted[item.sha256] += 1
                        got += 1
                except edoc.errors.TransportError as exc:
                    if not getattr(exc, "transient", False):
                        raise
                if not got:
                    time.sleep(0.2)
        except BaseException as exc:
            failures.append(exc)

    def restart() -> None:
        servers[-1].stop()
        time.sleep(0.5)
        servers.append(HubServer(hub_data, agencies(), port=port, faults=faults).start())

    a = client(A_SYSTEM, retries=30, backoff=0.05, max_backoff=1.0, timeout=5.0)
    started = time.monotonic()
    receiver = threading.Thread(target=receive)
    receiver.start()
    try:
        for i, path in enumerate(paths):
            if i in (n * 3 // 10, n * 7 // 10):
                threading.Thread(target=restart).start()
            a.send(Outgoing(payload=path, to=[B_ORGAN]))
        receiver.join(timeout=600)
    finally:
        stop.set()
        receiver.join()
        for server in servers[1:]:
            server.stop()
    elapsed = time.monotonic() - started
    assert not failures, failures
    assert set(accepted) == expected  # every package arrived
    assert max(accepted.values()) == 1  # none accepted twice
    assert incomplete == []  # none acknowledged before its file was complete
    assert len(servers) == 3
    print(f"\n10,000-package hub soak with faults and 2 restarts: {elapsed:.0f} s")
