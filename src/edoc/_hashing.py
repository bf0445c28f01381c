"""A hash fed from one thread and computed on another: large chunks hash on a second core."""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["ParallelHash"]

_PARALLEL_MIN = 1 << 16


class ParallelHash:
    """``hashlib.new(name)`` whose large updates run on a worker thread, in order.

    hashlib releases the GIL for large inputs, so hashing overlaps the caller's own work
    (writing, parsing, base64). Call :meth:`close` (or :meth:`digest`) to finish.
    """

    def __init__(self, name: str = "sha256") -> None:
        self._hash = hashlib.new(name)
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None
        self.size = 0
        """Bytes hashed so far."""

    def update(self, data: bytes) -> None:
        self.wait()
        self.size += len(data)
        if len(data) >= _PARALLEL_MIN:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="edoc-hash")
            self._pending = self._pool.submit(self._hash.update, data)
        else:
            self._hash.update(data)

    def wait(self) -> None:
        """Let the update in flight finish."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def close(self) -> None:
        self.wait()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def digest(self) -> bytes:
        self.close()
        return self._hash.digest()

    def hexdigest(self) -> str:
        self.close()
        return self._hash.hexdigest()
