"""The hub client's error mapping: every httpx exception and HTTP answer → an edoc error.

Needs httpx (the ``http`` extra); imported only by :mod:`edoc.transport.hub`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from edoc.transport.errors import (
    AuthenticationError,
    ConnectError,
    ProtocolError,
    RejectedError,
    ServerError,
    StorageError,
    TransportTimeout,
    _Failure,
)

__all__ = ["ERROR_MAP", "map_errors", "status_error"]

_NAME = "hub"

# Every httpx exception class, most specific first, with the edoc error it becomes.
# tests/transport/test_hub_errors.py checks that each class httpx defines is listed here.
ERROR_MAP: tuple[tuple[type[Exception], type[_Failure], str], ...] = (
    (httpx.ConnectTimeout, TransportTimeout, "connecting to the hub timed out"),
    (httpx.ReadTimeout, TransportTimeout, "the hub did not answer in time"),
    (httpx.WriteTimeout, TransportTimeout, "sending to the hub timed out"),
    (httpx.PoolTimeout, TransportTimeout, "no connection to the hub was free in time"),
    (httpx.TimeoutException, TransportTimeout, "the hub timed out"),
    (httpx.ConnectError, ConnectError, "cannot connect to the hub"),
    (httpx.ReadError, ConnectError, "the connection to the hub broke while reading"),
    (httpx.WriteError, ConnectError, "the connection to the hub broke while sending"),
    (httpx.CloseError, ConnectError, "the connection to the hub did not close cleanly"),
    (httpx.NetworkError, ConnectError, "network error talking to the hub"),
    (httpx.ProxyError, ConnectError, "the proxy to the hub failed"),
    (httpx.RemoteProtocolError, ConnectError, "the hub closed the connection or broke HTTP"),
    (httpx.LocalProtocolError, ProtocolError, "the request could not be sent as valid HTTP"),
    (httpx.ProtocolError, ProtocolError, "HTTP protocol error"),
    (httpx.UnsupportedProtocol, ProtocolError, "the endpoint's URL scheme is not http or https"),
    (httpx.TransportError, ConnectError, "transport error talking to the hub"),
    (httpx.DecodingError, ProtocolError, "the hub's answer could not be decoded"),
    (httpx.TooManyRedirects, ProtocolError, "the hub redirected too often"),
    (httpx.HTTPStatusError, RejectedError, "the hub answered with an error status"),
    (httpx.RequestError, ConnectError, "the request to the hub failed"),
    (httpx.HTTPError, ProtocolError, "HTTP error talking to the hub"),
    (httpx.InvalidURL, ProtocolError, "the hub's URL is not valid"),
    (httpx.CookieConflict, ProtocolError, "conflicting cookies from the hub"),
    (httpx.StreamConsumed, ProtocolError, "an HTTP stream was read twice"),
    (httpx.StreamClosed, ProtocolError, "an HTTP stream was read after it was closed"),
    (httpx.ResponseNotRead, ProtocolError, "an HTTP response was used before it was read"),
    (httpx.RequestNotRead, ProtocolError, "an HTTP request was used before it was read"),
    (httpx.StreamError, ProtocolError, "HTTP stream misuse"),
)


def _mapped(exc: Exception, op: str, message_id: str | None) -> _Failure:
    for cls, edoc_cls, text in ERROR_MAP:
        if isinstance(exc, cls):
            message = f"{op}: {text}"
            if isinstance(exc, httpx.HTTPStatusError):
                return status_error(exc.response.status_code, op, None, message_id)
            return edoc_cls(message, transport=_NAME, message_id=message_id)
    return ProtocolError(  # pragma: no cover - the table ends with httpx's base classes
        f"{op}: unexpected {type(exc).__name__}", transport=_NAME, message_id=message_id
    )


@contextlib.contextmanager
def map_errors(op: str, message_id: str | None = None) -> Iterator[None]:
    """Re-raise every httpx exception (and local I/O errors) as an edoc transport error."""
    try:
        yield
    except _Failure:
        raise
    except (httpx.HTTPError, httpx.InvalidURL, httpx.CookieConflict, httpx.StreamError) as exc:
        raise _mapped(exc, op, message_id) from exc
    except OSError as exc:
        raise StorageError(
            f"{op}: {exc.strerror or type(exc).__name__}", transport=_NAME, message_id=message_id
        ) from exc


def status_error(
    status: int, op: str, body: Mapping[str, Any] | None, message_id: str | None
) -> _Failure:
    code = str(body.get("ErrorCode")) if body and body.get("ErrorCode") is not None else None
    detail = str(body.get("ErrorDesc")) if body and body.get("ErrorDesc") else None
    said = f": {detail}" if detail else ""
    if status in (401, 403):
        return AuthenticationError(
            f"{op}: the hub refused the credentials (HTTP {status}){said}",
            transport=_NAME,
            message_id=message_id,
        )
    if status >= 500:
        return ServerError(
            f"{op}: the hub failed (HTTP {status}){said}",
            status=status,
            transport=_NAME,
            message_id=message_id,
        )
    return RejectedError(
        f"{op}: the hub refused the request (HTTP {status}){said}",
        status=status,
        code=code,
        detail=detail,
        transport=_NAME,
        message_id=message_id,
    )
