"""Rules on attachments: manifest, content ids, content types, names."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from lxml import etree

from edoc.errors import shorten
from edoc.model import BrokenContent
from edoc.validation.context import Context, q, text
from edoc.validation.findings import Finding
from edoc.validation.findings import Severity as S
from edoc.validation.registry import rule
from edoc.xml import names as n

# --- attachments ------------------------------------------------------------------------


def _attachments(ctx: Context) -> list[tuple[etree._Element, str | None]]:
    """Every Attachment with its ContentId's text, found once per package."""
    return ctx.memo("attachments", lambda: [(a, _cid(a)) for a in ctx.iter(n.ATTACHMENT)])


def _references(ctx: Context) -> list[tuple[etree._Element, str | None]]:
    """Every manifest Reference (under edXMLBody) with its ContentId's text."""

    def find() -> list[tuple[etree._Element, str | None]]:
        env = ctx.envelope
        body = env.find(q(n.BODY)) if env is not None else None
        return [] if body is None else [(r, _cid(r)) for r in ctx.iter(n.REFERENCE, within=body)]

    return ctx.memo("references", find)


def _cid(el: etree._Element) -> str | None:
    return text(el.find(q("ContentId")))


@rule(
    "EDX-ATT-001",
    "Every manifest Reference has exactly one Attachment with its ContentId, and the reverse",
    "Mỗi Reference trong manifest có đúng một Attachment cùng ContentId, và ngược lại",
    S.ERROR,
)
def manifest_matches(ctx: Context) -> Iterator[Finding]:
    if ctx.kind != "edoc":
        return
    attachments, references = _attachments(ctx), _references(ctx)
    atts = Counter(cid for _, cid in attachments)
    refs = Counter(cid for _, cid in references)
    for ref, cid in references:
        if atts[cid] != 1:
            yield ctx.finding(
                "EDX-ATT-001",
                ref,
                f"manifest Reference {cid} has {atts[cid]} attachments, not one",
                f"Reference {cid} trong manifest có {atts[cid]} tệp đính kèm, không phải một",
            )
    for att, cid in attachments:
        if refs[cid] != 1:
            yield ctx.finding(
                "EDX-ATT-001",
                att,
                f"Attachment {cid} is listed {refs[cid]} times in the manifest, not once",
                f"tệp đính kèm {cid} có {refs[cid]} lần trong manifest, không phải một",
            )
    by_cid = {cid: a for a, cid in attachments}
    for ref, cid in references:
        twin = by_cid.get(cid)
        if twin is None or atts[cid] != 1 or refs[cid] != 1:
            continue
        for field in ("ContentType", "AttachmentName"):
            el = twin.find(q(field))
            said, has = text(ref.find(q(field))), text(el)
            if el is not None and said is not None and has is not None and said != has:
                if field == "ContentType" and said.strip().lower() == "application/zip":
                    yield ctx.finding(
                        "EDX-ATT-006",
                        ref.find(q(field)),
                        f"Attachment {cid}: the manifest says application/zip, the attachment "
                        f"{shorten(has)!r} (the reference builder's manifest always says "
                        "application/zip)",
                        f"tệp đính kèm {cid}: manifest ghi application/zip, tệp ghi {shorten(has)}",
                    )
                    continue
                yield ctx.finding(
                    "EDX-ATT-001",
                    el,
                    f"Attachment {cid}: {field} {shorten(has)!r} differs from the manifest's "
                    f"{shorten(said)!r}",
                    f"tệp đính kèm {cid}: {field} khác với manifest",
                )


@rule(
    "EDX-ATT-006",
    "The manifest's ContentType is the attachment's, not the reference builder's constant "
    "application/zip",
    "ContentType trong manifest trùng với tệp đính kèm, không phải application/zip cố định",
    S.NOTE,
    strict=S.ERROR,
)
def manifest_zip_type(ctx: Context) -> Iterator[Finding]:
    """Reported by :func:`manifest_matches`, which compares the two ContentTypes."""
    return iter(())


@rule(
    "EDX-ATT-004",
    "Attachment content is valid base64",
    "Nội dung tệp đính kèm là base64 hợp lệ",
    S.ERROR,
)
def content_decodes(ctx: Context) -> Iterator[Finding]:
    for node in ctx.nodes(q(n.CONTENT_TRANSFER_ENCODED)):
        if isinstance(node.content, BrokenContent):
            att = node.parent
            cid = (
                next((c.text for c in att.children if c.tag == q("ContentId")), None)
                if att
                else None
            )
            yield ctx.finding(
                "EDX-ATT-004",
                node,
                f"Attachment {cid}: {node.content.reason}; it is marked broken and its bytes "
                "are not exposed",
                f"tệp đính kèm {cid}: nội dung không phải base64 hợp lệ",
            )


@rule(
    "EDX-ATT-002",
    "Attachment ContentIds are unique",
    "ContentId của các tệp đính kèm không trùng nhau",
    S.ERROR,
)
def content_ids_unique(ctx: Context) -> Iterator[Finding]:
    seen: set[str | None] = set()
    for att, cid in _attachments(ctx):
        el = att.find(q("ContentId"))
        if cid in seen:
            yield ctx.finding(
                "EDX-ATT-002",
                el if el is not None else att,
                f"ContentId {cid} is used by two attachments",
                f"ContentId {cid} được dùng cho hai tệp đính kèm",
            )
        seen.add(cid)


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"GIF8", "image/gif"),
    (b"MZ", "an executable (PE)"),
    (b"\x7fELF", "an executable (ELF)"),
)
# Declared types each magic family may legitimately carry.
_COMPATIBLE = {
    "application/zip": {
        "application/zip", "application/x-zip-compressed",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
        "application/docx", "application/xslx", "application/epub+zip",
    },
    "application/x-ole-storage": {
        "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
        "application/doc", "application/xsl", "application/x-ole-storage",
    },
    "application/pdf": {"application/pdf"},
    "image/png": {"image/png"},
    "image/jpeg": {"image/jpeg", "image/jpg"},
    "image/tiff": {"image/tiff"},
    "application/vnd.rar": {"application/vnd.rar", "application/x-rar-compressed"},
    "application/x-7z-compressed": {"application/x-7z-compressed"},
    "image/gif": {"image/gif"},
    "an executable (PE)": {
        "application/x-msdownload", "application/vnd.microsoft.portable-executable",
    },
    "an executable (ELF)": {"application/x-executable", "application/x-elf"},
}  # fmt: skip


def _sniff(head: bytes) -> str | None:
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


@rule(
    "EDX-ATT-003",
    "An attachment's declared ContentType matches its bytes",
    "ContentType khai báo khớp với nội dung tệp đính kèm",
    S.WARNING,
)
def content_type_matches(ctx: Context) -> Iterator[Finding]:
    for node in ctx.nodes(q(n.ATTACHMENT)):
        cte = next((c for c in node.children if c.content is not None), None)
        ct = next((c for c in node.children if c.tag == q("ContentType")), None)
        if cte is None or ct is None or cte.content is None:
            continue
        if isinstance(cte.content, BrokenContent):
            continue  # EDX-ATT-004 reports it
        declared = ct.text.split(";")[0].strip().lower()
        with cte.content.open() as fh:
            kind = _sniff(fh.read(16))
        if kind is not None and declared and declared not in _COMPATIBLE[kind]:
            yield ctx.finding(
                "EDX-ATT-003",
                ct,
                f"ContentType says {declared} but the bytes are {kind}",
                f"ContentType ghi {declared} nhưng nội dung là {kind}",
            )


_UNSAFE_NAME = re.compile(
    r'[\x00-\x1f\x7f/\\:*?"<>|]|^\.\.?$|^(CON|PRN|AUX|NUL|COM\d|LPT\d)(\.|$)', re.I
)


@rule(
    "EDX-ATT-005",
    "Attachment names are plain file names (no folders, control or reserved characters)",
    "Tên tệp đính kèm là tên tệp đơn (không có thư mục, ký tự điều khiển hay ký tự cấm)",
    S.WARNING,
)
def attachment_names(ctx: Context) -> Iterator[Finding]:
    for el in ctx.iter("AttachmentName"):
        value = text(el)
        if value is not None and _UNSAFE_NAME.search(value):
            yield ctx.finding(
                "EDX-ATT-005",
                el,
                f"attachment name {shorten(value)!r} is not a plain file name",
                f"tên tệp {shorten(value)!r} không phải tên tệp đơn",
            )
