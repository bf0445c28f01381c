"""Payload helpers shared by the transports: hash in one pass, spool streams, fsync folders."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import attrs

from edoc.errors import SourceError
from edoc.transport.base import Payload

__all__ = ["CHUNK", "Spooled", "copy_hashing", "fsync_dir", "hash_file", "spooled"]

CHUNK = 1 << 20


def copy_hashing(src: BinaryIO, dst: BinaryIO | None) -> tuple[str, int]:
    """Copy ``src`` to ``dst`` (or just read it) in chunks; return (sha256 hex, size)."""
    digest = hashlib.sha256()
    size = 0
    while chunk := src.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if dst is not None:
            dst.write(chunk)
    return digest.hexdigest(), size


def hash_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """(sha256 hex, size) of a file, read in chunks."""
    with open(path, "rb") as f:
        return copy_hashing(f, None)


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make renames in ``path`` durable (a no-op where folders cannot be opened, as on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(fd)


@attrs.frozen
class Spooled:
    """A payload as a file on disk, with its hash and size, that can be opened once per attempt."""

    path: Path
    sha256: str
    size: int
    name: str
    """A file name for the peer (the payload's own name, or ``package.edxml``)."""

    def open(self) -> BinaryIO:
        return self.path.open("rb")


@contextlib.contextmanager
def spooled(
    payload: Payload, *, spool_dir: str | os.PathLike[str] | None = None
) -> Iterator[Spooled]:
    """The payload as a hashed file: a path as it is, a stream copied to a temporary file.

    A path that cannot be read raises :class:`edoc.errors.SourceError` (the caller's input).
    The temporary copy of a stream is deleted on exit.
    """
    if isinstance(payload, (str, os.PathLike)):
        path = Path(payload)
        try:
            sha, size = hash_file(path)
        except OSError as exc:
            raise SourceError(f"cannot read the package {path}: {exc.strerror}") from exc
        yield Spooled(path, sha, size, path.name)
        return
    fd, tmp = tempfile.mkstemp(prefix=".edoc-send.", suffix=".part", dir=spool_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            sha, size = copy_hashing(payload, out)
        name = Path(str(getattr(payload, "name", "") or "package.edxml")).name or "package.edxml"
        yield Spooled(Path(tmp), sha, size, name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
