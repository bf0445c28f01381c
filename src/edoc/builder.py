"""Build an :class:`~edoc.EdocPackage` from a TOML description (what ``edoc build`` reads).

Table and key names are the model's attribute names (``[from]`` may be written for
``from_``); attachment paths are relative to the TOML file. Unknown keys are refused, so a
typo never silently drops a field. See ``docs/build-toml.md`` for the format and
``examples/new-document.toml`` for a complete example.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs

from edoc.errors import InputError, SourceError
from edoc.formats import VN_TZ
from edoc.model import (
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
    DocumentType,
    EdocPackage,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    TraceHeader,
    TraceHeaderList,
)

__all__ = ["load_toml", "package_from_mapping", "wrap_like_reference"]

T = TypeVar("T")

# Nested tables: (class, field) -> class of the value (a list of tables where noted).
_NESTED: dict[tuple[type, str], tuple[type, bool]] = {
    (MessageHeader, "from_"): (Organization, False),
    (MessageHeader, "to"): (Organization, True),
    (MessageHeader, "code"): (Code, False),
    (MessageHeader, "promulgation_info"): (PromulgationInfo, False),
    (MessageHeader, "document_type"): (DocumentType, False),
    (MessageHeader, "signer_info"): (SignerInfo, False),
    (MessageHeader, "other_info"): (OtherInfo, False),
    (MessageHeader, "response_for"): (ResponseFor, True),
    (Business, "document_info"): (BusinessDocumentInfo, False),
    (Business, "replacements"): (ReplacementInfo, True),
    (Business, "staff_info"): (StaffInfo, False),
    (BusinessDocumentInfo, "receivers"): (Receiver, True),
}
_ALIASES = {"from": "from_"}
_DOC_TYPES = {t.name.lower(): t for t in BusinessDocType}
_DEFAULT_REASONS = {
    BusinessDocType.NEW: "Văn bản điện tử mới",
    BusinessDocType.REVOCATION: "Thu hồi văn bản điện tử",
    BusinessDocType.UPDATE: "Cập nhật văn bản điện tử",
    BusinessDocType.REPLACEMENT: "Văn bản thay thế",
}


def _make(cls: type[T], table: object, where: str) -> T:
    if not isinstance(table, Mapping):
        raise InputError(f"{where} must be a table, not {type(table).__name__}")
    names = {a.name for a in attrs.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in table.items():
        key = str(key)
        name = _ALIASES.get(key, key)
        if name not in names:
            known = ", ".join(sorted(n.rstrip("_") for n in names))
            raise InputError(f"{where}.{key} is not a known key (known: {known})")
        nested = _NESTED.get((cls, name))
        if nested is not None:
            sub, many = nested
            if many:
                if not isinstance(value, list):
                    raise InputError(f"{where}.{key} must be an array of tables")
                value = [_make(sub, v, f"{where}.{key}[{i}]") for i, v in enumerate(value)]
            else:
                value = _make(sub, value, f"{where}.{key}")
        values[name] = value
    try:
        return cls(**values)
    except TypeError as exc:  # a missing required key
        raise InputError(f"{where}: {exc}".replace("__init__() ", "")) from None
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None


def _timestamp(value: object, where: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=VN_TZ)
    raise InputError(f"{where} must be a TOML date-time, e.g. 2015-09-30T10:15:00+07:00")


def package_from_mapping(
    data: Mapping[str, Any],
    *,
    base_dir: str | os.PathLike[str] = ".",
    now: dt.datetime | None = None,
    allow_outside: bool = False,
) -> EdocPackage:
    """Build a package from parsed TOML (or any mapping of the same shape).

    Attachment paths are relative to ``base_dir`` and must stay inside it (after links are
    resolved): an absolute path or one that climbs out (``../``) is refused with
    :class:`InputError` unless ``allow_outside`` is true, so a description from elsewhere
    cannot embed ``/etc/passwd`` or ``~/.ssh/id_rsa`` into the package it builds.
    """
    data = dict(data)
    known = {"header", "business", "trace", "attachments"}
    for key in data:
        if key not in known:
            raise InputError(f"{key} is not a known table (known: {', '.join(sorted(known))})")
    if "header" not in data:
        raise InputError("the [header] table is required")
    header = _make(MessageHeader, data["header"], "header")

    business_table = dict(data.get("business", {}))
    doc_type = business_table.get("doc_type", "new")
    if isinstance(doc_type, str):
        if doc_type.lower() not in _DOC_TYPES:
            raise InputError(
                f"business.doc_type {doc_type!r} is not one of {', '.join(_DOC_TYPES)}"
            )
        business_table["doc_type"] = _DOC_TYPES[doc_type.lower()]
    business_table.setdefault(
        "doc_reason", _DEFAULT_REASONS[BusinessDocType(business_table["doc_type"])]
    )
    business = _make(Business, business_table, "business")

    traces = data.get("trace")
    if traces is None:
        stamp = now or dt.datetime.now(VN_TZ)
        trace_headers = [TraceHeader(organ_id=header.from_.organ_id, timestamp=stamp)]
    else:
        trace_headers = []
        for i, t in enumerate(traces):
            where = f"trace[{i}]"
            extra = set(t) - {"organ_id", "timestamp"}
            if extra:
                raise InputError(
                    f"{where}.{sorted(extra)[0]} is not a known key (known: organ_id, timestamp)"
                )
            trace_headers.append(
                TraceHeader(
                    organ_id=t.get("organ_id", header.from_.organ_id),
                    timestamp=_timestamp(t.get("timestamp"), f"{where}.timestamp"),
                )
            )

    attachments = []
    for i, a in enumerate(data.get("attachments", [])):
        where = f"attachments[{i}]"
        a = dict(a)
        path = a.pop("path", None)
        if not isinstance(path, str):
            raise InputError(f"{where}.path is required: the file to attach")
        allowed = {"name", "content_type", "description", "content_id"}
        extra = set(a) - allowed
        if extra:
            raise InputError(
                f"{where}.{sorted(extra)[0]} is not a known key "
                f"(known: path, {', '.join(sorted(allowed))})"
            )
        target = _inside(Path(base_dir), path, f"{where}.path", allow_outside)
        attachments.append(Attachment.from_path(target, **a))

    return EdocPackage(
        header=header,
        trace=TraceHeaderList(business=business, trace_headers=trace_headers),
        attachments=attachments,
    )


def _inside(base: Path, path: str, where: str, allow_outside: bool) -> Path:
    """``base / path``, refused when it leads outside ``base`` (unless allowed)."""
    target = base / path
    if allow_outside:
        return target
    if Path(path).is_absolute() or Path(path).drive:
        raise InputError(
            f"{where} {path!r} is absolute; attachment paths are relative to the TOML file's "
            "folder (allow_outside=True, edoc build --allow-outside, to embed it anyway)"
        )
    root = base.resolve()
    if not target.resolve().is_relative_to(root):
        raise InputError(
            f"{where} {path!r} leads outside the TOML file's folder {str(root)!r} "
            "(allow_outside=True, edoc build --allow-outside, to embed it anyway)"
        )
    return target


def load_toml(
    path: str | os.PathLike[str],
    *,
    now: dt.datetime | None = None,
    allow_outside: bool = False,
) -> EdocPackage:
    """Read a package description from a TOML file (see ``package_from_mapping``)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise SourceError(f"cannot read {p}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p} is not valid TOML: {exc}") from exc
    return package_from_mapping(data, base_dir=p.parent, now=now, allow_outside=allow_outside)


def wrap_like_reference(
    pkg: EdocPackage, *, directory: str | os.PathLike[str] | None = None
) -> EdocPackage:
    """``pkg`` with its attachments wrapped as the reference SDK's builder wraps them, for
    receivers that expect it: every file whose extension is not pdf, doc, docx, xsl, xslx
    or zip goes into a ZIP with one ``<uuid>.<ext>`` entry, typed ``application/zip``,
    under its own name (:meth:`edoc.Attachment.wrap_like_reference`). The ZIPs are
    temporary files in ``directory`` (the system's temporary folder by default), deleted
    with the returned package's attachments. edoc's own reader unwraps them again
    (:meth:`edoc.Attachment.unwrap`)."""
    where = os.fspath(directory) if directory is not None else None
    return attrs.evolve(
        pkg, attachments=[a.wrap_like_reference(directory=where) for a in pkg.attachments]
    )
