"""Issue 15: every variant real senders and the hub deliver is read, recorded and judged.

Each test names its variant (tests/variants.py builds the bytes). Expected values, codes
and lines are written by hand; a line is found in the bytes themselves with ``line_of``.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

import edoc
import variants as v
from conftest import make_package, read_edoc
from edoc.cli import main
from edoc.errors import InputError, LimitExceededError
from edoc.validation import Severity, validate

E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE


def line_of(data: bytes, marker: bytes, occurrence: int = 1) -> int:
    at = -1
    for _ in range(occurrence):
        at = data.index(marker, at + 1)
    return data[:at].count(b"\n") + 1


def deviations(pkg: edoc.Package) -> list[tuple[str, int | None]]:
    return [(d.code, d.line) for d in pkg.deviations]


def findings(data: bytes, profile: str = "interop") -> set[tuple[str, Severity]]:
    return {(f.rule, f.severity) for f in validate(data, profile=profile).findings}


# --- hops, header parts, values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        ("hop-without-organ-id", "TraceHeader has no OrganId: a hop without an agency"),
        ("hop-organ-id-null", "TraceHeader has the OrganId 'null': a hop without an agency"),
    ],
)
def test_hop_without_an_agency(variant: str, message: str) -> None:
    data = v.VARIANTS[variant]()
    pkg = read_edoc(data)
    (hop,) = pkg.trace.trace_headers
    assert hop.organ_id is None
    assert hop.timestamp == edoc.formats.parse_timestamp("2015/09/30 10:15:00")[0]
    assert deviations(pkg) == [("EDX-READ-HOP-NO-ORGAN", line_of(data, b"<edXML:TraceHeader>"))]
    assert pkg.deviations[0].message == message
    # Interop: the hub writes these, a note. Strict: an error.
    assert ("EDX-READ-HOP-NO-ORGAN", N) in findings(data)
    assert not any(s is E for _, s in findings(data) - {("EDX-ID-001", W)})
    assert ("EDX-READ-HOP-NO-ORGAN", E) in findings(data, "strict")


def test_header_with_only_from_to_document_id_and_subject() -> None:
    data = v.VARIANTS["header-without-code-promulgation-type"]()
    pkg = read_edoc(data)
    h = pkg.header
    assert (h.code, h.promulgation_info, h.document_type) == (None, None, None)
    assert str(h.document_id) == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert h.subject == "V/v kết nối, liên thông phần mềm quản lý văn bản"
    mh = line_of(data, b"<edXML:MessageHeader>")
    assert deviations(pkg) == [("EDX-READ-HEADER-INCOMPLETE", mh)] * 3
    assert [d.message for d in pkg.deviations] == [
        f"MessageHeader has no {name}, which the standard requires"
        for name in ("Code", "PromulgationInfo", "DocumentType")
    ]
    assert findings(data) == {("EDX-READ-HEADER-INCOMPLETE", W)}
    assert ("XSD", E) in findings(data, "strict")
    # Write strict: the model read from it is not written back.
    with pytest.raises(InputError, match=r"header\.code"):
        edoc.to_bytes(pkg)


def test_a_readable_header_can_always_be_answered() -> None:
    pkg = edoc.read(v.VARIANTS["header-without-code-promulgation-type"]())
    assert isinstance(pkg, edoc.EdocPackage)
    reply = edoc.StatusPackage.reply_to(pkg, code=edoc.StatusCode.REJECTED)
    assert reply.response_for.code is None
    assert str(reply.response_for.document_id) == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    again = edoc.read(edoc.to_bytes(reply))
    assert again == reply


def test_missing_subject_and_impossible_date_are_errors_in_both_profiles() -> None:
    no_subject = v.VARIANTS["no-subject"]()
    assert read_edoc(no_subject).header.subject is None
    assert ("EDX-READ-MISSING", E) in findings(no_subject)
    bad_date = v.VARIANTS["impossible-date"]()
    pkg = read_edoc(bad_date)
    assert pkg.header.promulgation_info.promulgation_date is None  # type: ignore[union-attr]
    assert deviations(pkg) == [("EDX-READ-VALUE", line_of(bad_date, b"<edXML:PromulgationDate>"))]
    assert {("EDX-READ-VALUE", E), ("EDX-DATE-001", E)} <= findings(bad_date)


def test_agency_codes_are_trimmed() -> None:
    data = v.VARIANTS["padded-agency-codes"]()
    pkg = read_edoc(data)
    assert [str(t.organ_id) for t in pkg.header.to] == ["000.00.00.H41"]
    assert deviations(pkg) == [("EDX-READ-TRIMMED", line_of(data, b"<edXML:OrganId>  000"))]
    assert findings(data) == {("EDX-READ-TRIMMED", N)}


# --- namespaces ---------------------------------------------------------------------------


def test_undeclared_prefixes_are_read_by_local_name() -> None:
    data = v.VARIANTS["undeclared-prefixes"]()
    pkg = read_edoc(data)
    assert [a.read_bytes() for a in pkg.attachments] == [v.PDF]
    assert [(d.line, d.message) for d in pkg.deviations] == [
        (
            line_of(data, b"xlink:href"),
            "Namespace prefix xlink for href on Reference is not defined",
        ),
        (
            line_of(data, b"<edXML:AttachmentEncoded>"),
            "Namespace prefix edXML on AttachmentEncoded is not defined",
        ),
    ]
    assert findings(data) == {("EDX-READ-UNDECLARED-PREFIX", W)}
    assert findings(data, "strict") == {("EDX-READ-UNDECLARED-PREFIX", E)}


def test_element_in_no_namespace_is_foreign_but_the_package_is_read() -> None:
    data = v.VARIANTS["element-in-no-namespace"]()
    pkg = read_edoc(data)
    assert pkg.header.subject is None  # lookups are by namespace, never local name alone
    assert [d.code for d in pkg.deviations] == ["EDX-READ-UNKNOWN", "EDX-READ-MISSING"]
    assert pkg.deviations[0].message == "unknown element Subject in MessageHeader was ignored"


def test_only_the_edxml_prefix_is_read_when_undeclared() -> None:
    data = v.sub(v.written(), b"<AttachmentEncoded>", b"<x:AttachmentEncoded>")
    data = v.sub(data, b"</AttachmentEncoded>", b"</x:AttachmentEncoded>")
    pkg = read_edoc(data)
    assert pkg.attachments == ()
    assert [d.code for d in pkg.deviations] == [
        "EDX-READ-UNDECLARED-PREFIX", "EDX-READ-UNKNOWN", "EDX-READ-MANIFEST",
    ]  # fmt: skip


def test_another_root_name_around_the_envelope_is_read() -> None:
    data = v.sub(v.written(), b"<edXML xmlns=", b"<Goi xmlns=")
    data = v.sub(data, b"</edXML>", b"</Goi>")
    pkg = edoc.read(data)
    assert pkg == edoc.read(v.written())
    assert [d.code for d in pkg.deviations] == ["EDX-READ-ROOT"]


# --- attachments ----------------------------------------------------------------------------


def test_attachment_that_is_not_base64_is_marked_broken_the_rest_intact() -> None:
    data = v.VARIANTS["not-base64-attachment"]()
    pkg = read_edoc(data)
    assert pkg.header == read_edoc(v.written()).header
    (att,) = pkg.attachments
    assert (att.name, att.content_id, att.content_type) == ("qd.pdf", "cid:1", "application/pdf")
    assert att.broken == "attachment content is not valid base64: character '$'"
    assert att.size is None
    with pytest.raises(InputError, match="broken"):
        att.open()
    with pytest.raises(InputError, match="broken attachment cid:1"):
        edoc.to_bytes(pkg)  # the writer does not invent its content
    (f,) = [f for f in validate(data).findings if f.rule == "EDX-ATT-004"]
    assert f.severity is E
    assert "Attachment cid:1" in f.message
    assert f.line == line_of(data, b"<edXML:ContentTransferEncoded")


def test_manifest_only_description_is_kept() -> None:
    pkg = read_edoc(v.VARIANTS["manifest-only-description"]())
    assert pkg.attachments[0].description == "Quyết định số 1"


@pytest.mark.parametrize(
    ("name", "original", "content_type"),
    [
        ("phu_luc.txt", v.TXT, "text/plain"),
        (
            "bang_ke.xlsx",
            v.XLSX,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_reference_builder_zip_wrapping_is_unwrapped(
    name: str, original: bytes, content_type: str
) -> None:
    data, _ = v.reference_builder_output()
    pkg = read_edoc(data)
    att = next(a for a in pkg.attachments if a.name == name)
    assert att.content_type == "application/zip"
    assert att.read_bytes()[:4] == b"PK\x03\x04"
    inner = att.unwrap()
    assert inner is not None
    assert (inner.name, inner.content_type, inner.size) == (name, content_type, len(original))
    assert inner.read_bytes() == original
    assert inner.unwrapped_from is not None
    assert inner.unwrapped_from.endswith(name[name.rindex(".") :])
    assert inner.unwrap() is None  # nested archives are not followed
    position = [a.name for a in pkg.attachments].index(name) + 1  # written in this order
    line = line_of(data, b"<edXML:ContentTransferEncoded", position)
    assert ("EDX-READ-ZIP-WRAPPED", line) in deviations(pkg)


def test_reference_builder_output_validates_in_interop_with_no_error() -> None:
    data, originals = v.reference_builder_output()
    assert data.index(b"<edXML:Bussiness>") < data.index(b"<edXML:TraceHeader>")
    assert data.count(b"<edXML:ContentType>application/zip<") == 3
    report = validate(data)
    assert report.ok, [(f.rule, f.message) for f in report.findings]
    assert {(f.rule, f.severity) for f in report.findings} == {
        ("EDX-ATT-006", N),  # the pdf: manifest application/zip, attachment application/pdf
        ("EDX-READ-ZIP-WRAPPED", N),  # the txt and the xlsx
    }
    assert ("EDX-ATT-006", E) in findings(data, "strict")
    pkg = read_edoc(data)
    files = {(a.unwrap() or a).name: (a.unwrap() or a).read_bytes() for a in pkg.attachments}
    assert files == originals


def _wrapped(entry: str, payload: bytes, **kw: int) -> edoc.Attachment:
    return edoc.Attachment.from_bytes(
        v.wrapping_zip(entry, payload, **kw), name="a.txt", content_type="application/zip"
    )


def test_unwrap_is_only_for_the_reference_shape() -> None:
    good = f"{uuid.uuid4()}.txt"
    assert _wrapped(good, b"x").unwrap() is not None
    assert _wrapped("../../etc/passwd", b"x").unwrap() is None  # not <uuid>.<ext>
    assert _wrapped(f"dir/{good}", b"x").unwrap() is None
    assert _wrapped(good, b"x", entries=2).unwrap() is None
    as_is = edoc.Attachment.from_bytes(v.wrapping_zip(good, b"x"), name="a.zip")
    assert as_is.unwrap() is None  # a .zip the sender meant as a zip
    typed = edoc.Attachment.from_bytes(v.wrapping_zip(good, b"x"), name="a.docx",
                                       content_type="application/docx")  # fmt: skip
    assert typed.unwrap() is None  # a docx is a zip too; only application/zip is unwrapped


def test_unwrap_caps_the_unpacked_size() -> None:
    bomb = _wrapped(f"{uuid.uuid4()}.txt", b"\0" * (1 << 20))  # 1 MiB packs to about 1 KiB
    assert bomb.size is not None
    assert bomb.size < 4096
    with pytest.raises(LimitExceededError) as info:
        bomb.unwrap(max_bytes=1 << 16)
    assert (info.value.limit, info.value.value) == ("max_attachment_bytes", 1 << 20)


def test_unwrap_never_unpacks_past_the_declared_size() -> None:
    entry = f"{uuid.uuid4()}.txt"
    raw = bytearray(v.wrapping_zip(entry, b"A" * 5000))
    # Lower the declared size in both headers: the entry holds more than it says.
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).infolist()[0]
    for at in (22, raw.rindex(b"PK\x01\x02") + 24):
        raw[at : at + 4] = (100).to_bytes(4, "little")
    att = edoc.Attachment.from_bytes(bytes(raw), name="a.txt", content_type="application/zip")
    inner = att.unwrap()
    assert inner is not None
    assert inner.size == 100
    assert info.file_size == 5000
    with pytest.raises(InputError):
        inner.read_bytes()  # zipfile stops at 100 bytes and the CRC does not match


def test_wrap_like_reference_keeps_the_formats_the_builder_keeps() -> None:
    pdf = edoc.Attachment.from_bytes(v.PDF, name="qd.pdf")
    assert pdf.wrap_like_reference() is pdf
    txt = edoc.Attachment.from_bytes(v.TXT, name="phu_luc.txt").wrap_like_reference()
    assert (txt.name, txt.content_type) == ("phu_luc.txt", "application/zip")
    names = zipfile.ZipFile(io.BytesIO(txt.read_bytes())).namelist()
    assert len(names) == 1
    uuid.UUID(names[0].removesuffix(".txt"))  # <uuid>.txt


# --- ReplyFors / ReferenceCodes --------------------------------------------------------------


def test_reply_fors_and_reference_codes_are_read_and_written_as_the_reference() -> None:
    pkg = make_package()
    other = attrs.evolve(
        pkg.header.other_info, reply_fors="7000/VPCP-TTĐT", reference_codes="QD-01;QD-02",
        appendixes=["Phụ lục I"],
    )  # fmt: skip
    pkg = attrs.evolve(pkg, header=attrs.evolve(pkg.header, other_info=other))
    data = edoc.to_bytes(pkg)
    order = [data.index(f"<edXML:{name}>".encode()) for name in
             ("Priority", "ReplyFors", "Direction", "ReferenceCodes", "Appendixes")]  # fmt: skip
    assert order == sorted(order)
    assert "<edXML:ReplyFors>7000/VPCP-TTĐT</edXML:ReplyFors>".encode() in data
    got = edoc.read(data)
    assert got == pkg
    assert got.header.other_info.reply_fors == "7000/VPCP-TTĐT"
    assert got.header.other_info.reference_codes == "QD-01;QD-02"
    assert got.deviations == ()


# --- the CLI ------------------------------------------------------------------------------


def test_inspect_extracts_the_unwrapped_file_by_default(tmp_path: Path) -> None:
    data, originals = v.reference_builder_output()
    src = tmp_path / "in.edxml"
    src.write_bytes(data)
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(main, ["inspect", str(src), "--extract", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == originals
    raw = tmp_path / "raw"
    result = runner.invoke(main, ["inspect", str(src), "--extract", str(raw), "--keep-zip"])
    assert result.exit_code == 0, result.output
    kept = {p.name: p.read_bytes()[:4] for p in raw.iterdir()}
    assert kept == {"qd.pdf": b"%PDF", "phu_luc.txt": b"PK\x03\x04", "bang_ke.xlsx": b"PK\x03\x04"}


def test_inspect_lists_a_broken_attachment_and_extracts_the_rest(tmp_path: Path) -> None:
    pkg = make_package(**{"qd.pdf": v.PDF, "b.pdf": b"%PDF-1.4 b"})
    data = edoc.to_bytes(pkg)
    a = data.index(b">", data.index(b"<edXML:ContentTransferEncoded")) + 1
    data = data[:a] + b"!" + data[a + 1 :]
    src = tmp_path / "in.edxml"
    src.write_bytes(data)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["inspect", str(src), "--extract", str(out)])
    assert result.exit_code == 0, result.output
    assert "not extracted   cid:1 qd.pdf: broken" in result.output
    assert [p.name for p in out.iterdir()] == ["b.pdf"]


def test_build_can_wrap_like_the_reference_builder(tmp_path: Path) -> None:
    (tmp_path / "phu_luc.txt").write_bytes(v.TXT)
    toml = Path(__file__).resolve().parents[1] / "examples" / "new-document.toml"
    text = toml.read_text(encoding="utf-8")
    desc = tmp_path / "doc.toml"
    desc.write_text(text.split("[[attachments]]")[0] + '[[attachments]]\npath = "phu_luc.txt"\n',
                    encoding="utf-8")  # fmt: skip
    out = tmp_path / "out.edxml"
    result = CliRunner().invoke(main, ["build", str(desc), "-o", str(out), "--wrap", "reference"])
    assert result.exit_code == 0, result.output
    (att,) = read_edoc(out).attachments
    assert att.content_type == "application/zip"
    inner = att.unwrap()
    assert inner is not None
    assert inner.read_bytes() == v.TXT


def test_a_wrapping_over_the_cap_is_read_but_not_unwrapped() -> None:
    payload = b"\0" * (1 << 20)
    att = _wrapped(f"{uuid.uuid4()}.txt", payload)
    data = edoc.to_bytes(attrs.evolve(make_package(), attachments=[att]))
    pkg = read_edoc(data, limits=edoc.Limits(max_attachment_bytes=1 << 16))  # the ZIP is ~1 KiB
    (got,) = pkg.attachments
    assert got.read_bytes() == att.read_bytes()  # the package and the ZIP are kept
    (d,) = pkg.deviations
    assert d.code == "EDX-READ-ZIP-WRAPPED"
    assert "declares 1048576 bytes unpacked, over Limits.max_attachment_bytes (65536)" in d.message
    with pytest.raises(LimitExceededError):
        got.unwrap(max_bytes=1 << 16)
