"""Rules on identifiers and recipients (MessageHeader)."""

from __future__ import annotations

from collections.abc import Iterator

from edoc.errors import shorten
from edoc.formats import format_date
from edoc.ids import DocumentId, OrganId, OrganIdScheme
from edoc.model import EdocPackage
from edoc.validation.context import Context, q, text
from edoc.validation.findings import Finding
from edoc.validation.findings import Severity as S
from edoc.validation.registry import rule

# --- identifiers -----------------------------------------------------------------------


@rule(
    "EDX-ID-001",
    "Agency codes follow QCVN 102:2016 (000.00.00.G22) or QĐ 20/2020 (H26.107)",
    "Mã định danh cơ quan theo QCVN 102:2016 (000.00.00.G22) hoặc QĐ 20/2020 (H26.107)",
    S.WARNING,
    strict=S.ERROR,
)
def agency_code_format(ctx: Context) -> Iterator[Finding]:
    for el in ctx.iter("OrganId"):
        value = text(el)
        value = value.strip() if value is not None else None  # trimmed, as the reader does
        if not value:
            continue
        if OrganId(value).scheme is OrganIdScheme.UNKNOWN:
            yield ctx.finding(
                "EDX-ID-001",
                el,
                f"agency code {shorten(value)!r} follows neither QCVN 102:2016 nor QĐ 20/2020",
                f"mã định danh {shorten(value)!r} không theo QCVN 102:2016 hay QĐ 20/2020",
            )


@rule(
    "EDX-HDR-003",
    "DocumentId has the form OrganId,yyyy/MM/dd,Number/Notation",
    "DocumentId có dạng MãĐịnhDanh,yyyy/MM/dd,Số/KýHiệu",
    S.NOTE,
    strict=S.WARNING,
)
def document_id_form(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None or ctx.kind != "edoc":
        return
    el = mh.find(q("DocumentId"))
    value = text(el)
    if value is not None and not DocumentId(value).is_structured:
        yield ctx.finding(
            "EDX-HDR-003",
            el,
            f"DocumentId {shorten(value)!r} is not OrganId,yyyy/MM/dd,Number/Notation",
            f"DocumentId {shorten(value)!r} không có dạng MãĐịnhDanh,yyyy/MM/dd,Số/KýHiệu",
        )


@rule(
    "EDX-HDR-004",
    "DocumentId agrees with From/OrganId, PromulgationDate and Code",
    "DocumentId khớp với From/OrganId, PromulgationDate và Code",
    S.WARNING,
    strict=S.ERROR,
)
def document_id_consistent(ctx: Context) -> Iterator[Finding]:
    pkg = ctx.package
    if not isinstance(pkg, EdocPackage) or pkg.header.document_id is None:
        return
    doc_id = pkg.header.document_id
    if not doc_id.is_structured:
        return
    h = pkg.header
    el = ctx.message_header.find(q("DocumentId")) if ctx.message_header is not None else None
    assert doc_id.promulgation_date is not None
    prom = h.promulgation_info
    if prom is None or prom.promulgation_date is None or h.code is None:
        return  # nothing to compare with: the reader recorded what is missing
    checks = [
        ("issuer", str(doc_id.organ_id), str(h.from_.organ_id), "cơ quan ban hành"),
        (
            "date",
            format_date(doc_id.promulgation_date),
            format_date(prom.promulgation_date),
            "ngày",
        ),
        ("code", doc_id.code, str(h.code), "số, ký hiệu"),
    ]
    for what, got, want, vi in checks:
        if got != want:
            yield ctx.finding(
                "EDX-HDR-004",
                el,
                f"DocumentId's {what} is {got!r} but the header says {want!r}",
                f"{vi} trong DocumentId là {got!r} nhưng tiêu đề ghi {want!r}",
            )


# --- recipients -------------------------------------------------------------------------


@rule(
    "EDX-HDR-001",
    "An edoc package has at least one recipient (To)",
    "Gói tin văn bản có ít nhất một nơi nhận (To)",
    S.ERROR,
)
def recipients_present(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is not None and ctx.kind == "edoc" and mh.find(q("To")) is None:
        yield ctx.finding(
            "EDX-HDR-001", mh, "MessageHeader has no To", "MessageHeader không có nơi nhận (To)"
        )


@rule(
    "EDX-HDR-002",
    "No recipient (To/OrganId) is listed twice",
    "Không có nơi nhận (To/OrganId) nào bị lặp",
    S.ERROR,
)
def recipients_unique(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None:
        return
    seen: set[str] = set()
    for to in mh.findall(q("To")):
        el = to.find(q("OrganId"))
        value = text(el)
        if value is None:
            continue
        if value in seen:
            yield ctx.finding(
                "EDX-HDR-002",
                el,
                f"recipient {shorten(value)!r} is listed twice",
                f"nơi nhận {shorten(value)!r} bị lặp",
            )
        seen.add(value)
