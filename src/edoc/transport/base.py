"""What every transport is: the :class:`Transport` base class and the values it trades.

A transport moves opaque payloads. It never parses, verifies or logs a message body:
it returns a :class:`Receipt` for what it sent and :class:`Incoming` values for what it
stored, and it is told by :meth:`Transport.acknowledge` whether the application kept
each one.
"""

from __future__ import annotations

import abc
import enum
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, ClassVar, Literal, Self, TypeAlias

import attrs

from edoc.errors import InputError
from edoc.transport.errors import TransportClosedError

__all__ = ["Incoming", "Kind", "Outcome", "Outgoing", "Payload", "Receipt", "Transport"]

Payload: TypeAlias = str | os.PathLike[str] | BinaryIO
"""What can be sent: a path to a file, or a binary stream read in chunks (never whole)."""

Kind: TypeAlias = Literal["edoc", "status"]
"""The kind of package: a document (``edoc``) or a status package (``status``)."""

_KINDS = ("edoc", "status")


class Outcome(enum.Enum):
    """What the application did with a received package (the hub's ``updateStatus``)."""

    DONE = "done"
    """Stored durably: the peer may forget it."""
    FAIL = "fail"
    """Could not be stored or used: the peer records a failure."""


def _kind(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in _KINDS:
        owner = type(instance).__name__
        raise InputError(f"{owner}.{attribute.name} must be 'edoc' or 'status', not {value!r}")


def _organ_ids(value: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@attrs.frozen(kw_only=True)
class Outgoing:
    """A payload to send, with what the transport may need to know about it.

    A plain path or stream passed to :meth:`Transport.send` is ``Outgoing(payload=it)``.
    The transport does not read the package to learn these: the caller says them.
    """

    payload: Payload = attrs.field()
    """A path, or a binary stream (read once, in chunks)."""
    kind: Kind = attrs.field(default="edoc", validator=_kind)
    """``status`` for a status package (the hub's ``messagetype``)."""
    to: tuple[str, ...] = attrs.field(default=(), converter=_organ_ids)
    """Recipient OrganIds. Empty: the peer routes by the package's own To list."""
    sender: str | None = None
    """The sender's OrganId (the hub's ``from``); ``None`` for the transport's default."""

    @classmethod
    def of(cls, item: Payload | Outgoing) -> Outgoing:
        """``item`` itself when it is an :class:`Outgoing`, otherwise one wrapping it."""
        return item if isinstance(item, Outgoing) else cls(payload=item)


@attrs.frozen(kw_only=True)
class Receipt:
    """What a transport answers for a package it accepted."""

    doc_id: str
    """The identifier the peer gave the package (the hub's ``DocId``, a file's name)."""
    sha256: str
    """SHA-256 of the bytes sent, lowercase hex (64 characters)."""
    transport: str
    """The transport's :attr:`~Transport.name`."""
    size: int
    """Bytes sent."""


@attrs.frozen(kw_only=True)
class Incoming:
    """A received package, stored completely in :attr:`path`, waiting for its outcome.

    Call :meth:`ack` once the application has kept it (``"done"``) or given up on it
    (``"fail"``). Until then the transport keeps it pending, and after a restart it is
    offered again.
    """

    message_id: str
    """The transport's identifier, the one :meth:`Transport.acknowledge` takes."""
    kind: Kind = attrs.field(validator=_kind)
    path: Path = attrs.field(converter=Path)
    """The stored file: complete, flushed to disk, and never rewritten by the transport."""
    sha256: str
    size: int
    sender: str | None = None
    """The sender (agency code or system id) when known without reading the body."""
    transport: Transport | None = attrs.field(default=None, eq=False, repr=False)
    """The transport that stored it; :meth:`ack` goes back to it."""

    def ack(self, outcome: Outcome | str = Outcome.DONE) -> None:
        """Tell the transport the outcome: ``"done"`` (the default) or ``"fail"``."""
        if self.transport is None:
            raise TransportClosedError(
                f"message {self.message_id} is not bound to a transport", message_id=self.message_id
            )
        self.transport.acknowledge(self.message_id, Outcome(outcome))


class Transport(abc.ABC):
    """Base class of every transport: send, receive, acknowledge, close.

    Use it as a context manager. Subclasses implement :meth:`send`, :meth:`receive` and
    :meth:`acknowledge`, call ``self._check_open()`` first in each, and raise only
    :class:`edoc.errors.TransportError` subclasses (:mod:`edoc.transport.errors`), except
    :class:`edoc.errors.InputError` for the caller's own arguments (a payload file that does
    not exist) before any transport work starts.
    """

    name: ClassVar[str]
    """Short name: ``"hub"``, ``"directory"``, ``"mock"``, ``"amqp"``."""

    _closed: bool = False

    def __enter__(self) -> Self:
        self._check_open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abc.abstractmethod
    def send(self, payload: Payload | Outgoing) -> Receipt:
        """Send one package and return the peer's receipt."""

    @abc.abstractmethod
    def receive(self, *, max_messages: int | None = None) -> Iterator[Incoming]:
        """Yield stored packages that wait for this agency, at most ``max_messages``.

        Each is yielded only once it is complete on disk. The iterator ends when nothing
        more waits; call again to poll.
        """

    @abc.abstractmethod
    def acknowledge(self, message_id: str, outcome: Outcome) -> None:
        """Settle a package handed out by :meth:`receive`."""

    def close(self) -> None:
        """Release connections and files. Further use raises :class:`TransportClosedError`."""
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise TransportClosedError(f"the {self.name} transport is closed", transport=self.name)
