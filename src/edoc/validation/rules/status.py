"""Rules on status packages: code, ResponseFor, timestamp."""

from __future__ import annotations

from collections.abc import Iterator

from edoc.errors import shorten
from edoc.model import StatusCode
from edoc.validation.context import Context, q, text
from edoc.validation.findings import Finding
from edoc.validation.findings import Severity as S
from edoc.validation.registry import rule

# --- status packages --------------------------------------------------------------------


@rule(
    "EDX-STS-001",
    "A status package carries one of the nine known StatusCodes",
    "Gói tin trạng thái có một trong chín mã trạng thái đã biết",
    S.ERROR,
)
def status_code_known(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None or ctx.kind != "status":
        return
    el = mh.find(q("StatusCode"))
    value = (text(el) or "").strip()
    if value not in {c.value for c in StatusCode}:
        known = ", ".join(c.value for c in StatusCode)
        yield ctx.finding(
            "EDX-STS-001",
            el if el is not None else mh,
            f"StatusCode {shorten(value)!r} is not one of {known}",
            f"mã trạng thái {shorten(value)!r} không thuộc {known}",
        )


@rule(
    "EDX-STS-002",
    "A status package names the document in ResponseFor (OrganId, Code, DocumentId)",
    "Gói tin trạng thái nêu văn bản trong ResponseFor (OrganId, Code, DocumentId)",
    S.ERROR,
)
def status_response_for(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None or ctx.kind != "status":
        return
    rf = mh.find(q("ResponseFor"))
    missing = [
        name for name in ("OrganId", "Code", "DocumentId")
        if rf is None or text(rf.find(q(name))) is None
    ]  # fmt: skip
    if missing:
        yield ctx.finding(
            "EDX-STS-002",
            rf if rf is not None else mh,
            f"ResponseFor lacks {', '.join(missing)}",
            f"ResponseFor thiếu {', '.join(missing)}",
        )


@rule(
    "EDX-STS-003",
    "A status package has a Timestamp",
    "Gói tin trạng thái có thời điểm (Timestamp)",
    S.ERROR,
)
def status_timestamp(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is not None and ctx.kind == "status" and text(mh.find(q("Timestamp"))) is None:
        yield ctx.finding(
            "EDX-STS-003", mh, "the status package has no Timestamp", "gói tin không có Timestamp"
        )
