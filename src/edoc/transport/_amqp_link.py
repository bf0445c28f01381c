"""The AMQP connection under :class:`~edoc.transport.amqp.AmqpTransport`: pika, errors, names.

A :class:`Link` knows every node of a cluster and fails over between them; :func:`declare`
makes quorum (or classic) queues and keeps an existing queue of the other type as it is.

pika is imported lazily (``edoc-edxml[amqp]``) and handled as ``Any``: it ships no type
information. Every pika exception is turned into an edoc transport error here, without
its traceback and without the URL (which may carry a password).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import re
import secrets
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from edoc.errors import InputError, MissingDependencyError, shorten
from edoc.transport.errors import (
    AuthenticationError,
    ConnectError,
    ProtocolError,
    RejectedError,
    ServerError,
    TransportError,
)

__all__ = ["QUEUE_TYPES", "Link", "Names", "QueueType", "map_pika_errors", "pika", "redact_url"]

NAME = "amqp"
log = logging.getLogger("edoc.transport.amqp")
QueueType = Literal["quorum", "classic"]
QUEUE_TYPES: tuple[QueueType, ...] = ("quorum", "classic")
_PRECONDITION_FAILED = 406
_SEVERAL = re.compile(r",\s*(?=[a-z][a-z0-9+.-]*://)", re.IGNORECASE)
_ID = re.compile(r"[^\s\x00-\x1f\x7f]{1,200}")


def pika() -> Any:
    """The pika module, or a :class:`MissingDependencyError` naming the extra to install."""
    try:
        return importlib.import_module("pika")
    except ImportError:
        raise MissingDependencyError("the AMQP transport", "pika", "amqp") from None


def redact_url(url: str) -> str:
    """``url`` (or each of a cluster's URLs, separated by commas) with its password replaced
    by ``***`` (for reprs and messages)."""
    several = _SEVERAL.split(url)
    if len(several) > 1:
        return ",".join(map(redact_url, several))
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username or ''}:***@{host}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class Names:
    """The broker objects of one agency, named from its id (OrganId or system id).

    With the default prefix ``edoc``: the direct exchange ``edoc`` routes by the agency id
    to the durable queue ``edoc.<id>``; a package that fails is dead-lettered through the
    direct exchange ``edoc.dead`` to the durable queue ``edoc.<id>.dead``.
    """

    def __init__(self, prefix: str, agency: str) -> None:
        if not _ID.fullmatch(agency):
            raise InputError(
                f"an agency id for AMQP must be 1-200 printable characters without spaces, "
                f"not {shorten(agency)!r}"
            )
        self.agency = agency
        self.exchange = prefix
        self.dead_exchange = f"{prefix}.dead"
        self.queue = f"{prefix}.{agency}"
        self.dead_queue = f"{prefix}.{agency}.dead"


def _queue(link: Link, name: str, arguments: dict[str, Any], queue_type: QueueType) -> None:
    """Declare one durable queue of ``queue_type``; an existing queue of the other type (the
    broker answers 406 PRECONDITION_FAILED) is kept as it is, on a fresh channel."""
    wanted = dict(arguments)
    if queue_type == "quorum":
        wanted["x-queue-type"] = "quorum"
    try:
        link.channel.queue_declare(name, durable=True, arguments=wanted)
    except pika().exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code != _PRECONDITION_FAILED:
            raise
        link.reopen_channel()  # the broker closed the channel; the connection lives
        link.channel.queue_declare(name, passive=True)  # it exists: use it as it is
        log.info("queue %s exists with other arguments (%s queue wanted): kept as it is",
                 name, queue_type)  # fmt: skip


def declare(link: Link, names: Names, queue_type: QueueType = "quorum") -> None:
    """Declare (idempotently) the exchanges and the agency's queue and dead-letter queue.

    New queues are ``queue_type`` (quorum by default: replicated on a cluster); a queue
    that already exists keeps its type and arguments.
    """
    channel = link.channel
    channel.exchange_declare(names.exchange, exchange_type="direct", durable=True)
    channel.exchange_declare(names.dead_exchange, exchange_type="direct", durable=True)
    _queue(link, names.dead_queue, {}, queue_type)
    link.channel.queue_bind(names.dead_queue, names.dead_exchange, routing_key=names.agency)
    dead_letter = {
        "x-dead-letter-exchange": names.dead_exchange,
        "x-dead-letter-routing-key": names.agency,
    }
    _queue(link, names.queue, dead_letter, queue_type)
    link.channel.queue_bind(names.queue, names.exchange, routing_key=names.agency)


def _convert(exc: BaseException, op: str, message_id: str | None) -> TransportError:
    """The edoc error for a pika (or socket) exception; pika's text only where it is safe."""
    p = pika().exceptions
    kw: dict[str, Any] = {"transport": NAME, "message_id": message_id}
    if isinstance(exc, (p.ProbableAuthenticationError, p.AuthenticationError)):
        return AuthenticationError(f"{op}: the broker refused the credentials", **kw)
    if isinstance(exc, p.ProbableAccessDeniedError):
        return AuthenticationError(f"{op}: the broker denied access to the virtual host", **kw)
    if isinstance(exc, p.IncompatibleProtocolError):
        # pika says this when the socket closes during the handshake: a broker starting or
        # stopping does that too, so it is retried like a refused connection.
        return ConnectError(
            f"{op}: the peer closed the connection during the AMQP handshake (a broker "
            "starting or stopping, or not an AMQP 0-9-1 server)",
            **kw,
        )
    if isinstance(exc, p.ChannelClosedByBroker):
        text = shorten(str(exc.reply_text), 200)
        if exc.reply_code == 403:
            return AuthenticationError(f"{op}: the broker refused access ({text})", **kw)
        return RejectedError(
            f"{op}: the broker refused ({exc.reply_code} {text})",
            code=str(exc.reply_code), detail=text, **kw,
        )  # fmt: skip
    if isinstance(exc, p.UnroutableError):
        return RejectedError(f"{op}: the broker had no queue for the recipient", **kw)
    if isinstance(exc, p.NackError):
        return ServerError(f"{op}: the broker could not take the message (nack)", **kw)
    if isinstance(exc, p.ConnectionClosedByBroker):
        text = shorten(str(exc.reply_text), 200)
        return ConnectError(
            f"{op}: the broker closed the connection ({exc.reply_code} {text})", **kw
        )
    if isinstance(exc, (p.AMQPConnectionError, p.AMQPChannelError, OSError)):
        return ConnectError(
            f"{op}: the connection to the broker failed or was lost ({type(exc).__name__})",
            **kw,
        )
    return ProtocolError(f"{op}: unexpected AMQP failure ({type(exc).__name__})", **kw)


@contextlib.contextmanager
def map_pika_errors(op: str, message_id: str | None = None) -> Iterator[None]:
    """Turn pika's (and the socket's) exceptions into edoc transport errors."""
    try:
        yield
    except TransportError:
        raise
    except Exception as exc:
        p = pika().exceptions
        if isinstance(exc, (p.AMQPError, p.ChannelError, OSError)):
            raise _convert(exc, op, message_id) from None
        raise


class Link:
    """One blocking connection and channel, opened on demand, counted by :attr:`generation`.

    ``urls`` are the nodes of one cluster: a connection tries them in turn, starting at a
    random one and then after the node of the last connection, so workers spread over the
    nodes and a stopped or killed node is passed over. Delivery tags
    belong to one channel: a message delivered under an older generation can no longer be
    acknowledged (the broker has requeued it).
    """

    def __init__(self, urls: Sequence[str], *, timeout: float, heartbeat: int | None) -> None:
        p = pika()
        self._params: list[Any] = []
        for url in urls:
            try:
                params = p.URLParameters(url)
            except Exception:
                raise InputError(f"not a usable AMQP URL: {redact_url(url)!r}") from None
            params.socket_timeout = timeout
            params.stack_timeout = timeout * 2
            params.blocked_connection_timeout = timeout
            params.connection_attempts = 1
            if heartbeat is not None:
                params.heartbeat = heartbeat
            self._params.append(params)
        if not self._params:
            raise InputError("no AMQP URL given")
        self._next = secrets.randbelow(len(self._params))
        self._connection: Any = None
        self._prefetch = 0
        self.channel: Any = None
        self.generation = 0
        self.declared: set[str] = set()
        self.node = ""
        """``host:port`` of the node connected to (for logs)."""

    def open(self, prefetch: int) -> Any:
        """The channel (connected, in confirm mode, with ``prefetch``), opening it if needed."""
        if self.channel is not None and self.channel.is_open:
            return self.channel
        self.drop()
        order = self._params[self._next :] + self._params[: self._next]
        with map_pika_errors("connect"):
            self._connection = pika().BlockingConnection(order if len(order) > 1 else order[0])
        connected = getattr(self._connection._impl, "params", None)  # the node pika reached
        where = (getattr(connected, "host", ""), getattr(connected, "port", 0))
        nodes = [(p.host, p.port) for p in self._params]
        self._next = (nodes.index(where) + 1) % len(nodes) if where in nodes else 0
        self.node = f"{where[0]}:{where[1]}"
        self._prefetch = prefetch
        self.reopen_channel()
        return self.channel

    def reopen_channel(self) -> None:
        """A new channel on the open connection (confirm mode, prefetch): a new generation."""
        with map_pika_errors("open a channel"):
            channel = self._connection.channel()
            channel.confirm_delivery()
            channel.basic_qos(prefetch_count=self._prefetch)
        self.channel = channel
        self.generation += 1
        self.declared.clear()

    def drop(self) -> None:
        """Forget the connection (closing it if it still seems open)."""
        connection, self._connection, self.channel = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                if connection.is_open:
                    connection.close()

    @property
    def is_open(self) -> bool:
        return self.channel is not None and self.channel.is_open
