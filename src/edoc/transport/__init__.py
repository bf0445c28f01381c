"""Transports: move edXML packages to and from other agencies.

Every transport follows :class:`Transport` (send, receive, acknowledge, close) and trades
:class:`Receipt` and :class:`Incoming` values; it moves opaque bytes and never parses or
logs a package. Available here:

* :class:`MockTransport`: in memory, for tests;
* :class:`DirectoryTransport`: a folder drop with atomic renames;
* :class:`HubTransport`: the national document hub's REST API (needs ``edoc-edxml[http]``);
* :class:`AmqpTransport`: queues on an AMQP 0-9-1 broker such as RabbitMQ (``edoc-edxml[amqp]``);
* :mod:`edoc.transport.hub_server`: a local hub speaking the same API, for development.

:func:`open_transport` picks one by URL (``dir:///var/edoc``, ``https://…``, or a scheme a
third-party package registers under the ``edoc.transports`` entry-point group).

Errors are :class:`edoc.errors.TransportError` subclasses, in :mod:`edoc.transport.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from edoc.transport import errors
from edoc.transport._open import ENTRY_POINT_GROUP, open_transport
from edoc.transport.base import Incoming, Kind, Outcome, Outgoing, Payload, Receipt, Transport
from edoc.transport.directory import DirectoryTransport
from edoc.transport.mock import MockTransport

if TYPE_CHECKING:
    from edoc.transport.amqp import AmqpTransport
    from edoc.transport.hub import HubTransport

__all__ = [
    "ENTRY_POINT_GROUP",
    "AmqpTransport",
    "DirectoryTransport",
    "HubTransport",
    "Incoming",
    "Kind",
    "MockTransport",
    "Outcome",
    "Outgoing",
    "Payload",
    "Receipt",
    "Transport",
    "errors",
    "open_transport",
]


def __getattr__(name: str) -> Any:
    if name == "HubTransport":
        from edoc.transport.hub import HubTransport  # MissingDependencyError without httpx

        return HubTransport
    if name == "AmqpTransport":
        from edoc.transport.amqp import AmqpTransport

        return AmqpTransport  # pika itself is imported when the transport is made
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
