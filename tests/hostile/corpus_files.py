# ruff: noqa: E501  (one case per line reads best)
"""Group D of hostile-inputs.md: attachments and files (F1-F8)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import edoc
from edoc.errors import LimitExceededError, ParseError
from edoc.limits import Limits

from ._build import ChunkStream, Ctx, rep, sample
from ._case import Accepted, Case, Flagged, Refused

HOSTILE_NAMES = ["../../etc/cron.d/x", "/etc/passwd", "C:\\Windows\\System32\\x.dll", "\\\\server\\share\\x",
                 "file.doc:stream", "CON", "NUL.txt", "COM1.pdf", "trailing. ", "x", "..", ".", "\u202efdp.exe",
                 "Quyết định " * 30 + ".pdf"]  # fmt: skip


def _named(*names: str, data: bytes = b"%PDF-1.4 x") -> Any:
    pkg = sample()
    import attrs

    atts = [edoc.Attachment.from_bytes(data, name=n, content_type="application/pdf") for n in names]
    return attrs.evolve(pkg, attachments=atts)


def _extracted_inside(result: Any, ctx: Ctx) -> None:
    dest = (ctx.work / "dest").resolve()
    files = [p for p in dest.rglob("*") if p.is_file() or p.is_symlink()]
    for p in files:
        assert p.resolve().parent == dest or p.is_symlink(), p
        assert len(p.name.encode()) <= 255
    assert ctx.victim.read_text() == "victim", "a planted symlink was followed"
    assert len([p for p in files if not p.is_symlink()]) == result, (files, result)


def _planted(c: Ctx) -> bytes:
    (c.work / "dest" / "x").symlink_to(c.victim)
    return edoc.to_bytes(_named("x", "y.pdf"))


def _ten_thousand(limits: Limits | None) -> Any:
    def make(c: Ctx) -> Any:
        head = c.unsigned.partition(b"<AttachmentEncoded>")[0]
        one = b'<Attachment><ContentId>cid:1</ContentId><AttachmentName>a.pdf</AttachmentName><ContentType>application/pdf</ContentType><edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">QUJD</edXML:ContentTransferEncoded></Attachment>'

        def chunks() -> Any:
            yield head + b"<AttachmentEncoded>"
            for _ in range(10_000):
                yield one
            yield b"</AttachmentEncoded></edXML>"

        return ChunkStream(chunks()), limits

    return make


def _b64_bomb(c: Ctx) -> Any:
    head, _, tail = c.unsigned.partition(b"JVBERi0xLjQg")
    tail = tail[tail.index(b"<") :]
    return ChunkStream(_gen(head, b"QUFB" * 65536, 200 << 20, tail)), Limits(
        max_attachment_bytes=1 << 20
    )


def _gen(head: bytes, unit: bytes, total: int, tail: bytes) -> Any:
    from ._build import repeated

    return repeated(head, unit, total, tail)


def _four_extracted(result: Any, ctx: Ctx) -> None:
    assert result == 5
    assert sorted(p.name for p in (ctx.work / "dest").iterdir()) == [
        "a.pdf", "b.pdf", "c.pdf", "d.pdf",
    ]  # fmt: skip


def _corrupt_last(c: Ctx) -> bytes:
    data = edoc.to_bytes(_named("a.pdf", "b.pdf", "c.pdf", "d.pdf", "e.pdf"))
    i = data.rindex(b"</edXML:ContentTransferEncoded>")
    return data[: i - 4] + b"!!!!" + data[i:]


def _zip_bomb(entries: int = 2000, size: int = 1 << 20) -> bytes:
    """A .docx of 2000 deflated entries of 1 MiB zeros each (2 GiB if anyone inflated it),
    written by hand around one compressed block so that building it costs milliseconds."""
    import struct
    import zlib

    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = z.compress(bytes(size)) + z.flush()
    crc = zlib.crc32(bytes(size))
    out, central = io.BytesIO(), io.BytesIO()
    for i in range(entries):
        name = f"word/p{i}.xml".encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0
            )
            + name
            + data
        )
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(data),
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    cd = central.getvalue()
    out.write(
        cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, len(cd), out.tell(), 0)
    )
    bomb = out.getvalue()
    assert zipfile.ZipFile(io.BytesIO(bomb)).infolist()[-1].file_size == size
    return bomb


_BOMB: list[bytes] = []


def _bomb_package(c: Ctx) -> bytes:
    if not _BOMB:
        _BOMB.append(_zip_bomb())
    import attrs

    att = edoc.Attachment.from_bytes(_BOMB[0], name="bomb.docx")
    return edoc.to_bytes(attrs.evolve(sample(), attachments=[att]))


def _bomb_untouched(result: Any, c: Ctx) -> None:
    kind = getattr(result, "kind", None)
    if kind is not None:  # a validate Report: nothing but the magic-number sniff ran
        assert not result.errors, result.errors
    else:
        assert result.attachments[0].size == len(_BOMB[0])


def _manifest(c: Ctx, how: str) -> bytes:
    d = edoc.to_bytes(_named("a.pdf", "b.pdf"))
    if how == "reference-without-attachment":
        s = d.index(b"<Attachment>", d.index(b"<Attachment>") + 1)
        return d[:s] + d[d.index(b"</Attachment>", s) + 13 :]
    if how == "orphan-attachment":
        s = d.index(b"<edXML:Reference>", d.index(b"<edXML:Reference>") + 1)
        return d[:s] + d[d.index(b"</edXML:Reference>", s) + 18 :]
    if how == "duplicate-content-id":
        return d.replace(b"cid:2", b"cid:1")
    if how == "type-differs":
        s = d.index(b"<ContentType>application/pdf")
        return d[:s] + b"<ContentType>text/html" + d[s + len(b"<ContentType>application/pdf") :]
    raise AssertionError(how)


CASES = [
    Case(
        "F1",
        "hostile-names-extract",
        "attachments named ../, absolute, UNC, ADS, device names, bidi, 420 bytes: extracted inside dest only",
        "extract",
        lambda c: edoc.to_bytes(_named(*HOSTILE_NAMES)),
        Accepted(
            _extracted_inside,
            "names are sanitised to one plain file name; O_EXCL-style creation; a planted symlink is not followed",
        ),
    ),
    Case(
        "F1",
        "planted-symlink",
        "dest/x is a symlink to a victim file and an attachment is named x: refused, the victim untouched",
        "extract",
        _planted,
        Refused(edoc.errors.InputError, "x exists"),
    ),
    Case(
        "F1",
        "hostile-names-flagged",
        "the same names are reported",
        "validate",
        lambda c: edoc.to_bytes(_named("../../etc/cron.d/x")),
        Flagged("EDX-ATT-005", "not a plain file name", severity="warning"),
    ),
    Case(
        "F1",
        "nul-in-name",
        "a NUL byte in AttachmentName (as &#0;)",
        "read",
        lambda c: rep(
            edoc.to_bytes(_named("a.pdf")), b"<AttachmentName>a.pdf", b"<AttachmentName>a&#0;.pdf"
        ),
        Refused(ParseError, "not well-formed"),
    ),
    Case(
        "F2",
        "colliding-names",
        "three attachments named qd.pdf, QD.PDF, qd.pdf: deduplicated",
        "extract",
        lambda c: edoc.to_bytes(_named("qd.pdf", "QD.PDF", "qd.pdf")),
        Accepted(_extracted_inside, "deterministic 'name (2).ext' deduplication, case-insensitive"),
    ),
    Case(
        "F2",
        "bidi-name",
        "…\\u202efdp.exe: flagged",
        "validate",
        lambda c: edoc.to_bytes(_named("invoice\u202efdp.exe")),
        Flagged("EDX-TXT-001", "U\\+202E", severity="warning"),
    ),
    Case(
        "F3",
        "reference-without-attachment",
        "a manifest Reference with no Attachment",
        "validate",
        lambda c: _manifest(c, "reference-without-attachment"),
        Flagged("EDX-ATT-001", "cid:2"),
    ),
    Case(
        "F3",
        "orphan-attachment",
        "an Attachment no manifest Reference names",
        "validate",
        lambda c: _manifest(c, "orphan-attachment"),
        Flagged("EDX-ATT-001", "cid:2"),
    ),
    Case(
        "F3",
        "duplicate-content-id",
        "two attachments with ContentId cid:1",
        "validate",
        lambda c: _manifest(c, "duplicate-content-id"),
        Flagged("EDX-ATT-002", "cid:1"),
    ),
    Case(
        "F3",
        "cid-prefix-dropped",
        "ContentId x vs cid:x (the third-party writer's form)",
        "validate",
        lambda c: rep(edoc.to_bytes(_named("a.pdf")), b"<ContentId>cid:1", b"<ContentId>1"),
        Flagged("EDX-READ-CID", "cid:", severity="warning"),
    ),
    Case(
        "F3",
        "content-type-differs",
        "ContentType differs between manifest and attachment",
        "validate",
        lambda c: _manifest(c, "type-differs"),
        Flagged("EDX-ATT-001", "ContentType 'text/html' differs"),
    ),
    Case(
        "F4",
        "pe-declared-pdf",
        "MZ… bytes declared application/pdf",
        "validate",
        lambda c: edoc.to_bytes(_named("qd.pdf", data=b"MZ\x90\x00" + bytes(60))),
        Flagged("EDX-ATT-003", "application/pdf.*executable", severity="warning"),
    ),
    Case(
        "F4",
        "elf-declared-pdf",
        "an ELF binary declared application/pdf",
        "validate",
        lambda c: edoc.to_bytes(_named("qd.pdf", data=b"\x7fELF\x02\x01\x01" + bytes(60))),
        Flagged("EDX-ATT-003", "application/pdf.*executable", severity="warning"),
    ),
    Case(
        "F5",
        "zip-bomb-read",
        "a .docx of 2000 x 1 MiB deflated entries (1.95 GiB inflated): read never inflates it",
        "read",
        _bomb_package,
        Accepted(
            _bomb_untouched, "edoc never decompresses attachments; it offers no archive inspection"
        ),
        max_rss_mb=100,
    ),
    Case(
        "F5",
        "zip-bomb-validate",
        "the same through validate (only 16 bytes are sniffed)",
        "validate",
        _bomb_package,
        Accepted(_bomb_untouched, "validation sniffs the first 16 bytes only"),
        max_rss_mb=100,
    ),
    Case(
        "F6",
        "base64-bomb",
        "a 200 MiB base64 attachment against max_attachment_bytes = 1 MiB, streamed",
        "read",
        _b64_bomb,
        Refused(
            LimitExceededError,
            "attachment larger than Limits.max_attachment_bytes",
            limit="max_attachment_bytes",
        ),
        max_rss_mb=64,
    ),
    Case(
        "F7",
        "corrupt-last-attachment",
        "bad base64 in attachment 5 of 5: that one is broken and not extracted, the four others are, no temporary file left",
        "extract",
        _corrupt_last,
        Accepted(_four_extracted, "a broken attachment is marked, never written (issue 15)"),
    ),
    Case(
        "F8",
        "ten-thousand-attachments",
        "10,000 attachments against the default cap (1000), streamed",
        "read",
        _ten_thousand(None),
        Refused(LimitExceededError, "too many attachments", limit="max_attachments"),
    ),
    Case(
        "F8",
        "cap-plus-one",
        "11 attachments against max_attachments = 10",
        "read",
        _ten_thousand(Limits(max_attachments=10)),
        Refused(LimitExceededError, "too many attachments", limit="max_attachments"),
    ),
]

__all__ = ["CASES", "HOSTILE_NAMES"]
