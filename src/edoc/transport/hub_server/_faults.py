"""Faults the local hub can inject, for testing clients' retries and idempotency."""

from __future__ import annotations

import random
import threading
from typing import Literal

import attrs

__all__ = ["FaultKind", "Faults", "Plan"]

FaultKind = Literal["delay", "error", "drop", "lost_reply", "duplicate"]
_KINDS = ("delay", "error", "drop", "lost_reply", "duplicate")


def _rate(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, not {value}")


@attrs.define(kw_only=True)
class Faults:
    """Faults applied at random to each request (rates are probabilities, 0 to 1).

    Change the attributes of a running server's :attr:`HubServer.faults` to switch them.
    """

    delay: float = attrs.field(default=0.0, validator=attrs.validators.ge(0))
    """Seconds to wait before handling every request."""
    error_rate: float = attrs.field(default=0.0, validator=_rate)
    """Answer HTTP 503 without doing anything."""
    drop_rate: float = attrs.field(default=0.0, validator=_rate)
    """Close the connection without doing anything or answering."""
    lost_reply_rate: float = attrs.field(default=0.0, validator=_rate)
    """Do the work, then close the connection without answering (the client cannot know)."""
    duplicate_rate: float = attrs.field(default=0.0, validator=_rate)
    """Deliver a sent package twice to a recipient (two DocIds, the same bytes)."""
    operations: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    """Only these operations (``sendEdoc``, ``getEdoc``, …); empty for all."""


@attrs.frozen
class Plan:
    """What happens to one request."""

    delay: float = 0.0
    error: bool = False
    drop: bool = False
    lost_reply: bool = False
    duplicate: bool = False


@attrs.define
class _Shot:
    kind: FaultKind
    operation: str | None
    times: int
    seconds: float


class FaultPlanner:
    """Combines the random :class:`Faults` with one-shot injections, thread-safely."""

    def __init__(self, faults: Faults, seed: int | None) -> None:
        self.faults = faults
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not security
        self._shots: list[_Shot] = []
        self._lock = threading.Lock()

    def inject(self, kind: FaultKind, *, operation: str | None, times: int, seconds: float) -> None:
        if kind not in _KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(_KINDS)}")
        with self._lock:
            self._shots.append(_Shot(kind, operation, times, seconds))

    def clear(self) -> None:
        with self._lock:
            self._shots.clear()
            self.faults = Faults()

    def plan(self, operation: str) -> Plan:
        with self._lock:
            found: dict[str, float] = {}
            for shot in self._shots:
                if shot.kind in found or shot.operation not in (None, operation):
                    continue
                found[shot.kind] = shot.seconds
                shot.times -= 1
            self._shots = [s for s in self._shots if s.times > 0]
            f = self.faults
            if not f.operations or operation in f.operations:
                r = self._random.random
                if f.delay:
                    found.setdefault("delay", f.delay)
                for kind, rate in (
                    ("error", f.error_rate),
                    ("drop", f.drop_rate),
                    ("lost_reply", f.lost_reply_rate),
                    ("duplicate", f.duplicate_rate),
                ):
                    if rate and r() < rate:
                        found.setdefault(kind, 0.0)
        return Plan(
            delay=found.get("delay", 0.0),
            error="error" in found,
            drop="drop" in found,
            lost_reply="lost_reply" in found,
            duplicate="duplicate" in found,
        )
