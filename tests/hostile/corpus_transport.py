# ruff: noqa: E501  (one case per line reads best)
"""Group E of hostile-inputs.md (T1-T7): the hub client against a hostile hub on loopback,
and the folder transport. The AMQP part of T6 needs a broker: tests/transport/test_amqp.py."""

from __future__ import annotations

import contextlib
import http.server
import threading
import zlib
from pathlib import Path
from typing import Any

import edoc

from ._build import Ctx, rep
from ._case import Accepted, Case, Refused


def _gzip_json(size: int) -> bytes:
    """``{"status":"OK","ErrorCode":0,"data":"AAAA…"}`` gzipped, built without holding it."""
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    out = [z.compress(b'{"status":"OK","ErrorCode":0,"data":"')]
    block = b"A" * (1 << 20)
    for _ in range(size >> 20):
        out.append(z.compress(block))
    out.append(z.compress(b'"}'))
    out.append(z.flush())
    return b"".join(out)


class HostileHub:
    """A loopback server answering every request with one canned, hostile answer."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[bytes] = []
        self.stop = threading.Event()
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                hub.requests.append(
                    bytes(self.requestline, "latin-1") + b"\r\n" + bytes(self.headers) + body
                )
                hub.answer(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self._bomb: bytes | None = None

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def answer(self, h: http.server.BaseHTTPRequestHandler) -> None:
        def send(body: bytes, status: int = 200, **headers: str) -> None:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                h.send_header(k.replace("_", "-"), v)
            h.end_headers()
            h.wfile.write(body)

        m = self.mode
        if m == "gzip-bomb":
            if self._bomb is None:
                self._bomb = _gzip_json(64 << 20)
            send(self._bomb, Content_Encoding="gzip")
        elif m == "oversized":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            try:
                for part in [b'{"status":"OK","data":"'] + [b"QUFB" * 16384] * 4096:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            except OSError:
                return
        elif m == "trickle":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", "100000")
            h.end_headers()
            try:
                for c in b'{"status":"OK","data":"' + b"QUFB" * 25000:
                    if self.stop.wait(0.2):
                        return
                    h.wfile.write(bytes([c]))
                    h.wfile.flush()
            except OSError:
                return
        elif m == "bad-entries":  # issue 17: one bad entry must not stop the others
            if h.path == "/getReceivedEdocList":
                send(
                    b'{"status":"OK","data":[{"docId":"a\\r\\nX-Evil: 1"},{"docId":["x"]},7,{"docId":"good-1"}]}'
                )
            elif h.path == "/getEdoc":
                send(b'{"status":"OK","data":"PGVkWE1MLz4="}')
            else:
                send(b'{"status":"OK"}')
        elif m == "deep":
            send(b'{"status":"OK","data":' + b"[" * 100_000 + b"]" * 100_000 + b"}")
        elif m == "redirect":
            send(b"{}", 302, Location=self.url.replace("127.0.0.1", "127.0.0.2") + "/getEdoc")
        else:
            send({"dup-keys": b'{"status":"OK","data":"QUJD","data":"WFla"}',
                  "dup-status": b'{"status":"FAIL","status":"OK","data":"QUJD"}',
                  "numeric-status": b'{"status":1,"ErrorCode":0,"data":"QUJD"}',
                  "bad-base64": b'{"status":"OK","data":"QU!D"}',
                  "error-with-data": b'{"status":"FAIL","ErrorCode":12,"ErrorDesc":"no","data":"QUJD"}',
                  "ok": b'{"status":"OK","data":"QUJD"}'}[m])  # fmt: skip


def _fetch(mode: str, **options: Any) -> Any:
    def make(c: Ctx) -> Any:
        from edoc.transport import HubTransport

        def run() -> Any:
            c.hostile_hub.mode = mode
            options.setdefault("timeout", 2.0)
            with HubTransport(
                c.hostile_hub.url, "vxp.saas.a", "s3cr3t-hub-Q", retries=0, **options
            ) as t:
                return t.fetch("doc-1", c.work)

        return run

    return make


def _header_injection(c: Ctx) -> Any:
    from edoc.transport import HubTransport
    from edoc.transport.base import Outgoing

    def run() -> Any:
        p = c.work / "p.edxml"
        p.write_bytes(c.unsigned)
        c.hostile_hub.mode = "ok"
        with HubTransport(
            c.hostile_hub.url, "vxp.saas.a", "s3cr3t-hub-Q", retries=0, timeout=2.0
        ) as t:
            try:
                return t.send(
                    Outgoing(payload=p, sender="000.00.00.G22\r\nX-Evil: 1", to=("000.00.00.H41",))
                )
            finally:
                assert not any(b"\r\nX-Evil" in r for r in c.hostile_hub.requests), (
                    "CRLF reached the wire"
                )

    return run


def _upload_name(c: Ctx) -> Any:
    from edoc.transport import HubTransport

    def run() -> Any:
        p = c.work / 'evil"\r\nX-Evil: 1;name=x.edxml'
        p.write_bytes(c.unsigned)
        c.hostile_hub.mode = "ok"
        hub = HubTransport(c.hostile_hub.url, "vxp.saas.a", "s3cr3t-hub-Q", retries=0, timeout=2.0)
        with hub as t, contextlib.suppress(edoc.errors.EdocError):
            t.send(p)
        return c.hostile_hub.requests

    return run


def _upload_name_safe(requests: Any, c: Ctx) -> None:
    raw = b"".join(requests)
    assert raw, "no request reached the hub"
    assert b"evil" not in raw.lower(), "the file name reached the wire"
    assert b"content-disposition" not in raw.lower(), "multipart on the wire"
    assert raw.endswith(c.unsigned + b"\r\n"), "the body is not the file and one CRLF"


def _poison(c: Ctx) -> Any:
    from edoc.transport import DirectoryTransport
    from edoc.transport.base import Outcome

    def run() -> Any:
        box = c.work / "box"
        bad = c.work / "bad.edxml"
        bad.write_bytes(b"<edXML><not-closed>")
        DirectoryTransport(c.work / "peer", outbox=box / "inbox").send(bad)
        outcomes = []
        for _round in range(3):  # a poison message must not come back
            with DirectoryTransport(box) as t:
                for msg in t.receive(max_messages=5):
                    try:
                        edoc.read(msg.path)
                        msg.ack(Outcome.DONE)
                    except edoc.errors.EdocError as exc:
                        outcomes.append(type(exc).__name__)
                        msg.ack(Outcome.FAIL)
        return outcomes, box

    return run


def _poison_dead_lettered(result: Any, c: Ctx) -> None:
    outcomes, box = result
    assert outcomes == ["ParseError"], outcomes
    failed = [p for p in Path(box).rglob("*") if p.is_file() and "fail" in str(p.parent).lower()]
    assert len(failed) >= 1, list(Path(box).rglob("*"))


def _url_in_document(c: Ctx) -> Any:
    from edoc.transport import DirectoryTransport
    from edoc.transport.base import Outcome

    def run() -> Any:
        box = c.work / "box"
        p = c.work / "u.edxml"
        p.write_bytes(
            rep(c.unsigned, b"<edXML:Subject>V/v", f"<edXML:Subject>{c.canary.url}/endpoint V/v")
        )
        DirectoryTransport(c.work / "peer", outbox=box / "inbox").send(p)
        with DirectoryTransport(box) as t:
            for msg in t.receive(max_messages=1):
                from edoc.validation import validate

                edoc.read(msg.path)
                validate(msg.path)
                msg.ack(Outcome.DONE)
        return c.canary.hits

    return run


def _no_call(hits: Any, c: Ctx) -> None:
    assert hits == []


def _te(name: str) -> Any:
    try:
        from edoc.transport import errors as te

        return getattr(te, name)
    except ImportError:  # pragma: no cover
        return edoc.errors.TransportError


CASES = [
    Case(
        "T1",
        "gzip-bomb",
        "getEdoc answered with a 64 MiB JSON gzipped to 64 KiB; max_bytes 8 MiB",
        "call",
        _fetch("gzip-bomb", max_bytes=8 << 20),
        Refused(_te("TransportLimitError"), "larger than max_bytes"),
        max_rss_mb=64,
        needs=("httpx",),
    ),
    Case(
        "T1",
        "oversized-json",
        "getEdoc answered with 256 MiB of base64, chunked; max_bytes 8 MiB",
        "call",
        _fetch("oversized", max_bytes=8 << 20),
        Refused(_te("TransportLimitError"), "larger than max_bytes"),
        max_rss_mb=64,
        needs=("httpx",),
    ),
    Case(
        "T2",
        "slow-drip",
        "a hub that trickles one byte every 0.2 s (never trips the 2 s read timeout); max_seconds 2",
        "call",
        _fetch("trickle", max_seconds=2.0),
        Refused(_te("TransportTimeout"), "longer than max_seconds"),
        timeout=15,
        needs=("httpx",),
    ),
    Case(
        "T2",
        "redirect",
        "a 302 to http://127.0.0.2: never followed",
        "call",
        _fetch("redirect"),
        Refused(_te("RejectedError"), "HTTP 302"),
        needs=("httpx",),
    ),
    Case(
        "T3",
        "duplicate-data",
        'getEdoc answered {"data":"A","data":"B"}',
        "call",
        _fetch("dup-keys"),
        Refused(_te("ProtocolError"), "'data' twice"),
        needs=("httpx",),
    ),
    Case(
        "T3",
        "duplicate-status",
        'getEdoc answered {"status":"FAIL","status":"OK"}',
        "call",
        _fetch("dup-status"),
        Refused(_te("ProtocolError"), "'status' twice"),
        needs=("httpx",),
    ),
    Case(
        "T3",
        "numeric-status",
        "a numeric status",
        "call",
        _fetch("numeric-status"),
        Refused(_te("ProtocolError"), "status that is not text"),
        needs=("httpx",),
    ),
    Case(
        "T3",
        "non-base64-data",
        "data that is not base64",
        "call",
        _fetch("bad-base64"),
        Refused(_te("ProtocolError"), "not the expected JSON"),
        needs=("httpx",),
    ),
    Case(
        "T3",
        "error-code-with-data",
        "ErrorCode 12 with data present: refused, no file kept",
        "call",
        _fetch("error-with-data"),
        Refused(_te("RejectedError"), "ErrorCode 12"),
        needs=("httpx",),
    ),
    Case(
        "T4",
        "crlf-in-header",
        "a sender OrganId carrying CRLF and a header",
        "call",
        _header_injection,
        Refused(edoc.errors.InputError, "'from' value holds a line break or NUL"),
        needs=("httpx",),
    ),
    Case(
        "T5",
        "upload-filename",
        "the payload file named with a quote, CRLF and ;name=",
        "call",
        _upload_name,
        Accepted(
            _upload_name_safe,
            "the upload is the raw file (hub-wire.md §2): its name never reaches the wire",
        ),
        needs=("httpx",),
    ),
    Case(
        "T6",
        "poison-message-folder",
        "a malformed package in a folder inbox: one typed error, then failed/, never redelivered",
        "call",
        _poison,
        Accepted(
            _poison_dead_lettered,
            "a typed error leads to FAILED (the folder transport's dead letter); AMQP dead-lettering is pending edoc-edxml[amqp]",
        ),
    ),
    Case(
        "T7",
        "url-in-document",
        "a received package whose Subject holds the canary's URL",
        "call",
        _url_in_document,
        Accepted(_no_call, "endpoints come only from configuration"),
    ),
]

__all__ = ["CASES", "HostileHub"]
