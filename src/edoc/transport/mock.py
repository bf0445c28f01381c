"""An in-memory transport for tests: a plain function answers every send."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar

import attrs

from edoc.transport.base import Incoming, Outcome, Outgoing, Payload, Receipt, Transport
from edoc.transport.errors import UnknownMessageError

__all__ = ["MockTransport"]


class MockTransport(Transport):
    """A transport whose sends go to ``handler`` and whose receives yield ``incoming``.

    ``handler`` gets an :class:`Outgoing` and returns the :class:`Receipt` (or raises a
    transport error to simulate a failure). Everything sent is kept in :attr:`sent` and every
    acknowledgement in :attr:`acknowledged`::

        def handler(out: Outgoing) -> Receipt:
            return Receipt(doc_id="1", sha256="…", transport="mock", size=0)

        with MockTransport(handler, incoming=[Incoming(...)]) as t:
            t.send("out.edxml")
    """

    name: ClassVar[str] = "mock"

    def __init__(
        self, handler: Callable[[Outgoing], Receipt], incoming: Iterable[Incoming] = ()
    ) -> None:
        self._handler = handler
        self._incoming = list(incoming)
        self._pending: set[str] = set()
        self.sent: list[Outgoing] = []
        self.acknowledged: dict[str, Outcome] = {}

    def __repr__(self) -> str:
        return f"MockTransport(sent={len(self.sent)}, waiting={len(self._incoming)})"

    def send(self, payload: Payload | Outgoing) -> Receipt:
        self._check_open()
        out = Outgoing.of(payload)
        self.sent.append(out)
        return self._handler(out)

    def receive(self, *, max_messages: int | None = None) -> Iterator[Incoming]:
        self._check_open()
        count = 0
        while self._incoming and (max_messages is None or count < max_messages):
            item = attrs.evolve(self._incoming.pop(0), transport=self)
            self._pending.add(item.message_id)
            count += 1
            yield item

    def acknowledge(self, message_id: str, outcome: Outcome) -> None:
        self._check_open()
        if message_id not in self._pending:
            raise UnknownMessageError(
                f"message {message_id} was not received or is already settled",
                transport=self.name,
                message_id=message_id,
            )
        self._pending.discard(message_id)
        self.acknowledged[message_id] = Outcome(outcome)
