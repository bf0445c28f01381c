"""Retry policy: exponential backoff with jitter, for transient failures only."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import attrs

from edoc.errors import TransportError

__all__ = ["Backoff", "retrying"]

T = TypeVar("T")
log = logging.getLogger("edoc.transport")


@attrs.frozen(kw_only=True)
class Backoff:
    """Delays of ``base * 2**attempt`` seconds, capped at ``cap``, half of it random (jitter)."""

    retries: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    """Attempts after the first one."""
    base: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    cap: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        full = min(self.cap, self.base * (2.0**attempt))
        # Jitter spreads the retries of many clients; not a secret, so `random` is right.
        return full / 2 + random.uniform(0, full / 2)  # noqa: S311


def is_transient(exc: BaseException) -> bool:
    return bool(getattr(exc, "transient", False))


def retrying(
    policy: Backoff,
    what: str,
    attempt: Callable[[], T],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``attempt`` until it succeeds, retrying transient :class:`TransportError`\\ s.

    Anything else (a 4xx answer, an authentication failure, a local error) is raised at
    once; after ``policy.retries`` retries the last transient error is raised.
    """
    for number in range(policy.retries + 1):
        try:
            return attempt()
        except TransportError as exc:
            if not is_transient(exc) or number == policy.retries:
                raise
            pause = policy.delay(number)
            log.info(
                "%s failed (%s); retry %d of %d in %.2f s",
                what,
                type(exc).__name__,
                number + 1,
                policy.retries,
                pause,
            )
            sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover
