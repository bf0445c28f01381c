"""edXML bytes → model: the reader refuses only what it cannot represent safely.

Refused with :class:`edoc.errors.ParseError` (naming the element, the path and the line):
input that is not well-formed XML, hostile (a DOCTYPE), over a limit, not UTF-8; a package
whose envelope cannot be found (no ``edXMLEnvelope``, ``edXMLHeader`` or ``MessageHeader``,
a ``From`` without ``OrganId``); an ambiguous one (a singleton twice: readers disagree on
which counts). Everything else becomes a model, every tolerated or missing piece recorded
as a :class:`edoc.model.Deviation` (codes in ``docs/reading.md``); validation judges it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO, cast

import attrs

from edoc.errors import InputError, SourceError
from edoc.limits import Limits
from edoc.model import Package
from edoc.xml._events import WHOLE_TREE_BYTES, ParsedDocument, parse_events
from edoc.xml._mapper import Mapper
from edoc.xml._small import parse_small

__all__ = ["Source", "package_from_document", "parse_document", "read"]

Source = str | os.PathLike[str] | bytes | BinaryIO
"""A path, the package's bytes, or a binary stream."""

_MEMORY_THRESHOLD = 1 << 20


def _open(source: Source) -> tuple[BinaryIO, str | None, bool]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source)), "<bytes>", True
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            return path.open("rb"), str(path), True
        except OSError as exc:
            raise SourceError(f"cannot open {path}: {exc.strerror}") from exc
    if hasattr(source, "read"):
        return source, getattr(source, "name", None) or "<stream>", False
    raise InputError(f"cannot read a package from {type(source).__name__}")


def parse_document(
    source: Source,
    *,
    limits: Limits | None = None,
    spool_dir: str | os.PathLike[str] | None = None,
    memory_threshold: int = _MEMORY_THRESHOLD,
) -> ParsedDocument:
    """The streaming, hardened pass alone: the element tree with lines, attachments spooled.

    :func:`read` is this plus :func:`package_from_document`; validation uses both halves.
    """
    limits = limits or Limits()
    spool = os.fspath(spool_dir) if spool_dir is not None else None
    stream, name, owned = _open(source)
    try:
        head = _read_head(stream, WHOLE_TREE_BYTES + 1)
        if len(head) <= WHOLE_TREE_BYTES:  # all of it: one C parse unless it is unusual
            doc = parse_small(
                head, limits=limits, source=name, memory_threshold=memory_threshold,
                spool_dir=spool,
            )  # fmt: skip
            if doc is not None:
                return doc
            rest: BinaryIO = io.BytesIO(head)
        elif owned or _seekable(stream):  # go back rather than wrap: the wrapper costs
            stream.seek(-len(head), io.SEEK_CUR)
            rest = stream
        else:
            rest = cast(BinaryIO, _Prefixed(head, stream))
        return parse_events(
            rest, limits=limits, source=name, memory_threshold=memory_threshold, spool_dir=spool
        )
    finally:
        if owned:
            stream.close()


def _seekable(stream: BinaryIO) -> bool:
    try:
        return stream.seekable()
    except (AttributeError, OSError, ValueError):
        return False


def _read_head(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes. In 64 KiB reads: ``read(size)`` would allocate ``size`` bytes
    up front, which costs more than parsing a small package."""
    parts: list[bytes] = []
    total = 0
    while total < size:
        chunk = stream.read(min(1 << 16, size - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class _Prefixed(io.RawIOBase):
    """``head`` (already read), then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head: bytes | memoryview = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            take = len(self._head) if size < 0 else size
            out, self._head = bytes(self._head[:take]), self._head[take:]
            return out
        return self._stream.read(size)


def package_from_document(doc: ParsedDocument, *, limits: Limits | None = None) -> Package:
    """Map a parsed document to the model, recording every tolerated or missing piece as a
    deviation; raise :class:`ParseError` naming the element only where there is no package
    to represent (docs/reading.md)."""
    mapper = Mapper(doc, limits)
    pkg = mapper.package()
    return attrs.evolve(pkg, deviations=tuple(mapper.deviations))


def read(
    source: Source,
    *,
    limits: Limits | None = None,
    spool_dir: str | os.PathLike[str] | None = None,
    memory_threshold: int = _MEMORY_THRESHOLD,
) -> Package:
    """Read an edXML package from a path, bytes or a binary stream, in one streaming pass.

    Returns an :class:`~edoc.EdocPackage` or a :class:`~edoc.StatusPackage`. Attachments
    are decoded during the pass: up to ``memory_threshold`` bytes in memory, larger ones
    into temporary files in ``spool_dir`` (the system's temporary folder by default), deleted
    when the attachment object is. ``package.deviations`` lists what was tolerated.

    Raises :class:`~edoc.errors.ParseError` (or a subclass) for anything it refuses; no
    lxml exception escapes. A ``str`` is a path, never XML text: pass ``bytes`` for that.
    """
    doc = parse_document(
        source, limits=limits, spool_dir=spool_dir, memory_threshold=memory_threshold
    )
    return package_from_document(doc, limits=limits)
