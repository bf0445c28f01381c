"""Request bodies read in chunks: Content-Length or chunked framing, and multipart parts."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

__all__ = ["BadRequest", "BodyReader", "boundary_of", "parse_multipart"]

CHUNK = 1 << 18
_MAX_HEADERS = 16 * 1024
_MAX_PREAMBLE = 64 * 1024

PartSink = Callable[[bytes], object]


class BadRequest(ValueError):
    """The request body is not framed or encoded as it claims (answered with HTTP 400)."""


class BodyReader:
    """Reads exactly the request body from the connection, never past it."""

    def __init__(self, rfile: BinaryIO, length: int | None, chunked: bool) -> None:
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

    def drain(self) -> None:
        while self.read():
            pass


def boundary_of(content_type: str) -> bytes | None:
    """The boundary of a ``multipart/form-data`` content type, or ``None``."""
    kind, _, rest = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return None
    for param in rest.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary" and value:
            value = value.strip('"')
            return value.encode("latin-1") if 0 < len(value) <= 200 else None
    return None


def _headers(block: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block.split(b"\r\n"):
        if not line:
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            raise BadRequest("a bad header line in a multipart part")
        out[name.strip().lower().decode("latin-1")] = value.strip().decode("utf-8", "replace")
    return out


def part_name(headers: dict[str, str]) -> str | None:
    """The ``name`` of a part's Content-Disposition."""
    for param in headers.get("content-disposition", "").split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "name":
            return value.strip().strip('"')
    return None


def parse_multipart(
    body: BodyReader, boundary: bytes, sink_for: Callable[[dict[str, str]], PartSink | None]
) -> None:
    """Stream each part's content to ``sink_for(part headers)`` (``None`` skips the part)."""
    dash = b"--" + boundary
    sep = b"\r\n" + dash
    buf = b""

    def fill() -> bool:
        nonlocal buf
        data = body.read()
        buf += data
        return bool(data)

    while True:  # the preamble, up to the first delimiter
        i = buf.find(dash)
        if i >= 0 and (i == 0 or buf[i - 2 : i] == b"\r\n"):
            buf = buf[i + len(dash) :]
            break
        if len(buf) > _MAX_PREAMBLE or not fill():
            raise BadRequest("no multipart boundary in the body")
    while True:
        while len(buf) < 2:
            if not fill():
                raise BadRequest("the body ends after a boundary")
        if buf[:2] == b"--":
            body.drain()  # the epilogue
            return
        while (k := buf.find(b"\r\n\r\n")) < 0:
            if len(buf) > _MAX_HEADERS or not fill():
                raise BadRequest("a multipart part has no end of headers")
        head = buf[:k].lstrip(b" \t")
        if not head.startswith(b"\r\n") and head:
            raise BadRequest("a multipart boundary line has trailing text")
        headers = _headers(head[2:] if head.startswith(b"\r\n") else b"")
        buf = buf[k + 4 :]
        sink = sink_for(headers)
        keep = len(sep) - 1
        while True:
            i = buf.find(sep)
            if i >= 0:
                if sink is not None and i:
                    sink(buf[:i])
                buf = buf[i + len(sep) :]
                break
            if len(buf) > keep:
                if sink is not None:
                    sink(buf[:-keep])
                buf = buf[-keep:]
            if not fill():
                raise BadRequest("the body ends inside a multipart part")
