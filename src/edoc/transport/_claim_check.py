"""Claim check: a package too large for one AMQP message travels by reference.

The sender copies the package (in chunks, hashing as it goes) into a store both sides
mount, as ``<sha256>.edxml``, and publishes a small JSON message naming it::

    {"edoc-claim-check": 1, "sha256": "<hex>", "size": <bytes>, "name": "<hex>.edxml"}

The receiver never follows a path from the message: the name must be exactly the SHA-256
plus ``.edxml``, inside its own store, a regular file reached without a link. It copies
the file into the inbox in chunks, checks size and SHA-256, and only then treats it as the
package. Memory stays flat whatever the package's size.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

import attrs

from edoc.transport._payload import CHUNK, copy_hashing, fsync_dir

__all__ = ["CONTENT_TYPE", "HEADER", "BadReference", "Reference", "fetch", "put"]

CONTENT_TYPE = "application/vnd.edoc.claim-check+json"
HEADER = "edoc-claim-check"
MAX_MESSAGE = 4096
_NAME = re.compile(r"[0-9a-f]{64}\.edxml")
_OPEN = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class BadReference(Exception):
    """The message is not a usable reference, or the stored package does not match it."""


@attrs.frozen
class Reference:
    sha256: str
    size: int

    @property
    def name(self) -> str:
        return f"{self.sha256}.edxml"

    def message(self) -> bytes:
        data = {HEADER: 1, "sha256": self.sha256, "size": self.size, "name": self.name}
        return json.dumps(data).encode("ascii")

    @classmethod
    def parse(cls, body: bytes) -> Reference:
        """The reference in a message body; :class:`BadReference` for anything else."""
        if len(body) > MAX_MESSAGE:
            raise BadReference(f"a claim-check message of {len(body)} bytes (> {MAX_MESSAGE})")
        try:
            data = json.loads(body)
            sha, size, name = data["sha256"], data["size"], data["name"]
        except (ValueError, TypeError, KeyError):
            raise BadReference("not a claim-check message") from None
        ok = isinstance(sha, str) and isinstance(size, int) and not isinstance(size, bool)
        if not ok or size < 0 or not isinstance(name, str) or not _NAME.fullmatch(name):
            raise BadReference("a claim-check message with a bad sha256, size or name")
        ref = cls(sha, size)
        if name != ref.name:
            raise BadReference("a claim-check name that is not its sha256")
        return ref


def put(store: Path, source: BinaryIO, prefix: bytes = b"") -> Reference:
    """Copy ``prefix`` then ``source`` into ``store`` as ``<sha256>.edxml`` (once, durably)."""
    store.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=store, prefix=".put-", suffix=".part")
    try:
        with os.fdopen(fd, "w+b") as out:
            sha, size = _copy(prefix, source, out)
            out.flush()
            os.fsync(out.fileno())
        ref = Reference(sha, size)
        with contextlib.suppress(FileExistsError):  # the same bytes are there already
            os.link(tmp, store / ref.name)
        fsync_dir(store)
        return ref
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _copy(prefix: bytes, source: BinaryIO, out: BinaryIO) -> tuple[str, int]:
    """Write ``prefix`` then ``source`` (in chunks) to ``out``: (sha256 hex, size)."""
    digest = hashlib.sha256(prefix)
    out.write(prefix)
    size = len(prefix)
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def fetch(store: Path, ref: Reference, into: Path) -> Path:
    """Copy the referenced package into a temporary file in ``into`` (fsynced), checked
    against the reference; :class:`BadReference` if it is missing or differs."""
    try:
        fd = os.open(store / ref.name, _OPEN)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise BadReference(f"{ref.name} is not in the claim-check store") from None
        raise
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BadReference(f"{ref.name} in the claim-check store is not a regular file")
        out_fd, tmp = tempfile.mkstemp(dir=into, prefix=".fetch-", suffix=".part")
        try:
            with os.fdopen(out_fd, "wb") as out:
                sha, size = copy_hashing(src, out)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            os.unlink(tmp)
            raise
    if (sha, size) != (ref.sha256, ref.size):
        os.unlink(tmp)
        raise BadReference(f"{ref.name} in the claim-check store does not match its reference")
    return Path(tmp)
