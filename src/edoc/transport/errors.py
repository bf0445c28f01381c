"""The transport errors: every failure a transport reports is one of these.

::

    edoc.errors.TransportError
    ├── ConnectError(ConnectionError)     peer unreachable, or the connection was lost
    ├── TransportTimeout(TimeoutError)    the peer did not answer in time
    ├── AuthenticationError               credentials refused (the secret is never shown)
    ├── RejectedError                     the peer said no (.status, .code, .detail)
    ├── ServerError                       the peer failed (HTTP 5xx): transient, retried
    ├── ProtocolError                     the answer is not what the protocol says
    │   └── TransportLimitError           the answer is larger than ``max_bytes``
    ├── StorageError(OSError)             a local folder could not be written or read
    ├── UnknownMessageError(LookupError)  acknowledge() of a message not handed out
    └── TransportClosedError              the transport was used after close()

Each carries ``transport`` (the transport's name) and ``message_id`` when known. Messages
never contain a secret, a header signature or a message body. The classes live in
:mod:`edoc.errors` (one module for every exception); this module re-exports them.
"""

from __future__ import annotations

from edoc.errors import (
    AuthenticationError,
    ConnectError,
    ProtocolError,
    RejectedError,
    ServerError,
    StorageError,
    TransportClosedError,
    TransportError,
    TransportLimitError,
    TransportTimeout,
    UnknownMessageError,
)
from edoc.errors import _Failure as _Failure  # the shared base, for edoc.transport's modules

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
