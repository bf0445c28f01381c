"""The local hub as a server: what it refuses, how it routes, what survives a restart.

Requests here are signed with the independent §7.3 code in _support.py and sent with
plain httpx, so the hub is checked as any other client would meet it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from edoc.transport import Outgoing
from edoc.transport.errors import RejectedError
from edoc.transport.hub_server import HubAgency, HubServer

from ._support import (
    A_ORGAN,
    A_SECRET,
    A_SYSTEM,
    B_SECRET,
    B_SYSTEM,
    agencies,
    fresh_timestamp,
    reference_sign,
)


def post(hub: HubServer, op: str, params: dict[str, str], **kwargs: Any) -> Any:
    content_type = kwargs.pop("content_type", "application/json")
    headers = reference_sign(params, A_SYSTEM, A_SECRET, fresh_timestamp(), content_type)
    headers.update(kwargs.pop("headers", {}))
    return httpx.post(f"{hub.url}/{op}", headers=headers, timeout=5, **kwargs)


def upload(
    hub: HubServer,
    data: bytes,
    *,
    params: dict[str, str] | None = None,
    hash_file: str | None = None,
    chunked: bool = False,
    crlf: bytes = b"\r\n",
) -> Any:
    """sendEdoc as hub-wire.md §2 shows it: the file and a CRLF, as application/octet-stream."""
    body = data + crlf
    params = dict(params or {"servicetype": "eDoc", "messagetype": "edoc", "from": A_ORGAN})
    params["hash-file"] = hash_file or hashlib.sha256(data).hexdigest()
    content: Any = body
    if chunked:
        content = iter([body[:100], body[100:]])  # httpx sends a generator chunked
    return post(hub, "sendEdoc", params, content=content,
                content_type="application/octet-stream")  # fmt: skip


def test_upload_by_hand(hub: HubServer, new_package: Callable[..., Path]) -> None:
    data = new_package().read_bytes()
    answer = upload(hub, data).json()
    assert answer["status"] == "OK"
    [delivery] = hub.store.deliveries.values()
    assert delivery.system_id == B_SYSTEM
    assert hub.store.blob(delivery.sha256).read_bytes() == data


def test_chunked_upload(hub: HubServer, new_package: Callable[..., Path]) -> None:
    assert upload(hub, new_package().read_bytes(), chunked=True).json()["status"] == "OK"


def test_sdk_style_hash_file_is_accepted(hub: HubServer, new_package: Callable[..., Path]) -> None:
    data = new_package().read_bytes()
    sdk = "".join(f"{b:x}" for b in hashlib.sha256(data).digest())  # zeros dropped
    assert upload(hub, data, hash_file=sdk).json()["status"] == "OK"


def test_a_body_without_the_crlf_is_the_file(
    hub: HubServer, new_package: Callable[..., Path]
) -> None:
    data = new_package().read_bytes()
    assert upload(hub, data, crlf=b"").json()["status"] == "OK"
    [delivery] = hub.store.deliveries.values()
    assert hub.store.blob(delivery.sha256).read_bytes() == data


@pytest.mark.parametrize(
    ("kwargs", "code", "status"),
    [
        ({"hash_file": "0" * 64}, "E_HASH", 400),
        ({"crlf": b"\r\n\r\n"}, "E_HASH", 400),  # one CRLF is framing, a second is data
        ({"params": {"from": A_ORGAN, "servicetype": "eDoc", "messagetype": "status"}},
         "E_PARAM", 200),
        ({"params": {"from": A_ORGAN, "servicetype": "eDoc", "messagetype": "x"}}, "E_PARAM", 400),
        ({"params": {"messagetype": "edoc", "to": '["nobody"]'}}, "E_RECIPIENT", 200),
        ({"params": {"messagetype": "edoc", "to": '{"a": 1}'}}, "E_PARAM", 400),
    ],
)  # fmt: skip
def test_uploads_refused(
    hub: HubServer, new_package: Callable[..., Path], kwargs: Any, code: str, status: int
) -> None:
    response = upload(hub, new_package().read_bytes(), **kwargs)
    assert (response.status_code, response.json()["ErrorCode"]) == (status, code)
    assert "DocId" in response.json()  # the official client reads it on every answer
    assert hub.store.deliveries == {}
    assert list(hub.store.tmp.iterdir()) == []  # nothing half-kept


def test_package_that_cannot_be_read_is_refused_without_to(hub: HubServer) -> None:
    response = upload(hub, b"<not-edxml/>")
    assert response.json()["ErrorCode"] == "E_PACKAGE"
    with_to = {"messagetype": "edoc", "to": '["000.00.00.H41"]'}
    assert upload(hub, b"<x/>", params=with_to).json()["status"] == "OK"  # not read


def test_multipart_is_refused(hub: HubServer) -> None:
    """The official client never sends multipart; a multipart body would be stored as the
    package, framing and all, so it is refused by its content type."""
    data = b"x"
    params = {"messagetype": "edoc", "hash-file": hashlib.sha256(data).hexdigest()}
    response = post(hub, "sendEdoc", params, content=data,
                    content_type="multipart/form-data; boundary=b")  # fmt: skip
    assert response.status_code == 415
    assert response.json() == {"status": "FAIL", "ErrorCode": "E_REQUEST", "DocId": None,
                               "ErrorDesc": response.json()["ErrorDesc"]}  # fmt: skip


def test_unsigned_hash_file_is_refused(hub: HubServer) -> None:
    data = b"<x/>"
    response = post(hub, "sendEdoc", {"messagetype": "edoc", "to": '["000.00.00.H41"]'},
                    content=data + b"\r\n", content_type="application/octet-stream",
                    headers={"hash-file": hashlib.sha256(data).hexdigest()})  # fmt: skip
    assert response.json()["ErrorCode"] == "E_HASH"
    assert "signed XroadVnpt-hash-file" in response.json()["ErrorDesc"]


def test_unknown_operation(hub: HubServer) -> None:
    assert post(hub, "registerAgencyX", {}).status_code == 404


def test_other_agencies_packages_are_invisible(
    hub: HubServer, client: Callable[..., Any], new_package: Callable[..., Path]
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    a.send(new_package())
    [entry] = b.list_received()
    with pytest.raises(RejectedError) as info:
        a.fetch(entry["docId"], a.inbox.parent)  # A is not the recipient
    assert info.value.code == "E_NOT_FOUND"
    with pytest.raises(RejectedError):
        a.update_status(entry["docId"], "done")
    with pytest.raises(RejectedError) as info:
        b.update_status(entry["docId"], "lost")
    assert info.value.status == 400


def test_counts_and_page_size(
    hub_data: Path, client: Callable[..., Any], new_package: Callable[..., Path], hub: HubServer
) -> None:
    hub.stop()
    with HubServer(hub_data, agencies(), port=hub.port, page_size=2):
        a, b = client(A_SYSTEM), client(B_SYSTEM)
        for _ in range(3):
            a.send(new_package())
        assert len(b.list_received()) == 2
        assert b._call("countReceiveEdoc", {})["count"] == 3
        assert b._call("countReceiveStatus", {})["count"] == 0
        first = list(b.receive())
        for item in first:
            item.ack()
        assert len(first) == 2
        assert len(list(b.receive())) == 1


def test_statuses_survive_a_restart(
    hub_data: Path, client: Callable[..., Any], new_package: Callable[..., Path], hub: HubServer
) -> None:
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    a.send(new_package())
    a.send(Outgoing(payload=new_package()))
    [first, _] = list(b.receive())
    first.ack()
    hub.stop()
    with HubServer(hub_data, agencies(), port=hub.port) as again:
        statuses = sorted(d.status for d in again.store.deliveries.values())
        assert statuses == ["done", "initial"]
        assert len(again.store.sent) == 2
        assert {s["receiveStatus"] for s in a.list_sent()} == {"done", "initial"}


def test_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="twice"):
        HubServer(tmp_path, [HubAgency(system_id="a", secret="1"),
                             HubAgency(system_id="a", secret="2")])  # fmt: skip
    with pytest.raises(ValueError, match="two systems"):
        HubServer(tmp_path, [HubAgency(system_id="a", secret="1", organ_ids=["x"]),
                             HubAgency(system_id="b", secret="2", organ_ids=["x"])])  # fmt: skip


@pytest.fixture
def big(new_package: Callable[..., Path]) -> Path:
    return new_package(body=b"\x00\x01\x02" * 400_000)


def test_get_edoc_answer_is_valid_json(
    hub: HubServer, client: Callable[..., Any], big: Path
) -> None:
    """The streamed answer, read whole by a plain JSON parser, decodes to the package."""
    import base64

    client(A_SYSTEM).send(big)
    [entry] = client(B_SYSTEM).list_received()
    refused = post(hub, "getEdoc", {"docId": entry["docId"]})  # signed as A: not A's
    assert refused.json()["ErrorCode"] == "E_NOT_FOUND"
    headers = reference_sign(
        {"docId": entry["docId"]}, B_SYSTEM, B_SECRET, fresh_timestamp(), "application/json"
    )
    response = httpx.post(f"{hub.url}/getEdoc", headers=headers, content=b"{}", timeout=10)
    answer = json.loads(response.content)
    assert answer["status"] == "OK"
    assert base64.b64decode(answer["data"]) == big.read_bytes()


def test_one_hub_per_data_folder(hub: HubServer, hub_data: Path) -> None:
    second = HubServer(hub_data, agencies())
    with pytest.raises(OSError, match="another hub"):
        second.start()


def _raw_send(hub: HubServer, headers: dict[str, str], data: bytes) -> tuple[bytes, Any]:
    """Headers with Expect: 100-continue, then wait for the hub's first word."""
    import socket

    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    s = socket.create_connection(("127.0.0.1", hub.port), timeout=5)
    s.sendall(f"POST /sendEdoc HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
              f"Content-Length: {len(data) + 2}\r\n{head}\r\n".encode())  # fmt: skip
    return s.recv(4096), s


def test_expect_continue_only_after_the_headers_pass(
    hub: HubServer, new_package: Callable[..., Path]
) -> None:
    data = new_package().read_bytes()
    params = {"servicetype": "eDoc", "messagetype": "edoc", "from": A_ORGAN,
              "hash-file": hashlib.sha256(data).hexdigest()}  # fmt: skip
    good = reference_sign(params, A_SYSTEM, A_SECRET, fresh_timestamp(), "application/octet-stream")
    first, s = _raw_send(hub, good, data)
    assert first == b"HTTP/1.1 100 Continue\r\n\r\n"
    s.sendall(data + b"\r\n")
    answer = b""
    while b"}" not in answer and (more := s.recv(4096)):  # headers and body may come apart
        answer += more
    s.close()
    assert answer.startswith(b"HTTP/1.1 200")
    assert b'"status": "OK"' in answer
    spoofed = reference_sign({**params, "from": "000.00.00.H41"}, A_SYSTEM, A_SECRET,
                             fresh_timestamp(), "application/octet-stream")  # fmt: skip
    first, s = _raw_send(hub, spoofed, data)
    while b"}" not in first and (more := s.recv(4096)):
        first += more
    s.close()
    assert first.startswith(b"HTTP/1.1 403")  # refused on its headers: no 100, no body read
    assert b'"E_AUTH"' in first
