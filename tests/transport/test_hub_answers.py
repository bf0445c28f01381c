"""Hub answers are bounded before they are parsed (issue 17, class 4): a real HTTP server on
loopback serves the hostile answers (huge, gzip bomb, trickle, deep nesting, duplicate keys,
bad entries); peak memory is measured in a child process beside an ordinary call's."""

from __future__ import annotations

import contextlib
import http.server
import json
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from edoc.transport import HubTransport
from edoc.transport.errors import ProtocolError, TransportLimitError, TransportTimeout

OK_LIST = b'{"status":"OK","ErrorCode":"0","data":[{"docId":"d1","from":"000.00.00.G22"}]}'
PACKAGE = b"<edXML/>"


def _gzip(parts: Iterator[bytes]) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join([*(z.compress(p) for p in parts), z.flush()])


def _huge(size: int) -> Iterator[bytes]:
    yield b'{"status":"OK","data":['
    one = b'{"docId":"' + b"x" * 90 + b'"},'
    block = one * ((1 << 20) // len(one))
    for _ in range(size >> 20):
        yield block
    yield b'{"docId":"end"}]}'


class ListHub:
    """Answers ``getReceivedEdocList`` per ``mode``; ``getEdoc`` per docId in ``packages``."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.listing: list[object] = []
        self.packages: dict[str, bytes] = {}
        self.stop = threading.Event()
        self._bomb = _gzip(iter([b'{"status":"OK","data":[', b" " * (256 << 20), b"]}"]))
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                with contextlib.suppress(OSError):
                    hub.answer(self)

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # the client hangs up on hostile answers: expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def answer(self, h: http.server.BaseHTTPRequestHandler) -> None:
        def send(body: bytes, **headers: str) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                h.send_header(k.replace("_", "-"), v)
            h.end_headers()
            h.wfile.write(body)

        if h.path == "/getEdoc":
            doc_id = h.headers.get("XroadVnpt-docId", "")
            data = self.packages.get(doc_id)
            if data == b"bomb":
                send(self._bomb, Content_Encoding="gzip")
            else:
                import base64

                b64 = base64.b64encode(data or b"").decode()
                send(json.dumps({"status": "OK", "data": b64}).encode())
            return
        if h.path == "/updateStatus":
            send(b'{"status":"OK"}')
            return
        m = self.mode
        if m == "huge":
            h.send_response(200)
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            for part in _huge(256 << 20):
                h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            h.wfile.write(b"0\r\n\r\n")
        elif m == "gzip-bomb":
            send(self._bomb, Content_Encoding="gzip")
        elif m in ("trickle", "trickle-headers"):
            if m == "trickle-headers":
                h.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for c in b"X-Slow: " + b"a" * 1000:
                    if self.stop.wait(0.1):
                        return
                    h.wfile.write(bytes([c]))
                    h.wfile.flush()
                return
            send_len = 100_000
            h.send_response(200)
            h.send_header("Content-Length", str(send_len))
            h.end_headers()
            for c in b'{"status":"OK","data":[' + b" " * send_len:
                if self.stop.wait(0.1):
                    return
                h.wfile.write(bytes([c]))
                h.wfile.flush()
        elif m == "deep":
            send(b'{"status":"OK","data":' + b"[" * 200_000 + b"]" * 200_000 + b"}")
        elif m == "dup-status":
            send(b'{"status":"FAIL","status":"OK","data":[]}')
        elif m == "dup-inner":
            send(b'{"status":"OK","data":[{"docId":"a","docId":"b"}]}')
        elif m == "listing":
            send(json.dumps({"status": "OK", "data": self.listing}).encode())
        else:
            send(OK_LIST)


@pytest.fixture(scope="module")
def list_hub() -> Iterator[ListHub]:
    hub = ListHub()
    yield hub
    hub.close()


def _client(hub: ListHub, **options: object) -> HubTransport:
    options.setdefault("timeout", 2.0)
    options.setdefault("retries", 0)
    return HubTransport(hub.url, "vxp.saas.b", "s3cr3t-list", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "error", "match"),
    [
        ("huge", TransportLimitError, r"larger than max_bytes \(1048576 bytes on the wire\)"),
        ("gzip-bomb", TransportLimitError, r"larger than max_bytes \(1048576 bytes decompressed\)"),
        ("deep", ProtocolError, "nests deeper than 32 levels"),
        ("dup-status", ProtocolError, "'status' twice"),
        ("dup-inner", ProtocolError, "'docId' twice"),
    ],
)
def test_hostile_list_answers_are_refused(
    list_hub: ListHub, mode: str, error: type[Exception], match: str
) -> None:
    list_hub.mode = mode
    with _client(list_hub, max_answer_bytes=1 << 20) as t, pytest.raises(error, match=match) as e:
        t.list_received()
    assert type(e.value) is error


@pytest.mark.parametrize("mode", ["trickle", "trickle-headers"])
def test_a_trickling_hub_cannot_hold_a_call_past_its_timeout(list_hub: ListHub, mode: str) -> None:
    """One byte every 0.1 s never trips the 1 s per-read timeout; the call still ends at 1 s."""
    list_hub.mode = mode
    started = time.monotonic()
    with _client(list_hub, timeout=1.0) as t, pytest.raises(TransportTimeout, match="longer than"):
        t.list_received()
    took = time.monotonic() - started
    print(f"{mode}: the call took {took:.2f} s for a timeout of 1 s (ratio {took / 1.0:.2f})")
    assert took < 1.8


def test_a_timeout_while_the_answer_trickles_is_not_retried(list_hub: ListHub) -> None:
    list_hub.mode = "trickle"
    started = time.monotonic()
    t = _client(list_hub, timeout=0.5, retries=3, backoff=0.01)
    with t, pytest.raises(TransportTimeout) as e:
        t.list_received()
    assert not e.value.transient
    assert time.monotonic() - started < 1.3


_CHILD = """
import re, sys
from edoc.transport import HubTransport
from edoc.errors import TransportError
t = HubTransport(sys.argv[1], "vxp.saas.b", "s3cr3t-list", timeout=20, retries=0)
try:
    t.list_received()
    outcome = "ok"
except TransportError as exc:
    outcome = type(exc).__name__
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent.
hwm = re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read())
print(outcome, int(hwm.group(1)) // 1024)
"""


def _peak(hub: ListHub, mode: str) -> tuple[str, int]:
    hub.mode = mode
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, hub.url], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    outcome, mb = out.stdout.split()
    return outcome, int(mb)


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_peak_memory_of_hostile_answers_beside_an_ordinary_one(list_hub: ListHub) -> None:
    """With the default 16 MiB cap: a 256 MiB list, a 256 MiB gzip bomb (256 KiB on the
    wire) cost little more than listing one entry (before: 952 MiB for 300 MiB)."""
    peer = _peak(list_hub, "ok")
    assert peer[0] == "ok"
    for mode in ("huge", "gzip-bomb"):
        outcome, mb = _peak(list_hub, mode)
        print(f"{mode}: peak RSS {mb} MB beside {peer[1]} MB for an ordinary list "
              f"(ratio {mb / peer[1]:.2f})")  # fmt: skip
        assert outcome == "TransportLimitError"
        assert mb < peer[1] + 48, (mode, mb, peer)


def test_bad_entries_are_skipped_and_reported(list_hub: ListHub, tmp_path: Path) -> None:
    """One bad docId (or a bomb behind one) no longer stops the entries after it."""
    list_hub.mode = "listing"
    list_hub.listing = [
        {"docId": "evil\r\nX-Injected: 1"},
        {"docId": {"nested": 1}},
        "not an object",
        {"from": "000.00.00.G22"},
        {"docId": "bomb-1"},
        {"docId": "good-1", "from": "000.00.00.G22"},
    ]
    list_hub.packages = {"bomb-1": b"bomb", "good-1": PACKAGE}
    with _client(list_hub, inbox=tmp_path, max_bytes=1 << 20) as t:
        got = list(t.receive())
        assert [m.message_id for m in got] == ["good-1"]
        assert got[0].path.read_bytes() == PACKAGE
        reasons = [(s.doc_id, s.reason) for s in t.skipped if s.kind == "edoc"]
    assert len(reasons) == 5, reasons
    assert reasons[0][0] is None
    assert "printable" in reasons[0][1]
    assert "dict, not text" in reasons[1][1]
    assert "str, not an object" in reasons[2][1]
    assert "no docId" in reasons[3][1]
    assert reasons[4][0] == "bomb-1"
    assert "larger than max_bytes" in reasons[4][1]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
