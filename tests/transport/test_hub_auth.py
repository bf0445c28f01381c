"""The XroadVnpt-* header HMAC, checked against an independent reading of hub-wire.md §1.

Nothing here calls edoc's signing code to compute an expected value: the HMAC, the JSON
of ``XroadVnpt-sign-header``, the key list and the timestamp format are computed in this
file from the reference's description, in both directions:

* edoc's client → a bare recording HTTP server in this file → checked here;
* requests signed here with httpx → edoc's local hub → accepted, and refused when tampered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from edoc.transport import HubTransport, Outgoing
from edoc.transport.hub_server import HubServer

from ._support import A_ORGAN, A_SECRET, A_SYSTEM, B_ORGAN, fresh_timestamp, reference_sign

TIMESTAMP = re.compile(r"^\d{8}T\d{6}\+\d{4}$")  # ddMMyyyy'T'HHmmss+SSSS


# -- edoc's client, seen by a recording server -----------------------------------------


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        raw = {k: v.encode("latin-1").decode("utf-8") for k, v in self.headers.items()}
        Recorder.seen.append((self.path, raw, body))
        answer = json.dumps({"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data": [],
                             "DocId": "doc-1"}).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def check_signed(headers: dict[str, str], secret: str, params: dict[str, str], keys: str) -> None:
    """Everything hub-wire.md §1 says about one request's headers, checked from scratch;
    ``keys`` is the call's XroadVnpt-sign-header-key as hub-wire.md records it."""
    sign_header = headers["XroadVnpt-sign-header"]
    expected = hmac.new(secret.encode(), sign_header.encode("utf-8"), hashlib.sha256).hexdigest()
    assert headers["XroadVnpt-hash-header"] == expected
    signed = json.loads(sign_header)
    names = headers["XroadVnpt-sign-header-key"].split(";")
    assert [f"XroadVnpt-{n}" for n in names] == list(signed)  # same names, same order
    assert headers["XroadVnpt-sign-header-key"] == keys  # the official client's order
    for name in names:
        assert headers[f"XroadVnpt-{name}"] == signed[f"XroadVnpt-{name}"]
    assert {n: signed[f"XroadVnpt-{n}"] for n in params} == params
    assert signed["XroadVnpt-systemid"] == A_SYSTEM
    assert TIMESTAMP.match(signed["XroadVnpt-timestamp"])
    assert signed["XroadVnpt-Content-Type"] == headers["Content-Type"]
    assert headers["User-Agent"] == "JAVASDKAgent/1.0.0 XRoad/VPCP"
    assert headers["XroadVnpt-version"] == "3.0.201608"
    # The JSON is exactly what the reference transcription would build from the same map.
    values = {**params, "systemid": A_SYSTEM, "timestamp": signed["XroadVnpt-timestamp"],
              "Content-Type": headers["Content-Type"]}  # fmt: skip
    rebuilt = reference_sign(
        {k: values[k] for k in keys.split(";")}, A_SYSTEM, secret, values["timestamp"],
        values["Content-Type"], keep_order=True,
    )  # fmt: skip
    assert rebuilt["XroadVnpt-sign-header"] == sign_header
    assert rebuilt["XroadVnpt-hash-header"] == headers["XroadVnpt-hash-header"]
    assert secret not in json.dumps(headers)


def test_client_signs_list_requests_as_the_reference_says(recorder: str) -> None:
    with HubTransport(recorder, A_SYSTEM, A_SECRET) as t:
        t.list_received("status")
    [(path, headers, body)] = Recorder.seen
    assert path == "/getReceivedEdocList"
    assert body == b""
    check_signed(headers, A_SECRET, {"servicetype": "eDoc", "messagetype": "status"},
                 "systemid;servicetype;messagetype;timestamp;Content-Type")  # fmt: skip


def test_client_signs_send_and_hashes_the_file(recorder: str, new_package: Any) -> None:
    package: Path = new_package()
    with HubTransport(recorder, A_SYSTEM, A_SECRET, organ_id=A_ORGAN) as t:
        receipt = t.send(Outgoing(payload=package, to=[B_ORGAN]))
    assert receipt.doc_id == "doc-1"
    [(path, headers, body)] = Recorder.seen
    assert path == "/sendEdoc"
    data = package.read_bytes()
    sdk_hex = "".join(format(b, "x") for b in hashlib.sha256(data).digest())
    params = {"from": A_ORGAN, "servicetype": "eDoc", "messagetype": "edoc",
              "to": json.dumps([B_ORGAN], separators=(",", ":")), "hash-file": sdk_hex}  # fmt: skip
    keys = "systemid;servicetype;messagetype;hash-file;from;to;timestamp;Content-Type"
    check_signed(headers, A_SECRET, params, keys)
    assert "hash-file" not in headers  # signed only, as XroadVnpt-hash-file
    assert headers["Content-Type"] == "application/octet-stream"
    assert body == data + b"\r\n"  # the file as it is, then one CRLF: no multipart framing
    assert headers["Content-Length"] == str(len(data) + 2)


def test_non_ascii_parameters_are_signed_as_utf8(recorder: str, new_package: Any) -> None:
    with HubTransport(recorder, A_SYSTEM, A_SECRET, organ_id="Sở Nội vụ") as t:
        t.send(new_package())
    [(_, headers, _)] = Recorder.seen
    assert headers["XroadVnpt-from"] == "Sở Nội vụ"
    params = {"from": "Sở Nội vụ", "servicetype": "eDoc", "messagetype": "edoc",
              "hash-file": headers["XroadVnpt-hash-file"]}  # fmt: skip
    keys = "systemid;servicetype;messagetype;hash-file;from;timestamp;Content-Type"
    check_signed(headers, A_SECRET, params, keys)


# -- requests signed here, checked by edoc's local hub ---------------------------------


def signed_post(hub: HubServer, op: str, secret: str, *, tamper: str | None = None,
                hex_form: str = "lower") -> Any:  # fmt: skip
    headers = reference_sign({}, A_SYSTEM, secret, fresh_timestamp(), "application/json")
    if hex_form == "upper":
        headers["XroadVnpt-hash-header"] = headers["XroadVnpt-hash-header"].upper()
    elif hex_form == "sdk":  # Integer.toHexString per byte: leading zeros dropped
        sign_header = headers["XroadVnpt-sign-header"].encode()
        digest = hmac.new(secret.encode(), sign_header, hashlib.sha256).digest()
        headers["XroadVnpt-hash-header"] = "".join(f"{b:x}" for b in digest)
    if tamper is not None:
        headers[tamper] = headers[tamper] + "x"
    return httpx.post(f"{hub.url}/{op}", headers=headers, content=b"", timeout=5)


@pytest.mark.parametrize("hex_form", ["lower", "upper", "sdk"])
def test_hub_accepts_a_reference_signature(hub: HubServer, hex_form: str) -> None:
    response = signed_post(hub, "getAgenciesList", A_SECRET, hex_form=hex_form)
    assert response.status_code == 200
    assert response.json()["status"] == "OK"


@pytest.mark.parametrize(
    "tamper",
    ["XroadVnpt-sign-header", "XroadVnpt-hash-header", "XroadVnpt-systemid",
     "XroadVnpt-timestamp", "XroadVnpt-sign-header-key", "Content-Type"],
)  # fmt: skip
def test_hub_refuses_a_tampered_request(hub: HubServer, tamper: str) -> None:
    response = signed_post(hub, "getAgenciesList", A_SECRET, tamper=tamper)
    assert response.status_code == 401
    assert response.json()["ErrorCode"] == "E_AUTH"
    assert A_SECRET not in response.text


def test_hub_refuses_the_wrong_secret(hub: HubServer) -> None:
    response = signed_post(hub, "getAgenciesList", "guess")
    assert response.status_code == 401
    assert "does not match" in response.json()["ErrorDesc"]


def test_hub_refuses_unsigned_requests(hub: HubServer) -> None:
    response = httpx.post(f"{hub.url}/getAgenciesList", content=b"", timeout=5)
    assert response.status_code == 401


def test_hub_checks_timestamp_freshness_by_default(hub: HubServer) -> None:
    headers = reference_sign({}, A_SYSTEM, A_SECRET, "30092015T101500+0042", "application/json")
    old = httpx.post(f"{hub.url}/getAgenciesList", headers=headers, content=b"", timeout=5)
    assert old.status_code == 401
    assert "timestamp is more than 300 s" in old.json()["ErrorDesc"]
    with HubTransport(hub.url, A_SYSTEM, A_SECRET) as t:
        assert t.list_agencies()  # edoc signs with the current time


def test_clock_check_can_be_turned_off(hub_data: Path) -> None:
    from ._support import agencies

    with HubServer(hub_data, agencies(), max_clock_skew=None) as lax:
        headers = reference_sign({}, A_SYSTEM, A_SECRET, "30092015T101500+0042",
                                 "application/json")  # fmt: skip
        old = httpx.post(f"{lax.url}/getAgenciesList", headers=headers, content=b"", timeout=5)
        assert old.json()["status"] == "OK"


def test_timestamp_format() -> None:
    import datetime as dt

    from edoc.formats import VN_TZ
    from edoc.transport._hub_auth import format_timestamp, parse_timestamp

    moment = dt.datetime(2015, 9, 30, 10, 15, 0, 42_000, tzinfo=VN_TZ)
    assert format_timestamp(moment) == "30092015T101500+0042"
    assert parse_timestamp("30092015T101500+0042") == moment
    utc = moment.astimezone(dt.UTC)
    assert format_timestamp(utc) == "30092015T101500+0042"  # always Vietnam time


def test_a_signed_entry_given_twice_is_refused_not_last_wins() -> None:
    """The HMAC covers both copies; which one counts would be the hub's guess: refused."""
    from edoc.transport._hub_auth import HeaderAuthError, Secret, verify_headers

    raw = b'{"XroadVnpt-systemid": "vxp.a", "XroadVnpt-systemid": "vxp.b"}'
    digest = hmac.new(b"s3cr3t-a", raw, hashlib.sha256).hexdigest().encode()
    headers = [("XroadVnpt-sign-header", raw), ("XroadVnpt-hash-header", digest)]
    with pytest.raises(HeaderAuthError, match="not a JSON object"):
        verify_headers(headers, lambda _: Secret("s3cr3t-a"))
