"""A folder drop: ``outbox`` → ``inbox`` → ``processed`` / ``failed``, by atomic renames.

Layout under ``root`` (each folder can be placed elsewhere)::

    outbox/     send() writes <id>.edxml here (a hidden temporary file, fsync, rename)
    inbox/      receive() claims *.edxml from here
    processed/  acknowledge(DONE) moves the file here, beside a <name>.done marker
    failed/     acknowledge(FAIL) moves the file here, beside a <name>.failed marker

Several processes may share the folders. A receiver claims a file by renaming it to a
hidden per-process name (``.<name>~<host>~<pid>~<token>.claimed``): a rename succeeds for
exactly one process, so each file is handed to exactly one receiver. Claims of a process
that died on this host are put back on the next :meth:`DirectoryTransport.receive`, and
:meth:`~DirectoryTransport.close` puts back the claims that were never acknowledged.

Writers that are not edoc must follow the same rule: write under a hidden name (leading
``.``) or with a ``.part`` suffix, then rename to ``*.edxml``. For writers that cannot,
``min_age`` leaves files alone until they have not changed for that many seconds.

Only regular files are received. A symbolic link, a named pipe, a device or a folder
under a ``*.edxml`` name is skipped with a warning and left where it is: a link is never
followed (it could name another account's file) and nothing blocks on a pipe. The check
is made on the opened file (``O_NOFOLLOW | O_NONBLOCK``, then ``fstat``), not on the name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import logging
import os
import secrets
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, ClassVar

import attrs

from edoc._files import atomic_write, process_alive
from edoc.transport._payload import copy_hashing, fsync_dir, spooled
from edoc.transport.base import Incoming, Kind, Outcome, Outgoing, Payload, Receipt, Transport
from edoc.transport.errors import StorageError, UnknownMessageError

__all__ = ["DirectoryTransport"]

log = logging.getLogger("edoc.transport.directory")

_SUFFIX = ".edxml"
_STATUS_SUFFIX = ".status.edxml"
_CLAIMED = ".claimed"


def _host() -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in socket.gethostname()) or "host"


_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
)  # fmt: skip


class _NotRegular(Exception):
    """The name does not lead to a regular file (a link, a pipe, a device, a folder)."""


def _open_regular(path: Path) -> BinaryIO:
    """The regular file at ``path``, opened without following a link and without
    blocking; :class:`_NotRegular` for anything else."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO, errno.EMLINK):
            raise _NotRegular(exc.strerror or "not a regular file") from None
        raise
    f = os.fdopen(fd, "rb")
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        f.close()
        raise _NotRegular(f"a {_kind_of(mode)}, not a regular file")
    return f


def _hash_regular(path: Path) -> tuple[str, int]:
    """SHA-256 and size of the regular file at ``path`` (:func:`_open_regular`)."""
    with _open_regular(path) as f:
        return copy_hashing(f, None)


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "named pipe"),
                       (stat.S_ISLNK, "symbolic link"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "device"), (stat.S_ISBLK, "device")):  # fmt: skip
        if test(mode):
            return name
    return "special file"  # pragma: no cover


@attrs.frozen
class _Claim:
    original: Path
    claimed: Path
    sha256: str
    size: int


class DirectoryTransport(Transport):
    """Send by dropping files into ``outbox``; receive by claiming files from ``inbox``.

    To connect two agencies through a shared disk, point one's ``outbox`` at the other's
    ``inbox``. ``to`` and ``sender`` of an :class:`~edoc.transport.Outgoing` are not used:
    the folder is the address. With ``into``, each received package is first copied into
    that folder (as the hub and AMQP transports store theirs), and :attr:`Incoming.path`
    names the copy, which stays where it is after the acknowledgement.
    """

    name: ClassVar[str] = "directory"

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        inbox: str | os.PathLike[str] | None = None,
        outbox: str | os.PathLike[str] | None = None,
        processed: str | os.PathLike[str] | None = None,
        failed: str | os.PathLike[str] | None = None,
        min_age: float = 0.0,
        stale_claim_after: float | None = None,
        create: bool = True,
        into: str | os.PathLike[str] | None = None,
    ) -> None:
        self.root = Path(root)
        self.into = Path(into) if into is not None else None
        self.inbox = Path(inbox) if inbox is not None else self.root / "inbox"
        self.outbox = Path(outbox) if outbox is not None else self.root / "outbox"
        self.processed = Path(processed) if processed is not None else self.root / "processed"
        self.failed = Path(failed) if failed is not None else self.root / "failed"
        self.min_age = min_age
        self.stale_claim_after = stale_claim_after
        self._host = _host()
        self._pid = os.getpid()
        self._token = secrets.token_hex(4)
        self._claims: dict[str, _Claim] = {}
        if create:
            with self._storage("create the folders"):
                for folder in (self.inbox, self.outbox, self.processed, self.failed):
                    folder.mkdir(parents=True, exist_ok=True)
                if self.into is not None:
                    self.into.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"DirectoryTransport({str(self.root)!r})"

    @contextlib.contextmanager
    def _storage(self, what: str, message_id: str | None = None) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            if isinstance(exc, StorageError):
                raise
            raise StorageError(
                f"cannot {what}: {exc.strerror or exc}", transport=self.name, message_id=message_id
            ) from exc

    # -- send ---------------------------------------------------------------------------

    def send(self, payload: Payload | Outgoing) -> Receipt:
        self._check_open()
        out = Outgoing.of(payload)
        doc_id = f"{time.time_ns():020d}-{secrets.token_hex(6)}"
        name = doc_id + (_STATUS_SUFFIX if out.kind == "status" else _SUFFIX)
        with spooled(out.payload) as source, self._storage(f"write {name} into the outbox", doc_id):
            with source.open() as src, atomic_write(self.outbox / name, overwrite=False) as dst:
                sha, size = copy_hashing(src, dst)
            fsync_dir(self.outbox)
        return Receipt(doc_id=doc_id, sha256=sha, transport=self.name, size=size)

    # -- receive ------------------------------------------------------------------------

    def _claim_name(self, original: str) -> str:
        return f".{original}~{self._host}~{self._pid}~{self._token}{_CLAIMED}"

    def release_stale_claims(self) -> int:
        """Put back claims of dead processes on this host (and, with ``stale_claim_after``,
        claims older than that from anywhere). Returns how many were put back."""
        released = 0
        now = time.time()
        with self._storage("list the inbox"):
            names = [n for n in os.listdir(self.inbox) if n.endswith(_CLAIMED) and n[0] == "."]
        for name in names:
            parts = name[1 : -len(_CLAIMED)].rsplit("~", 3)
            if len(parts) != 4:
                continue
            original, host, pid_text, token = parts
            path = self.inbox / name
            stale = False
            if host == self._host and pid_text.isdigit():
                pid = int(pid_text)
                stale = pid != self._pid and process_alive(pid) is False
            if not stale and self.stale_claim_after is not None and token != self._token:
                with contextlib.suppress(FileNotFoundError):
                    stale = now - path.stat().st_mtime > self.stale_claim_after
            if stale and not (self.inbox / original).exists():
                with contextlib.suppress(FileNotFoundError):
                    os.rename(path, self.inbox / original)
                    released += 1
        if released:
            fsync_dir(self.inbox)
        return released

    def receive(self, *, max_messages: int | None = None) -> Iterator[Incoming]:
        self._check_open()
        self.release_stale_claims()
        with self._storage("list the inbox"):
            names = sorted(
                n for n in os.listdir(self.inbox) if n.endswith(_SUFFIX) and not n.startswith(".")
            )
        count = 0
        for name in names:
            if max_messages is not None and count >= max_messages:
                return
            original = self.inbox / name
            try:
                info = original.lstat()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise StorageError(
                    f"cannot read {name}: {exc.strerror}", transport=self.name
                ) from exc
            if not stat.S_ISREG(info.st_mode):
                log.warning("%s in the inbox is a %s, not a regular file: skipped", name,
                            _kind_of(info.st_mode))  # fmt: skip
                continue
            if self.min_age and time.time() - info.st_mtime < self.min_age:
                continue
            claimed = self.inbox / self._claim_name(name)
            try:
                os.rename(original, claimed)  # atomic: exactly one process wins
            except FileNotFoundError:
                continue  # another receiver claimed it first
            except OSError as exc:
                raise StorageError(
                    f"cannot claim {name}: {exc.strerror}", transport=self.name
                ) from exc
            kind: Kind = "status" if name.endswith(_STATUS_SUFFIX) else "edoc"
            message_id = name[: -len(_STATUS_SUFFIX if kind == "status" else _SUFFIX)]
            try:
                with self._storage(f"read {name}", message_id):
                    if self.into is None:
                        stored = claimed
                        sha, size = _hash_regular(claimed)
                    else:
                        stored, sha, size = self._copy_into(claimed, name, message_id)
            except _NotRegular as exc:  # swapped in after the check above: put it back
                log.warning("%s in the inbox is %s: skipped", name, exc)
                with contextlib.suppress(OSError):
                    os.rename(claimed, original)
                continue
            self._claims[message_id] = _Claim(original, claimed, sha, size)
            count += 1
            yield Incoming(
                message_id=message_id,
                kind=kind,
                path=stored,
                sha256=sha,
                size=size,
                transport=self,
            )

    def _copy_into(self, claimed: Path, name: str, message_id: str) -> tuple[Path, str, int]:
        """Copy a claimed file into :attr:`into` under its name (another if that is taken)."""
        assert self.into is not None
        target = self.into / name
        if target.exists():
            target = self.into / f"{message_id}.{secrets.token_hex(4)}{_SUFFIX}"
        with _open_regular(claimed) as src, atomic_write(target, overwrite=False) as dst:
            sha, size = copy_hashing(src, dst)
        fsync_dir(self.into)
        return target, sha, size

    # -- acknowledge --------------------------------------------------------------------

    def acknowledge(self, message_id: str, outcome: Outcome) -> None:
        self._check_open()
        outcome = Outcome(outcome)
        claim = self._claims.get(message_id)
        if claim is None:
            raise UnknownMessageError(
                f"message {message_id} was not received here or is already settled",
                transport=self.name,
                message_id=message_id,
            )
        folder, marker = (
            (self.processed, ".done") if outcome is Outcome.DONE else (self.failed, ".failed")
        )
        with self._storage(f"move {claim.original.name} to {folder}", message_id):
            target = folder / claim.original.name
            if target.exists():  # the same name settled before: keep both
                target = folder / f"{message_id}.{secrets.token_hex(4)}{_SUFFIX}"
            os.rename(claim.claimed, target)
            record = {
                "message_id": message_id,
                "outcome": outcome.value,
                "sha256": claim.sha256,
                "size": claim.size,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            with atomic_write(target.with_name(target.name + marker)) as f:
                f.write(json.dumps(record).encode("utf-8"))
            fsync_dir(folder)
            fsync_dir(self.inbox)
        del self._claims[message_id]

    def close(self) -> None:
        """Put back the claims that were never acknowledged, then close."""
        if not self._closed:
            for claim in list(self._claims.values()):
                with contextlib.suppress(OSError):
                    if not claim.original.exists():
                        os.rename(claim.claimed, claim.original)
            self._claims.clear()
            with contextlib.suppress(OSError):
                fsync_dir(self.inbox)
        super().close()
