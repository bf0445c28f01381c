"""The local hub's data folder: packages and their deliveries, kept across restarts.

::

    <data>/blobs/<sha256>.edxml      each package's bytes, once
    <data>/sent/<DocId>.json         what a system sent: sender, recipients, deliveries
    <data>/deliveries/<DocId>.json   one copy for one recipient system, with its status
    <data>/agencies.json             agencies registered by registerAgency
    <data>/tmp/                      uploads being received (cleared at start)

Every file is written to a temporary name, fsynced and renamed. A package is answered OK
only after its blob and every record are on disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import attrs

from edoc._files import atomic_write
from edoc.formats import VN_TZ
from edoc.transport._payload import fsync_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock
    fcntl = None  # type: ignore[assignment]

__all__ = ["Delivery", "HubStore", "Sent", "now_text"]

PENDING = ("initial", "processing")


def now_text() -> str:
    """The hub's time format, ``yyyy/MM/dd HH:mm:ss`` in Vietnam time."""
    return dt.datetime.now(VN_TZ).strftime("%Y/%m/%d %H:%M:%S")


@attrs.define(kw_only=True)
class Delivery:
    """One copy of a package for one recipient system."""

    doc_id: str
    sender_doc_id: str
    system_id: str
    to_organ: str
    from_organ: str
    from_system: str
    message_type: str
    sha256: str
    size: int
    created: str
    updated: str
    status: str = "initial"


@attrs.define(kw_only=True)
class Sent:
    """A package as its sender sent it."""

    doc_id: str
    from_system: str
    from_organ: str
    to: list[str]
    message_type: str
    sha256: str
    size: int
    created: str
    deliveries: list[str]


class HubStore:
    """The records in memory, backed by the data folder; every change is durable first."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.blobs = data / "blobs"
        self.tmp = data / "tmp"
        self._sent_dir = data / "sent"
        self._deliveries_dir = data / "deliveries"
        self.lock = threading.RLock()
        self.sent: dict[str, Sent] = {}
        self.deliveries: dict[str, Delivery] = {}
        self.registered: dict[str, dict[str, str]] = {}
        """OrganId -> the registerAgency record, with the ``systemId`` that registered it."""
        self._lock_file: IO[bytes] | None = None

    def open(self) -> None:
        """Take the folder (one hub per data folder), clear interrupted uploads, load records."""
        if self._lock_file is not None:
            return
        for folder in (self.blobs, self.tmp, self._sent_dir, self._deliveries_dir):
            folder.mkdir(parents=True, exist_ok=True)
        lock_file = (self.data / ".lock").open("ab")
        if fcntl is not None:
            try:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lock_file.close()
                raise OSError(f"another hub is using the data folder {self.data}") from None
        self._lock_file = lock_file
        for leftover in self.tmp.iterdir():  # uploads a crash interrupted
            with contextlib.suppress(OSError):
                if leftover.is_dir():
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()
        sent: dict[str, Sent] = {}
        for path in sorted(self._sent_dir.glob("*.json")):
            with contextlib.suppress(ValueError, TypeError):
                record = Sent(**json.loads(path.read_bytes()))
                sent[record.doc_id] = record
        loaded = []
        for path in self._deliveries_dir.glob("*.json"):
            with contextlib.suppress(ValueError, TypeError):
                loaded.append(Delivery(**json.loads(path.read_bytes())))
        registered: dict[str, dict[str, str]] = {}
        with contextlib.suppress(OSError, ValueError):
            loaded_agencies = json.loads((self.data / "agencies.json").read_bytes())
            if isinstance(loaded_agencies, dict):
                registered = loaded_agencies
        with self.lock:
            self.registered = registered
            self.sent = sent
            self.deliveries = {
                d.doc_id: d for d in sorted(loaded, key=lambda d: (d.created, d.doc_id))
            }

    def close(self) -> None:
        """Release the folder for another hub (a restart)."""
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    def blob(self, sha256: str) -> Path:
        return self.blobs / f"{sha256}.edxml"

    def keep_blob(self, tmp: Path, sha256: str) -> Path:
        """Move an uploaded file into the blobs (or drop it when the same bytes are there)."""
        target = self.blob(sha256)
        if target.exists():
            tmp.unlink()
        else:
            os.replace(tmp, target)
            fsync_dir(self.blobs)
        return target

    def _write(self, folder: Path, doc_id: str, record: Delivery | Sent) -> None:
        with atomic_write(folder / f"{doc_id}.json") as out:
            out.write(json.dumps(attrs.asdict(record), ensure_ascii=False).encode("utf-8"))

    def add(self, sent: Sent, deliveries: Iterable[Delivery]) -> None:
        """Record a sent package and its deliveries, durably, then make them visible."""
        items = list(deliveries)
        for delivery in items:
            self._write(self._deliveries_dir, delivery.doc_id, delivery)
        self._write(self._sent_dir, sent.doc_id, sent)
        fsync_dir(self._deliveries_dir)
        fsync_dir(self._sent_dir)
        with self.lock:
            for delivery in items:
                self.deliveries[delivery.doc_id] = delivery
            self.sent[sent.doc_id] = sent

    def set_status(self, delivery: Delivery, status: str) -> None:
        with self.lock:
            changed = attrs.evolve(delivery, status=status, updated=now_text())
            self._write(self._deliveries_dir, delivery.doc_id, changed)
            self.deliveries[delivery.doc_id] = changed

    def set_registered(self, code: str, record: dict[str, str] | None) -> None:
        """Add (or, with ``None``, remove) a registered agency, durably."""
        with self.lock:
            changed = dict(self.registered)
            if record is None:
                changed.pop(code, None)
            else:
                changed[code] = record
            with atomic_write(self.data / "agencies.json") as out:
                out.write(json.dumps(changed, ensure_ascii=False).encode("utf-8"))
            self.registered = changed

    def waiting(self, system_id: str, message_type: str) -> list[Delivery]:
        with self.lock:
            return [
                d
                for d in self.deliveries.values()
                if d.system_id == system_id
                and d.message_type == message_type
                and d.status in PENDING
            ]
