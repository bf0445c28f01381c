"""edoc on the national hub's wire, checked against the official client's recorded bytes
(``shared/spec/hub-wire.md``, written out by hand in ``_official.py``), both ways:

* edoc's client → a recording server → compared, call by call, with the official request:
  method, path, every signed header in its order, the body's bytes; the worked example's
  HMAC reproduced exactly;
* the official client's requests, re-signed with a fresh timestamp → ``edoc hub serve``
  (a real process) → the answer has every field the official client reads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from edoc.transport import HubTransport, Outgoing, _hub_auth

from . import _official as off
from ._support import (
    A_ORGAN,
    A_SECRET,
    A_SYSTEM,
    B_ORGAN,
    B_SECRET,
    B_SYSTEM,
    fresh_timestamp,
    write_package,
)

# -- edoc's requests, recorded -----------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str, list[tuple[str, str]], bytes]]] = []

    def _record(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            raise AssertionError("a body sent chunked")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        pairs = [(k, v.encode("latin-1").decode("utf-8")) for k, v in self.headers.items()]
        Recorder.seen.append((self.command, self.path, pairs, body))
        if self.path == "/downloadEdoc":
            answer, kind = b"<edXMLEnvelope/>", "application/octet-stream"
        else:
            data: Any = base64.b64encode(b"<x/>").decode() if self.path == "/getEdoc" else []
            answer = json.dumps({"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data": data,
                                 "DocId": "doc-1", "count": 0}).encode()  # fmt: skip
            kind = "application/json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = _record

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()  # fmt: skip
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _edoc_call(t: HubTransport, call: str, package: Path, tmp: Path) -> None:
    """Make ``call`` through edoc's public API."""
    actions = {
        "sendEdoc": lambda: t.send(Outgoing(payload=package, to=[B_ORGAN], sender=A_ORGAN)),
        "sendEdoc-without-to": lambda: t.send(Outgoing(payload=package, sender=A_ORGAN)),
        "getReceivedEdocList": lambda: t.list_received(),
        "getSentEdocList": lambda: t.list_sent(),
        "getEdoc": lambda: t.fetch("doc-7", tmp),
        "updateStatus": lambda: t.update_status("doc-7", "done"),
        "getAgenciesList": lambda: t.list_agencies(),
        "getAgenciesListQD20": lambda: t.list_agencies_qd20("2"),
        "getSynchronizeUnit": lambda: t.synchronize_units(),
        "countReceiveEdoc": lambda: t.count_received("edoc"),
        "countReceiveStatus": lambda: t.count_received("status"),
        "registerAgency": lambda: t.register_agency("000.00.77.A01", "Sở Thử", pcode=A_ORGAN),
        "deleteAgency": lambda: t.delete_agency("000.00.77.A01"),
        "downloadEdoc": lambda: t.fetch("doc-7", tmp, raw=True),
    }
    actions[call]()  # type: ignore[no-untyped-call]


VALUES = {
    "servicetype": "eDoc", "messagetype": "edoc", "from": A_ORGAN, "to": f'["{B_ORGAN}"]',
    "docId": "doc-7", "status": "done", "level": "2", "AgencyCode": "000.00.77.A01",
}  # fmt: skip


@pytest.mark.parametrize("call", list(off.CALLS))
def test_edoc_sends_what_the_official_client_sends(
    recorder: str, call: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    method, keys, content_type, body = off.CALLS[call]
    package = write_package(tmp_path / "p.edxml")
    stamp = "03122026T180819+0847"
    monkeypatch.setattr(_hub_auth, "format_timestamp", lambda *a: stamp)
    with HubTransport(recorder, A_SYSTEM, A_SECRET, retries=0) as t:
        _edoc_call(t, call, package, tmp_path)
    [(got_method, path, pairs, got_body)] = Recorder.seen
    assert (got_method, path) == (method, "/" + off.operation(call))
    values = {**VALUES, "systemid": A_SYSTEM, "timestamp": stamp, "Content-Type": content_type}
    if off.operation(call) == "sendEdoc":
        values["hash-file"] = off.sdk_hex(package.read_bytes())
        body = package.read_bytes() + b"\r\n"
    expected = [(k, v.decode()) for k, v in off.official_request(
        keys, values, A_SECRET, sendfile=off.operation(call) == "sendEdoc")]  # fmt: skip
    expected = [(k, v) for k, v in expected if k != "Expect"]  # httpx does not send Expect
    names = {k for k, _ in expected}
    sent = [(k, v) for k, v in pairs if k in names]
    assert sent == expected  # every signed header, its value, and the order
    assert "hash-file" not in dict(pairs)  # no plain, unsigned hash-file
    assert got_body == (body or b"")
    assert dict(pairs).get("Content-Length", "0") == str(len(got_body))


@pytest.fixture
def worked_file() -> Path:
    if not off.WORKED_FILE.is_file():
        pytest.skip(f"the shared vectors are not at {off.WORKED_FILE}")
    return off.WORKED_FILE


def test_the_worked_example_is_reproduced(
    recorder: str, worked_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hub-wire.md §2: the same file, systemid, secret and timestamp give the same bytes."""
    monkeypatch.setattr(_hub_auth, "format_timestamp", lambda *a: off.WORKED_TIMESTAMP)
    with HubTransport(recorder, off.WORKED_SYSTEM, off.WORKED_SECRET) as t:
        t.send(Outgoing(payload=worked_file, to=["000.00.00.H41"], sender="000.00.00.G22"))
    [(method, path, pairs, body)] = Recorder.seen
    assert (method, path) == ("POST", "/sendEdoc")
    names = {k for k, _ in off.WORKED_HEADERS}
    assert [(k, v) for k, v in pairs if k in names] == off.WORKED_HEADERS
    assert dict(pairs)["Content-Length"] == "13329"
    assert len(body) == 13329
    assert body == worked_file.read_bytes() + b"\r\n"


def test_worked_hmac_by_hand() -> None:
    import hmac

    mac = hmac.new(off.WORKED_SECRET.encode(), off.WORKED_SIGN_HEADER.encode(), hashlib.sha256)
    assert mac.hexdigest() == off.WORKED_HASH_HEADER
    headers = _hub_auth.sign_headers(
        {"servicetype": "eDoc", "messagetype": "edoc", "hash-file": off.WORKED_HASH_FILE,
         "from": "000.00.00.G22", "to": '["000.00.00.H41"]'},
        system_id=off.WORKED_SYSTEM, secret=_hub_auth.Secret(off.WORKED_SECRET),
        content_type="application/octet-stream", timestamp=off.WORKED_TIMESTAMP,
    )  # fmt: skip
    assert headers["XroadVnpt-sign-header"] == off.WORKED_SIGN_HEADER
    assert headers["XroadVnpt-hash-header"] == off.WORKED_HASH_HEADER


def test_java_order_of_a_map_with_riding_parameters() -> None:
    """Eleven keys (parameters from earlier calls ride along): worked out by hand from
    String.hashCode and a 16-bucket table (docId and docid share bucket 6, insertion order)."""
    names = ["timestamp", "systemid", "Content-Type", "docId", "filePath", "status", "docid",
             "servicetype", "messagetype", "hash-file", "from"]  # fmt: skip
    assert _hub_auth.java_order(names) == [
        "systemid", "servicetype", "messagetype", "docId", "docid", "hash-file", "filePath",
        "from", "timestamp", "Content-Type", "status",
    ]  # fmt: skip


# -- the official client's requests against `edoc hub serve` ---------------------------


class Serve:
    """``edoc hub serve`` as a process, with A and B as in _support."""

    def __init__(self, folder: Path) -> None:
        env = {**os.environ, "A_SECRET": A_SECRET, "B_SECRET": B_SECRET}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "edoc", "hub", "serve", "--data", str(folder), "--port", "0",
             "--agency", f"{A_SYSTEM}=env:A_SECRET", "--agency", f"{B_SYSTEM}=env:B_SECRET",
             "--route", f"{A_ORGAN}={A_SYSTEM}", "--route", f"{B_ORGAN}={B_SYSTEM}", "--quiet"],
            stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        assert "serving on " in line, line
        self.url = line.split("serving on ")[1].split()[0].rstrip(";")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    s = Serve(tmp_path_factory.mktemp("hubserve"))
    yield s
    s.close()


def official(
    serve: Serve, call: str, system: str, secret: str, body: bytes | None = None,
    **values: str,
) -> httpx.Response:  # fmt: skip
    """The official client's request for ``call``, signed now, sent as it sends it."""
    method, keys, content_type, recorded = off.CALLS[call]
    sendfile = off.operation(call) == "sendEdoc"
    content = body if body is not None else recorded
    if sendfile:
        assert body is not None
        values["hash-file"] = off.sdk_hex(body)
        content = body + b"\r\n"
    full = {**VALUES, **values, "systemid": system, "timestamp": fresh_timestamp(),
            "Content-Type": content_type}  # fmt: skip
    headers = off.official_request(keys, full, secret, sendfile=sendfile,
                                   expect_continue=recorded == b"{}")  # fmt: skip
    return httpx.request(method, f"{serve.url}/{off.operation(call)}", headers=headers,  # type: ignore[arg-type]
                         content=content, timeout=10)  # fmt: skip


def _answer_fields(response: httpx.Response) -> dict[str, Any]:
    """What every official result class reads first: status, ErrorCode, ErrorDesc as text."""
    answer = response.json()
    assert isinstance(answer["status"], str)
    assert isinstance(answer["ErrorCode"], str)
    assert isinstance(answer["ErrorDesc"], str)
    return answer  # type: ignore[no-any-return]


def _texts(entry: dict[str, Any], *names: str) -> None:
    for name in names:  # Gson getAsString: present, and not a JSON null
        assert isinstance(entry[name], str), (name, entry)


@pytest.fixture(scope="module")
def delivered(serve: Serve, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One package sent A → B by the official request, with what the hub answered."""
    package = write_package(tmp_path_factory.mktemp("pkg") / "p.edxml", number="4242")
    data = package.read_bytes()
    answer = _answer_fields(official(serve, "sendEdoc", A_SYSTEM, A_SECRET, body=data))
    assert (answer["status"], answer["ErrorCode"]) == ("OK", "0")
    received = official(serve, "getReceivedEdocList", B_SYSTEM, B_SECRET).json()["data"]
    [entry] = [e for e in received if e["from"] == A_ORGAN and e["docId"]]
    return {"sent": answer["DocId"], "received": entry["docId"], "data": data}


def test_official_send_edoc(serve: Serve, delivered: dict[str, Any]) -> None:
    assert isinstance(delivered["sent"], str)
    assert delivered["sent"] != delivered["received"]  # the sender's DocId, not the receiver's


def test_official_send_edoc_without_to(serve: Serve, tmp_path: Path) -> None:
    data = write_package(tmp_path / "p.edxml", number="4343").read_bytes()
    answer = _answer_fields(official(serve, "sendEdoc-without-to", A_SYSTEM, A_SECRET, body=data))
    assert answer["status"] == "OK"
    assert isinstance(answer["DocId"], str)


def test_official_send_edoc_refused_still_has_doc_id(serve: Serve) -> None:
    answer = _answer_fields(official(serve, "sendEdoc", A_SYSTEM, A_SECRET, body=b"<x/>",
                                     to='["000.99.99.Z99"]'))  # fmt: skip
    assert (answer["status"], answer["ErrorCode"]) == ("FAIL", "E_RECIPIENT")
    assert "DocId" in answer  # the official client reads it unconditionally
    assert answer["DocId"] is None


def test_official_lists(serve: Serve, delivered: dict[str, Any]) -> None:
    received = _answer_fields(official(serve, "getReceivedEdocList", B_SYSTEM, B_SECRET))
    [entry] = [e for e in received["data"] if e["docId"] == delivered["received"]]
    _texts(entry, "docId", "from", "to", "status", "created_time", "updated_time")
    sent = _answer_fields(official(serve, "getSentEdocList", A_SYSTEM, A_SECRET))
    [row] = [r for r in sent["data"] if r["senderDocId"] == delivered["sent"]]
    assert row["receiverDocId"] == delivered["received"]
    _texts(row, "fromCode", "toCode", "receiveStatus", "sentTime")


def test_official_get_edoc(serve: Serve, delivered: dict[str, Any]) -> None:
    answer = _answer_fields(official(serve, "getEdoc", B_SYSTEM, B_SECRET,
                                     docId=delivered["received"]))  # fmt: skip
    assert base64.b64decode(answer["data"]) == delivered["data"]


def test_official_download_edoc(serve: Serve, delivered: dict[str, Any]) -> None:
    response = official(serve, "downloadEdoc", B_SYSTEM, B_SECRET, docId=delivered["received"])
    assert response.status_code == 200
    assert response.content == delivered["data"]  # the file itself, not JSON
    missing = official(serve, "downloadEdoc", B_SYSTEM, B_SECRET, docId="no-such-doc")
    assert missing.status_code >= 400  # an HTTP error: the official client saves any body
    assert missing.content == b""


def test_official_counts_and_update_status(serve: Serve, tmp_path: Path) -> None:
    data = write_package(tmp_path / "p.edxml", number="4444").read_bytes()
    assert official(serve, "sendEdoc", A_SYSTEM, A_SECRET, body=data).json()["status"] == "OK"
    before = _answer_fields(official(serve, "countReceiveEdoc", B_SYSTEM, B_SECRET))["count"]
    assert isinstance(before, int)
    assert before >= 1
    assert isinstance(
        _answer_fields(official(serve, "countReceiveStatus", B_SYSTEM, B_SECRET))["count"], int
    )
    waiting = official(serve, "getReceivedEdocList", B_SYSTEM, B_SECRET).json()["data"]
    answer = _answer_fields(official(serve, "updateStatus", B_SYSTEM, B_SECRET,
                                     docId=waiting[0]["docId"], status="done"))  # fmt: skip
    assert answer["status"] == "OK"
    after = official(serve, "countReceiveEdoc", B_SYSTEM, B_SECRET).json()["count"]
    assert after == before - 1


def test_official_agency_lists(serve: Serve) -> None:
    agencies = _answer_fields(official(serve, "getAgenciesList", A_SYSTEM, A_SECRET))["data"]
    assert {A_ORGAN, B_ORGAN} <= {a["code"] for a in agencies}
    for a in agencies:
        _texts(a, "code", "id", "mail", "name", "pid")
    qd20 = _answer_fields(official(serve, "getAgenciesListQD20", A_SYSTEM, A_SECRET))["data"]
    for a in qd20:
        _texts(a, "code", "id", "mail", "name", "code102")
    units = _answer_fields(official(serve, "getSynchronizeUnit", A_SYSTEM, A_SECRET))["data"]
    assert units
    for u in units:
        _texts(u, "code", "id", "mail", "name", "pid", "centerCode", "modifyDate")
        assert isinstance(u["version"], int)
        assert isinstance(u["deleted"], bool)
        assert isinstance(u["isAgency"], bool)


def test_official_register_and_delete_agency(serve: Serve, tmp_path: Path) -> None:
    answer = _answer_fields(official(serve, "registerAgency", A_SYSTEM, A_SECRET))
    assert (answer["status"], answer["ErrorCode"]) == ("OK", "0")
    codes = {a["code"]: a for a in official(serve, "getAgenciesList", A_SYSTEM, A_SECRET)
             .json()["data"]}  # fmt: skip
    assert codes["000.00.77.A01"]["name"] == "Sở Thử"
    # A now sends as the agency it registered; B may not.
    data = write_package(tmp_path / "p.edxml", sender="000.00.77.A01").read_bytes()
    sent = official(serve, "sendEdoc", A_SYSTEM, A_SECRET, body=data, **{"from": "000.00.77.A01"})
    assert sent.json()["status"] == "OK"
    other = official(serve, "sendEdoc", B_SYSTEM, B_SECRET, body=data, **{"from": "000.00.77.A01"})
    assert (other.status_code, other.json()["ErrorCode"]) == (403, "E_AUTH")
    refused = _answer_fields(official(serve, "deleteAgency", B_SYSTEM, B_SECRET))
    assert refused["status"] == "FAIL"  # not B's to delete
    answer = _answer_fields(official(serve, "deleteAgency", A_SYSTEM, A_SECRET))
    assert answer["status"] == "OK"
    codes2 = {a["code"] for a in official(serve, "getAgenciesList", A_SYSTEM, A_SECRET)
              .json()["data"]}  # fmt: skip
    assert "000.00.77.A01" not in codes2


def test_official_from_check(serve: Serve, tmp_path: Path) -> None:
    data = write_package(tmp_path / "p.edxml").read_bytes()
    response = official(serve, "sendEdoc", B_SYSTEM, B_SECRET, body=data, **{"from": A_ORGAN})
    answer = _answer_fields(response)
    assert (response.status_code, answer["ErrorCode"]) == (403, "E_AUTH")
    assert "not registered for From '000.00.00.G22'" in answer["ErrorDesc"]
    assert answer["DocId"] is None
    as_system = official(serve, "sendEdoc", B_SYSTEM, B_SECRET, body=data, **{"from": B_SYSTEM})
    assert as_system.json()["status"] == "OK"  # the system id itself is always allowed


def test_case_distinct_siblings_and_riding_parameters(
    serve: Serve, delivered: dict[str, Any]
) -> None:
    """The vendor's example sends docid and docId, and earlier calls' parameters ride along:
    both signed, the HMAC valid: accepted, docId looked up by its exact name first."""
    keys = "systemid;docId;docid;filePath;timestamp;Content-Type;status"
    values = {"systemid": B_SYSTEM, "docId": delivered["received"], "docid": "something-else",
              "filePath": "C:/edoc/in", "timestamp": fresh_timestamp(), "status": "initial",
              "Content-Type": "application/json"}  # fmt: skip
    headers = off.official_request(keys, values, B_SECRET, expect_continue=True)
    response = httpx.post(f"{serve.url}/getEdoc", headers=headers, content=b"{}", timeout=10)  # type: ignore[arg-type]
    answer = _answer_fields(response)
    assert answer["status"] == "OK", answer
    assert base64.b64decode(answer["data"]) == delivered["data"]


def test_iso_8859_1_headers_are_a_clear_auth_failure(serve: Serve) -> None:
    """The official client's HttpClient path sends non-ASCII as ISO-8859-1 while it HMACs
    UTF-8: such a request can never verify, and is told so, not answered with a parse error."""
    values = {"systemid": A_SYSTEM, "timestamp": fresh_timestamp(), "level": "Bình",
              "Content-Type": "application/json"}  # fmt: skip
    headers = off.official_request("systemid;level;timestamp;Content-Type", values, A_SECRET)
    latin = [(k, v.decode("utf-8").encode("latin-1")) for k, v in headers]
    response = httpx.post(f"{serve.url}/getAgenciesListQD20", headers=latin, timeout=10)  # type: ignore[arg-type]
    answer = _answer_fields(response)
    assert (response.status_code, answer["ErrorCode"]) == (401, "E_AUTH")
    assert "ISO-8859-1" in answer["ErrorDesc"]


# -- a big package, flat memory ----------------------------------------------------------


def _edoc(args: list[str], env: dict[str, str]) -> int:
    """Run one edoc command to its end; its own peak RSS in MiB (wait4's rusage)."""
    proc = subprocess.Popen([sys.executable, "-m", "edoc", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, (args[0], proc.returncode)
    return usage.ru_maxrss // 1024


@pytest.mark.slow
def test_a_256_mib_package_through_edoc_send_with_flat_memory(serve: Serve, tmp_path: Path) -> None:
    """benchmarks/bench_hub_big.py does 1 GiB; this checks 256 MiB: the file streams from
    disk to the hub and back, each process's peak far below the file's size."""
    size = 256 << 20
    package = tmp_path / "big.edxml"
    digest = hashlib.sha256()
    with package.open("wb") as out:
        for _ in range(size >> 20):
            block = os.urandom(1 << 20)
            digest.update(block)
            out.write(block)
    env = {**os.environ, "A_SECRET": A_SECRET, "B_SECRET": B_SECRET}
    send_mib = _edoc(["send", str(package), "--url", serve.url, "--system-id", A_SYSTEM,
                      "--secret-env", "A_SECRET", "--kind", "edoc", "--from", A_ORGAN,
                      "--to", B_ORGAN, "--timeout", "300"], env)  # fmt: skip
    inbox = tmp_path / "inbox"
    receive_mib = _edoc(["receive", "--url", serve.url, "--system-id", B_SYSTEM,
                         "--secret-env", "B_SECRET", "--into", str(inbox),
                         "--timeout", "300"], env)  # fmt: skip
    got = {}
    for p in inbox.glob("*.edxml"):
        if p.stat().st_size == size:
            h = hashlib.sha256()
            with p.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            got[p.name] = h.hexdigest()
    assert digest.hexdigest() in got.values()  # byte-identical
    assert send_mib < 160, send_mib  # 256 MiB sent: memory does not follow the file
    assert receive_mib < 160, receive_mib
