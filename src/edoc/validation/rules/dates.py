"""Rules on dates: real calendar dates, promulgation and due dates, trace order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from lxml import etree

from edoc.errors import shorten
from edoc.formats import VN_TZ, parse_date, parse_timestamp
from edoc.validation.context import Context, q, text
from edoc.validation.findings import Finding
from edoc.validation.findings import Severity as S
from edoc.validation.registry import rule
from edoc.xml import names as n

# --- dates ------------------------------------------------------------------------------

_DATE_ELEMENTS = ("PromulgationDate", "DueDate")


@rule(
    "EDX-DATE-001",
    "Dates and timestamps are real calendar dates in yyyy/MM/dd [HH:mm:ss]",
    "Ngày, giờ là ngày có thật, theo dạng yyyy/MM/dd [HH:mm:ss]",
    S.ERROR,
)
def real_dates(ctx: Context) -> Iterator[Finding]:
    legacy = ctx.profile != "strict"
    for el in ctx.iter(*_DATE_ELEMENTS, "Timestamp"):
        value = text(el)
        if value is None:
            continue
        try:
            if n.local_of(el.tag) == "Timestamp":
                parse_timestamp(value.strip(), legacy_ok=legacy)
            else:
                parse_date(value.strip(), legacy_ok=legacy)
        except ValueError:
            yield ctx.finding(
                "EDX-DATE-001",
                el,
                f"{n.local_of(el.tag)} {shorten(value)!r} is not a real date in the "
                "standard's form",
                f"{n.local_of(el.tag)} {shorten(value)!r} không phải ngày hợp lệ",
            )


def _date(el: etree._Element | None) -> dt.date | None:
    value = text(el)
    if value is None:
        return None
    try:
        return parse_date(value.strip(), legacy_ok=True)[0]
    except ValueError:
        return None


@rule(
    "EDX-DATE-002",
    "The promulgation date is not in the future",
    "Ngày ban hành không ở tương lai",
    S.ERROR,
)
def promulgation_not_future(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None or ctx.kind != "edoc":
        return
    el = mh.find(f"{q('PromulgationInfo')}/{q('PromulgationDate')}")
    date = _date(el)
    today = ctx.now.astimezone(VN_TZ).date()
    if date is not None and date > today:
        yield ctx.finding(
            "EDX-DATE-002",
            el,
            f"PromulgationDate {date:%Y/%m/%d} is after today ({today:%Y/%m/%d}, Vietnam time)",
            f"Ngày ban hành {date:%Y/%m/%d} sau ngày hôm nay ({today:%Y/%m/%d})",
        )


@rule(
    "EDX-DATE-003",
    "The due date is not before the promulgation date",
    "Hạn xử lý không trước ngày ban hành",
    S.ERROR,
)
def due_after_promulgation(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None or ctx.kind != "edoc":
        return
    prom = _date(mh.find(f"{q('PromulgationInfo')}/{q('PromulgationDate')}"))
    due_el = mh.find(q("DueDate"))
    due = _date(due_el)
    if prom is not None and due is not None and due < prom:
        yield ctx.finding(
            "EDX-DATE-003",
            due_el,
            f"DueDate {due:%Y/%m/%d} is before PromulgationDate {prom:%Y/%m/%d}",
            f"Hạn xử lý {due:%Y/%m/%d} trước ngày ban hành {prom:%Y/%m/%d}",
        )


@rule(
    "EDX-TRACE-001",
    "TraceHeader timestamps are in order",
    "Thời điểm các TraceHeader theo thứ tự",
    S.WARNING,
)
def trace_in_order(ctx: Context) -> Iterator[Finding]:
    last: dt.datetime | None = None
    for th in ctx.iter("TraceHeader"):
        el = th.find(q("Timestamp"))
        value = text(el)
        if value is None:
            continue
        try:
            stamp = parse_timestamp(value.strip(), legacy_ok=True)[0]
        except ValueError:
            continue
        if last is not None and stamp < last:
            yield ctx.finding(
                "EDX-TRACE-001",
                el,
                f"TraceHeader at {value.strip()} comes after a later one",
                f"TraceHeader lúc {value.strip()} đứng sau một TraceHeader muộn hơn",
            )
        last = stamp
