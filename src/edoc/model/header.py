"""``MessageHeader`` of an edoc package and the element groups it is made of.

Attribute names are the snake_case forms of the element names, in correct English
(``organ_address`` for ``OrganAdd``, ``typer_notation`` for ``TyperNotation``); the wire
spellings live only in :mod:`edoc.xml.names`. Empty text means absent (``None``).
"""

from __future__ import annotations

import datetime as dt

import attrs

from edoc.ids import DocumentId, OrganId
from edoc.model import _fields as f
from edoc.model.codes import Priority, SteeringType

__all__ = [
    "Code",
    "DocumentType",
    "MessageHeader",
    "Organization",
    "OtherInfo",
    "PromulgationInfo",
    "ResponseFor",
    "SignerInfo",
]


def _opt_text() -> str | None:
    return attrs.field(default=None, converter=f.empty_to_none, validator=f.opt_text)  # type: ignore[no-any-return]


@attrs.frozen(kw_only=True)
class Organization:
    """``From`` or ``To``: an agency (*cơ quan*)."""

    organ_id: OrganId = attrs.field(converter=f.organ_id_field)  # type: ignore[misc]
    """``OrganId``: the agency's identifier code."""
    organization_in_charge: str | None = _opt_text()
    """``OrganizationInCharge``: the governing body (*cơ quan chủ quản*)."""
    organ_name: str | None = _opt_text()
    """``OrganName``."""
    organ_address: str | None = _opt_text()
    """``OrganAdd``."""
    email: str | None = _opt_text()
    telephone: str | None = _opt_text()
    fax: str | None = _opt_text()
    website: str | None = _opt_text()


@attrs.frozen(kw_only=True)
class Code:
    """``Code``: the document's number and notation (*số, ký hiệu*), e.g. 7816 + VPCP-TTĐT."""

    number: str | None = _opt_text()
    """``CodeNumber``: required by the standard (the writer refuses a package without it);
    ``None`` only when read from a package that lacks it."""
    notation: str | None = _opt_text()
    """``CodeNotation``: required by the standard, as ``number``."""

    def __str__(self) -> str:
        return "/".join(p for p in (self.number, self.notation) if p is not None)


@attrs.frozen(kw_only=True)
class PromulgationInfo:
    """``PromulgationInfo``: place and date of promulgation (*địa danh, ngày ban hành*)."""

    place: str | None = _opt_text()
    promulgation_date: dt.date | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.instance_of(dt.date))
    )
    """Required by the standard; ``None`` only when read from a package that lacks it."""


@attrs.frozen(kw_only=True)
class DocumentType:
    """``DocumentType``: the kind of document (*tên loại*)."""

    type_code: int | None = attrs.field(default=None, validator=f.non_negative)
    """``Type``: 1 or 2 in practice; meaning not published. Required by the standard;
    ``None`` only when read from a package that lacks it."""
    type_name: str | None = _opt_text()
    """``TypeName``, e.g. ``Công văn``."""
    type_detail: int | None = attrs.field(default=None, validator=f.non_negative)
    """``TypeDetail``: written only when set."""


@attrs.frozen(kw_only=True)
class SignerInfo:
    """``SignerInfo``: who signed the paper document (*quyền hạn, chức vụ, họ tên*)."""

    competence: str | None = _opt_text()
    position: str | None = _opt_text()
    full_name: str | None = _opt_text()


@attrs.frozen(kw_only=True)
class OtherInfo:
    """``OtherInfo``: urgency, circulation, typist, counts, appendixes."""

    priority: Priority = attrs.field(default=Priority.NORMAL, converter=Priority)
    """``Priority`` (1.11.1): urgency, *độ khẩn*."""
    sphere_of_promulgation: str | None = _opt_text()
    """``SphereOfPromulgation`` (1.11.2): *phạm vi lưu hành*."""
    typer_notation: str | None = _opt_text()
    """``TyperNotation`` (1.11.3): *ký hiệu người soạn thảo*."""
    promulgation_amount: int | None = attrs.field(default=None, validator=f.non_negative)
    """``PromulgationAmount`` (1.11.4): copies issued, *số lượng bản phát hành*."""
    page_amount: int | None = attrs.field(default=None, validator=f.non_negative)
    """``PageAmount`` (1.11.5): pages, *số trang*."""
    direction: bool = attrs.field(default=False, validator=f.instance_of(bool))
    """``Direction``: always written; meaning not published; an unnumbered SDK extra."""
    appendixes: tuple[str, ...] = attrs.field(
        default=(), converter=f.to_tuple, validator=f.text_tuple
    )
    """``Appendixes/Appendix`` (1.11.6): *phụ lục*."""
    reply_fors: str | None = _opt_text()
    """``ReplyFors``: an SDK extra, a plain string in the reference model (written after
    ``PageAmount``)."""
    reference_codes: str | None = _opt_text()
    """``ReferenceCodes``: an SDK extra, a plain string in the reference model (written
    after ``Direction``)."""


@attrs.frozen(kw_only=True)
class ResponseFor:
    """``ResponseFor``: the earlier document this package answers, revokes or reports on."""

    organ_id: OrganId = attrs.field(converter=f.organ_id_field)  # type: ignore[misc]
    """The agency that issued the earlier document."""
    code: str | None = _opt_text()
    """The earlier document's ``number/notation`` as one string."""
    document_id: DocumentId | None = attrs.field(default=None, converter=f.to_opt_document_id)
    promulgation_date: dt.date | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.instance_of(dt.date))
    )


@attrs.frozen(kw_only=True)
class MessageHeader:
    """``MessageHeader`` of an edoc package (QCVN 102 clauses 1.1 to 1.14)."""

    from_: Organization = attrs.field(validator=f.instance_of(Organization))
    """``From`` (1.1): the sending agency."""
    to: tuple[Organization, ...] = attrs.field(
        converter=f.to_tuple, validator=f.items_of(Organization)
    )
    """``To`` (1.2): one entry per recipient."""
    subject: str | None = attrs.field(validator=attrs.validators.optional(f.text))
    """``Subject`` (1.6): *trích yếu*. ``None`` only when read from a package that lacks it."""
    code: Code | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.instance_of(Code))
    )
    """``Code`` (1.3). Required by the standard (the writer refuses a package without it);
    ``None`` when read from a package that lacks it, as some the hub delivered in 2025."""
    promulgation_info: PromulgationInfo | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.instance_of(PromulgationInfo))
    )
    """``PromulgationInfo`` (1.4); required by the standard, as ``code``."""
    document_type: DocumentType | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.instance_of(DocumentType))
    )
    """``DocumentType`` (1.5); required by the standard, as ``code``."""
    document_id: DocumentId | None = attrs.field(default=None, converter=f.to_opt_document_id)
    """``DocumentId`` (1.14). ``None`` lets :class:`edoc.EdocPackage` derive it."""
    content: str | None = _opt_text()
    """``Content`` (1.7)."""
    signer_info: SignerInfo = attrs.field(factory=SignerInfo, validator=f.instance_of(SignerInfo))
    """``SignerInfo`` (1.8)."""
    due_date: dt.date | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.instance_of(dt.date))
    )
    """``DueDate`` (1.9): *hạn xử lý*."""
    to_places: tuple[str, ...] = attrs.field(
        default=(), converter=f.to_tuple, validator=f.text_tuple
    )
    """``ToPlaces/Place`` (1.10): *nơi nhận*, free text."""
    other_info: OtherInfo = attrs.field(factory=OtherInfo, validator=f.instance_of(OtherInfo))
    """``OtherInfo`` (1.11)."""
    response_for: tuple[ResponseFor, ...] = attrs.field(
        default=(), converter=f.to_tuple, validator=f.items_of(ResponseFor)
    )
    """``ResponseFor`` (1.12): earlier documents this one refers to."""
    steering_type: SteeringType = attrs.field(default=SteeringType.NONE, converter=SteeringType)
    """``SteeringType`` (1.13)."""
    response_for_task: tuple[str, ...] = attrs.field(
        default=(), converter=f.to_tuple, validator=f.text_tuple
    )
    """``ResponseForTask/TaskCode``: an SDK extension."""
    application_type: str | None = _opt_text()
    """``ApplicationType``: an SDK extension."""
