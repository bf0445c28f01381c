"""File-system helpers: atomic writes and safe names for untrusted attachment names."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from edoc.errors import InputError, OutputExistsError, shorten

__all__ = ["atomic_write", "file_mode", "safe_filename"]

_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}  # fmt: skip
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_MAX_NAME_BYTES = 200


def file_mode(*, private: bool = False) -> int:
    """The mode of a new file: 0600 when ``private``, else 0666 less the process umask."""
    if private:
        return 0o600
    mask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_write(
    target: str | os.PathLike[str],
    *,
    overwrite: bool = True,
    durable: bool = True,
    private: bool = False,
) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``target``; rename it into place only on success.

    On any exception the temporary file is removed and ``target`` is left as it was.
    With ``overwrite=False`` an existing ``target`` raises :class:`OutputExistsError` first.
    With ``durable`` (the default) the data is flushed to the disk (fsync) before the
    rename, so a crash never leaves a renamed but empty file. The file gets the mode a
    new file gets under the umask (as ``open()`` gives), or 0600 when ``private``.
    """
    path = Path(target)
    if not overwrite and path.exists():
        raise OutputExistsError(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(fd, file_mode(private=private))
        with os.fdopen(fd, "w+b") as out:  # readable too: a signer re-reads to hash the file
            yield out
            out.flush()
            if durable:
                os.fsync(out.fileno())
        if not overwrite:
            # link() fails if the target appeared meanwhile: never clobber without consent.
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise OutputExistsError(path) from None
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def safe_filename(name: str, *, fallback: str = "attachment") -> str:
    """Turn an untrusted attachment name into one plain file name.

    Directory parts (``../``, ``C:\\``, absolute paths) are dropped, control and reserved
    characters replaced, Windows device names prefixed, and the length capped; an empty
    result becomes ``fallback``.
    """
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    stem = name.split(".", 1)[0].upper()
    if stem in _WINDOWS_RESERVED:
        name = "_" + name
    while len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        base, dot, ext = name.rpartition(".")
        name = base[:-1] + "." + ext if dot and len(ext) < 16 and base else name[:-1]
    if not name:
        if not fallback:
            raise InputError(f"no usable file name in {shorten(name)!r}")
        return fallback
    return name
