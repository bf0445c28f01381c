"""The local hub's replay cache: a signed request that changes state takes effect once.

The signature covers the headers only (``hash-file`` among them, so not the body's bytes
beyond their hash). Captured headers sent again are the same HMAC: the first answer is
kept for as long as their timestamp is acceptable and handed back to a repeat, which does
nothing. A repeat while the first is still running waits for its answer.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["ReplayCache", "ReplayFull"]


class ReplayFull(Exception):
    """More live entries than the cache holds: the request is refused (HTTP 503)."""


class _Slot:
    __slots__ = ("answer", "done", "expires")

    def __init__(self, expires: dt.datetime) -> None:
        self.expires = expires
        self.done = threading.Event()
        self.answer: dict[str, Any] | None = None


class ReplayCache:
    """First answers by (system id, HMAC), kept until ``timestamp + window``."""

    def __init__(self, window: dt.timedelta | None, *, max_entries: int = 100_000) -> None:
        self.window = window if window is not None else dt.timedelta(days=1)
        self.max_entries = max_entries
        self._slots: dict[tuple[str, str], _Slot] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._slots)

    def run(
        self,
        key: tuple[str, str],
        moment: dt.datetime,
        now: dt.datetime,
        work: Callable[[], dict[str, Any]],
    ) -> tuple[dict[str, Any], bool]:
        """``work()``'s answer and ``False`` the first time; the kept answer and ``True``
        for a replay. A ``work`` that raises keeps nothing (the request may come again)."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                if len(self._slots) >= self.max_entries or len(self._slots) % 1024 == 1023:
                    self._prune(now)
                if len(self._slots) >= self.max_entries:
                    raise ReplayFull("the replay cache is full")
                slot = self._slots[key] = _Slot(max(moment, now) + self.window)
                mine = True
            else:
                mine = False
        if not mine:
            slot.done.wait()
            if slot.answer is not None:
                return slot.answer, True
            return self.run(key, moment, now, work)  # the first one failed: try it here
        try:
            slot.answer = work()
        except BaseException:
            with self._lock:
                self._slots.pop(key, None)
            raise
        finally:
            slot.done.set()
        return slot.answer, False

    def _prune(self, now: dt.datetime) -> None:
        for key in [k for k, s in self._slots.items() if s.done.is_set() and s.expires < now]:
            del self._slots[key]
