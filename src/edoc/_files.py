"""File-system helpers: atomic writes, safe names for untrusted attachment names, and the
reader's temporary (spool) files, whose leftovers from a killed run are cleaned up."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from edoc.errors import InputError, OutputExistsError, shorten

__all__ = [
    "SPOOL_STALE_AFTER",
    "atomic_write",
    "clean_stale_spool",
    "file_mode",
    "process_alive",
    "safe_filename",
    "spool_file",
]

# Windows device names, whatever the extension: COM0/LPT0 and the superscript digits
# ¹ ² ³ count as digits there, and CONIN$/CONOUT$ are the console.
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
    *(f"{dev}{i}" for dev in ("COM", "LPT") for i in [*"0123456789", "\u00b9", "\u00b2", "\u00b3"]),
}  # fmt: skip
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Characters that change how a name reads without being seen: controls (C0, C1), format
# characters (bidi overrides and isolates, zero-width space/joiners, BOM, soft hyphen),
# line and paragraph separators, surrogates, private-use and unassigned code points.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_MAX_NAME_BYTES = 200
_SPOOL_NAME = re.compile(r"edoc-(\d+)-[A-Za-z0-9_]+\.bin")
SPOOL_STALE_AFTER = 3600.0
"""Seconds since its last change after which a dead process's spool file is removed."""
_cleaned: set[str] = set()
_cleaned_lock = threading.Lock()


def spool_file(directory: str | None) -> tuple[int, str]:
    """A new spool file ``edoc-<pid>-<random>.bin`` in ``directory`` (the system's temporary
    folder by default), as (fd, path). The first call of a process for a folder first
    removes what killed runs left there (:func:`clean_stale_spool`)."""
    folder = directory if directory is not None else tempfile.gettempdir()
    with _cleaned_lock:
        first = folder not in _cleaned
        _cleaned.add(folder)
    if first:
        clean_stale_spool(folder)
    return tempfile.mkstemp(dir=folder, prefix=f"edoc-{os.getpid()}-", suffix=".bin")


def process_alive(pid: int) -> bool | None:
    """Whether process ``pid`` runs on this host; ``None`` where there is no cheap check
    (Windows): each caller then decides by its own rule (an age, a setting)."""
    if sys.platform == "win32":  # pragma: no cover
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def clean_stale_spool(
    folder: str | os.PathLike[str], *, older_than: float = SPOOL_STALE_AFTER
) -> int:
    """Remove the spool files a killed edoc run left in ``folder``; return how many.

    Only edoc's own names (``edoc-<pid>-<random>.bin``), only regular files of this user
    (never through a link), only when their process is gone and they have not changed
    for ``older_than`` seconds: a concurrent run's files are never touched.
    """
    removed = 0
    now = time.time()
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        match = _SPOOL_NAME.fullmatch(name)
        if match is None or int(match.group(1)) == os.getpid():
            continue
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < older_than:
            continue
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            continue
        if process_alive(int(match.group(1))):  # unknown: rely on the age alone
            continue
        with contextlib.suppress(OSError):
            os.unlink(path)
            removed += 1
    return removed


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

    Directory parts (``../``, ``C:\\``, absolute paths) are dropped, reserved characters
    and invisible ones (controls, bidi overrides, zero-width characters) replaced by ``_``,
    Windows device names (``CON``, ``COM0``-``COM9``, ``COM¹``, ``LPT…``, ``CONIN$`` …)
    prefixed, and the length capped; an empty result becomes ``fallback``.
    """
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if unicodedata.category(c) in _INVISIBLE else c for c in name)
    name = _UNSAFE.sub("_", name).strip(" .")
    stem = name.split(".", 1)[0].rstrip(" ").upper()
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
