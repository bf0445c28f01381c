"""A receiving folder shared by competing workers: each package stored once, handed out once.

Several processes (on one machine, or on several with the folder on shared storage)
receive the same queue into one folder. No lock is held and no log is shared: each step
is one file-system operation that succeeds for exactly one worker (``link()`` fails when
the name exists), keyed on the package key (sender, DocumentId, SHA-256):

* the package ``<folder>/<name>``: a temporary file, fsynced, ``link()``-ed to its name
  and the folder fsynced. A second worker with the same key finds the file there (same
  key, same bytes) and checks it instead of writing it again;
* the hand-out claim ``.edoc-shared/<h>.claim.<n>``: the worker that creates epoch ``n``
  hands the package out. A claim whose worker is gone (on this host: its process no
  longer exists; on another host: not refreshed for ``stale_after`` seconds) or that was
  released (the transport closed without an outcome) is taken over by creating ``n + 1``;
* the outcome ``.edoc-shared/<h>.settled`` (JSON, fsynced before the broker is told):
  created once; from then on every delivery of the key is settled as it says, never
  handed out again.

A claim is not fsynced: after a power failure a package may be handed out again, never lost.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import socket
import tempfile
import time
from pathlib import Path
from typing import Literal

import attrs

from edoc._files import process_alive
from edoc.transport._payload import fsync_dir, hash_file
from edoc.transport._received import Entry

__all__ = ["STATE_DIR", "ClaimState", "SharedInbox"]

STATE_DIR = ".edoc-shared"
ClaimState = Literal["mine", "held", "settled"]
_RELEASED = {"released": True}


def _host() -> str:
    return socket.gethostname() or "host"


def _create(path: Path, data: bytes, *, durable: bool) -> bool:
    """Create ``path`` holding ``data`` complete, or return ``False`` if it exists (atomic)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        if durable:
            fsync_dir(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


class SharedInbox:
    """The shared state of one receiving folder (see the module's description)."""

    def __init__(self, folder: Path, *, stale_after: float | None = None) -> None:
        self.folder = folder
        self.state = folder / STATE_DIR
        self.state.mkdir(parents=True, exist_ok=True)
        self.stale_after = stale_after
        self.host = _host()
        self.pid = os.getpid()
        self.token = secrets.token_hex(8)
        self._mine: dict[str, int] = {}  # key -> the epoch of my claim
        self._refreshed = time.monotonic()

    def _stem(self, key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]

    def _claim_path(self, key: str, epoch: int) -> Path:
        return self.state / f"{self._stem(key)}.claim.{epoch}"

    # -- outcome -----------------------------------------------------------------------

    def settled(self, key: str) -> Entry | None:
        """The recorded outcome of ``key`` (an entry in state done or fail), if any."""
        try:
            data = (self.state / f"{self._stem(key)}.settled").read_bytes()
            return Entry(**json.loads(data))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError):  # pragma: no cover - written whole by link()
            return None

    def settle(self, entry: Entry) -> bool:
        """Record the outcome once (durable); ``False`` if another worker recorded one first."""
        line = json.dumps(attrs.asdict(entry), ensure_ascii=False).encode("utf-8")
        won = _create(self.state / f"{self._stem(entry.doc_id)}.settled", line, durable=True)
        epoch = self._mine.pop(entry.doc_id, None)
        if epoch is not None:  # the claims are no longer needed: the outcome decides
            for n in range(epoch + 1):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._claim_path(entry.doc_id, n))
        return won

    # -- hand-out claims ---------------------------------------------------------------

    def _holder_gone(self, path: Path) -> bool:
        try:
            owner = json.loads(path.read_bytes())
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return True  # removed by a worker that settled it: the outcome is checked next
        except ValueError:  # pragma: no cover - written whole by link()
            return False
        if owner == _RELEASED:
            return True
        if owner.get("host") == self.host and isinstance(owner.get("pid"), int):
            if owner.get("token") == self.token:
                return False
            return process_alive(owner["pid"]) is False  # unknown: stale_claim_after decides
        return self.stale_after is not None and age > self.stale_after

    def claim(self, key: str) -> ClaimState:
        """Take the right to hand ``key`` out: ``mine``; ``held`` by a live worker; ``settled``."""
        if key in self._mine:
            return "mine"
        me = json.dumps({"host": self.host, "pid": self.pid, "token": self.token}).encode()
        epoch = 0
        while True:
            if self.settled(key) is not None:
                return "settled"
            path = self._claim_path(key, epoch)
            if _create(path, me, durable=False):
                break
            if not self._holder_gone(path):
                if self._claim_path(key, epoch + 1).exists():
                    epoch += 1  # an older claim; a newer one decides
                    continue
                return "held"
            epoch += 1
        if self.settled(key) is not None:  # settled while I was creating the claim
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            return "settled"
        self._mine[key] = epoch
        return "mine"

    def release(self, key: str) -> None:
        """Give up my claim without an outcome: the next delivery is handed out anew."""
        epoch = self._mine.pop(key, None)
        if epoch is None:
            return
        path = self._claim_path(key, epoch)
        fd, tmp = tempfile.mkstemp(dir=self.state, prefix=".tmp-", suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(json.dumps(_RELEASED).encode())
        os.replace(tmp, path)

    def refresh(self) -> None:
        """Touch my claims (for workers on other hosts, which judge them by age)."""
        if self.stale_after is None or time.monotonic() - self._refreshed < self.stale_after / 4:
            return
        self._refreshed = time.monotonic()
        for key, epoch in list(self._mine.items()):
            with contextlib.suppress(FileNotFoundError):
                os.utime(self._claim_path(key, epoch))

    @property
    def held(self) -> list[str]:
        """The keys this worker holds claims on."""
        return list(self._mine)

    # -- the package files -------------------------------------------------------------

    def store(self, name: str, source: bytes | Path, sha256: str, size: int) -> bool:
        """Put the package under ``name``, once: ``False`` if an intact copy was there.

        ``source`` is the body, or a complete, fsynced file in this folder (left in place).
        """
        target = self.folder / name
        made: str | None = None
        if isinstance(source, bytes):
            fd, made = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(source)
                out.flush()
                os.fsync(out.fileno())
            staged = Path(made)
        else:
            staged = source
        try:
            try:
                os.link(staged, target)
            except FileExistsError:
                if _intact(target, sha256, size):
                    return False
                os.replace(_copy_of(staged), target)  # damaged: only the claim holder writes
            fsync_dir(self.folder)
            return True
        finally:
            if made is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(made)


def _intact(path: Path, sha256: str, size: int) -> bool:
    with contextlib.suppress(OSError):
        return path.stat().st_size == size and hash_file(path)[0] == sha256
    return False


def _copy_of(staged: Path) -> str:
    """A fresh hard link of ``staged`` under a temporary name (to rename over a damaged file)."""
    tmp = staged.with_name(f".{staged.name}.{secrets.token_hex(4)}.part")
    os.link(staged, tmp)
    return str(tmp)
