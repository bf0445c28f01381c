"""Wire formats for dates and timestamps.

The standard writes dates as ``yyyy/MM/dd`` and timestamps as ``yyyy/MM/dd HH:mm:ss`` with
no zone. edoc reads and writes them as Vietnam time (UTC+07:00, no daylight saving): see
``docs/decisions.md``. Some integrators (Bkav's legacy validator) write ``dd/MM/yyyy``;
:func:`parse_date` accepts that when ``legacy_ok`` is true and says so.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = [
    "VN_TZ",
    "format_date",
    "format_timestamp",
    "parse_date",
    "parse_timestamp",
]

VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")
"""Vietnam time, the zone of every date and timestamp on the wire."""

_DATE = re.compile(r"(\d{4})/(\d{2})/(\d{2})", re.ASCII)
_LEGACY_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})", re.ASCII)
_TIMESTAMP = re.compile(r"(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})", re.ASCII)
_LEGACY_TIMESTAMP = re.compile(r"(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2}):(\d{2})", re.ASCII)


def parse_date(text: str, *, legacy_ok: bool = False) -> tuple[dt.date, bool]:
    """Parse a wire date; return ``(date, was_legacy_format)``.

    Raises ``ValueError`` naming the expected format for anything else, including
    dates that do not exist (``2024/02/30``): edoc never rolls a date over.
    """
    if m := _DATE.fullmatch(text):
        y, mo, d = (int(g) for g in m.groups())
        return dt.date(y, mo, d), False
    if legacy_ok and (m := _LEGACY_DATE.fullmatch(text)):
        d, mo, y = (int(g) for g in m.groups())
        return dt.date(y, mo, d), True
    raise ValueError(f"{text!r} is not a date in the form yyyy/MM/dd")


def parse_timestamp(text: str, *, legacy_ok: bool = False) -> tuple[dt.datetime, bool]:
    """Parse a wire timestamp as Vietnam time; return ``(datetime, was_legacy_format)``."""
    if m := _TIMESTAMP.fullmatch(text):
        y, mo, d, h, mi, s = (int(g) for g in m.groups())
    elif legacy_ok and (m := _LEGACY_TIMESTAMP.fullmatch(text)):
        d, mo, y, h, mi, s = (int(g) for g in m.groups())
    else:
        raise ValueError(f"{text!r} is not a timestamp in the form yyyy/MM/dd HH:mm:ss")
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=VN_TZ), m.re is _LEGACY_TIMESTAMP


def format_date(value: dt.date) -> str:
    """Format a date as ``yyyy/MM/dd``."""
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def format_timestamp(value: dt.datetime) -> str:
    """Format an aware datetime as ``yyyy/MM/dd HH:mm:ss`` in Vietnam time."""
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware, e.g. datetime.now(edoc.VN_TZ)")
    v = value.astimezone(VN_TZ)
    return f"{format_date(v.date())} {v.hour:02d}:{v.minute:02d}:{v.second:02d}"
