"""Rules on text: interoperable lengths, no bidi or invisible characters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import cast

from lxml import etree

from edoc.validation.context import Context, text
from edoc.validation.findings import Finding
from edoc.validation.findings import Severity as S
from edoc.validation.registry import rule
from edoc.xml import names as n

# --- lengths and text -------------------------------------------------------------------

# Interoperability limits from integrators and 7197/BKHCN (edxml-reference §2.3).
_MAX_LENGTH = {
    "CodeNumber": 11, "CodeNotation": 30, "TypeName": 100, "OrganName": 200,
    "OrganizationInCharge": 500, "OrganAdd": 500, "Email": 100, "Subject": 500,
    "Content": 500, "Competence": 100, "Position": 100, "FullName": 50,
    "SphereOfPromulgation": 100, "TyperNotation": 10, "Appendix": 250, "AttachmentName": 500,
}  # fmt: skip


@rule(
    "EDX-LEN-001",
    "Text fields fit the lengths integrators accept (CodeNumber 11, Subject 500, …)",
    "Độ dài trường văn bản trong giới hạn các hệ thống chấp nhận (CodeNumber 11, Subject 500, …)",
    S.WARNING,
)
def lengths(ctx: Context) -> Iterator[Finding]:
    if ctx.profile == "strict":
        return  # the strict schema's maxLength facets report these
    for el in ctx.iter(*_MAX_LENGTH):
        name = n.local_of(el.tag)
        limit = _MAX_LENGTH[name]
        value = text(el) or ""
        if len(value) > limit:
            yield ctx.finding(
                "EDX-LEN-001",
                el,
                f"{name} has {len(value)} characters; receivers accept {limit}",
                f"{name} dài {len(value)} ký tự; giới hạn {limit}",
            )


_BIDI_OR_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]")
_ALL_TEXT = etree.XPath("string()", smart_strings=False)
"""Every text node below an element, joined in C (``itertext`` builds one string each)."""


@rule(
    "EDX-TXT-001",
    "Text holds no bidirectional-override or invisible characters",
    "Văn bản không chứa ký tự điều khiển hướng hay ký tự ẩn",
    S.WARNING,
)
def no_bidi(ctx: Context) -> Iterator[Finding]:
    env = ctx.envelope
    if env is None or not _BIDI_OR_INVISIBLE.search(cast("str", _ALL_TEXT(env))):
        return  # one search over all the text first: such characters are rare
    for el in env.iter():
        value = el.text if isinstance(el.tag, str) and len(el) == 0 else None
        if value and (m := _BIDI_OR_INVISIBLE.search(value)):
            yield ctx.finding(
                "EDX-TXT-001",
                el,
                f"{n.local_of(el.tag)} contains U+{ord(m.group()):04X} "
                f"({unicodedata.name(m.group(), 'unnamed')})",
                f"{n.local_of(el.tag)} chứa ký tự U+{ord(m.group()):04X}",
            )
