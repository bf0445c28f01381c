"""The transport errors: every failure a transport reports is one of these.

::

    edoc.errors.TransportError
    ├── ConnectError(ConnectionError)     peer unreachable, or the connection was lost
    ├── TransportTimeout(TimeoutError)    the peer did not answer in time
    ├── AuthenticationError               credentials refused (the secret is never shown)
    ├── RejectedError                     the peer said no (.status, .code, .detail)
    ├── ServerError                       the peer failed (HTTP 5xx): transient, retried
    ├── ProtocolError                     the answer is not what the protocol says
    ├── StorageError(OSError)             a local folder could not be written or read
    ├── UnknownMessageError(LookupError)  acknowledge() of a message not handed out
    └── TransportClosedError              the transport was used after close()

Each carries ``transport`` (the transport's name) and ``message_id`` when known. Messages
never contain a secret, a header signature or a message body.
"""

from __future__ import annotations

from edoc.errors import TransportError, shorten

__all__ = [
    "AuthenticationError",
    "ConnectError",
    "ProtocolError",
    "RejectedError",
    "ServerError",
    "StorageError",
    "TransportClosedError",
    "TransportError",
    "TransportLimitError",
    "TransportTimeout",
    "UnknownMessageError",
]


class _Failure(TransportError):
    """Shared fields of the transport errors (private: catch the public classes)."""

    def __init__(
        self,
        message: str,
        *,
        transport: str | None = None,
        message_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transport = transport
        self.message_id = message_id

    def __str__(self) -> str:
        return self.message

    #: Whether retrying the same operation may succeed (connection, timeout, 5xx).
    transient: bool = False


class ConnectError(_Failure, ConnectionError):
    """The peer could not be reached, or the connection broke before an answer came."""

    transient = True


class TransportTimeout(_Failure, TimeoutError):
    """The peer did not answer within the timeout."""

    transient = True


class AuthenticationError(_Failure):
    """The peer refused the credentials (system id, secret or header signature)."""


class RejectedError(_Failure):
    """The peer answered that it will not do what was asked.

    ``status`` is the HTTP status (or ``None``), ``code`` the peer's error code
    (the hub's ``ErrorCode``), ``detail`` its description, shortened.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
        transport: str | None = None,
        message_id: str | None = None,
    ) -> None:
        super().__init__(message, transport=transport, message_id=message_id)
        self.status = status
        self.code = code
        self.detail = shorten(detail, 200) if detail is not None else None


class ServerError(_Failure):
    """The peer failed while handling the request (HTTP 5xx); retrying may succeed."""

    transient = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transport: str | None = None,
        message_id: str | None = None,
    ) -> None:
        super().__init__(message, transport=transport, message_id=message_id)
        self.status = status


class ProtocolError(_Failure):
    """The peer's answer does not follow the protocol (not JSON, bad base64, bad framing)."""


class TransportLimitError(ProtocolError):
    """The peer's answer is larger than the transport allows (``max_bytes``)."""


class StorageError(_Failure, OSError):
    """A local file operation of the transport failed (disk full, permissions, missing folder)."""


class UnknownMessageError(_Failure, LookupError):
    """``acknowledge()`` named a message this transport has not handed out (or already settled)."""


class TransportClosedError(_Failure):
    """The transport was used after :meth:`~edoc.transport.Transport.close`."""
