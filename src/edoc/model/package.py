"""The two kinds of package: :class:`EdocPackage` (a document) and :class:`StatusPackage`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from edoc.errors import shorten
from edoc.formats import VN_TZ
from edoc.ids import DocumentId
from edoc.model import _fields as f
from edoc.model.attachment import Attachment
from edoc.model.codes import StatusCode
from edoc.model.header import MessageHeader, Organization, ResponseFor
from edoc.model.trace import StaffInfo, TraceHeaderList

__all__ = ["Deviation", "EdocPackage", "Package", "SignatureBlock", "StatusPackage"]


@attrs.frozen(kw_only=True)
class Deviation:
    """Something the reader accepted although the reference writer would not produce it.

    ``code`` is a stable identifier (``EDX-READ-…``, catalogued in docs/reading.md);
    validation turns deviations into findings of the interop profile.
    """

    code: str
    message: str
    path: str | None = None
    line: int | None = None


@attrs.frozen(kw_only=True)
class SignatureBlock:
    """The ``Signature`` element as read, before any verification (nothing here is trusted).

    ``namespace`` tells the dialect: the xmldsig namespace, or the edXML namespace used by
    the reference SDK and seen on the hub. Verifying is :mod:`edoc`'s signing layer's job.
    """

    namespace: str
    canonicalization_method: str | None = None
    signature_method: str | None = None
    reference_uris: tuple[str, ...] = ()
    transforms: tuple[str, ...] = ()
    digest_method: str | None = None
    digest_value: str | None = None
    signature_value: str | None = None
    certificates: tuple[str, ...] = ()
    """``X509Certificate`` texts, base64 as found (possibly truncated placeholders)."""


def _derive_document_id(header: MessageHeader) -> MessageHeader:
    if not isinstance(header, MessageHeader):
        raise TypeError(f"EdocPackage.header must be MessageHeader, not {type(header).__name__}")
    if header.document_id is not None:
        return header
    prom, code = header.promulgation_info, header.code
    if prom is None or prom.promulgation_date is None or code is None:
        return header  # read from a package that lacks them: nothing to derive from
    if code.number is None or code.notation is None:
        return header
    derived = DocumentId.build(
        header.from_.organ_id, prom.promulgation_date, code.number, code.notation
    )
    return attrs.evolve(header, document_id=derived)


def _number_attachments(value: Iterable[Attachment]) -> tuple[Attachment, ...]:
    items = f.to_tuple(value)
    for item in items:
        if not isinstance(item, Attachment):
            raise TypeError(f"attachments must be Attachment, not {type(item).__name__}")
    taken = {a.content_id for a in items}
    out, n = [], 0
    for item in items:
        if item.content_id is None:
            n += 1
            while f"cid:{n}" in taken:
                n += 1
            item = attrs.evolve(item, content_id=f"cid:{n}")
            taken.add(item.content_id)
        out.append(item)
    return tuple(out)


@attrs.frozen(kw_only=True, repr=False)
class EdocPackage:
    """An edoc package (*gói tin văn bản điện tử*): header, trace, attachments.

    ``header.document_id`` is derived from From, PromulgationDate and Code when not
    given, and attachments without a ``content_id`` get ``cid:1``, ``cid:2``, … in order.
    ``signature`` and ``deviations`` are filled by the reader and not part of equality.
    """

    header: MessageHeader = attrs.field(converter=_derive_document_id)
    trace: TraceHeaderList = attrs.field(
        factory=TraceHeaderList, validator=f.instance_of(TraceHeaderList)
    )
    attachments: tuple[Attachment, ...] = attrs.field(default=(), converter=_number_attachments)
    signature: SignatureBlock | None = attrs.field(default=None, eq=False)
    deviations: tuple[Deviation, ...] = attrs.field(default=(), eq=False, converter=f.to_tuple)

    @property
    def document_id(self) -> DocumentId | None:
        """The package's DocumentId: derived when not given, ``None`` only for a package
        read without DocumentId, Code or PromulgationDate."""
        return self.header.document_id

    def __repr__(self) -> str:  # a summary: the whole header is in .header
        signed = ", signed" if self.signature is not None else ""
        doc_id = self.document_id.value if self.document_id is not None else None
        return (f"EdocPackage(document_id={doc_id!r}, "
                f"subject={shorten(self.header.subject or '', 60)!r}, "
                f"attachments={len(self.attachments)}{signed})")  # fmt: skip


def _now() -> dt.datetime:
    return dt.datetime.now(VN_TZ).replace(microsecond=0)


@attrs.frozen(kw_only=True, repr=False)
class StatusPackage:
    """A status package (*gói tin trạng thái*): where a document stands at an agency."""

    from_: Organization = attrs.field(validator=f.instance_of(Organization))
    """The agency reporting the status."""
    response_for: ResponseFor = attrs.field(validator=f.instance_of(ResponseFor))
    """The document the status is about."""
    status_code: StatusCode = attrs.field(converter=StatusCode)
    timestamp: dt.datetime | None = attrs.field(converter=f.to_opt_timestamp)
    """When the status was reached. Required by the standard (the writer refuses a package
    without it); ``None`` only when read from a package that lacks it."""
    staff_info: StaffInfo | None = attrs.field(
        default=None, validator=attrs.validators.optional(f.instance_of(StaffInfo))
    )
    description: str | None = attrs.field(
        default=None, converter=f.empty_to_none, validator=f.opt_text
    )
    deviations: tuple[Deviation, ...] = attrs.field(default=(), eq=False, converter=f.to_tuple)

    @classmethod
    def reply_to(
        cls,
        package: EdocPackage,
        *,
        code: StatusCode,
        from_: Organization | None = None,
        staff_info: StaffInfo | None = None,
        description: str | None = None,
        timestamp: dt.datetime | None = None,
    ) -> StatusPackage:
        """The status package that answers ``package`` with ``code``.

        ``from_`` defaults to the package's only recipient (pass it when there are several)
        or, for :attr:`StatusCode.RETRIEVAL_REQUESTED`, to its sender. ``description``
        defaults to the code's Vietnamese meaning, ``timestamp`` to now.
        """
        if not isinstance(package, EdocPackage):
            from edoc.errors import InputError

            what = type(package).__name__
            if isinstance(package, StatusPackage):
                what = (f"a StatusPackage (status {package.status_code.value} about "
                        f"{package.response_for.document_id})")  # fmt: skip
            raise InputError(
                f"reply_to answers an EdocPackage (a document), not {what}: "
                "a status is never answered with a status"
            )
        header = package.header
        if from_ is None:
            if code.sent_by_sender:
                from_ = header.from_
            elif len(header.to) == 1:
                from_ = header.to[0]
            else:
                from edoc.errors import InputError

                raise InputError(
                    f"the package has {len(header.to)} recipients: pass from_= to say which replies"
                )
        prom = header.promulgation_info
        return cls(
            from_=from_,
            response_for=ResponseFor(
                organ_id=header.from_.organ_id,
                code=str(header.code) if header.code is not None else None,
                document_id=package.document_id,
                promulgation_date=prom.promulgation_date if prom is not None else None,
            ),
            status_code=code,
            timestamp=timestamp or _now(),
            staff_info=staff_info,
            description=description or code.meaning_vi,
        )

    def __repr__(self) -> str:
        return (f"StatusPackage(status_code={self.status_code.value!r}, "
                f"from_={self.from_.organ_id.value!r}, "
                f"response_for={str(self.response_for.document_id)!r})")  # fmt: skip


Package = EdocPackage | StatusPackage
"""Either kind of package, as :func:`edoc.read` returns."""
