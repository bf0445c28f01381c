"""Variants real systems write: read, and recorded as deviations with their line."""

from __future__ import annotations

import pytest

import edoc
from conftest import make_package, read_edoc


@pytest.fixture
def written() -> bytes:
    return edoc.to_bytes(make_package(**{"qd.pdf": b"%PDF-1.4"}))


def _codes(pkg: edoc.EdocPackage | edoc.StatusPackage) -> list[str]:
    return [d.code for d in pkg.deviations]


def test_business_spelling_variant(written: bytes) -> None:
    data = written.replace(b"Bussiness", b"Business")
    pkg = read_edoc(data)
    assert pkg.trace.business is not None
    assert pkg.trace.business.doc_reason == "Văn bản điện tử mới"
    assert _codes(pkg) == ["EDX-READ-SPELLING"] * 3  # Business, BusinessDocType, BusinessDocReason
    line = written[: written.index(b"<edXML:Bussiness>")].count(b"\n") + 1
    assert pkg.deviations[0].line == line


def test_status_wrapper_variant() -> None:
    reply = edoc.StatusPackage.reply_to(make_package(), code=edoc.StatusCode.ACCEPTED)
    data = edoc.to_bytes(reply).replace(b"edXML:MessageHeader>", b"edXML:Status>")
    got = edoc.read(data)
    assert got == reply
    assert _codes(got) == ["EDX-READ-STATUS-WRAPPER"]


def test_manifest_name_and_missing_cid(written: bytes) -> None:
    data = written.replace(b"edXML:edXMLManifest", b"edXML:Manifest").replace(b"cid:1", b"1")
    got = read_edoc(data)
    assert got.attachments[0].content_id == "1"
    assert got.attachments[0].read_bytes() == b"%PDF-1.4"
    assert _codes(got) == ["EDX-READ-MANIFEST-NAME", "EDX-READ-CID"]


def test_trace_header_before_business(written: bytes) -> None:
    start = written.index(b"        <edXML:Bussiness>")
    mid = written.index(b"        <edXML:TraceHeader>")
    end = written.index(b"      </edXML:TraceHeaderList>")
    swapped = written[:start] + written[mid:end] + written[start:mid] + written[end:]
    got = edoc.read(swapped)
    assert got == edoc.read(written)
    assert _codes(got) == ["EDX-READ-ORDER"]


def test_attachments_inside_the_envelope_are_read_not_dropped(written: bytes) -> None:
    start = written.index(b"  <AttachmentEncoded>")
    end = written.index(b"</edXML>")
    block = written[start:end]
    moved = written[:start] + written[end:]
    moved = moved.replace(b"  </edXML:edXMLEnvelope>", block + b"  </edXML:edXMLEnvelope>")
    got = read_edoc(moved)
    assert [a.read_bytes() for a in got.attachments] == [b"%PDF-1.4"]
    assert "EDX-READ-ATTACHMENTS-PLACE" in _codes(got)


def test_manifest_and_attachments_disagree(written: bytes) -> None:
    data = written.replace(b"<edXML:ContentId>cid:1<", b"<edXML:ContentId>cid:9<")
    got = edoc.read(data)
    messages = [d.message for d in got.deviations if d.code == "EDX-READ-MANIFEST"]
    assert messages == [
        "manifest Reference cid:9 has no Attachment",
        "Attachment cid:1 is not in the manifest",
    ]


def test_unknown_elements_are_reported_not_kept(written: bytes) -> None:
    data = written.replace(
        b"<edXML:Subject>", b'<edXML:Extra>x</edXML:Extra><o:Other xmlns:o="urn:o"/><edXML:Subject>'
    )
    got = edoc.read(data)
    assert got == edoc.read(written)
    assert [d.message for d in got.deviations if d.code == "EDX-READ-UNKNOWN"] == [
        f"unknown element {{{edoc.xml.names.NS}}}Extra in MessageHeader was ignored",
        "unknown element {urn:o}Other in MessageHeader was ignored",
    ]


def test_xmldsig_signature_is_read_not_reported_unknown(written: bytes) -> None:
    sig = (
        '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
        '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        "</SignedInfo><SignatureValue>AAAA</SignatureValue></Signature>"
    )
    got = read_edoc(
        written.replace(b"    </edXML:edXMLHeader>", sig.encode() + b"</edXML:edXMLHeader>")
    )
    assert got.signature is not None
    assert got.signature.namespace == "http://www.w3.org/2000/09/xmldsig#"
    assert got.signature.signature_method == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert _codes(got) == []
