"""The reader refuses hostile or broken input with edoc's own errors, naming where."""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import edoc
from conftest import read_edoc
from edoc.errors import EdocError, ForbiddenXMLError, InputError, LimitExceededError, ParseError

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


@pytest.fixture
def valid(package: edoc.EdocPackage) -> bytes:
    return edoc.to_bytes(package)


def _replace(data: bytes, old: str, new: str) -> bytes:
    assert old.encode() in data, old
    return data.replace(old.encode(), new.encode(), 1)


def test_doctype_with_internal_entity_is_refused(valid: bytes) -> None:
    data = _replace(valid, "<edXML ", '<!DOCTYPE edXML [<!ENTITY x "injected">]>\n<edXML ')
    data = _replace(data, "<edXML:Subject>", "<edXML:Subject>&x;")
    with pytest.raises(ForbiddenXMLError, match="DOCTYPE"):
        edoc.read(data)


def test_billion_laughs_is_refused_fast(valid: bytes) -> None:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    data = _replace(valid, "<edXML ", f'<!DOCTYPE edXML [<!ENTITY l0 "lol">{lol}]>\n<edXML ')
    data = _replace(data, "<edXML:Subject>", "<edXML:Subject>&l9;")
    with pytest.raises(ForbiddenXMLError):
        edoc.read(data)


def test_external_entities_read_no_file_and_touch_no_network(valid: bytes, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MARKER-7f3a")
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY y "remote">')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        doctype = (
            f'<!DOCTYPE edXML [<!ENTITY x SYSTEM "file://{secret}">'
            f'<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/x.dtd"> %p;]>\n'
        )
        data = _replace(valid, "<edXML ", doctype + "<edXML ")
        data = _replace(data, "<edXML:Subject>", "<edXML:Subject>&x;")
        with pytest.raises(ForbiddenXMLError) as info:
            edoc.read(data)
        assert "MARKER-7f3a" not in str(info.value)
        assert hits == []
    finally:
        server.shutdown()


def test_undefined_entity_is_a_parse_error_with_line(valid: bytes) -> None:
    data = _replace(valid, "<edXML:Subject>", "<edXML:Subject>&nope;")
    with pytest.raises(ParseError) as info:
        edoc.read(data)
    assert info.value.line == valid[: valid.index(b"<edXML:Subject>")].count(b"\n") + 1


@pytest.mark.parametrize(
    ("encoding_decl", "body_encoding"),
    [("ISO-8859-1", "utf-8"), ("windows-1258", "utf-8"), ("UTF-16", "utf-16")],
)
def test_encodings_other_than_utf8_are_refused(
    valid: bytes, encoding_decl: str, body_encoding: str
) -> None:
    text = valid.decode().replace('encoding="UTF-8"', f'encoding="{encoding_decl}"')
    with pytest.raises(ParseError, match="UTF-8 only"):
        edoc.read(text.encode(body_encoding))


def test_utf8_bom_is_accepted(valid: bytes, package: edoc.EdocPackage) -> None:
    assert edoc.read(b"\xef\xbb\xbf" + valid) == package


def test_gzip_is_not_decompressed(valid: bytes, tmp_path: Path) -> None:
    path = tmp_path / "p.edxml.gz"
    path.write_bytes(gzip.compress(valid))
    with pytest.raises(ParseError):
        edoc.read(path)


def test_comments_and_cdata_inside_text_do_not_truncate(
    valid: bytes, package: edoc.EdocPackage
) -> None:
    subject = package.header.subject
    data = _replace(
        valid,
        subject,
        subject[:5] + "<!--x--><?pi data?>" + "<![CDATA[" + subject[5:] + "]]>",  # type: ignore[arg-type, index]
    )
    assert read_edoc(data).header.subject == subject


@pytest.mark.parametrize("element", ["From", "Subject", "Code", "PromulgationInfo"])
def test_duplicated_singletons_are_refused(valid: bytes, element: str) -> None:
    start = valid.index(f"<edXML:{element}>".encode())
    end = valid.index(f"</edXML:{element}>".encode()) + len(f"</edXML:{element}>")
    data = valid[:end] + valid[start:end] + valid[end:]
    with pytest.raises(ParseError, match=f"2 {element} elements") as info:
        edoc.read(data)
    assert info.value.line is not None
    assert element in (info.value.path or "")


def test_missing_required_element_is_read_and_named_with_its_parent_line(valid: bytes) -> None:
    start = valid.index(b"<edXML:Subject>")
    end = valid.index(b"</edXML:Subject>") + len(b"</edXML:Subject>")
    pkg = read_edoc(valid[:start] + valid[end:])
    assert pkg.header.subject is None
    (d,) = [d for d in pkg.deviations if d.code == "EDX-READ-MISSING"]
    assert d.message == "MessageHeader has no Subject, which the standard requires"
    assert d.line == 5  # the MessageHeader start tag


def test_impossible_date_is_read_as_absent_not_rolled_over(valid: bytes) -> None:
    data = _replace(
        valid, "<edXML:PromulgationDate>2015/09/30", "<edXML:PromulgationDate>2015/02/30"
    )
    pkg = read_edoc(data)
    assert pkg.header.promulgation_info.promulgation_date is None  # type: ignore[union-attr]
    (d,) = [d for d in pkg.deviations if d.code == "EDX-READ-VALUE"]
    assert d.message.startswith("PromulgationDate '2015/02/30' is not a date")


def test_unknown_status_code_is_refused() -> None:
    status = edoc.StatusPackage(
        from_=edoc.Organization(organ_id="000.00.00.H41"),
        response_for=edoc.ResponseFor(organ_id="000.00.00.G22", code="1/X"),
        status_code=edoc.StatusCode.RECEIVED,
        timestamp=__import__("datetime").datetime(2020, 1, 1, tzinfo=edoc.VN_TZ),
    )
    data = _replace(edoc.to_bytes(status), "<edXML:StatusCode>01", "<edXML:StatusCode>14")
    with pytest.raises(ParseError, match="StatusCode '14' is not one of 01, 02"):
        edoc.read(data)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("QUJD$RA==", "character '\\$'"),
        ("QUJDRA==QUJD", "after the '=' padding"),
        ("QUJDR", "multiple of 4"),
    ],
)
def test_bad_base64_marks_the_attachment_broken(valid: bytes, bad: str, why: str) -> None:
    good = edoc.to_bytes(
        edoc.EdocPackage(
            header=read_edoc(valid).header,
            attachments=[edoc.Attachment.from_bytes(b"ABCD", name="a.bin")],
        )
    )
    data = _replace(good, ">QUJDRA==<", f">{bad}<")
    pkg = read_edoc(data)
    (att,) = pkg.attachments
    assert att.broken is not None
    assert why.replace("\\", "") in att.broken
    assert (att.name, att.size) == ("a.bin", None)
    with pytest.raises(InputError, match="broken"):
        att.read_bytes()
    assert pkg.header == read_edoc(good).header  # the rest intact


def test_base64_with_line_breaks_is_accepted(valid: bytes) -> None:
    pkg = edoc.EdocPackage(
        header=read_edoc(valid).header,
        attachments=[edoc.Attachment.from_bytes(bytes(range(200)), name="a.bin")],
    )
    data = edoc.to_bytes(pkg)
    start = data.index(b'">', data.index(b"ContentTransferEncoded xmlns")) + 2
    end = data.index(b"</edXML:ContentTransferEncoded>")
    b64 = data[start:end]
    wrapped = b"\r\n".join(b64[i : i + 76] for i in range(0, len(b64), 76))
    got = read_edoc(data[:start] + wrapped + b"\n      " + data[end:])
    assert got.attachments[0].read_bytes() == bytes(range(200))


def test_element_in_no_namespace_is_foreign_not_read_by_its_local_name(valid: bytes) -> None:
    data = _replace(valid, "<edXML:Subject>", '<Subject xmlns="">')
    data = _replace(data, "</edXML:Subject>", "</Subject>")
    pkg = read_edoc(data)
    assert pkg.header.subject is None
    assert [d.code for d in pkg.deviations] == ["EDX-READ-UNKNOWN", "EDX-READ-MISSING"]


def test_redefined_prefix_makes_elements_foreign(valid: bytes) -> None:
    data = _replace(valid, "<edXML:MessageHeader>", '<edXML:MessageHeader xmlns:edXML="urn:evil">')
    with pytest.raises(ParseError, match="MessageHeader"):
        edoc.read(data)


def test_depth_limit(valid: bytes) -> None:
    data = _replace(valid, "<edXML:Subject>", "<edXML:Subject>" + "<x>" * 100 + "</x>" * 100)
    with pytest.raises(LimitExceededError) as info:
        edoc.read(data)
    assert info.value.limit == "max_depth"
    assert info.value.maximum == 64


def test_element_count_limit_can_be_raised(package: edoc.EdocPackage) -> None:
    many = edoc.EdocPackage(
        header=package.header,
        attachments=[edoc.Attachment.from_bytes(b"x", name=f"{i}.txt") for i in range(30)],
    )
    data = edoc.to_bytes(many)
    with pytest.raises(LimitExceededError) as info:
        edoc.read(data, limits=edoc.Limits(max_elements=100))
    assert info.value.limit == "max_elements"
    assert len(read_edoc(data, limits=edoc.Limits(max_elements=1000)).attachments) == 30
    with pytest.raises(LimitExceededError, match="too many attachments"):
        edoc.read(data, limits=edoc.Limits(max_attachments=10))


def test_size_limits(valid: bytes) -> None:
    with pytest.raises(LimitExceededError) as info:
        edoc.read(valid, limits=edoc.Limits(max_bytes=1000))
    assert info.value.limit == "max_bytes"
    with pytest.raises(LimitExceededError, match="max_text_bytes"):
        edoc.read(
            _replace(valid, "<edXML:Subject>", "<edXML:Subject>" + "a" * 5000),
            limits=edoc.Limits(max_text_bytes=4096),
        )
    with pytest.raises(LimitExceededError, match="max_attachment_bytes"):
        edoc.read(valid, limits=edoc.Limits(max_attachment_bytes=4))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: d[: len(d) // 2],
        lambda d: d + b"<edXML/>",
        lambda d: d.replace(b"Subject>", b"Subj\x00ect>", 1),
        lambda d: b"",
        lambda d: b"1212" + d,
        lambda d: d.replace(b"\xc3\xb4", b"\xc3", 1),
    ],
    ids=["truncated", "second-root", "nul", "empty", "leading-garbage", "invalid-utf8"],
)
def test_malformed_input_gives_parse_error_only(
    valid: bytes, mangle: Callable[[bytes], bytes]
) -> None:
    with pytest.raises(ParseError) as info:
        edoc.read(mangle(valid))
    assert isinstance(info.value, EdocError)
    assert "lxml" not in type(info.value).__module__


def test_not_an_edxml_document(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="not edXML"):
        edoc.read(b"<html/>")
    with pytest.raises(ParseError, match="namespace"):
        edoc.read(b'<edXML xmlns="urn:other"/>')
    with pytest.raises(edoc.errors.InputError, match="cannot open"):
        edoc.read(tmp_path / "missing.edxml")


def test_temp_files_removed_when_parse_fails(package: edoc.EdocPackage, tmp_path: Path) -> None:
    big = edoc.EdocPackage(
        header=package.header,
        attachments=[edoc.Attachment.from_bytes(bytes(3 << 20), name="a.bin")],
    )
    data = edoc.to_bytes(big)
    broken = data[: len(data) - 200]  # cut inside the attachment's end
    with pytest.raises(ParseError):
        edoc.read(broken, spool_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10"])
def test_a_bad_limit_is_an_input_error_naming_the_field(value: object) -> None:
    from edoc.errors import InputError

    with pytest.raises(InputError, match=r"^Limits\.max_depth must be a positive int"):
        edoc.Limits(max_depth=value)  # type: ignore[arg-type]
