"""Run every check on one package: parse, schema, model, recorded deviations, rules."""

from __future__ import annotations

import datetime as dt
import os

from edoc.errors import LimitExceededError, ParseError, SourceError
from edoc.formats import VN_TZ
from edoc.limits import Limits
from edoc.model import Package
from edoc.validation import rules as _rules  # noqa: F401  (registers the rule functions)
from edoc.validation.context import Context
from edoc.validation.findings import Finding, Report, Severity
from edoc.validation.registry import RULES, declare
from edoc.validation.rules.pdf import PdfRules
from edoc.validation.schema import PROFILES, schema_findings
from edoc.xml import names as n
from edoc.xml.reader import Source, package_from_document, parse_document
from edoc.xml.skeleton import skeleton

__all__ = ["validate"]

_S = Severity

declare(
    "EDX-XML-001",
    "The input is well-formed UTF-8 XML without DTDs or entities",
    "Dữ liệu là XML UTF-8 đúng cú pháp, không có DTD hay thực thể",
    _S.ERROR,
    source="parser",
)
declare(
    "EDX-XML-002",
    "The input stays within the reader's limits (size, depth, elements, text, attachments)",
    "Dữ liệu nằm trong giới hạn của bộ đọc (kích thước, độ sâu, số phần tử, văn bản, tệp)",
    _S.ERROR,
    source="parser",
)
declare(
    "EDX-MODEL-001",
    "The package's envelope can be found and is unambiguous (edXMLEnvelope, edXMLHeader, "
    "MessageHeader, From/OrganId; no singleton twice): otherwise there is no package to read",
    "Tìm được phần khung gói tin và không mơ hồ (edXMLEnvelope, edXMLHeader, MessageHeader, "
    "From/OrganId; không phần tử nào lặp)",
    _S.ERROR,
    source="reader",
)

# The reader's deviations (docs/reading.md), as rules of the interop profile. In the strict
# profile the schema reports the structural ones, so those are not repeated.
_DEVIATIONS: tuple[tuple[str, str, str, Severity, Severity, bool], ...] = (
    ("EDX-READ-SPELLING", "Business* spellings are Bussiness*, as the reference writes them",
     "Dùng cách viết Bussiness* như bản tham chiếu", _S.WARNING, _S.ERROR, True),
    ("EDX-READ-ORDER", "Children are in the reference writer's order",
     "Các phần tử con theo thứ tự của bản tham chiếu", _S.WARNING, _S.ERROR, True),
    ("EDX-READ-DATE-FORMAT", "Dates are yyyy/MM/dd, not dd/MM/yyyy",
     "Ngày theo dạng yyyy/MM/dd, không phải dd/MM/yyyy", _S.WARNING, _S.ERROR, True),
    ("EDX-READ-STATUS-WRAPPER", "A status package's header is MessageHeader, not Status",
     "Tiêu đề gói tin trạng thái là MessageHeader, không phải Status", _S.WARNING, _S.ERROR, True),
    ("EDX-READ-MANIFEST-NAME", "The manifest is edXMLManifest, not Manifest",
     "Manifest có tên edXMLManifest, không phải Manifest", _S.WARNING, _S.ERROR, True),
    ("EDX-READ-ATTACHMENTS-PLACE", "AttachmentEncoded follows edXMLEnvelope, not inside it",
     "AttachmentEncoded đứng sau edXMLEnvelope, không nằm trong", _S.WARNING, _S.ERROR, True),
    ("EDX-READ-CID", "ContentIds carry the cid: prefix",
     "ContentId có tiền tố cid:", _S.WARNING, _S.ERROR, False),
    ("EDX-READ-NO-CONTENT", "Every Attachment has ContentTransferEncoded",
     "Mỗi Attachment có ContentTransferEncoded", _S.ERROR, _S.ERROR, True),
    ("EDX-READ-NO-CONTENT-TYPE", "Every Attachment has a ContentType",
     "Mỗi Attachment có ContentType", _S.WARNING, _S.ERROR, True),
    ("EDX-READ-EMPTY", "No element is present but empty where a value is expected",
     "Không có phần tử rỗng ở nơi cần giá trị", _S.WARNING, _S.ERROR, False),
    ("EDX-READ-UNKNOWN", "No unknown elements", "Không có phần tử lạ", _S.WARNING, _S.ERROR, True),
    ("EDX-READ-UNMODELLED", "ReplyFors and ReferenceCodes are plain strings, as the reference "
     "models them", "ReplyFors và ReferenceCodes là chuỗi, như mô hình tham chiếu",
     _S.NOTE, _S.NOTE, False),
    ("EDX-READ-UNDECLARED-PREFIX", "Every namespace prefix is declared",
     "Mọi tiền tố không gian tên đều được khai báo", _S.WARNING, _S.ERROR, False),
    ("EDX-READ-ROOT", "The root element is edXML", "Phần tử gốc là edXML",
     _S.WARNING, _S.ERROR, False),
    ("EDX-READ-MISSING", "Every element the standard requires is present and not empty",
     "Có đủ các phần tử bắt buộc, không rỗng", _S.ERROR, _S.ERROR, True),
    ("EDX-READ-HEADER-INCOMPLETE", "MessageHeader has Code, PromulgationInfo and DocumentType "
     "(some packages the hub delivered in 2025 lack them)",
     "MessageHeader có Code, PromulgationInfo và DocumentType", _S.WARNING, _S.ERROR, True),
    ("EDX-READ-HOP-NO-ORGAN", "Every TraceHeader names its agency (OrganId); the hub and the "
     "reference builder write hops without one", "Mỗi TraceHeader có OrganId",
     _S.NOTE, _S.ERROR, False),
    ("EDX-READ-VALUE", "Every value has its type (number, date, timestamp, boolean, known code)",
     "Mọi giá trị đúng kiểu (số, ngày, thời điểm, logic, mã đã biết)", _S.ERROR, _S.ERROR, True),
    ("EDX-READ-TRIMMED", "Agency codes carry no surrounding white space",
     "Mã định danh không có khoảng trắng thừa", _S.NOTE, _S.WARNING, False),
    ("EDX-READ-ZIP-WRAPPED", "Attachments are sent as they are, not in the reference builder's "
     "ZIP wrapping", "Tệp đính kèm gửi nguyên dạng, không bọc ZIP như bản tham chiếu",
     _S.NOTE, _S.WARNING, False),

    ("EDX-READ-SIGNATURE-NAMESPACE", "The Signature is in the xmldsig namespace",
     "Chữ ký thuộc không gian tên xmldsig", _S.NOTE, _S.WARNING, False),
    ("EDX-READ-SIGNATURE-POSITION", "The Signature is the last child of edXMLHeader",
     "Chữ ký là phần tử con cuối của edXMLHeader", _S.WARNING, _S.ERROR, False),
)  # fmt: skip
_SCHEMA_COVERED_IN_STRICT = {code for code, *_, covered in _DEVIATIONS if covered}
for _code, _title, _title_vi, _sev, _strict, _ in _DEVIATIONS:
    declare(_code, _title, _title_vi, _sev, strict=_strict, source="reader")
# Covered by EDX-ATT-001 and EDX-ATT-004 with their own wording.
_SUPPRESSED = {"EDX-READ-MANIFEST", "EDX-READ-ATTACHMENT-BROKEN"}


def not_met_vi(rule_id: str) -> str:
    """A finding's Vietnamese line where only the rule's requirement is translated: it says
    the requirement is not met, never the requirement alone (which reads as its opposite)."""
    return f"Chưa đạt yêu cầu: {RULES[rule_id].title_vi}"


def _finding(rule_id: str, profile: str, exc: ParseError, source: str | None) -> Finding:
    message = str(exc.message)
    if isinstance(exc, LimitExceededError):
        message += f": {exc.value} seen, at most {exc.maximum} allowed"
    return Finding(
        rule=rule_id,
        severity=RULES[rule_id].severity_for(profile),
        message=message,
        message_vi=not_met_vi(rule_id),
        path=exc.path,
        line=exc.line,
        source=source,
    )


def validate(
    source: Source,
    *,
    profile: str = "interop",
    limits: Limits | None = None,
    now: dt.datetime | None = None,
    require_signature: bool = False,
    spool_dir: str | os.PathLike[str] | None = None,
    pdf: PdfRules | None = None,
) -> Report:
    """Check one package against the schema and every rule of ``profile``; never raises for
    a bad package: everything wrong is a finding in the returned :class:`Report`.

    ``profile`` is ``"interop"`` (accepts what real systems write, reporting each variant as
    a warning) or ``"strict"`` (the standard as written). ``now`` fixes "today" for the
    date rules (default: the current time). ``require_signature`` makes an unsigned
    package an error (EDX-SIG-001). Signatures are not verified here: see ``edoc verify``.
    The signatures inside PDF attachments are checked offline per ``pdf`` (EDX-PDF-*).
    """
    if profile not in PROFILES:
        from edoc.errors import InputError

        raise InputError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else None
    try:
        doc = parse_document(source, limits=limits, spool_dir=spool_dir)
    except SourceError as exc:
        finding = Finding(
            rule="EDX-XML-001", severity=_S.ERROR, message=str(exc),
            message_vi="không mở được tệp", source=name,
        )  # fmt: skip
        return Report(source=name, profile=profile, findings=(finding,), readable=False)
    except LimitExceededError as exc:
        f = _finding("EDX-XML-002", profile, exc, name)
        return Report(source=name, profile=profile, findings=(f,), readable=False)
    except ParseError as exc:
        f = _finding("EDX-XML-001", profile, exc, name)
        return Report(source=name, profile=profile, findings=(f,), readable=False)
    name = name or doc.source

    try:
        tree = skeleton(doc)
    except ParseError as exc:
        f = _finding("EDX-XML-001", profile, exc, name)
        return Report(source=name, profile=profile, findings=(f,), readable=False)
    ctx = Context(
        profile=profile, tree=tree, doc=doc, package=None, kind=None, source=name,
        now=now or dt.datetime.now(VN_TZ), require_signature=require_signature, pdf=pdf,
    )  # fmt: skip
    mh = ctx.message_header
    if tree.tag == n.q(n.ROOT) and mh is not None:
        ctx.kind = "status" if mh.find(n.q("StatusCode")) is not None else "edoc"
    findings: list[Finding] = []
    if ctx.kind is not None:
        findings += schema_findings(tree, ctx.kind, profile, name)
    package: Package | None = None
    readable = True
    try:
        package = package_from_document(doc, limits=limits)
    except LimitExceededError as exc:
        readable = False
        findings.append(_finding("EDX-XML-002", profile, exc, name))
    except ParseError as exc:  # no package to represent: edoc.read refuses it too
        readable = False
        findings.append(_finding("EDX-MODEL-001", profile, exc, name))
    if package is not None:
        ctx.package = package
        for d in package.deviations:
            if d.code in _SUPPRESSED or (
                profile == "strict" and d.code in _SCHEMA_COVERED_IN_STRICT
            ):
                continue
            r = RULES[d.code]
            findings.append(
                Finding(
                    rule=d.code, severity=r.severity_for(profile), message=d.message,
                    message_vi=not_met_vi(d.code), path=d.path, line=d.line, source=name,
                )
            )  # fmt: skip
    if ctx.kind is not None:
        for r in RULES.values():
            if r.check is not None:
                findings.extend(r.check(ctx))
    findings.sort(key=lambda f: (f.line is None, f.line or 0))
    return Report(
        source=name, profile=profile, findings=tuple(findings), kind=ctx.kind, readable=readable
    )
