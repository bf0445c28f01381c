"""Attachments: metadata plus content that is opened when needed, never held whole."""

from __future__ import annotations

import abc
import mimetypes
import os
import shutil
import weakref
from pathlib import Path
from typing import BinaryIO

import attrs

from edoc._files import atomic_write, safe_filename
from edoc.errors import InputError, SourceError
from edoc.model import _fields as f

__all__ = [
    "Attachment",
    "AttachmentContent",
    "BrokenContent",
    "BytesContent",
    "FileContent",
    "StreamContent",
    "guess_content_type",
]

_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/zip",
    ".rar": "application/vnd.rar",
    ".7z": "application/x-7z-compressed",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
_CHUNK = 1 << 20


def guess_content_type(name: str) -> str:
    """The registered MIME type for a file name, ``application/octet-stream`` if unknown."""
    ext = os.path.splitext(name)[1].lower()
    return _CONTENT_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"


ZIP_TYPE = "application/zip"


def is_zip_type(content_type: str) -> bool:
    """Whether ``content_type`` is ``application/zip`` (parameters and case aside)."""
    return content_type.split(";")[0].strip().lower() == ZIP_TYPE


class AttachmentContent(abc.ABC):
    """Where an attachment's bytes are: opened for reading when the writer needs them."""

    @abc.abstractmethod
    def open(self) -> BinaryIO:
        """Return a binary stream positioned at the start; the caller closes it."""

    @property
    def size(self) -> int | None:
        """The size in bytes, when known without reading."""
        return None


class FileContent(AttachmentContent):
    """Content in a file. ``owned`` files (decoded by the reader) are deleted with the object."""

    def __init__(self, path: str | os.PathLike[str], *, owned: bool = False) -> None:
        self.path = Path(path)
        if owned:
            self._finalizer = weakref.finalize(self, _unlink, self.path)

    def open(self) -> BinaryIO:
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise SourceError(f"cannot open attachment file {self.path}: {exc.strerror}") from exc

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def __repr__(self) -> str:
        return f"FileContent({str(self.path)!r})"


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


class BytesContent(AttachmentContent):
    """Content held in memory (small attachments)."""

    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)

    def open(self) -> BinaryIO:
        import io

        return io.BytesIO(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"BytesContent(<{len(self.data)} bytes>)"


class BrokenContent(AttachmentContent):
    """The content of an attachment the reader could not decode: its bytes are not exposed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def open(self) -> BinaryIO:
        raise InputError(f"the attachment is broken ({self.reason}): it has no content to read")

    def __repr__(self) -> str:
        return f"BrokenContent({self.reason!r})"


class StreamContent(AttachmentContent):
    """Content from a caller's binary stream: it can be read once."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream: BinaryIO | None = stream

    def open(self) -> BinaryIO:
        if self._stream is None:
            raise InputError("a stream attachment can be written once; use a path or bytes")
        stream, self._stream = self._stream, None
        return stream

    def __repr__(self) -> str:
        return "StreamContent(<stream>)"


def _to_content(value: AttachmentContent) -> AttachmentContent:
    if not isinstance(value, AttachmentContent):
        raise InputError(
            f"Attachment.content must be AttachmentContent, not {type(value).__name__}"
        )
    return value


@attrs.frozen(kw_only=True)
class Attachment:
    """One attached file: ``edXMLManifest/Reference`` plus ``AttachmentEncoded/Attachment``.

    Build one with :meth:`from_path`, :meth:`from_bytes` or :meth:`from_stream`. The content
    is not part of equality (compare :meth:`read_bytes` when you mean it).
    """

    name: str = attrs.field(validator=f.text)
    """``AttachmentName``: the file name as the sender gave it (untrusted on receipt)."""
    content_type: str = attrs.field(validator=f.text)
    """``ContentType``: a MIME type."""
    content: AttachmentContent = attrs.field(converter=_to_content, eq=False)
    content_id: str | None = attrs.field(
        default=None, converter=f.empty_to_none, validator=f.opt_text
    )
    """``ContentId``, e.g. ``cid:1``; assigned by the package when ``None``."""
    description: str | None = attrs.field(
        default=None, converter=f.empty_to_none, validator=f.opt_text
    )
    field_name: str | None = attrs.field(
        default=None, converter=f.empty_to_none, validator=f.opt_text
    )
    """``FieldName``: an SDK extension."""
    mime_type: str | None = attrs.field(
        default=None, converter=f.empty_to_none, validator=f.opt_text
    )
    """``MimeType``: an SDK extension."""
    unwrapped_from: str | None = attrs.field(default=None, eq=False)
    """Set on the file :meth:`unwrap` returns: the ZIP entry's name, as data only (never
    used as a path). Such a file is not unwrapped again: nested archives are not followed."""

    @property
    def broken(self) -> str | None:
        """Why the content could not be decoded (not base64, …), or ``None``. A broken
        attachment keeps its metadata; opening it raises :class:`~edoc.errors.InputError`."""
        return self.content.reason if isinstance(self.content, BrokenContent) else None

    def unwrap(self, *, max_bytes: int | None = None) -> Attachment | None:
        """The file inside a reference-builder ZIP wrapping, or ``None`` if this is not one.

        The reference SDK wraps most attachments in a ZIP with one ``<uuid>.<ext>`` entry,
        typed ``application/zip`` under the original name (docs/reading.md). The result has
        the real name (``AttachmentName``, with the entry's extension if it differs), the
        entry's size, a content type guessed from that name, and content that is unpacked
        when opened and never past its declared size. ``max_bytes`` (default
        ``Limits().max_attachment_bytes``) caps that size: over it,
        :class:`~edoc.errors.LimitExceededError`.
        """
        if (
            self.unwrapped_from is not None
            or self.broken is not None
            or not is_zip_type(self.content_type)
        ):
            return None  # before the imports: zipfile costs ms on a process's first package
        from edoc.limits import Limits
        from edoc.model import _zipwrap

        cap = Limits().max_attachment_bytes if max_bytes is None else max_bytes
        entry = _zipwrap.reference_entry(self.content, self.name, self.content_type, cap)
        if entry is None:
            return None
        name = _zipwrap.unwrapped_name(self.name, entry)
        return attrs.evolve(
            self,
            name=name,
            content_type=guess_content_type(name),
            content=_zipwrap.ZipEntryContent(self.content, entry),
            unwrapped_from=entry.filename,
        )

    def wrap_like_reference(self, *, directory: str | None = None) -> Attachment:
        """This file as the reference builder sends it: as it is for pdf, doc, docx, xsl,
        xslx and zip, otherwise in a ZIP with one ``<uuid>.<ext>`` entry, typed
        ``application/zip``, under the same name (the ZIP is a temporary file in
        ``directory``, deleted with the returned attachment's content)."""
        from edoc.model import _zipwrap

        return _zipwrap.wrap_like_reference(self, directory)

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        content_type: str | None = None,
        description: str | None = None,
        content_id: str | None = None,
    ) -> Attachment:
        """An attachment read from ``path`` when the package is written."""
        p = Path(path)
        if not p.is_file():
            raise SourceError(f"attachment {p} is not a readable file")
        return cls._with(FileContent(p), name or p.name, content_type, description, content_id)

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        *,
        name: str,
        content_type: str | None = None,
        description: str | None = None,
        content_id: str | None = None,
    ) -> Attachment:
        """An attachment from bytes in memory."""
        return cls._with(BytesContent(data), name, content_type, description, content_id)

    @classmethod
    def from_stream(
        cls,
        stream: BinaryIO,
        *,
        name: str,
        content_type: str | None = None,
        description: str | None = None,
        content_id: str | None = None,
    ) -> Attachment:
        """An attachment read once from a binary stream when the package is written."""
        return cls._with(StreamContent(stream), name, content_type, description, content_id)

    @classmethod
    def _with(
        cls,
        content: AttachmentContent,
        name: str,
        content_type: str | None,
        description: str | None,
        content_id: str | None,
    ) -> Attachment:
        return cls(
            name=name,
            content_type=content_type or guess_content_type(name),
            content=content,
            description=description,
            content_id=content_id,
        )

    @property
    def size(self) -> int | None:
        """The decoded size in bytes, when known without reading."""
        return self.content.size

    def open(self) -> BinaryIO:
        """Open the decoded content for reading."""
        return self.content.open()

    def read_bytes(self) -> bytes:
        """The whole decoded content (avoid for large attachments: use :meth:`open`)."""
        with self.open() as stream:
            return stream.read()

    def save(
        self, directory: str | os.PathLike[str], *, name: str | None = None, overwrite: bool = False
    ) -> Path:
        """Write the content into ``directory`` under a safe form of its name; return the path.

        The name is untrusted: directory parts, reserved names and control characters are
        removed (``edoc._files.safe_filename``), so the file never lands outside
        ``directory``. An existing file is kept unless ``overwrite``.
        """
        target = Path(directory) / safe_filename(name or self.name)
        with self.open() as src, atomic_write(target, overwrite=overwrite) as out:
            shutil.copyfileobj(src, out, _CHUNK)
        return target
