"""Turn packages into JSON-ready dicts and short text for people."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs

from edoc.formats import format_date, format_timestamp
from edoc.ids import DocumentId, OrganId
from edoc.model import Attachment, EdocPackage, Package, StatusPackage

INSPECT_FORMAT = "edoc.inspect/1"


def _value(value: Any) -> Any:
    if isinstance(value, (OrganId, DocumentId)):
        return value.value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Attachment):
        d = {
            a.name: _value(getattr(value, a.name))
            for a in attrs.fields(Attachment)
            if a.name != "content"
        }
        d["size"] = value.size
        d["broken"] = value.broken
        inner = value.unwrap()
        d["unwrapped"] = (
            None
            if inner is None
            else {
                "name": inner.name,
                "content_type": inner.content_type,
                "size": inner.size,
                "entry": inner.unwrapped_from,
            }
        )
        return d
    if attrs.has(type(value)):
        return {
            a.name.rstrip("_"): _value(getattr(value, a.name)) for a in attrs.fields(type(value))
        }
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    return value


def to_dict(pkg: Package) -> dict[str, Any]:
    """A JSON-ready description of the package (shape ``edoc.inspect/1``, docs/cli.md)."""
    body = _value(pkg)
    kind = "status" if isinstance(pkg, StatusPackage) else "edoc"
    return {"format": INSPECT_FORMAT, "kind": kind, **body}


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def to_text(pkg: Package) -> str:
    """A short summary for people."""
    lines: list[str] = []
    add = lines.append
    if isinstance(pkg, StatusPackage):
        add(
            f"status package  {pkg.status_code.value} {pkg.status_code.name} "
            f"({pkg.status_code.meaning_vi})"
        )
        add(f"from            {pkg.from_.organ_id} {pkg.from_.organ_name or ''}".rstrip())
        add(f"about           {pkg.response_for.document_id or pkg.response_for.code or '?'}")
        add(f"timestamp       {format_timestamp(pkg.timestamp) if pkg.timestamp else '?'}")
        if pkg.description:
            add(f"description     {pkg.description}")
    else:
        assert isinstance(pkg, EdocPackage)
        h = pkg.header
        business = pkg.trace.business
        kind = business.doc_type.name.lower() if business else "unknown"
        add(f"edoc package    {kind}")
        dtype, prom = h.document_type, h.promulgation_info
        kind_name = (dtype.type_name or dtype.type_code) if dtype is not None else None
        date = prom.promulgation_date if prom is not None else None
        add(f"document id     {pkg.document_id or '?'}")
        add(f"code            {h.code or '?'}  ({kind_name or '?'})")
        add(
            f"promulgated     {format_date(date) if date else '?'} "
            f"{(prom.place if prom else None) or ''}".rstrip()
        )
        add(f"from            {h.from_.organ_id} {h.from_.organ_name or ''}".rstrip())
        for to in h.to:
            add(f"to              {to.organ_id} {to.organ_name or ''}".rstrip())
        add(f"subject         {h.subject or '?'}")
        add(f"attachments     {len(pkg.attachments)}")
        for a in pkg.attachments:
            state = f"BROKEN ({a.broken})" if a.broken else _size(a.size)
            add(f"  {a.content_id}  {a.name}  {a.content_type}  {state}")
            inner = a.unwrap()
            if inner is not None:
                add(f"    zip-wrapped: {inner.name}  {inner.content_type}  {_size(inner.size)}")
        if pkg.signature is None:
            add("signature       none")
        else:
            add(f"signature       present, not verified (namespace {pkg.signature.namespace})")
    if pkg.deviations:
        add(f"deviations      {len(pkg.deviations)}")
        for d in pkg.deviations:
            where = f"line {d.line}" if d.line else (d.path or "")
            add(f"  {d.code}  {where}  {d.message}")
    return "\n".join(lines)
