"""The HTTP side of the local hub: one request handler; the operations are in ``_ops``.

The order of work protects the hub: the signature, the sender's ``from`` and every other
header check run before a byte of the body is read. A request that fails them is answered
at once and its connection closed, its body unread; a client that sent
``Expect: 100-continue`` gets the ``100`` only once its headers have passed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from edoc._base64 import encode as b64encode
from edoc.transport._hub_auth import HeaderAuthError, verify_headers
from edoc.transport.hub_server._body import BadRequest, BodyReader
from edoc.transport.hub_server._ops import OPERATIONS, Fail, RawFile, fail_body, ok
from edoc.transport.hub_server._replay import ReplayFull

if TYPE_CHECKING:
    from edoc.transport.hub_server._server import HubServer

__all__ = ["Handler"]

log = logging.getLogger("edoc.hub")
_B64_CHUNK = 3 * (1 << 18)
_FILE_CHUNK = 1 << 20
_DRAIN = 64 * 1024  # the rest of an authenticated body is read up to this, to keep the link


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "edoc-hub/1"
    sys_version = ""
    disable_nagle_algorithm = True  # answers go out in several writes: no 40 ms stalls
    _expects_continue = False

    @property
    def hub(self) -> HubServer:
        return self.server.hub  # type: ignore[attr-defined, no-any-return]

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.hub.idle_timeout)  # every read and write: idle is cut
        self.hub._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.hub._track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        log.info("%s " + format, self.address_string(), *args)

    def handle_expect_100(self) -> bool:
        self._expects_continue = True  # answered when the body is first read, if ever
        return True

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    # -- plumbing -----------------------------------------------------------------------

    def send_response(self, code: int, message: str | None = None) -> None:
        super().send_response(code, message)
        if self.close_connection:  # so that the client does not reuse the link
            self.send_header("Connection", "close")

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, op: str, status: int, code: str, text: str) -> None:
        if op == "downloadEdoc":  # the official client saves any body as the package
            self.send_response(status if status >= 400 else 404)
            self.send_header("XroadVnpt-ErrorCode", code)
            self.send_header("XroadVnpt-ErrorDesc", text.encode("ascii", "replace").decode())
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._json(status, fail_body(code, text))

    def _linger(self, body: BodyReader | None) -> None:
        """After a refusal, read a little of what the client is still sending (at most
        64 KiB) before the close, so that its answer is not lost to a TCP reset."""
        if self._expects_continue:
            return  # the client waits for "100 Continue" and so sends no body
        with contextlib.suppress(BadRequest, Fail, OSError, ValueError):
            (body or self._body()).drain(_DRAIN)

    def _continue(self) -> None:
        if self._expects_continue:
            self._expects_continue = False
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()

    def _body(self) -> BodyReader:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length_text = self.headers.get("Content-Length")
        try:
            length = int(length_text) if length_text is not None else 0
        except ValueError:
            raise BadRequest("bad Content-Length") from None
        if length < 0:
            raise BadRequest("bad Content-Length")
        if length > self.hub.max_upload_bytes + 2:
            raise Fail("E_SIZE", f"the body is larger than the hub takes "
                       f"({self.hub.max_upload_bytes} bytes)", 413)  # fmt: skip
        rfile: Any = self.rfile
        return BodyReader(rfile, length, chunked, on_start=self._continue)

    def _headers_raw(self) -> list[tuple[str, bytes]]:
        return [(k, v.encode("latin-1", "replace")) for k, v in self.headers.items()]

    def _dispatch(self) -> None:
        op = urlsplit(self.path).path.strip("/")
        operation = OPERATIONS.get(op)
        if operation is None:
            self.close_connection = True
            self._json(404, fail_body("E_OP", "no such operation"))
            return
        with self.hub._conn_lock:
            self.hub.requests[op] += 1
        plan = self.hub._faults.plan(op)
        if plan.delay:
            time.sleep(plan.delay)
        if plan.drop:
            log.info("fault: dropping the connection of %s", op)
            self.close_connection = True
            return
        body: BodyReader | None = None
        try:
            if plan.error:
                log.info("fault: answering 503 to %s", op)
                raise Fail("E_UNAVAILABLE", "the hub is unavailable (injected fault)", 503)
            try:
                signed = verify_headers(
                    self._headers_raw(), self.hub._secret_for, max_skew=self.hub.max_clock_skew
                )
            except HeaderAuthError as exc:
                log.warning("refused %s from system %s: %s", op, exc.system_id, exc.reason)
                raise Fail("E_AUTH", exc.reason, 401) from None
            body = self._body()
            result = operation(self, signed, body, plan)
            if not body.drain(_DRAIN):
                self.close_connection = True  # a large body the operation did not need
        except Fail as exc:
            if body is None or self._expects_continue or not body.drain(_DRAIN):
                # unauthenticated, refused before the client was told to send, or large:
                # the body is never read to the end
                self.close_connection = True
            self._refuse(op, exc.http_status, exc.code, exc.text)
            if self.close_connection:
                self._linger(body)
            return
        except BadRequest as exc:
            self.close_connection = True
            self._refuse(op, 400, "E_REQUEST", str(exc))
            return
        except ReplayFull:
            self.close_connection = True
            self._refuse(op, 503, "E_BUSY", "too many signed requests to remember; try later")
            return
        except (ConnectionError, TimeoutError):
            self.close_connection = True
            return
        except Exception:
            log.exception("the local hub failed on %s", op)
            self.close_connection = True
            self._refuse(op, 500, "E_INTERNAL", "internal error")
            return
        if plan.lost_reply:
            log.info("fault: %s done, dropping the answer", op)
            self.close_connection = True
            return
        if isinstance(result, RawFile):
            self._stream_file(result.path)
        elif isinstance(result, Path):
            self._stream_package(result)
        else:
            self._json(200, result)

    def _stream_file(self, blob: Path) -> None:
        """``downloadEdoc``'s answer: the package's bytes, read in chunks."""
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(blob.stat().st_size))
        self.end_headers()
        with blob.open("rb") as f:
            while chunk := f.read(_FILE_CHUNK):
                self.wfile.write(chunk)

    def _stream_package(self, blob: Path) -> None:
        """``getEdoc``'s answer, base64-encoding the package while it is written."""
        size = blob.stat().st_size
        head = json.dumps(ok())[:-1].encode("ascii") + b', "data": "'
        tail = b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(head) + 4 * ((size + 2) // 3) + len(tail)))
        self.end_headers()
        self.wfile.write(head)
        with blob.open("rb") as f:
            while chunk := f.read(_B64_CHUNK):
                self.wfile.write(b64encode(chunk))
        self.wfile.write(tail)
