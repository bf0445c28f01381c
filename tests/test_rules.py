# ruff: noqa: E501  (a table of cases, one per line, reads best unwrapped)
"""Every rule has a package that trips it, and a clean package trips none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import pytest

import edoc
from conftest import make_package
from edoc.validation import RULES, Severity, validate

NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=edoc.VN_TZ)
Case = Callable[[], tuple[bytes, dict[str, object]]]


def base() -> edoc.EdocPackage:
    return make_package(**{"qd.pdf": b"%PDF-1.4 body"})


def status(**changes: object) -> edoc.StatusPackage:
    reply = edoc.StatusPackage.reply_to(
        base(),
        code=edoc.StatusCode.ACCEPTED,
        timestamp=dt.datetime(2015, 10, 1, 8, 0, tzinfo=edoc.VN_TZ),
    )
    return attrs.evolve(reply, **changes)


def header(**changes: object) -> edoc.EdocPackage:
    pkg = base()
    return attrs.evolve(pkg, header=attrs.evolve(pkg.header, **changes))


def business(**changes: object) -> edoc.EdocPackage:
    pkg = base()
    assert pkg.trace.business is not None
    trace = attrs.evolve(pkg.trace, business=attrs.evolve(pkg.trace.business, **changes))
    return attrs.evolve(pkg, trace=trace)


def b(pkg: edoc.EdocPackage | edoc.StatusPackage) -> bytes:
    return edoc.to_bytes(pkg)


def sub(data: bytes, old: str, new: str, count: int = 1) -> bytes:
    assert old.encode() in data, old
    return data.replace(old.encode(), new.encode(), count)


def cut(data: bytes, start: str, end: str) -> bytes:
    i = data.index(start.encode())
    j = data.index(end.encode(), i) + len(end)
    return data[:i] + data[j:]


ORG = edoc.Organization
PLACEHOLDER_SIG = (
    "<Signature><SignedInfo/><SignatureValue>GbVb8n9+qFxz466Ag0sbpVdLPs2R0+9JBekp12UyarAZjoG0W/kPZZJ1auRZ"
    "</SignatureValue><KeyInfo><X509Data><X509Certificate>MIIFqTCCBJG</X509Certificate></X509Data>"
    "</KeyInfo></Signature>"
)

# rule id -> (bytes that trip it, keyword arguments for validate()), profile interop unless given.
CASES: dict[str, Case] = {
    "EDX-ID-001": lambda: (b(header(from_=ORG(organ_id="vxp.saas.03"))), {}),
    "EDX-HDR-001": lambda: (b(header(to=[])), {}),
    "EDX-HDR-002": lambda: (b(header(to=[ORG(organ_id="000.00.00.H41"), ORG(organ_id="000.00.00.H41")])), {}),
    "EDX-HDR-003": lambda: (b(header(document_id="9fbfbad2-f1f8-4256-a2eb-50fb1061cddb")), {}),
    "EDX-HDR-004": lambda: (b(header(document_id="000.00.00.G22,2015/09/30,9999/VPCP-TTĐT")), {}),
    "EDX-DATE-001": lambda: (sub(b(base()), ">2015/09/30</edXML:PromulgationDate>", ">2015/02/30</edXML:PromulgationDate>"), {}),
    "EDX-DATE-002": lambda: (b(base()), {"now": dt.datetime(2015, 9, 1, tzinfo=edoc.VN_TZ)}),
    "EDX-DATE-003": lambda: (b(header(due_date=dt.date(2015, 9, 1))), {}),
    "EDX-TRACE-001": lambda: (b(attrs.evolve(base(), trace=attrs.evolve(base().trace, trace_headers=[
        edoc.TraceHeader(organ_id="000.00.00.G22", timestamp=dt.datetime(2015, 9, 30, 10, tzinfo=edoc.VN_TZ)),
        edoc.TraceHeader(organ_id="000.00.00.H41", timestamp=dt.datetime(2015, 9, 30, 9, tzinfo=edoc.VN_TZ)),
    ]))), {}),
    "EDX-ATT-001": lambda: (sub(b(base()), "<edXML:ContentId>cid:1<", "<edXML:ContentId>cid:9<"), {}),
    "EDX-ATT-002": lambda: (b(attrs.evolve(base(), attachments=[
        edoc.Attachment.from_bytes(b"%PDF-1", name="a.pdf", content_id="cid:1"),
        edoc.Attachment.from_bytes(b"%PDF-2", name="b.pdf", content_id="cid:1"),
    ])), {}),
    "EDX-ATT-003": lambda: (b(attrs.evolve(base(), attachments=[
        edoc.Attachment.from_bytes(b"%PDF-1.4", name="x.docx")])), {}),
    "EDX-ATT-004": lambda: (sub(b(base()), "JVBERi0xLjQgYm9keQ==", "JVBERi0x$jQgYm9keQ=="), {}),
    "EDX-ATT-005": lambda: (b(attrs.evolve(base(), attachments=[
        edoc.Attachment.from_bytes(b"%PDF-1.4", name="../../qd.pdf")])), {}),
    "EDX-BIZ-001": lambda: (b(business(doc_type=edoc.BusinessDocType.REVOCATION)), {}),
    "EDX-BIZ-002": lambda: (b(business(doc_type=edoc.BusinessDocType.UPDATE)), {}),
    "EDX-BIZ-003": lambda: (b(business(doc_type=edoc.BusinessDocType.REPLACEMENT)), {}),
    "EDX-BIZ-004": lambda: (b(attrs.evolve(base(), trace=attrs.evolve(base().trace, business=None))), {}),
    "EDX-STS-001": lambda: (sub(b(status()), "<edXML:StatusCode>03", "<edXML:StatusCode>14"), {}),
    "EDX-STS-002": lambda: (b(status(response_for=edoc.ResponseFor(organ_id="000.00.00.G22", code="7816/VPCP-TTĐT"))), {}),
    "EDX-STS-003": lambda: (cut(b(status()), "<edXML:Timestamp>", "</edXML:Timestamp>"), {}),
    "EDX-SIG-001": lambda: (b(base()), {"require_signature": True}),
    "EDX-SIG-002": lambda: (sub(b(base()), "    </edXML:edXMLHeader>", PLACEHOLDER_SIG + "</edXML:edXMLHeader>"), {}),
    "EDX-LEN-001": lambda: (b(header(code=edoc.Code(number="123456789012", notation="VPCP-TTĐT"),
                                     document_id="x")), {}),
    "EDX-TXT-001": lambda: (b(header(subject="V/v \u202ekết nối")), {}),
    "EDX-XML-001": lambda: (b"1212" + b(base()), {}),
    "EDX-XML-002": lambda: (b(base()), {"limits": edoc.Limits(max_depth=4)}),
    "EDX-MODEL-001": lambda: (sub(b(base()), "<edXML:Content", "<edXML:Content", 0).replace(
        b"<edXML:DocumentType>", b"<edXML:Subject>again</edXML:Subject><edXML:DocumentType>"), {}),
    "XSD": lambda: (b(base()).replace(b"<edXML:Subject>", b"<edXML:Subjectt>x</edXML:Subjectt><edXML:Subject>"),
                    {"profile": "strict"}),
    "EDX-READ-SPELLING": lambda: (b(base()).replace(b"Bussiness", b"Business"), {}),
    "EDX-READ-ORDER": lambda: (_swap_trace(b(base())), {}),
    "EDX-READ-DATE-FORMAT": lambda: (sub(b(base()), ">2015/09/30</edXML:PromulgationDate>", ">30/09/2015</edXML:PromulgationDate>"), {}),
    "EDX-READ-STATUS-WRAPPER": lambda: (b(status()).replace(b"edXML:MessageHeader>", b"edXML:Status>"), {}),
    "EDX-READ-MANIFEST-NAME": lambda: (b(base()).replace(b"edXML:edXMLManifest", b"edXML:Manifest"), {}),
    "EDX-READ-ATTACHMENTS-PLACE": lambda: (_attachments_inside(b(base())), {}),
    "EDX-READ-CID": lambda: (b(base()).replace(b">cid:1<", b">1<"), {}),
    "EDX-READ-NO-CONTENT": lambda: (cut(b(base()), '<edXML:ContentTransferEncoded', "</edXML:ContentTransferEncoded>"), {}),
    "EDX-READ-NO-CONTENT-TYPE": lambda: (cut(b(base()), "<ContentType>", "</ContentType>"), {}),
    "EDX-READ-EMPTY": lambda: (sub(b(base()), "<edXML:SteeringType>", "<edXML:ResponseFor><edXML:OrganId/></edXML:ResponseFor><edXML:SteeringType>"), {}),
    "EDX-READ-UNKNOWN": lambda: (sub(b(base()), "<edXML:Subject>", '<o:X xmlns:o="urn:o"/><edXML:Subject>'), {}),
    "EDX-READ-UNMODELLED": lambda: (sub(b(base()), "<edXML:Direction>", "<edXML:ReplyFors/><edXML:Direction>"), {}),
    "EDX-READ-UNDECLARED-PREFIX": lambda: (sub(b(base()), "<edXML:Reference>", '<edXML:Reference xlink:href="">'), {}),
    "EDX-READ-SIGNATURE-NAMESPACE": lambda: (sub(b(base()), "    </edXML:edXMLHeader>", PLACEHOLDER_SIG + "</edXML:edXMLHeader>"), {}),
    "EDX-READ-SIGNATURE-POSITION": lambda: (sub(b(base()), "<edXML:TraceHeaderList>", PLACEHOLDER_SIG + "<edXML:TraceHeaderList>"), {}),
}  # fmt: skip


def _swap_trace(data: bytes) -> bytes:
    start = data.index(b"        <edXML:Bussiness>")
    mid = data.index(b"        <edXML:TraceHeader>")
    end = data.index(b"      </edXML:TraceHeaderList>")
    return data[:start] + data[mid:end] + data[start:mid] + data[end:]


def _attachments_inside(data: bytes) -> bytes:
    start = data.index(b"  <AttachmentEncoded>")
    end = data.index(b"</edXML>")
    block = data[start:end]
    data = data[:start] + data[end:]
    return data.replace(b"  </edXML:edXMLEnvelope>", block + b"  </edXML:edXMLEnvelope>")


@pytest.mark.parametrize("profile", ["interop", "strict"])
@pytest.mark.parametrize("pkg", [base, status], ids=["edoc", "status"])
def test_a_clean_package_trips_no_rule(pkg: Callable[[], edoc.Package], profile: str) -> None:
    report = validate(b(pkg()), profile=profile, now=NOW)
    assert report.findings == ()
    assert report.ok


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_is_tripped(rule_id: str) -> None:
    data, kwargs = CASES[rule_id]()
    kwargs = {"now": NOW, **kwargs}
    report = validate(data, **kwargs)  # type: ignore[arg-type]
    hits = [f for f in report.findings if f.rule == rule_id]
    assert hits, f"{rule_id} not reported; got {[(f.rule, f.message) for f in report.findings]}"
    expected = RULES[rule_id].severity_for(str(kwargs.get("profile", "interop")))
    assert {f.severity for f in hits} == {expected}
    assert all(f.message and f.message_vi for f in hits)


def test_every_registered_rule_has_a_tripping_case() -> None:
    assert sorted(RULES) == sorted(CASES)


def test_findings_carry_line_and_path() -> None:
    data, _ = CASES["EDX-HDR-002"]()
    (finding,) = [f for f in validate(data, now=NOW).findings if f.rule == "EDX-HDR-002"]
    assert finding.path == "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]/OrganId"
    assert (
        finding.line
        == data[: data.index(b"<edXML:To>", data.index(b"<edXML:To>") + 1)].count(b"\n") + 2
    )


def test_strict_reports_variants_as_errors_through_the_schema() -> None:
    data, _ = CASES["EDX-READ-ORDER"]()
    interop = validate(data, now=NOW)
    strict = validate(data, profile="strict", now=NOW)
    assert [f.rule for f in interop.findings] == ["EDX-READ-ORDER"]
    assert interop.ok
    assert not interop.fails(Severity.ERROR)
    assert interop.fails(Severity.WARNING)
    assert {f.rule for f in strict.findings} == {"XSD"}
    assert not strict.ok
