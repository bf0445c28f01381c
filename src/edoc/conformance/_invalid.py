# ruff: noqa: E501  (a table of cases, one per line, reads best unwrapped)
"""Invalid vectors: at least one per rule of the validation registry (``edoc rules``).

Each edits the suite's base package just enough to break one rule. What a correct system
does follows the rule's severity in the interop profile: an error is rejected (required);
a warning or note is accepted and reported (``warn``, optional).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs

from edoc.conformance import _pdf as _pdfs
from edoc.conformance._packages import (
    KIT_ORGAN,
    Seeded,
    base_package,
    business,
    cut,
    header,
    reply,
    sub,
)
from edoc.conformance._packages import b as _b
from edoc.conformance.clauses import RULE_CLAUSES
from edoc.conformance.vectors import Category, Expect, Made, Vector
from edoc.formats import VN_TZ
from edoc.model import (
    Attachment,
    BusinessDocType,
    Code,
    EdocPackage,
    Organization,
    PromulgationInfo,
    ResponseFor,
    StatusPackage,
    TraceHeader,
)
from edoc.validation import RULES, Severity

__all__ = ["PLACEHOLDER_SIGNATURE", "RULE_CASES", "invalid_vectors"]

ORG = Organization
PLACEHOLDER_SIGNATURE = (
    "<Signature><SignedInfo/><SignatureValue>GbVb8n9+qFxz466Ag0sbpVdLPs2R0+9JBekp12UyarAZjoG0W/kPZZJ1auRZ"
    "</SignatureValue><KeyInfo><X509Data><X509Certificate>MIIFqTCCBJG</X509Certificate></X509Data>"
    "</KeyInfo></Signature>"
)
"""The reference SDK's sample signature, copied into real packages (edxml-reference §5.2)."""


def _base(s: Seeded) -> EdocPackage:
    return base_package(s)


def _bb(s: Seeded) -> bytes:
    return _b(base_package(s))


def _status(s: Seeded, **changes: Any) -> StatusPackage:
    return attrs.evolve(reply(base_package(s)), **changes)


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


def _deep(data: bytes, depth: int = 200) -> bytes:
    nest = '<o:d xmlns:o="urn:o">' * depth + "</o:d>" * depth
    return sub(data, "<edXML:Subject>", nest + "<edXML:Subject>")


def _trace_out_of_order(s: Seeded) -> bytes:
    pkg = _base(s)
    th = [TraceHeader(organ_id=KIT_ORGAN, timestamp=dt.datetime(2015, 9, 30, 10, tzinfo=VN_TZ)),
          TraceHeader(organ_id=s.to, timestamp=dt.datetime(2015, 9, 30, 9, tzinfo=VN_TZ))]  # fmt: skip
    return _b(attrs.evolve(pkg, trace=attrs.evolve(pkg.trace, trace_headers=th)))


def _bad_organ(s: Seeded) -> bytes:
    pkg = _base(s)
    th = [TraceHeader(organ_id="vxp.saas.03", timestamp=dt.datetime(2015, 9, 30, 10, tzinfo=VN_TZ))]
    return _b(attrs.evolve(pkg, trace=attrs.evolve(pkg.trace, trace_headers=th)))


def _atts(s: Seeded, *atts: Attachment) -> bytes:
    return _b(attrs.evolve(_base(s), attachments=list(atts)))


def _pdf(make: Callable[[], bytes]) -> Callable[[Seeded], bytes]:
    def gen(s: Seeded) -> bytes:
        return _atts(s, Attachment.from_bytes(make(), name="7816-VPCP-TTĐT.pdf"))

    return gen


def _null_hop(s: Seeded) -> bytes:
    data = _bb(s)
    start = data.index(b"<edXML:TraceHeader>")
    head, tail = data[:start], data[start:]
    at = tail.index(b"<edXML:OrganId>") + len(b"<edXML:OrganId>")
    end = tail.index(b"</edXML:OrganId>")
    return head + tail[:at] + b"null" + tail[end:]


def _zip_wrapped(s: Seeded) -> bytes:
    """A .txt the way the reference builder sends it: a ZIP with one <uuid>.txt entry
    (deterministic here: the uuid and the time come from the seed)."""
    import io
    import uuid
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(f"{uuid.UUID(int=s.serial)}.txt", date_time=(2019, 4, 11, 15, 11, 0))
        zf.writestr(info, "Phụ lục\n".encode())
    att = Attachment.from_bytes(buf.getvalue(), name="phu_luc.txt", content_type="application/zip")
    return _atts(s, att)


Gen = Callable[[Seeded], Made]

# rule id -> (what the vector does, generator).
RULE_CASES: dict[str, tuple[str, Gen]] = {
    "EDX-ID-001": ("A TraceHeader OrganId in neither agency-code scheme", _bad_organ),
    "EDX-HDR-001": ("No recipient (To)", lambda s: _b(header(_base(s), to=[]))),
    "EDX-HDR-002": ("The same recipient twice", lambda s: _b(header(_base(s), to=[ORG(organ_id=s.to), ORG(organ_id=s.to)]))),
    "EDX-HDR-003": ("A DocumentId that is a UUID, not OrganId,date,Number/Notation", lambda s: _b(header(_base(s), document_id=f"9fbfbad2-f1f8-4256-a2eb-{s.serial:012d}"))),
    "EDX-HDR-004": ("A DocumentId whose number disagrees with Code", lambda s: _b(header(_base(s), document_id=f"{KIT_ORGAN},2015/09/30,9{s.serial}/VPCP-TTĐT"))),
    "EDX-DATE-001": ("PromulgationDate 2015/02/30 (no such day)", lambda s: sub(_bb(s), ">2015/09/30</edXML:PromulgationDate>", ">2015/02/30</edXML:PromulgationDate>")),
    "EDX-DATE-002": ("PromulgationDate in 2099", lambda s: _b(header(_base(s), promulgation_info=attrs.evolve(_base(s).header.promulgation_info or PromulgationInfo(), promulgation_date=dt.date(2099, 1, 1)), document_id=None))),
    "EDX-DATE-003": ("DueDate before PromulgationDate", lambda s: _b(header(_base(s), due_date=dt.date(2015, 9, 1)))),
    "EDX-TRACE-001": ("TraceHeaders out of time order", _trace_out_of_order),
    "EDX-ATT-001": ("The manifest names cid:9, the attachment is cid:1", lambda s: sub(_bb(s), "<edXML:ContentId>cid:1<", "<edXML:ContentId>cid:9<")),
    "EDX-ATT-002": ("Two attachments with ContentId cid:1", lambda s: _atts(s, Attachment.from_bytes(b"%PDF-1", name="a.pdf", content_id="cid:1"), Attachment.from_bytes(b"%PDF-2", name="b.pdf", content_id="cid:1"))),
    "EDX-ATT-003": ("PDF bytes declared as a .docx", lambda s: _atts(s, Attachment.from_bytes(b"%PDF-1.4", name="x.docx"))),
    "EDX-ATT-004": ("Attachment content that is not base64", lambda s: sub(_bb(s), "JVBERi0xLjQgYm9keQ==", "JVBERi0x$jQgYm9keQ==")),
    "EDX-ATT-005": ("An attachment named ../../qd.pdf", lambda s: _atts(s, Attachment.from_bytes(b"%PDF-1.4", name="../../qd.pdf"))),
    "EDX-BIZ-001": ("A revocation without ResponseFor", lambda s: _b(business(_base(s), doc_type=BusinessDocType.REVOCATION))),
    "EDX-BIZ-002": ("An update without DocumentId and BussinessDocumentInfo", lambda s: _b(business(_base(s), doc_type=BusinessDocType.UPDATE))),
    "EDX-BIZ-003": ("A replacement without ReplacementInfoList", lambda s: _b(business(_base(s), doc_type=BusinessDocType.REPLACEMENT))),
    "EDX-BIZ-004": ("No Bussiness block", lambda s: _b(attrs.evolve(_base(s), trace=attrs.evolve(_base(s).trace, business=None)))),
    "EDX-STS-001": ("StatusCode 14 (not one of the nine)", lambda s: sub(_b(_status(s)), "<edXML:StatusCode>03", "<edXML:StatusCode>14")),
    "EDX-STS-002": ("A status package whose ResponseFor lacks DocumentId", lambda s: _b(_status(s, response_for=ResponseFor(organ_id=s.to, code=f"{s.serial}/VPCP-TTĐT")))),
    "EDX-STS-003": ("A status package without Timestamp", lambda s: cut(_b(_status(s)), "<edXML:Timestamp>", "</edXML:Timestamp>")),
    "EDX-SIG-001": ("An unsigned package where a signature is required", lambda s: _b(_base(s))),
    "EDX-SIG-002": ("The reference SDK's placeholder Signature", lambda s: sub(_bb(s), "    </edXML:edXMLHeader>", PLACEHOLDER_SIGNATURE + "</edXML:edXMLHeader>")),
    "EDX-LEN-001": ("A 12-digit CodeNumber (receivers take 11)", lambda s: _b(header(_base(s), code=Code(number=f"9{s.serial:011d}", notation="VPCP-TTĐT"), document_id="x"))),
    "EDX-TXT-001": ("A right-to-left override inside the Subject", lambda s: _b(header(_base(s), subject="V/v \u202ekết nối"))),
    "EDX-XML-001": ("Bytes before the XML declaration", lambda s: b"1212" + _bb(s)),
    "EDX-XML-002": ("Elements nested 200 deep (beyond any sane limit)", lambda s: _deep(_bb(s))),
    "EDX-MODEL-001": ("Subject twice in MessageHeader", lambda s: _bb(s).replace(b"<edXML:DocumentType>", b"<edXML:Subject>again</edXML:Subject><edXML:DocumentType>")),
    "XSD": ("Priority 'abc' (not a number)", lambda s: sub(_bb(s), "<edXML:Priority>0<", "<edXML:Priority>abc<")),
    "EDX-READ-SPELLING": ("Business* spelt correctly (the reference writes Bussiness*)", lambda s: _bb(s).replace(b"Bussiness", b"Business")),
    "EDX-READ-ORDER": ("TraceHeader before Bussiness", lambda s: _swap_trace(_bb(s))),
    "EDX-READ-DATE-FORMAT": ("PromulgationDate as 30/09/2015", lambda s: sub(_bb(s), ">2015/09/30</edXML:PromulgationDate>", ">30/09/2015</edXML:PromulgationDate>")),
    "EDX-READ-STATUS-WRAPPER": ("A status package wrapped in Status", lambda s: _b(_status(s)).replace(b"edXML:MessageHeader>", b"edXML:Status>")),
    "EDX-READ-MANIFEST-NAME": ("Manifest instead of edXMLManifest", lambda s: _bb(s).replace(b"edXML:edXMLManifest", b"edXML:Manifest")),
    "EDX-READ-ATTACHMENTS-PLACE": ("AttachmentEncoded inside edXMLEnvelope", lambda s: _attachments_inside(_bb(s))),
    "EDX-READ-CID": ("ContentId without cid:", lambda s: _bb(s).replace(b">cid:1<", b">1<")),
    "EDX-READ-NO-CONTENT": ("An Attachment without ContentTransferEncoded", lambda s: cut(_bb(s), "<edXML:ContentTransferEncoded", "</edXML:ContentTransferEncoded>")),
    "EDX-READ-NO-CONTENT-TYPE": ("An Attachment without ContentType", lambda s: cut(_bb(s), "<ContentType>", "</ContentType>")),
    "EDX-READ-EMPTY": ("An empty ResponseFor/OrganId", lambda s: sub(_bb(s), "<edXML:SteeringType>", "<edXML:ResponseFor><edXML:OrganId/></edXML:ResponseFor><edXML:SteeringType>")),
    "EDX-READ-UNKNOWN": ("An element of a foreign namespace in MessageHeader", lambda s: sub(_bb(s), "<edXML:Subject>", '<o:X xmlns:o="urn:o"/><edXML:Subject>')),
    "EDX-READ-UNMODELLED": ("A ReplyFors holding elements, not the reference's string", lambda s: sub(_bb(s), "<edXML:Direction>", "<edXML:ReplyFors><edXML:ReplyFor/></edXML:ReplyFors><edXML:Direction>")),
    "EDX-READ-ROOT": ("The root element renamed edXMLPackage", lambda s: sub(sub(_bb(s), "<edXML xmlns=", "<edXMLPackage xmlns="), "</edXML>", "</edXMLPackage>")),
    "EDX-READ-MISSING": ("A MessageHeader without Subject", lambda s: cut(_bb(s), "<edXML:Subject>", "</edXML:Subject>")),
    "EDX-READ-HEADER-INCOMPLETE": ("A MessageHeader without DocumentType", lambda s: cut(_bb(s), "<edXML:DocumentType>", "</edXML:DocumentType>")),
    "EDX-READ-HOP-NO-ORGAN": ("A TraceHeader whose OrganId is the text null", _null_hop),
    "EDX-READ-VALUE": ("Direction 'maybe' (not a boolean)", lambda s: sub(_bb(s), "<edXML:Direction>false<", "<edXML:Direction>maybe<")),
    "EDX-READ-TRIMMED": ("From/OrganId with surrounding spaces", lambda s: sub(_bb(s), "<edXML:OrganId>", "<edXML:OrganId> ", 1)),
    "EDX-READ-ZIP-WRAPPED": ("A .txt wrapped in a ZIP as the reference builder wraps it", _zip_wrapped),
    "EDX-ATT-006": ("The manifest says application/zip for a PDF (the reference builder's manifest)", lambda s: sub(_bb(s), "<edXML:ContentType>application/pdf<", "<edXML:ContentType>application/zip<")),
    "EDX-READ-UNDECLARED-PREFIX": ("An undeclared xlink: prefix on a foreign element", lambda s: sub(_bb(s), "<edXML:Subject>", '<o:X xmlns:o="urn:o" xlink:href=""/><edXML:Subject>')),
    "EDX-READ-SIGNATURE-NAMESPACE": ("A Signature in the edXML namespace", lambda s: sub(_bb(s), "    </edXML:edXMLHeader>", PLACEHOLDER_SIGNATURE + "</edXML:edXMLHeader>")),
    "EDX-READ-SIGNATURE-POSITION": ("A Signature before TraceHeaderList", lambda s: sub(_bb(s), "<edXML:TraceHeaderList>", PLACEHOLDER_SIGNATURE + "<edXML:TraceHeaderList>")),
    "EDX-PDF-001": ("A PDF attachment with no signature", _pdf(_pdfs.unsigned_pdf)),
    "EDX-PDF-002": ("A signed PDF changed after signing (a signed byte differs)", _pdf(lambda: _pdfs.signed_pdf(tamper=True))),
    "EDX-PDF-003": ("A PDF signed by a certificate no trust store holds", _pdf(_pdfs.signed_pdf)),
    "EDX-PDF-004": ("A PDF attachment that only starts like a PDF", _pdf(_pdfs.broken_pdf)),
}  # fmt: skip

# Revocations, updates and replacements: a receiver may accept them with 15 as well as 03.
_CHANGE_RULES = {"EDX-BIZ-001", "EDX-BIZ-002", "EDX-BIZ-003"}
_STATUS_RULES = {"EDX-STS-001", "EDX-STS-002", "EDX-STS-003", "EDX-READ-STATUS-WRAPPER"}


def invalid_vectors() -> list[Vector]:
    """One vector per registered rule, plus the signature checks of ``verify`` mode."""
    missing = sorted((set(RULES) - set(RULE_CASES)) | (set(RULES) - set(RULE_CLAUSES)))
    if missing:  # a new rule without a vector: the suite must grow with the registry
        raise RuntimeError(f"conformance suite: no invalid vector for {', '.join(missing)}")
    out = []
    for rule_id, (title, make) in RULE_CASES.items():
        error = RULES[rule_id].severity is Severity.ERROR
        verify = rule_id == "EDX-SIG-001"
        pdf = rule_id.startswith("EDX-PDF-")
        out.append(
            Vector(
                id=f"invalid-{rule_id}",
                category=Category.INVALID,
                title=title,
                expect=Expect.REJECT if error else Expect.WARN,
                make=make,
                rule=rule_id,
                clause=RULE_CLAUSES[rule_id],
                required=error,
                kind="status" if rule_id in _STATUS_RULES else "edoc",
                mode="verify" if verify else "validate",
                tags=("signature",)
                if verify
                else ("change",)
                if rule_id in _CHANGE_RULES
                else ("pdf",)
                if pdf
                else (),
            )
        )
    out.append(
        Vector(
            id="invalid-signature-placeholder", category=Category.INVALID,
            title="The reference SDK's placeholder Signature, when signatures are verified",
            expect=Expect.REJECT, make=RULE_CASES["EDX-SIG-002"][1], rule="EDX-SIG-002",
            clause="TT 15/2025/TT-BKHCN annex (verification); XML-DSig core validation: the "
                   "placeholder's SignatureValue verifies nothing",
            mode="verify", tags=("signature",),
        )
    )  # fmt: skip
    return out
