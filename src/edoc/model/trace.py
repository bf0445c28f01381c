"""``TraceHeaderList``: the hops a package made and what it does (``Bussiness`` on the wire)."""

from __future__ import annotations

import datetime as dt

import attrs

from edoc.ids import DocumentId, OrganId
from edoc.model import _fields as f
from edoc.model.codes import BusinessDocType

__all__ = [
    "Business",
    "BusinessDocumentInfo",
    "Receiver",
    "ReplacementInfo",
    "StaffInfo",
    "TraceHeader",
    "TraceHeaderList",
]


def _opt_text() -> str | None:
    return attrs.field(default=None, converter=f.empty_to_none, validator=f.opt_text)  # type: ignore[no-any-return]


@attrs.frozen(kw_only=True)
class TraceHeader:
    """``TraceHeader`` (2.1): one agency or hub hop that handled the package, and when."""

    organ_id: OrganId | None = attrs.field(default=None, converter=f.to_opt_organ_id)
    """The agency of this hop. ``None`` for a hop without one (the hub adds such hops, and
    the reference builder writes one for a null OrganId); the writer refuses to write it."""
    timestamp: dt.datetime | None = attrs.field(default=None, converter=f.to_opt_timestamp)
    """Aware datetime; written in Vietnam time to the second. Required by the standard;
    ``None`` only when read from a package that lacks it."""


@attrs.frozen(kw_only=True)
class StaffInfo:
    """``StaffInfo`` (2.2.5): the clerk who handled the document (*văn thư*)."""

    department: str | None = _opt_text()
    department_id: str | None = _opt_text()
    """``DepartmentId``: an SDK extension."""
    staff: str | None = _opt_text()
    staff_id: str | None = _opt_text()
    """``StaffId``: an SDK extension."""
    email: str | None = _opt_text()
    mobile: str | None = _opt_text()


@attrs.frozen(kw_only=True)
class Receiver:
    """``ReceiverList/Receiver``: a recipient affected by an update."""

    organ_id: OrganId = attrs.field(converter=f.organ_id_field)  # type: ignore[misc]
    receiver_type: int | None = attrs.field(default=None, validator=f.non_negative)
    """``ReceiverType``: 0 or 1 in practice; meaning not published."""


@attrs.frozen(kw_only=True)
class BusinessDocumentInfo:
    """``BussinessDocumentInfo`` (2.2.3): what an update changes."""

    document_info: int | None = attrs.field(default=None, validator=f.non_negative)
    """``DocumentInfo``: 1 when the document's content changed (inferred). Required by the
    standard, as ``document_receiver``; ``None`` only when read from a package without it."""
    document_receiver: int | None = attrs.field(default=None, validator=f.non_negative)
    """``DocumentReceiver``: 1 when the recipient list changed (inferred)."""
    receivers: tuple[Receiver, ...] = attrs.field(
        default=(), converter=f.to_tuple, validator=f.items_of(Receiver)
    )
    """``ReceiverList/Receiver``."""


@attrs.frozen(kw_only=True)
class ReplacementInfo:
    """``ReplacementInfo`` (2.2.8): a replaced document and the recipients affected."""

    document_id: DocumentId = attrs.field(converter=f.to_document_id)
    organ_ids: tuple[OrganId, ...] = attrs.field(default=(), converter=f.to_organ_ids)
    """``OrganIdList/OrganId``."""


@attrs.frozen(kw_only=True)
class Business:
    """``Bussiness`` (2.2): the business type of the package and who handled it."""

    doc_type: BusinessDocType = attrs.field(default=BusinessDocType.NEW, converter=BusinessDocType)
    """``BussinessDocType`` (2.2.1)."""
    doc_reason: str | None = _opt_text()
    """``BussinessDocReason`` (2.2.2), e.g. ``Văn bản điện tử mới``."""
    paper: int = attrs.field(default=0, validator=f.non_negative)
    """``Paper`` (2.2.6): 1 when a paper copy is also sent (inferred); always written."""
    document_id: DocumentId | None = attrs.field(default=None, converter=f.to_opt_document_id)
    """``DocumentId`` (2.2.4): the earlier document an update refers to."""
    document_info: BusinessDocumentInfo | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.instance_of(BusinessDocumentInfo))
    )
    """``BussinessDocumentInfo`` (2.2.3): for updates."""
    replacements: tuple[ReplacementInfo, ...] = attrs.field(
        default=(), converter=f.to_tuple, validator=f.items_of(ReplacementInfo)
    )
    """``ReplacementInfoList/ReplacementInfo`` (2.2.8): for replacements."""
    staff_info: StaffInfo | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.instance_of(StaffInfo))
    )
    """``StaffInfo`` (2.2.5): who handled the document."""


@attrs.frozen(kw_only=True)
class TraceHeaderList:
    """``TraceHeaderList``: the business block and the hops."""

    business: Business | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.instance_of(Business))
    )
    """``Bussiness``: absent in some packages the hub accepted in 2025."""
    trace_headers: tuple[TraceHeader, ...] = attrs.field(
        default=(), converter=f.to_tuple, validator=f.items_of(TraceHeader)
    )
    """``TraceHeader`` (2.1): one per hop, after ``Bussiness``."""
