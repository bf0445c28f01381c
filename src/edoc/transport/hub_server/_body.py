"""Request bodies read in chunks: Content-Length or chunked framing, never past the end."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

__all__ = ["BadRequest", "BodyReader"]

CHUNK = 1 << 18


class BadRequest(ValueError):
    """The request body is not framed or encoded as it claims (answered with HTTP 400)."""


class BodyReader:
    """Reads exactly the request body from the connection, never past it."""

    def __init__(
        self,
        rfile: BinaryIO,
        length: int | None,
        chunked: bool,
        *,
        on_start: Callable[[], None] | None = None,
    ) -> None:
        self._on_start = on_start
        self._rfile = rfile
        self._left: int = (length or 0) if not chunked else 0
        self._chunked = chunked
        self._done = not chunked and not length

    @property
    def finished(self) -> bool:
        """Whether the whole body has been read."""
        return self._done

    def read(self, n: int = CHUNK) -> bytes:
        if self._done:
            return b""
        if self._on_start is not None:  # "100 Continue", once, before the first read
            self._on_start()
            self._on_start = None
        if not self._chunked:
            data = self._rfile.read(min(n, self._left))
            if not data:
                raise BadRequest("the body ends before Content-Length bytes")
            self._left -= len(data)
            self._done = self._left == 0
            return data
        if self._left == 0:
            line = self._rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequest("bad chunk size in a chunked body") from None
            if size == 0:
                while self._rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                self._done = True
                return b""
            self._left = size
        data = self._rfile.read(min(n, self._left))
        if not data:
            raise BadRequest("the body ends inside a chunk")
        self._left -= len(data)
        if self._left == 0:
            self._rfile.readline(16)  # the CRLF after the chunk
        return data

    def drain(self, limit: int | None = None) -> bool:
        """Read the rest of the body (at most ``limit`` more bytes); whether it is all read."""
        seen = 0
        while (limit is None or seen <= limit) and (data := self.read()):
            seen += len(data)
        return self._done
