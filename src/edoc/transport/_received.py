"""What a receiving folder already holds: an append-only log that makes receive idempotent.

One JSON line per event in ``<folder>/.edoc-received.jsonl``, fsynced before the event
counts: ``stored`` (the package file is complete and durable), ``done`` / ``fail`` (the
application's outcome, also reported to the peer), ``duplicate`` (a second delivery of
bytes already stored). A torn last line from a crash is ignored. The log is rewritten
(atomically) when most of its lines are superseded.

A folder belongs to one receiver at a time: the log is locked while a transport uses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import IO, Literal

import attrs

from edoc._files import atomic_write, safe_filename
from edoc.errors import InputError
from edoc.transport.errors import StorageError

__all__ = ["LOG_NAME", "Entry", "ReceivedLog", "file_name"]

LOG_NAME = ".edoc-received.jsonl"
State = Literal["stored", "done", "fail", "duplicate"]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock
    fcntl = None  # type: ignore[assignment]


@attrs.frozen(kw_only=True)
class Entry:
    doc_id: str
    sha256: str
    size: int
    kind: str
    file: str
    state: State
    sender: str | None = None
    original: str | None = None
    """For a duplicate: the doc id whose file holds the same bytes."""


def file_name(doc_id: str) -> str:
    """The inbox file name for a package id: safe, and unique when sanitising changed it."""
    name = safe_filename(doc_id, fallback="package")
    if name != doc_id:
        name += "-" + hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8]
    return name + ".edxml"


class FolderInUseError(Exception):
    """Another process receives into the same folder."""


class ReceivedLog:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOG_NAME
        self._entries: dict[str, Entry] = {}
        self._by_sha: dict[str, str] = {}
        self._lines = 0
        self._load()
        self._file: IO[bytes] = self.path.open("ab")
        if fcntl is not None:
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._file.close()
                raise FolderInUseError(f"another receiver is using {folder}") from None
        if self._lines > 1000 and self._lines > 2 * len(self._entries):
            self._compact()

    def _load(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        for line in data.splitlines():
            try:
                entry = Entry(**json.loads(line))
            except (ValueError, TypeError):
                continue  # a line torn by a crash
            self._lines += 1
            self._remember(entry)

    def _remember(self, entry: Entry) -> None:
        self._entries[entry.doc_id] = entry
        if entry.state in ("stored", "done"):
            self._by_sha[entry.sha256] = entry.doc_id
        elif entry.state == "fail" and self._by_sha.get(entry.sha256) == entry.doc_id:
            del self._by_sha[entry.sha256]

    def _compact(self) -> None:
        with atomic_write(self.path) as out:
            for entry in self._entries.values():
                out.write(json.dumps(attrs.asdict(entry)).encode("utf-8") + b"\n")
        self._file.close()
        self._file = self.path.open("ab")
        if fcntl is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._lines = len(self._entries)

    def get(self, doc_id: str) -> Entry | None:
        return self._entries.get(doc_id)

    def holder_of(self, sha256: str) -> Entry | None:
        """The entry whose stored file has these bytes (stored or done), if any."""
        doc_id = self._by_sha.get(sha256)
        return self._entries.get(doc_id) if doc_id is not None else None

    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def record(self, entry: Entry, *, durable: bool = True) -> None:
        """Append ``entry``; with ``durable`` (the default) make it durable before returning.

        Later durable records make earlier ones durable too (one file, written in order).
        """
        line = json.dumps(attrs.asdict(entry), ensure_ascii=False).encode("utf-8") + b"\n"
        self._file.write(line)
        self._file.flush()
        if durable:
            os.fsync(self._file.fileno())
        self._lines += 1
        self._remember(entry)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()


def open_inbox_log(inbox: Path | None, *, transport: str, owner: str) -> ReceivedLog:
    """The log of ``inbox`` (created if missing), with typed errors for the transports."""
    if inbox is None:
        raise InputError(f"{owner} needs inbox= (a folder) to receive")
    try:
        inbox.mkdir(parents=True, exist_ok=True)
        return ReceivedLog(inbox)
    except FolderInUseError as exc:
        raise StorageError(str(exc), transport=transport) from None
    except OSError as exc:
        raise StorageError(
            f"cannot use the inbox {inbox}: {exc.strerror}", transport=transport
        ) from exc
