"""Every httpx exception is mapped to an edoc transport error (httpx's own
``test_httpcore_all_exceptions_mapped`` idea), and HTTP answers map by status."""

from __future__ import annotations

import inspect

import httpx
import pytest

from edoc.errors import TransportError
from edoc.transport import _hub_errors as mapping
from edoc.transport.errors import (
    AuthenticationError,
    ConnectError,
    ProtocolError,
    RejectedError,
    ServerError,
    TransportTimeout,
)

HTTPX_EXCEPTIONS = sorted(
    (
        cls
        for _, cls in inspect.getmembers(httpx, inspect.isclass)
        if issubclass(cls, Exception) and cls.__module__.startswith("httpx")
    ),
    key=lambda cls: cls.__name__,
)

EXPECTED = {
    "ConnectTimeout": TransportTimeout, "ReadTimeout": TransportTimeout,
    "WriteTimeout": TransportTimeout, "PoolTimeout": TransportTimeout,
    "TimeoutException": TransportTimeout, "ConnectError": ConnectError,
    "ReadError": ConnectError, "WriteError": ConnectError, "CloseError": ConnectError,
    "NetworkError": ConnectError, "ProxyError": ConnectError,
    "RemoteProtocolError": ConnectError, "TransportError": ConnectError,
    "RequestError": ConnectError, "HTTPStatusError": ServerError,
}  # fmt: skip


def make(cls: type[Exception]) -> Exception:
    request = httpx.Request("POST", "http://hub.invalid/sendEdoc")
    if cls is httpx.HTTPStatusError:
        response = httpx.Response(503, request=request)
        return cls("boom", request=request, response=response)
    if issubclass(cls, httpx.RequestError):
        return cls("boom", request=request)
    if issubclass(cls, (httpx.ResponseNotRead, httpx.RequestNotRead, httpx.StreamConsumed,
                        httpx.StreamClosed)):  # fmt: skip
        return cls()
    return cls("boom")


def test_httpx_has_exceptions() -> None:
    assert len(HTTPX_EXCEPTIONS) >= 25


@pytest.mark.parametrize("cls", HTTPX_EXCEPTIONS, ids=lambda c: c.__name__)
def test_every_httpx_exception_is_listed(cls: type[Exception]) -> None:
    """A new httpx exception class fails here until it is given a meaning in the table."""
    assert cls in {entry[0] for entry in mapping.ERROR_MAP}


@pytest.mark.parametrize("cls", HTTPX_EXCEPTIONS, ids=lambda c: c.__name__)
def test_every_httpx_exception_is_mapped(cls: type[Exception]) -> None:
    original = make(cls)
    with pytest.raises(TransportError) as info, mapping.map_errors("sendEdoc", "doc-9"):
        raise original
    err = info.value
    assert err.__cause__ is original
    assert isinstance(err, EXPECTED.get(cls.__name__, ProtocolError))
    assert err.transport == "hub"
    assert err.message_id == "doc-9"
    assert str(err).startswith("sendEdoc: ")


def test_transient_classification() -> None:
    for cls in (ConnectError, TransportTimeout, ServerError):
        assert cls("x").transient
    for cls in (AuthenticationError, RejectedError, ProtocolError):  # type: ignore[assignment]
        assert not cls("x").transient


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, RejectedError), (404, RejectedError), (401, AuthenticationError),
     (403, AuthenticationError), (500, ServerError), (503, ServerError)],
)  # fmt: skip
def test_status_mapping(status: int, cls: type[Exception]) -> None:
    err = mapping.status_error(status, "getEdoc", {"ErrorCode": "E1", "ErrorDesc": "why"}, "d")
    assert type(err) is cls
    assert "why" in str(err)
