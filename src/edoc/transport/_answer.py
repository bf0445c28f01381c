"""Reading a hub's answer within bounds: bytes on the wire, decompressed bytes, total time.

Needs httpx (the ``http`` extra); imported only by :mod:`edoc.transport.hub`.

* :func:`network` is the httpx transport of :class:`~edoc.transport.HubTransport`: its
  sockets clip every connect, read and write timeout to the deadline of the call in
  progress (:func:`deadline`), so a peer that trickles one byte at a time (never
  tripping the per-read timeout) still cannot hold a call past its deadline, whether it
  trickles the status line, the headers or the body.
* :func:`body` yields the decoded answer chunk by chunk. It undoes ``Content-Encoding``
  itself (``gzip``, ``deflate``; anything else is refused) with a bounded inflater, so a
  gzip bomb costs at most one chunk of memory before the decoded cap stops it.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from edoc.transport.errors import ProtocolError, TransportLimitError, TransportTimeout

__all__ = ["body", "bounded", "deadline", "network"]

_NAME = "hub"
_CHUNK = 1 << 16
_DEADLINE: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "edoc_hub_deadline", default=None
)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within the block, every socket operation of :func:`network` ends by ``seconds`` from now."""
    token = _DEADLINE.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


@contextlib.contextmanager
def bounded(op: str, message_id: str | None, seconds: float, limit: str) -> Iterator[None]:
    """:func:`deadline` for one attempt of a call, its timeout named after ``limit``.

    Running out of time before the answer starts is an ordinary (retried) timeout; once
    the answer is arriving, :func:`body` raises one that is not retried (a peer that
    trickled once will trickle again).
    """
    with deadline(seconds):
        try:
            yield
        except (httpx.TimeoutException, TransportTimeout) as exc:
            if expired() is None or not getattr(exc, "transient", True):
                raise
            raise too_slow(op, message_id, seconds, limit, transient=True) from exc


def expired() -> float | None:
    """The budget (seconds) of the current deadline if it has passed, else ``None``."""
    current = _DEADLINE.get()
    if current is not None and time.monotonic() >= current[0]:
        return current[1]
    return None


def _clip(timeout: float | None, error: type[Exception]) -> float | None:
    current = _DEADLINE.get()
    if current is None:
        return timeout
    left = current[0] - time.monotonic()
    if left <= 0:
        raise error("the call's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        clipped = _clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, clipped))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        clipped = _clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, clipped, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:  # pragma: no cover
        clipped = _clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, clipped, socket_options))

    def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore's retries only
        self._inner.sleep(seconds)


def network(**options: Any) -> httpx.HTTPTransport:
    """An ``httpx.HTTPTransport(**options)`` whose sockets honour :func:`deadline`."""
    transport = httpx.HTTPTransport(**options)
    pool = transport._pool  # httpx has no public hook for httpcore's network backend
    if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError(
            "this httpx version builds its pool differently: update edoc"
        )  # pragma: no cover
    pool._network_backend = _Backend()
    return transport


class _Inflater:
    """One ``Content-Encoding`` undone incrementally, never more than ``_CHUNK`` at a time."""

    def __init__(self, encoding: str) -> None:
        self._deflate = encoding == "deflate"
        self._z = zlib.decompressobj(15 if self._deflate else 31)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._deflate and not self._started and data:
            self._started = True
            if data[0] & 0x0F != 8:  # raw deflate, as some servers send for "deflate"
                self._z = zlib.decompressobj(-15)
        while data:
            out = self._z.decompress(data, _CHUNK)
            data = self._z.unconsumed_tail
            if out:
                yield out
            if self._z.eof:
                if data or self._z.unused_data:
                    raise ValueError("data after the end of the compressed answer")
                return

    def close(self) -> None:
        if not self._z.eof:
            raise ValueError("the compressed answer ends early")


def _decoder(response: httpx.Response) -> _Inflater | None:
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c not in ("", "identity")]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if codings[0] == "deflate" else "gzip")
    raise ValueError(f"the answer's Content-Encoding {', '.join(codings)!r} is not supported")


def body(
    response: httpx.Response,
    op: str,
    message_id: str | None,
    *,
    max_bytes: int,
    max_seconds: float,
    limit: str,
    started: float,
) -> Iterator[bytes]:
    """The decoded answer in chunks, stopped past ``max_bytes`` (on the wire or decoded)
    with :class:`TransportLimitError` and past ``max_seconds`` (named ``limit``) since
    ``started`` with a :class:`TransportTimeout` that is not retried; a bad encoding
    raises :class:`ProtocolError`."""

    def over(what: str) -> TransportLimitError:
        return TransportLimitError(
            f"{op}: the hub's answer is larger than max_bytes ({max_bytes} bytes {what})",
            transport=_NAME,
            message_id=message_id,
        )

    def check_time() -> None:
        if time.monotonic() - started > max_seconds:
            raise too_slow(op, message_id, max_seconds, limit)

    try:
        inflater = _decoder(response)
        wire = decoded = 0
        for raw in response.iter_raw(_CHUNK):
            wire += len(raw)
            if wire > max_bytes:
                raise over("on the wire")
            check_time()
            parts = [raw] if inflater is None else inflater.feed(raw)
            for part in parts:
                decoded += len(part)
                if decoded > max_bytes:
                    raise over("decompressed")
                yield part
                check_time()
        if inflater is not None:
            inflater.close()
    except httpx.TimeoutException:
        if expired() is None:
            raise
        raise too_slow(op, message_id, max_seconds, limit) from None
    except (ValueError, zlib.error) as exc:
        raise ProtocolError(
            f"{op}: the hub's answer could not be decoded ({exc})",
            transport=_NAME,
            message_id=message_id,
        ) from None


def too_slow(
    op: str, message_id: str | None, seconds: float, limit: str, *, transient: bool = False
) -> TransportTimeout:
    """The call's deadline (``limit``, ``seconds`` long) has passed."""
    error = TransportTimeout(
        f"{op}: the call took longer than {limit} ({seconds:g} s) in all",
        transport=_NAME,
        message_id=message_id,
    )
    error.transient = transient
    return error
