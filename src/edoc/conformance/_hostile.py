# ruff: noqa: E501  (a table of vectors, one per entry, reads best unwrapped)
"""Hostile vectors: inputs built to attack the receiver (docs/security.md, the hostile-input
catalogue). The kit generates a core set; more come from pluggable sources.

A source is a callable returning vectors. Register one with :func:`register_source`, or
from another distribution through the ``edoc.conformance.hostile`` entry-point group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from importlib import metadata

from edoc.conformance._packages import Seeded, base_package, header, sub
from edoc.conformance._packages import b as _b
from edoc.conformance.vectors import Category, Expect, Made, Signed, Vector
from edoc.model import Attachment

__all__ = [
    "HostileSource",
    "core_hostile_vectors",
    "hostile_vectors",
    "register_source",
    "unregister_source",
]

HostileSource = Callable[[], Iterable[Vector]]
_SOURCES: list[HostileSource] = []
ENTRY_POINT_GROUP = "edoc.conformance.hostile"

_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _doctype(s: Seeded, dtd: str, subject: str) -> bytes:
    data = _b(base_package(s)).decode("utf-8")
    data = data.replace(_DECL, _DECL + dtd + "\n", 1)
    data = re.sub(r"<edXML:Subject>[^<]*</edXML:Subject>",
                  f"<edXML:Subject>{subject}</edXML:Subject>", data, count=1)  # fmt: skip
    return data.encode("utf-8")


def _xxe(s: Seeded) -> Made:
    return _doctype(s, '<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;")


def _laughs(s: Seeded) -> Made:
    ents = ['<!ENTITY l0 "ha">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    return _doctype(s, f"<!DOCTYPE edXML [{''.join(ents)}]>", "&l9;")


def _wrapping(s: Seeded) -> Made:
    """XSW: the signed MessageHeader moves into ds:Object; a forged one takes its place."""

    def edit(data: bytes) -> bytes:
        text = data.decode("utf-8")
        start = text.index("<edXML:MessageHeader>")
        end = text.index("</edXML:MessageHeader>") + len("</edXML:MessageHeader>")
        original = text[start:end]
        forged = re.sub(r"<edXML:Subject>[^<]*</edXML:Subject>",
                        "<edXML:Subject>Chuyển tiền gấp</edXML:Subject>", original)  # fmt: skip
        wrapped = (f'<Object><edXML:edXMLHeader xmlns:edXML="{_NS}">{original}'
                   "</edXML:edXMLHeader></Object>")  # fmt: skip
        text = text[:start] + forged + text[end:]
        text = text.replace("</KeyInfo></Signature>", f"</KeyInfo>{wrapped}</Signature>", 1)
        return text.encode("utf-8")

    return Signed(base_package(s), "rsa", edit=edit)


_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def _tampered(s: Seeded) -> Made:
    def edit(data: bytes) -> bytes:
        return re.sub(rb"<edXML:CodeNumber>\d+<", b"<edXML:CodeNumber>9999<", data, count=1)

    return Signed(base_package(s), "ec", edit=edit)


def _garbage(s: Seeded) -> Made:
    noise = "".join(s.rng.choice("!#%()*,-.:;?@[]^_{|}~") for _ in range(4096))
    return sub(_b(base_package(s)), "JVBERi0xLjQgYm9keQ==", "JVBERi0x" + noise)


def _traversal(s: Seeded) -> Made:
    att = Attachment.from_bytes(b"%PDF-1.4 pwned", name="../../../../etc/cron.d/edoc.pdf")
    return _b(base_package(s, attachments=[att]))


def _windows_traversal(s: Seeded) -> Made:
    att = Attachment.from_bytes(b"%PDF-1.4 pwned", name="..\\..\\Windows\\win.ini.pdf")
    return _b(header(base_package(s, attachments=[att])))


def core_hostile_vectors() -> list[Vector]:
    """The kit's own hostile vectors."""

    def v(vid: str, title: str, make: Callable[[Seeded], Made], expect: Expect,
          rule: str | None, clause: str, mode: str = "validate") -> Vector:  # fmt: skip
        return Vector(
            id=vid, category=Category.HOSTILE, title=title, expect=expect, make=make,
            rule=rule, clause=clause, required=expect is not Expect.WARN, mode=mode,
            tags=("signature",) if mode == "verify" else (),
        )  # fmt: skip

    return [
        v("hostile-dtd-xxe", "A DOCTYPE with an external entity (file:///etc/passwd) in Subject",
          _xxe, Expect.REJECT, "EDX-XML-001", "XML 1.0 §4.2.2 (external entities); never resolved: edoc interop choice"),
        v("hostile-billion-laughs", "Nested internal entities expanding to 10^9 'ha'",
          _laughs, Expect.REJECT, "EDX-XML-001", "XML 1.0 §4.2 (entities); no DTD or entity: edoc interop choice"),
        v("hostile-base64-garbage", "An attachment's content is 4 KiB of non-base64 punctuation",
          _garbage, Expect.REJECT, "EDX-ATT-004", "QCVN 102:2016 AttachmentEncoded/ContentTransferEncoded (base64)"),
        v("hostile-path-traversal-name", "An attachment named ../../../../etc/cron.d/edoc.pdf",
          _traversal, Expect.WARN, "EDX-ATT-005", "edoc interop choice: never write outside the target folder"),
        v("hostile-path-traversal-windows", r"An attachment named ..\..\Windows\win.ini.pdf",
          _windows_traversal, Expect.WARN, "EDX-ATT-005", "edoc interop choice: never write outside the target folder"),
        v("hostile-signature-wrapping",
          "XSW: the signed MessageHeader moved into ds:Object, a forged one in its place",
          _wrapping, Expect.REJECT, None, "XML-DSig core validation: the signed header is the one read; edoc interop choice", "verify"),
        v("hostile-signature-tampered", "A signed package whose CodeNumber changed after signing",
          _tampered, Expect.REJECT, None, "XML-DSig reference validation (the digest covers the package); NĐ 30/2020/NĐ-CP Art. 8 h)", "verify"),
    ]  # fmt: skip


def register_source(source: HostileSource) -> None:
    """Add a source of hostile vectors (e.g. a corpus) to every suite made from now on."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def unregister_source(source: HostileSource) -> None:
    """Remove a source added with :func:`register_source` (no error when absent)."""
    if source in _SOURCES:
        _SOURCES.remove(source)


def hostile_vectors() -> list[Vector]:
    """The core set, the corpus snapshot, then every registered and entry-point source."""
    from edoc.conformance._corpus import corpus_vectors

    out = core_hostile_vectors() + corpus_vectors()
    sources = list(_SOURCES)
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        sources.append(ep.load())
    for source in sources:
        for vector in source():
            if vector.category is not Category.HOSTILE:
                raise ValueError(f"hostile source gave {vector.id} in {vector.category.value}")
            out.append(vector)
    return out
