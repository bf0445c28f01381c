# ruff: noqa: E501  (the expected output holds long Vietnamese lines, written by hand)
"""The writer: exact reference layout, atomic files, reference-SDK readability."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from lxml import etree

import edoc
from conftest import make_package, read_edoc

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

# Written by hand from the reference SDK's status sample (edxml-reference §3.1): element
# order, prefixes, date format. LF line ends and 2-space indentation.
EXPECTED_STATUS = f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="{NS}">
  <edXML:edXMLEnvelope xmlns:edXML="{NS}">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
          <edXML:OrganId>000.00.00.H41</edXML:OrganId>
          <edXML:OrganName>UBND tỉnh Nghệ An</edXML:OrganName>
        </edXML:From>
        <edXML:ResponseFor>
          <edXML:OrganId>000.00.00.G22</edXML:OrganId>
          <edXML:Code>7816/VPCP-TTĐT</edXML:Code>
          <edXML:DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TTĐT</edXML:DocumentId>
          <edXML:PromulgationDate>2015/09/30</edXML:PromulgationDate>
        </edXML:ResponseFor>
        <edXML:StaffInfo>
          <edXML:Department>Phòng Văn thư - Lưu trữ</edXML:Department>
          <edXML:Staff>Nguyễn Thị B</edXML:Staff>
        </edXML:StaffInfo>
        <edXML:StatusCode>03</edXML:StatusCode>
        <edXML:Description>Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị</edXML:Description>
        <edXML:Timestamp>2015/09/30 14:02:10</edXML:Timestamp>
      </edXML:MessageHeader>
    </edXML:edXMLHeader>
  </edXML:edXMLEnvelope>
</edXML>
"""


def test_status_reply_is_written_exactly_like_the_reference() -> None:
    pkg = make_package()
    reply = edoc.StatusPackage.reply_to(
        pkg,
        code=edoc.StatusCode.ACCEPTED,
        staff_info=edoc.StaffInfo(department="Phòng Văn thư - Lưu trữ", staff="Nguyễn Thị B"),
        timestamp=dt.datetime(2015, 9, 30, 7, 2, 10, tzinfo=dt.UTC),  # 14:02:10 in Vietnam
    )
    assert edoc.to_bytes(reply).decode() == EXPECTED_STATUS


def test_reply_to_needs_from_when_several_recipients() -> None:
    two = make_package(
        to=[
            edoc.Organization(organ_id="000.00.00.H41"),
            edoc.Organization(organ_id="000.00.00.H14"),
        ]
    )
    with pytest.raises(edoc.errors.InputError, match="2 recipients"):
        edoc.StatusPackage.reply_to(two, code=edoc.StatusCode.RECEIVED)
    cancel = edoc.StatusPackage.reply_to(two, code=edoc.StatusCode.RETRIEVAL_REQUESTED)
    assert cancel.from_ == two.header.from_


def test_edoc_package_uses_reference_spellings_order_and_prefixes(
    package: edoc.EdocPackage,
) -> None:
    root = etree.fromstring(edoc.to_bytes(package))
    header = root.find(f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader")
    assert header is not None
    trace = header.find(f"{{{NS}}}TraceHeaderList")
    assert [etree.QName(c).localname for c in trace] == ["Bussiness", "TraceHeader"]  # type: ignore[union-attr]
    business = trace[0]  # type: ignore[index]
    assert [etree.QName(c).localname for c in business] == [
        "BussinessDocType",
        "BussinessDocReason",
        "Paper",
    ]
    mh = header.find(f"{{{NS}}}MessageHeader")
    names = [etree.QName(c).localname for c in mh]  # type: ignore[union-attr]
    assert names == [
        "From",
        "To",
        "DocumentId",
        "Code",
        "PromulgationInfo",
        "DocumentType",
        "Subject",
        "SignerInfo",
        "OtherInfo",
        "SteeringType",
    ]
    assert root.prefix is None
    assert mh.prefix == "edXML"
    att = root.find(f"{{{NS}}}AttachmentEncoded/{{{NS}}}Attachment")
    assert att.prefix is None
    cte = att.find(f"{{{NS}}}ContentTransferEncoded")
    assert cte.prefix == "edXML"
    assert [etree.QName(c).localname for c in att] == [
        "ContentId",
        "AttachmentName",
        "ContentType",
        "ContentTransferEncoded",
    ]


def test_reference_content_types_option(package: edoc.EdocPackage) -> None:
    pkg = make_package(**{"a.docx": b"PK\x03\x04", "b.pdf": b"%PDF", "c.odt": b"x"})
    standard = edoc.to_bytes(pkg)
    reference = edoc.to_bytes(pkg, content_types="reference")
    assert b"application/vnd.openxmlformats-officedocument.wordprocessingml.document" in standard
    assert reference.count(b"<edXML:ContentType>application/docx<") == 1
    assert reference.count(b"<ContentType>application/docx<") == 1
    assert b"application/vnd.oasis.opendocument.text" in reference  # no SDK string: kept


def test_write_to_path_is_atomic(tmp_path: Path, package: edoc.EdocPackage) -> None:
    target = tmp_path / "out.edxml"
    target.write_bytes(b"previous")

    class Exploding(edoc.model.AttachmentContent):
        def open(self) -> BinaryIO:
            raise OSError("disk gone")

    bad = edoc.EdocPackage(
        header=package.header,
        attachments=[
            edoc.Attachment(name="x.pdf", content_type="application/pdf", content=Exploding())
        ],
    )
    with pytest.raises(OSError, match="disk gone"):
        edoc.write(bad, target, overwrite=True)
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["out.edxml"], "no temporary file left behind"
    result = edoc.write(package, target, overwrite=True)
    assert result.path == target
    assert result.size == target.stat().st_size
    import hashlib

    assert result.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
    with pytest.raises(edoc.errors.OutputExistsError, match="exists; pass overwrite=True"):
        edoc.write(package, target)  # the default keeps an existing file, as the CLI does
    assert target.read_bytes() != b"previous"


def test_attachments_stream_from_path(tmp_path: Path, package: edoc.EdocPackage) -> None:
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(7 * 1024 * 1024 + 5))  # several 3 MiB chunks, odd tail
    pkg = edoc.EdocPackage(header=package.header, attachments=[edoc.Attachment.from_path(src)])
    seen = []
    edoc.write(pkg, tmp_path / "o.edxml", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (src.stat().st_size, src.stat().st_size)
    assert len(seen) == 3
    got = read_edoc(tmp_path / "o.edxml", spool_dir=tmp_path)
    with got.attachments[0].open() as fh:
        assert fh.read() == src.read_bytes()


def test_text_xml_cannot_carry_is_refused_at_construction() -> None:
    with pytest.raises(edoc.errors.InputError, match=r"MessageHeader.subject contains U\+0001"):
        make_package().header.__class__(**{**_fields(make_package().header), "subject": "a\x01b"})


def _fields(obj: Any) -> Any:
    import attrs

    return {a.name: getattr(obj, a.name) for a in attrs.fields(type(obj))}


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(edoc.errors.InputError, match="timezone-aware"):
        edoc.TraceHeader(organ_id="000.00.00.G22", timestamp=dt.datetime(2020, 1, 1))


def _sdk_style_read(data: bytes) -> dict[str, object]:
    """Read the way the reference SDK's reader does (edxml-reference §6.1), independently of
    edoc: the envelope must be in the QCVN namespace; below it, elements are found by local
    name only; attachments are the root's AttachmentEncoded/Attachment children."""
    root = etree.fromstring(data)
    env = root.find(f"{{{NS}}}edXMLEnvelope")
    assert env is not None, "the SDK needs edXMLEnvelope in the QCVN namespace"

    def local(el: etree._Element, name: str) -> list[etree._Element]:
        return [c for c in el.iter() if isinstance(c.tag, str) and etree.QName(c).localname == name]

    mh = local(env, "MessageHeader")[0]
    out: dict[str, object] = {
        "from": local(local(mh, "From")[0], "OrganId")[0].text,
        "subject": local(mh, "Subject")[0].text,
        "date": local(mh, "PromulgationDate")[0].text,
        "doc_type": local(env, "BussinessDocType")[0].text,
        "steering": local(mh, "SteeringType")[0].text,
    }
    import base64

    out["attachments"] = [
        (
            local(a, "ContentId")[0].text,
            base64.b64decode(local(a, "ContentTransferEncoded")[0].text),  # type: ignore[arg-type]
        )
        for a in local(root, "Attachment")
    ]
    return out


def test_output_reads_the_way_the_reference_sdk_reads() -> None:
    pkg = make_package(**{"qd.pdf": b"%PDF-1.4 body", "pl.docx": b"PK\x03\x04 docx"})
    seen = _sdk_style_read(edoc.to_bytes(pkg))
    assert seen == {
        "from": "000.00.00.G22",
        "subject": "V/v kết nối, liên thông phần mềm quản lý văn bản",
        "date": "2015/09/30",
        "doc_type": "0",
        "steering": "0",
        "attachments": [("cid:1", b"%PDF-1.4 body"), ("cid:2", b"PK\x03\x04 docx")],
    }
