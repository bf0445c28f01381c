"""Rules on business types (new, revocation, update, replacement)."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from edoc.model import BusinessDocType
from edoc.validation.context import Context, q, text
from edoc.validation.findings import Finding
from edoc.validation.findings import Severity as S
from edoc.validation.registry import rule
from edoc.xml import names as n

# --- business types ---------------------------------------------------------------------


def _business(ctx: Context) -> tuple[etree._Element | None, BusinessDocType | None]:
    """The Business element and its BussinessDocType, found once per package."""
    return ctx.memo("business", lambda: _find_business(ctx))


def _find_business(ctx: Context) -> tuple[etree._Element | None, BusinessDocType | None]:
    header = ctx.header
    if header is None:
        return None, None
    trace = header.find(q(n.TRACE_HEADER_LIST))
    if trace is None:
        return None, None
    for name in (n.BUSINESS, *(v for v, s in n.SPELLING_VARIANTS.items() if s == n.BUSINESS)):
        business = trace.find(q(name))
        if business is not None:
            break
    else:
        return None, None
    for name in (n.BUSINESS_DOC_TYPE, "BusinessDocType"):
        value = text(business.find(q(name)))
        if value is not None:
            try:
                return business, BusinessDocType(int(value.strip()))
            except ValueError:
                return business, None
    return business, None


def _child(el: etree._Element, *names: str) -> etree._Element | None:
    return next((c for name in names if (c := el.find(q(name))) is not None), None)


@rule(
    "EDX-BIZ-001",
    "A revocation (BussinessDocType 1) names the revoked document in ResponseFor",
    "Gói tin thu hồi (BussinessDocType 1) nêu văn bản bị thu hồi trong ResponseFor",
    S.ERROR,
)
def revocation_needs_response_for(ctx: Context) -> Iterator[Finding]:
    business, doc_type = _business(ctx)
    mh = ctx.message_header
    if business is None or mh is None or doc_type is not BusinessDocType.REVOCATION:
        return
    if not any(text(rf.find(q("OrganId"))) for rf in mh.findall(q("ResponseFor"))):
        yield ctx.finding(
            "EDX-BIZ-001",
            mh,
            "a revocation has no ResponseFor naming the revoked document",
            "gói tin thu hồi không có ResponseFor nêu văn bản bị thu hồi",
        )


@rule(
    "EDX-BIZ-002",
    "An update (BussinessDocType 2) carries Bussiness/DocumentId and BussinessDocumentInfo",
    "Gói tin cập nhật (BussinessDocType 2) có Bussiness/DocumentId và BussinessDocumentInfo",
    S.ERROR,
)
def update_needs_info(ctx: Context) -> Iterator[Finding]:
    business, doc_type = _business(ctx)
    if business is None or doc_type is not BusinessDocType.UPDATE:
        return
    if text(business.find(q("DocumentId"))) is None:
        yield ctx.finding(
            "EDX-BIZ-002",
            business,
            "an update has no Bussiness/DocumentId naming the updated document",
            "gói tin cập nhật không có Bussiness/DocumentId",
        )
    if _child(business, n.BUSINESS_DOCUMENT_INFO, "BusinessDocumentInfo") is None:
        yield ctx.finding(
            "EDX-BIZ-002",
            business,
            "an update has no BussinessDocumentInfo saying what changed",
            "gói tin cập nhật không có BussinessDocumentInfo",
        )


@rule(
    "EDX-BIZ-003",
    "A replacement (BussinessDocType 3) lists the replaced documents in ReplacementInfoList",
    "Gói tin thay thế (BussinessDocType 3) liệt kê văn bản bị thay thế trong ReplacementInfoList",
    S.ERROR,
)
def replacement_needs_list(ctx: Context) -> Iterator[Finding]:
    business, doc_type = _business(ctx)
    if business is None or doc_type is not BusinessDocType.REPLACEMENT:
        return
    rl = business.find(q("ReplacementInfoList"))
    if rl is None or rl.find(q("ReplacementInfo")) is None:
        yield ctx.finding(
            "EDX-BIZ-003",
            business,
            "a replacement has no ReplacementInfoList/ReplacementInfo",
            "gói tin thay thế không có ReplacementInfoList/ReplacementInfo",
        )


@rule(
    "EDX-BIZ-004",
    "An edoc package has a Bussiness block saying what it does",
    "Gói tin văn bản có khối Bussiness nêu nghiệp vụ",
    S.WARNING,
    strict=S.ERROR,
)
def business_present(ctx: Context) -> Iterator[Finding]:
    if ctx.kind != "edoc" or ctx.header is None:
        return
    business, _ = _business(ctx)
    if business is None:
        yield ctx.finding(
            "EDX-BIZ-004",
            ctx.header,
            "TraceHeaderList has no Bussiness block",
            "TraceHeaderList không có khối Bussiness",
        )
