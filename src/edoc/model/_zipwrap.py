"""The reference builder's ZIP wrapping of attachments, undone safely (and done, to send).

The reference SDK's builder wraps every attachment whose extension is not pdf, doc, docx,
xsl, xslx or zip in a ZIP holding one entry named ``<uuid>.<ext>``, types it
``application/zip`` and keeps the original ``AttachmentName``; its reader hands the entry
to the application (edxml-reference.md §2.6, §6.1). Here:

* :func:`reference_entry` recognises exactly that shape: a ZIP (by its bytes) declared
  ``application/zip``, under a name that does not end in ``.zip``, with one regular,
  unencrypted, stored or deflated entry whose name is a UUID and an extension, and whose
  declared size is within the caller's cap. Anything else is left as it is.
* :class:`ZipEntryContent` decompresses that entry on demand and stops at the declared
  size (a decompression bomb cannot write more than the cap). The entry's name is data,
  never a path: nothing is ever written under it. Nested archives are not followed.
* :func:`wrap_like_reference` does what the reference builder does, for receivers that
  expect it; the ZIP goes to a temporary file, streamed, never held whole in memory.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import uuid
import zipfile
from typing import IO, TYPE_CHECKING, BinaryIO, cast

from edoc.errors import InputError, LimitExceededError
from edoc.model.attachment import ZIP_TYPE, AttachmentContent, is_zip_type

if TYPE_CHECKING:
    from edoc.model.attachment import Attachment

__all__ = ["REFERENCE_UNWRAPPED_EXTENSIONS", "ZipEntryContent", "reference_entry"]

REFERENCE_UNWRAPPED_EXTENSIONS = frozenset({".pdf", ".doc", ".docx", ".xsl", ".xslx", ".zip"})
"""Extensions the reference builder embeds as they are; it wraps every other file."""
_UUID_NAME = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.[A-Za-z0-9]{1,16})", re.I
)
_CHUNK = 1 << 20


def reference_entry(
    content: AttachmentContent, name: str, content_type: str, max_bytes: int
) -> zipfile.ZipInfo | None:
    """The single entry of a reference-builder ZIP wrapping, or ``None`` for anything else.

    Raises :class:`~edoc.errors.LimitExceededError` when the entry's declared size is over
    ``max_bytes``.
    """
    if not is_zip_type(content_type):
        return None
    if os.path.splitext(name)[1].lower() == ".zip":
        return None
    try:
        with content.open() as fh:
            if fh.read(4) != b"PK\x03\x04":
                return None
            fh.seek(0)
            with zipfile.ZipFile(fh) as archive:
                entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, InputError):
        return None
    if len(entries) != 1:
        return None
    entry = entries[0]
    if (
        entry.is_dir()
        or entry.flag_bits & 0x1  # encrypted
        or entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        or not _UUID_NAME.fullmatch(entry.filename)
    ):
        return None
    if entry.file_size > max_bytes:
        raise LimitExceededError(
            f"the ZIP-wrapped attachment {name!r} declares {entry.file_size} bytes unpacked, "
            "over the cap",
            limit="max_attachment_bytes",
            value=entry.file_size,
            maximum=max_bytes,
        )
    return entry


def unwrapped_name(name: str, entry: zipfile.ZipInfo) -> str:
    """The unwrapped file's name: ``AttachmentName`` itself when the entry has its extension
    (the reference builder's case), else its stem with the entry's extension."""
    match = _UUID_NAME.fullmatch(entry.filename)
    ext = match.group(1) if match else ""
    stem, own = os.path.splitext(name)
    return name if own.lower() == ext.lower() else f"{stem}{ext}"


class ZipEntryContent(AttachmentContent):
    """The one entry of a wrapping ZIP, decompressed when opened, never past ``size``."""

    def __init__(self, archive: AttachmentContent, entry: zipfile.ZipInfo) -> None:
        self._archive = archive
        self._entry = entry

    @property
    def size(self) -> int:
        return self._entry.file_size

    def open(self) -> BinaryIO:
        outer = self._archive.open()
        try:
            archive = zipfile.ZipFile(outer)
            inner = archive.open(self._entry)  # reads at most file_size bytes, checks the CRC
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            outer.close()
            raise InputError(f"the wrapped attachment cannot be unpacked: {exc}") from None
        return cast(BinaryIO, _Closing(inner, archive, outer, self._entry.file_size))

    def __repr__(self) -> str:
        return f"ZipEntryContent(<{self._entry.file_size} bytes unpacked>)"


class _Closing(io.RawIOBase):
    """The entry stream; closes the archive and its file with it; errors are edoc's."""

    def __init__(
        self, inner: IO[bytes], archive: zipfile.ZipFile, outer: BinaryIO, size: int
    ) -> None:
        self._inner, self._archive, self._outer = inner, archive, outer
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(min(len(buffer), max(self._left, 0) + 1))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise InputError(f"the wrapped attachment cannot be unpacked: {exc}") from None
        self._left -= len(data)
        if self._left < 0:  # zipfile stops at the declared size; this guards it anyway
            raise InputError("the wrapped attachment unpacks to more than it declares")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
            self._archive.close()
            self._outer.close()
        super().close()


def wrap_like_reference(att: Attachment, directory: str | None = None) -> Attachment:
    """``att`` as the reference builder sends it: unchanged when its extension is one the
    builder embeds as is, else a ZIP with one ``<uuid>.<ext>`` entry, typed
    ``application/zip``, under the original name. The ZIP is a temporary file (deleted
    with the returned attachment's content)."""
    import attrs

    from edoc.model.attachment import FileContent

    ext = os.path.splitext(att.name)[1].lower()
    if ext in REFERENCE_UNWRAPPED_EXTENSIONS:
        return att
    fd, path = tempfile.mkstemp(dir=directory, prefix="edoc-wrap-", suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            big = att.size is None or att.size >= 1 << 31  # zip64 only where it is needed
            with att.open() as src, zf.open(f"{uuid.uuid4()}{ext}", "w", force_zip64=big) as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
    except BaseException:
        os.unlink(path)
        raise
    return attrs.evolve(att, content=FileContent(path, owned=True), content_type=ZIP_TYPE)
