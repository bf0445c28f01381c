"""A loopback HTTP server that drips its answer: one byte every ``gap`` seconds, each
well inside any per-read timeout (tests of total deadlines)."""

from __future__ import annotations

import http.server
import socketserver
import threading


class Dripper(socketserver.ThreadingTCPServer):
    """Answers every connection with an HTTP response, one byte every ``gap`` seconds;
    ``headers_first`` sends the status line and headers at once, then drips the body.
    The body is ``size`` zeros, or ``body``; ``gap=0`` sends it at once (a canned answer).
    ``raw`` is dripped as it is, with no HTTP around it (say, the start of a TLS record)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0, *, gap: float = 0.05, size: int = 100_000,
                 headers_first: bool = False, body: bytes | None = None,
                 raw: bytes | None = None) -> None:  # fmt: skip
        self.gap, self.headers_first, self.raw = gap, headers_first, raw
        self.body = b"0" * size if body is None else body
        self.stop = threading.Event()
        self.connections = 0
        super().__init__(("127.0.0.1", port), _Drip)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/x"

    def close(self) -> None:
        self.stop.set()
        self.shutdown()
        self.server_close()


class _Drip(http.server.BaseHTTPRequestHandler):
    server: Dripper

    def handle(self) -> None:
        self.server.connections += 1
        self.request.recv(65536)  # the request, whatever it is
        body = self.server.body
        head = f"HTTP/1.0 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        try:
            if self.server.raw is not None:
                data = self.server.raw
            elif self.server.headers_first:
                self.request.sendall(head)
                data = body
            else:
                data = head + body
            step = 1 if self.server.gap else 65536
            for i in range(0, len(data), step):
                if self.server.stop.wait(self.server.gap):
                    return
                self.request.sendall(data[i : i + step])
        except OSError:
            return
