# ruff: noqa: E501  (a table, one clause per line, reads best unwrapped)
"""The public clause each vector rests on, in words a vendor can argue from.

QCVN 102:2016/BTTTT clause numbers (``cl. 1.2``) are those of its element tables: MessageHeader
1.1–1.14, TraceHeaderList 2.1–2.2.8. Where no public text requires what a vector checks,
the clause says ``edoc interop choice`` and why (docs/conformance.md, "Clauses").
"""

from __future__ import annotations

__all__ = ["INTEROP", "PUBLIC_SOURCES", "RULE_CLAUSES"]

INTEROP = "edoc interop choice"

PUBLIC_SOURCES = (
    "QCVN 102:2016",
    "NĐ 30/2020/NĐ-CP",
    "TT 15/2025/TT-BKHCN",
    "QĐ 20/2020/QĐ-TTg",
    "QĐ 28/2018/QĐ-TTg",
    "XML 1.0",
    "XML-DSig",
    "RFC 5280",
)
"""What a clause may cite: public instruments and standards (or INTEROP)."""

_HDR = "QCVN 102:2016 cl. 1.1–1.14 (MessageHeader)"

RULE_CLAUSES: dict[str, str] = {
    "EDX-ID-001": "QCVN 102:2016 (mã định danh 000.00.00.G22), as amended by Sửa đổi 1:2022 to QĐ 20/2020/QĐ-TTg Art. 4",
    "EDX-HDR-003": f"QCVN 102:2016 cl. 1.14 (DocumentId: OrganId,yyyy/MM/dd,Number/Notation); a note: {INTEROP}, the hub also takes UUIDs",
    "EDX-HDR-004": "QCVN 102:2016 cl. 1.14 (DocumentId) built from cl. 1.1 (From), 1.3 (Code) and 1.4 (PromulgationDate)",
    "EDX-HDR-001": "QCVN 102:2016 cl. 1.2 (To: one element per recipient, at least one)",
    "EDX-HDR-002": "QCVN 102:2016 cl. 1.2 (To: one element per recipient)",
    "EDX-DATE-001": "QCVN 102:2016 cl. 1.4 (PromulgationDate, yyyy/MM/dd); NĐ 30/2020/NĐ-CP Art. 8 (thời gian ban hành)",
    "EDX-DATE-002": f"QCVN 102:2016 cl. 1.4 (PromulgationDate); not in the future: {INTEROP}",
    "EDX-DATE-003": f"QCVN 102:2016 cl. 1.9 (DueDate); not before promulgation: {INTEROP}",
    "EDX-TRACE-001": "QCVN 102:2016 cl. 2.1 (TraceHeader: one per hop, with its Timestamp)",
    "EDX-ATT-001": "QCVN 102:2016 edXMLManifest/Reference and AttachmentEncoded/Attachment, matched by ContentId",
    "EDX-ATT-002": "QCVN 102:2016 AttachmentEncoded/Attachment (ContentId names one attachment)",
    "EDX-ATT-003": f"{INTEROP}: a declared ContentType matches the bytes",
    "EDX-ATT-004": "QCVN 102:2016 AttachmentEncoded/ContentTransferEncoded (base64)",
    "EDX-ATT-006": f"QCVN 102:2016 edXMLManifest/Reference/ContentType (the attachment's own type); the reference builder's constant application/zip is a note in interop: {INTEROP}",
    "EDX-ATT-005": f"{INTEROP}: attachment names are plain file names",
    "EDX-BIZ-001": "QCVN 102:2016 cl. 2.2.1 (BussinessDocType 1, thu hồi) and cl. 1.12 (ResponseFor)",
    "EDX-BIZ-002": "QCVN 102:2016 cl. 2.2.1 (BussinessDocType 2, cập nhật), cl. 2.2.3 and 2.2.4",
    "EDX-BIZ-003": "QCVN 102:2016 cl. 2.2.1 (BussinessDocType 3, thay thế) and cl. 2.2.8 (ReplacementInfoList)",
    "EDX-BIZ-004": "QCVN 102:2016 cl. 2.2 (Bussiness); a warning: the hub took packages without it in 2025",
    "EDX-STS-001": "QCVN 102:2016 status package, StatusCode: the nine codes of QĐ 28/2018/QĐ-TTg",
    "EDX-STS-002": "QCVN 102:2016 status package, ResponseFor (OrganId, Code, DocumentId as in cl. 1.12)",
    "EDX-STS-003": "QCVN 102:2016 status package, Timestamp (yyyy/MM/dd HH:mm:ss)",
    "EDX-SIG-001": "NĐ 30/2020/NĐ-CP Art. 8 h) (chữ ký số của cơ quan, tổ chức), when the receiver's policy requires a signature",
    "EDX-SIG-002": "TT 15/2025/TT-BKHCN annex (verification: a certificate per RFC 5280); the placeholder is the reference SDK's sample",
    "EDX-PDF-001": "NĐ 30/2020/NĐ-CP Art. 8 (an electronic document carries the signer's and the agency's digital signatures), when the receiver's policy requires one",
    "EDX-PDF-002": "NĐ 30/2020/NĐ-CP Art. 8; ISO 32000 (PDF signatures over their byte ranges; changes after signing)",
    "EDX-PDF-003": "TT 15/2025/TT-BKHCN annex (verification: a certificate path per RFC 5280)",
    "EDX-PDF-004": f"{INTEROP}: a PDF that cannot be read within the limits is reported, not trusted",
    "EDX-LEN-001": f"{INTEROP}: the lengths integrators accept (CodeNumber 11, CodeNotation 30, Subject 500)",
    "EDX-TXT-001": f"{INTEROP}: no bidirectional-override or invisible characters in text",
    "XSD": "QCVN 102:2016 element tables (types and structure; no public XSD exists)",
    "EDX-XML-001": f"XML 1.0 well-formed, UTF-8 (QCVN 102:2016); no DTD or entity: {INTEROP}",
    "EDX-XML-002": f"{INTEROP}: size, depth and count limits a receiver can raise",
    "EDX-MODEL-001": f"{_HDR}: required elements present, each once",
    "EDX-READ-SPELLING": f"{INTEROP}: the reference SDK writes Bussiness*; Business* is read with a warning",
    "EDX-READ-ORDER": f"{INTEROP}: the SDK's write order and the clause numbering disagree; order is not enforced",
    "EDX-READ-DATE-FORMAT": f"QCVN 102:2016 cl. 1.4 (yyyy/MM/dd); dd/MM/yyyy read with a warning: {INTEROP}",
    "EDX-READ-STATUS-WRAPPER": f"QCVN 102:2016 status package (MessageHeader); a Status wrapper read with a warning: {INTEROP}",
    "EDX-READ-MANIFEST-NAME": f"QCVN 102:2016 edXMLManifest; Manifest read with a warning: {INTEROP}",
    "EDX-READ-ATTACHMENTS-PLACE": f"QCVN 102:2016 AttachmentEncoded after edXMLEnvelope; inside it read with a warning: {INTEROP}",
    "EDX-READ-CID": f"QCVN 102:2016 ContentId (cid:…); without cid: read with a warning: {INTEROP}",
    "EDX-READ-NO-CONTENT": "QCVN 102:2016 AttachmentEncoded/Attachment (ContentTransferEncoded holds the file)",
    "EDX-READ-NO-CONTENT-TYPE": f"QCVN 102:2016 Attachment/ContentType; missing read with a warning: {INTEROP}",
    "EDX-READ-EMPTY": f"{INTEROP}: an empty element where a value is expected is read as absent",
    "EDX-READ-UNKNOWN": f"{INTEROP}: unknown elements are ignored with a warning",
    "EDX-READ-UNMODELLED": f"{INTEROP}: ReplyFors and ReferenceCodes (SDK extras of cl. 1.11) are plain strings, as the reference SDK models them",
    "EDX-READ-ROOT": "QCVN 102:2016 cl. 1 (the package's root element is edXML)",
    "EDX-READ-MISSING": f"{_HDR} and the element tables: required elements present and not empty",
    "EDX-READ-HEADER-INCOMPLETE": f"{_HDR}: Code (cl. 1.3), PromulgationInfo (cl. 1.4), DocumentType (cl. 1.5); a warning in interop: the hub delivered packages without them in 2025",
    "EDX-READ-HOP-NO-ORGAN": "QCVN 102:2016 cl. 2.1 TraceHeader (OrganId, Timestamp); a note in interop: the hub and the reference builder write hops without OrganId",
    "EDX-READ-VALUE": "QCVN 102:2016 element tables (each value's type: number, date, timestamp, code list)",
    "EDX-READ-TRIMMED": f"{INTEROP}: agency codes are read trimmed, as the reference SDK trims them",
    "EDX-READ-ZIP-WRAPPED": f"{INTEROP}: the reference builder's single-entry ZIP wrapping is unwrapped on read",
    "EDX-READ-UNDECLARED-PREFIX": "XML 1.0 with Namespaces: every prefix is declared",
    "EDX-READ-SIGNATURE-NAMESPACE": f"XML-DSig namespace; the edXML-namespace Signature real packages carry: {INTEROP}",
    "EDX-READ-SIGNATURE-POSITION": f"{INTEROP}: the Signature is the last child of edXMLHeader, where the reference SDK writes it",
}
"""Suite rule id -> the clause its invalid vector cites."""
