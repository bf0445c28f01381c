"""Business rules a schema cannot express. Each yields findings; ids are stable.

Rules read the skeleton tree (so they run even when the model cannot be built) and use
the model where it is simpler. Messages come in English and Vietnamese.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator

from cryptography import x509
from lxml import etree

from edoc.errors import shorten
from edoc.formats import VN_TZ, format_date, parse_date, parse_timestamp
from edoc.ids import DocumentId, OrganId, OrganIdScheme
from edoc.model import BusinessDocType, EdocPackage, StatusCode
from edoc.validation.context import Context, q, text
from edoc.validation.findings import Finding
from edoc.validation.findings import Severity as S
from edoc.validation.registry import rule
from edoc.xml import names as n

# --- identifiers -----------------------------------------------------------------------


@rule(
    "EDX-ID-001",
    "Agency codes follow QCVN 102:2016 (000.00.00.G22) or QĐ 20/2020 (H26.107)",
    "Mã định danh cơ quan theo QCVN 102:2016 (000.00.00.G22) hoặc QĐ 20/2020 (H26.107)",
    S.WARNING,
    strict=S.ERROR,
)
def agency_code_format(ctx: Context) -> Iterator[Finding]:
    for el in ctx.iter("OrganId"):
        value = text(el)
        if value is None:
            continue
        if OrganId(value).scheme is OrganIdScheme.UNKNOWN:
            yield ctx.finding(
                "EDX-ID-001",
                el,
                f"agency code {shorten(value)!r} follows neither QCVN 102:2016 nor QĐ 20/2020",
                f"mã định danh {shorten(value)!r} không theo QCVN 102:2016 hay QĐ 20/2020",
            )


@rule(
    "EDX-HDR-003",
    "DocumentId has the form OrganId,yyyy/MM/dd,Number/Notation",
    "DocumentId có dạng MãĐịnhDanh,yyyy/MM/dd,Số/KýHiệu",
    S.NOTE,
    strict=S.WARNING,
)
def document_id_form(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None or ctx.kind != "edoc":
        return
    el = mh.find(q("DocumentId"))
    value = text(el)
    if value is not None and not DocumentId(value).is_structured:
        yield ctx.finding(
            "EDX-HDR-003",
            el,
            f"DocumentId {shorten(value)!r} is not OrganId,yyyy/MM/dd,Number/Notation",
            f"DocumentId {shorten(value)!r} không có dạng MãĐịnhDanh,yyyy/MM/dd,Số/KýHiệu",
        )


@rule(
    "EDX-HDR-004",
    "DocumentId agrees with From/OrganId, PromulgationDate and Code",
    "DocumentId khớp với From/OrganId, PromulgationDate và Code",
    S.WARNING,
    strict=S.ERROR,
)
def document_id_consistent(ctx: Context) -> Iterator[Finding]:
    pkg = ctx.package
    if not isinstance(pkg, EdocPackage) or pkg.header.document_id is None:
        return
    doc_id = pkg.header.document_id
    if not doc_id.is_structured:
        return
    h = pkg.header
    el = ctx.message_header.find(q("DocumentId")) if ctx.message_header is not None else None
    assert doc_id.promulgation_date is not None
    checks = [
        ("issuer", str(doc_id.organ_id), str(h.from_.organ_id), "cơ quan ban hành"),
        (
            "date",
            format_date(doc_id.promulgation_date),
            format_date(h.promulgation_info.promulgation_date),
            "ngày",
        ),
        ("code", doc_id.code, str(h.code), "số, ký hiệu"),
    ]
    for what, got, want, vi in checks:
        if got != want:
            yield ctx.finding(
                "EDX-HDR-004",
                el,
                f"DocumentId's {what} is {got!r} but the header says {want!r}",
                f"{vi} trong DocumentId là {got!r} nhưng tiêu đề ghi {want!r}",
            )


# --- recipients -------------------------------------------------------------------------


@rule(
    "EDX-HDR-001",
    "An edoc package has at least one recipient (To)",
    "Gói tin văn bản có ít nhất một nơi nhận (To)",
    S.ERROR,
)
def recipients_present(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is not None and ctx.kind == "edoc" and mh.find(q("To")) is None:
        yield ctx.finding(
            "EDX-HDR-001", mh, "MessageHeader has no To", "MessageHeader không có nơi nhận (To)"
        )


@rule(
    "EDX-HDR-002",
    "No recipient (To/OrganId) is listed twice",
    "Không có nơi nhận (To/OrganId) nào bị lặp",
    S.ERROR,
)
def recipients_unique(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None:
        return
    seen: set[str] = set()
    for to in mh.findall(q("To")):
        el = to.find(q("OrganId"))
        value = text(el)
        if value is None:
            continue
        if value in seen:
            yield ctx.finding(
                "EDX-HDR-002",
                el,
                f"recipient {shorten(value)!r} is listed twice",
                f"nơi nhận {shorten(value)!r} bị lặp",
            )
        seen.add(value)


# --- dates ------------------------------------------------------------------------------

_DATE_ELEMENTS = ("PromulgationDate", "DueDate")


@rule(
    "EDX-DATE-001",
    "Dates and timestamps are real calendar dates in yyyy/MM/dd [HH:mm:ss]",
    "Ngày, giờ là ngày có thật, theo dạng yyyy/MM/dd [HH:mm:ss]",
    S.ERROR,
)
def real_dates(ctx: Context) -> Iterator[Finding]:
    legacy = ctx.profile != "strict"
    for el in ctx.iter(*_DATE_ELEMENTS, "Timestamp"):
        value = text(el)
        if value is None:
            continue
        try:
            if etree.QName(el).localname == "Timestamp":
                parse_timestamp(value.strip(), legacy_ok=legacy)
            else:
                parse_date(value.strip(), legacy_ok=legacy)
        except ValueError:
            yield ctx.finding(
                "EDX-DATE-001",
                el,
                f"{etree.QName(el).localname} {shorten(value)!r} is not a real date in the "
                "standard's form",
                f"{etree.QName(el).localname} {shorten(value)!r} không phải ngày hợp lệ",
            )


def _date(el: etree._Element | None) -> dt.date | None:
    value = text(el)
    if value is None:
        return None
    try:
        return parse_date(value.strip(), legacy_ok=True)[0]
    except ValueError:
        return None


@rule(
    "EDX-DATE-002",
    "The promulgation date is not in the future",
    "Ngày ban hành không ở tương lai",
    S.ERROR,
)
def promulgation_not_future(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None or ctx.kind != "edoc":
        return
    el = mh.find(f"{q('PromulgationInfo')}/{q('PromulgationDate')}")
    date = _date(el)
    today = ctx.now.astimezone(VN_TZ).date()
    if date is not None and date > today:
        yield ctx.finding(
            "EDX-DATE-002",
            el,
            f"PromulgationDate {date:%Y/%m/%d} is after today ({today:%Y/%m/%d}, Vietnam time)",
            f"Ngày ban hành {date:%Y/%m/%d} sau ngày hôm nay ({today:%Y/%m/%d})",
        )


@rule(
    "EDX-DATE-003",
    "The due date is not before the promulgation date",
    "Hạn xử lý không trước ngày ban hành",
    S.ERROR,
)
def due_after_promulgation(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None or ctx.kind != "edoc":
        return
    prom = _date(mh.find(f"{q('PromulgationInfo')}/{q('PromulgationDate')}"))
    due_el = mh.find(q("DueDate"))
    due = _date(due_el)
    if prom is not None and due is not None and due < prom:
        yield ctx.finding(
            "EDX-DATE-003",
            due_el,
            f"DueDate {due:%Y/%m/%d} is before PromulgationDate {prom:%Y/%m/%d}",
            f"Hạn xử lý {due:%Y/%m/%d} trước ngày ban hành {prom:%Y/%m/%d}",
        )


@rule(
    "EDX-TRACE-001",
    "TraceHeader timestamps are in order",
    "Thời điểm các TraceHeader theo thứ tự",
    S.WARNING,
)
def trace_in_order(ctx: Context) -> Iterator[Finding]:
    last: dt.datetime | None = None
    for th in ctx.iter("TraceHeader"):
        el = th.find(q("Timestamp"))
        value = text(el)
        if value is None:
            continue
        try:
            stamp = parse_timestamp(value.strip(), legacy_ok=True)[0]
        except ValueError:
            continue
        if last is not None and stamp < last:
            yield ctx.finding(
                "EDX-TRACE-001",
                el,
                f"TraceHeader at {value.strip()} comes after a later one",
                f"TraceHeader lúc {value.strip()} đứng sau một TraceHeader muộn hơn",
            )
        last = stamp


# --- attachments ------------------------------------------------------------------------


def _attachments(ctx: Context) -> list[etree._Element]:
    return list(ctx.iter(n.ATTACHMENT))


def _references(ctx: Context) -> list[etree._Element]:
    env = ctx.envelope
    if env is None:
        return []
    return list(
        ctx.iter(n.REFERENCE, within=env.find(q(n.BODY))) if env.find(q(n.BODY)) is not None else []
    )


@rule(
    "EDX-ATT-001",
    "Every manifest Reference has exactly one Attachment with its ContentId, and the reverse",
    "Mỗi Reference trong manifest có đúng một Attachment cùng ContentId, và ngược lại",
    S.ERROR,
)
def manifest_matches(ctx: Context) -> Iterator[Finding]:
    if ctx.kind != "edoc":
        return
    atts = Counter(text(a.find(q("ContentId"))) for a in _attachments(ctx))
    refs = Counter(text(r.find(q("ContentId"))) for r in _references(ctx))
    for ref in _references(ctx):
        cid = text(ref.find(q("ContentId")))
        if atts[cid] != 1:
            yield ctx.finding(
                "EDX-ATT-001",
                ref,
                f"manifest Reference {cid} has {atts[cid]} attachments, not one",
                f"Reference {cid} trong manifest có {atts[cid]} tệp đính kèm, không phải một",
            )
    for att in _attachments(ctx):
        cid = text(att.find(q("ContentId")))
        if refs[cid] != 1:
            yield ctx.finding(
                "EDX-ATT-001",
                att,
                f"Attachment {cid} is listed {refs[cid]} times in the manifest, not once",
                f"tệp đính kèm {cid} có {refs[cid]} lần trong manifest, không phải một",
            )
    by_cid = {text(a.find(q("ContentId"))): a for a in _attachments(ctx)}
    for ref in _references(ctx):
        cid = text(ref.find(q("ContentId")))
        twin = by_cid.get(cid)
        if twin is None or atts[cid] != 1 or refs[cid] != 1:
            continue
        for field in ("ContentType", "AttachmentName"):
            el = twin.find(q(field))
            said, has = text(ref.find(q(field))), text(el)
            if el is not None and said is not None and has is not None and said != has:
                yield ctx.finding(
                    "EDX-ATT-001",
                    el,
                    f"Attachment {cid}: {field} {shorten(has)!r} differs from the manifest's "
                    f"{shorten(said)!r}",
                    f"tệp đính kèm {cid}: {field} khác với manifest",
                )


@rule(
    "EDX-ATT-002",
    "Attachment ContentIds are unique",
    "ContentId của các tệp đính kèm không trùng nhau",
    S.ERROR,
)
def content_ids_unique(ctx: Context) -> Iterator[Finding]:
    seen: set[str | None] = set()
    for att in _attachments(ctx):
        el = att.find(q("ContentId"))
        cid = text(el)
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
    for node in ctx.doc.iter_nodes(q(n.ATTACHMENT)):
        cte = next((c for c in node.children if c.content is not None), None)
        ct = next((c for c in node.children if c.tag == q("ContentType")), None)
        if cte is None or ct is None or cte.content is None:
            continue
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


# --- business types ---------------------------------------------------------------------


def _business(ctx: Context) -> tuple[etree._Element | None, BusinessDocType | None]:
    header = ctx.header
    if header is None:
        return None, None
    trace = header.find(q(n.TRACE_HEADER_LIST))
    if trace is None:
        return None, None
    for name in (n.BUSINESS, *(v for v, s in n.SPELLING_VARIANTS.items() if s == n.BUSINESS)):
        business = trace.find(q(name))
        if business is not None:
            break
    else:
        return None, None
    for name in (n.BUSINESS_DOC_TYPE, "BusinessDocType"):
        value = text(business.find(q(name)))
        if value is not None:
            try:
                return business, BusinessDocType(int(value.strip()))
            except ValueError:
                return business, None
    return business, None


def _child(el: etree._Element, *names: str) -> etree._Element | None:
    return next((c for name in names if (c := el.find(q(name))) is not None), None)


@rule(
    "EDX-BIZ-001",
    "A revocation (BussinessDocType 1) names the revoked document in ResponseFor",
    "Gói tin thu hồi (BussinessDocType 1) nêu văn bản bị thu hồi trong ResponseFor",
    S.ERROR,
)
def revocation_needs_response_for(ctx: Context) -> Iterator[Finding]:
    business, doc_type = _business(ctx)
    mh = ctx.message_header
    if business is None or mh is None or doc_type is not BusinessDocType.REVOCATION:
        return
    if not any(text(rf.find(q("OrganId"))) for rf in mh.findall(q("ResponseFor"))):
        yield ctx.finding(
            "EDX-BIZ-001",
            mh,
            "a revocation has no ResponseFor naming the revoked document",
            "gói tin thu hồi không có ResponseFor nêu văn bản bị thu hồi",
        )


@rule(
    "EDX-BIZ-002",
    "An update (BussinessDocType 2) carries Bussiness/DocumentId and BussinessDocumentInfo",
    "Gói tin cập nhật (BussinessDocType 2) có Bussiness/DocumentId và BussinessDocumentInfo",
    S.ERROR,
)
def update_needs_info(ctx: Context) -> Iterator[Finding]:
    business, doc_type = _business(ctx)
    if business is None or doc_type is not BusinessDocType.UPDATE:
        return
    if text(business.find(q("DocumentId"))) is None:
        yield ctx.finding(
            "EDX-BIZ-002",
            business,
            "an update has no Bussiness/DocumentId naming the updated document",
            "gói tin cập nhật không có Bussiness/DocumentId",
        )
    if _child(business, n.BUSINESS_DOCUMENT_INFO, "BusinessDocumentInfo") is None:
        yield ctx.finding(
            "EDX-BIZ-002",
            business,
            "an update has no BussinessDocumentInfo saying what changed",
            "gói tin cập nhật không có BussinessDocumentInfo",
        )


@rule(
    "EDX-BIZ-003",
    "A replacement (BussinessDocType 3) lists the replaced documents in ReplacementInfoList",
    "Gói tin thay thế (BussinessDocType 3) liệt kê văn bản bị thay thế trong ReplacementInfoList",
    S.ERROR,
)
def replacement_needs_list(ctx: Context) -> Iterator[Finding]:
    business, doc_type = _business(ctx)
    if business is None or doc_type is not BusinessDocType.REPLACEMENT:
        return
    rl = business.find(q("ReplacementInfoList"))
    if rl is None or rl.find(q("ReplacementInfo")) is None:
        yield ctx.finding(
            "EDX-BIZ-003",
            business,
            "a replacement has no ReplacementInfoList/ReplacementInfo",
            "gói tin thay thế không có ReplacementInfoList/ReplacementInfo",
        )


@rule(
    "EDX-BIZ-004",
    "An edoc package has a Bussiness block saying what it does",
    "Gói tin văn bản có khối Bussiness nêu nghiệp vụ",
    S.WARNING,
    strict=S.ERROR,
)
def business_present(ctx: Context) -> Iterator[Finding]:
    if ctx.kind != "edoc" or ctx.header is None:
        return
    business, _ = _business(ctx)
    if business is None:
        yield ctx.finding(
            "EDX-BIZ-004",
            ctx.header,
            "TraceHeaderList has no Bussiness block",
            "TraceHeaderList không có khối Bussiness",
        )


# --- status packages --------------------------------------------------------------------


@rule(
    "EDX-STS-001",
    "A status package carries one of the nine known StatusCodes",
    "Gói tin trạng thái có một trong chín mã trạng thái đã biết",
    S.ERROR,
)
def status_code_known(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None or ctx.kind != "status":
        return
    el = mh.find(q("StatusCode"))
    value = (text(el) or "").strip()
    if value not in {c.value for c in StatusCode}:
        known = ", ".join(c.value for c in StatusCode)
        yield ctx.finding(
            "EDX-STS-001",
            el if el is not None else mh,
            f"StatusCode {shorten(value)!r} is not one of {known}",
            f"mã trạng thái {shorten(value)!r} không thuộc {known}",
        )


@rule(
    "EDX-STS-002",
    "A status package names the document in ResponseFor (OrganId, Code, DocumentId)",
    "Gói tin trạng thái nêu văn bản trong ResponseFor (OrganId, Code, DocumentId)",
    S.ERROR,
)
def status_response_for(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is None or ctx.kind != "status":
        return
    rf = mh.find(q("ResponseFor"))
    missing = [
        name for name in ("OrganId", "Code", "DocumentId")
        if rf is None or text(rf.find(q(name))) is None
    ]  # fmt: skip
    if missing:
        yield ctx.finding(
            "EDX-STS-002",
            rf if rf is not None else mh,
            f"ResponseFor lacks {', '.join(missing)}",
            f"ResponseFor thiếu {', '.join(missing)}",
        )


@rule(
    "EDX-STS-003",
    "A status package has a Timestamp",
    "Gói tin trạng thái có thời điểm (Timestamp)",
    S.ERROR,
)
def status_timestamp(ctx: Context) -> Iterator[Finding]:
    mh = ctx.message_header
    if mh is not None and ctx.kind == "status" and text(mh.find(q("Timestamp"))) is None:
        yield ctx.finding(
            "EDX-STS-003", mh, "the status package has no Timestamp", "gói tin không có Timestamp"
        )


# --- signature --------------------------------------------------------------------------

# The reference SDK sample's SignatureValue, copied into real packages (edxml-reference §5.2).
_SDK_PLACEHOLDER_SIGNATURE = "GbVb8n9+qFxz466Ag0sbpVdLPs2R0+9JBekp12UyarAZjoG0W/kPZZJ1auRZ"


def _signature(ctx: Context) -> etree._Element | None:
    header = ctx.header
    if header is None:
        return None
    for ns in (n.DSIG_NS, n.NS):
        sig = header.find(n.q(n.SIGNATURE, ns))
        if sig is not None:
            return sig
    return None


@rule(
    "EDX-SIG-001",
    "The package is signed (when the caller's policy requires a signature)",
    "Gói tin có chữ ký số (khi chính sách yêu cầu)",
    S.ERROR,
)
def signature_present(ctx: Context) -> Iterator[Finding]:
    if ctx.require_signature and ctx.kind is not None and _signature(ctx) is None:
        yield ctx.finding(
            "EDX-SIG-001",
            ctx.header,
            "the package has no Signature, and the policy requires one",
            "gói tin không có chữ ký số, trong khi chính sách yêu cầu",
        )


@rule(
    "EDX-SIG-002",
    "A Signature block carries a real certificate and signature value, not a placeholder",
    "Khối Signature có chứng thư số và giá trị chữ ký thật, không phải giá trị mẫu",
    S.WARNING,
    strict=S.ERROR,
)
def signature_not_placeholder(ctx: Context) -> Iterator[Finding]:
    sig = _signature(ctx)
    if sig is None:
        return
    ns = etree.QName(sig).namespace
    sig_value = "".join((sig.findtext(f"{{{ns}}}SignatureValue") or "").split())
    reasons: list[tuple[str, str]] = []
    if sig_value.startswith(_SDK_PLACEHOLDER_SIGNATURE):
        reasons.append(
            ("its SignatureValue is the reference SDK's sample value",
             "SignatureValue là giá trị mẫu của bộ SDK tham chiếu")
        )  # fmt: skip
    certs = list(sig.iter(f"{{{ns}}}X509Certificate"))
    for cert in certs:
        try:
            x509.load_der_x509_certificate(base64.b64decode("".join((cert.text or "").split())))
        except (ValueError, binascii.Error):
            shown = shorten(cert.text or "", 20)
            reasons.append(
                (f"X509Certificate {shown!r} is not a certificate",
                 f"X509Certificate {shown!r} không phải chứng thư số")
            )  # fmt: skip
    if not certs:
        reasons.append(("it carries no X509Certificate", "không có X509Certificate"))
    if reasons:
        yield ctx.finding(
            "EDX-SIG-002",
            sig,
            "the Signature is a placeholder and cannot verify: " + "; ".join(r[0] for r in reasons),
            "chữ ký là giá trị mẫu, không thể xác thực: " + "; ".join(r[1] for r in reasons),
        )


# --- lengths and text -------------------------------------------------------------------

# Interoperability limits from integrators and 7197/BKHCN (edxml-reference §2.3).
_MAX_LENGTH = {
    "CodeNumber": 11, "CodeNotation": 30, "TypeName": 100, "OrganName": 200,
    "OrganizationInCharge": 500, "OrganAdd": 500, "Email": 100, "Subject": 500,
    "Content": 500, "Competence": 100, "Position": 100, "FullName": 50,
    "SphereOfPromulgation": 100, "TyperNotation": 10, "Appendix": 250, "AttachmentName": 500,
}  # fmt: skip


@rule(
    "EDX-LEN-001",
    "Text fields fit the lengths integrators accept (CodeNumber 11, Subject 500, …)",
    "Độ dài trường văn bản trong giới hạn các hệ thống chấp nhận (CodeNumber 11, Subject 500, …)",
    S.WARNING,
)
def lengths(ctx: Context) -> Iterator[Finding]:
    if ctx.profile == "strict":
        return  # the strict schema's maxLength facets report these
    for name, limit in _MAX_LENGTH.items():
        for el in ctx.iter(name):
            value = text(el) or ""
            if len(value) > limit:
                yield ctx.finding(
                    "EDX-LEN-001",
                    el,
                    f"{name} has {len(value)} characters; receivers accept {limit}",
                    f"{name} dài {len(value)} ký tự; giới hạn {limit}",
                )


_BIDI_OR_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]")


@rule(
    "EDX-TXT-001",
    "Text holds no bidirectional-override or invisible characters",
    "Văn bản không chứa ký tự điều khiển hướng hay ký tự ẩn",
    S.WARNING,
)
def no_bidi(ctx: Context) -> Iterator[Finding]:
    env = ctx.envelope
    if env is None:
        return
    for el in env.iter():
        value = el.text if isinstance(el.tag, str) and len(el) == 0 else None
        if value and (m := _BIDI_OR_INVISIBLE.search(value)):
            yield ctx.finding(
                "EDX-TXT-001",
                el,
                f"{etree.QName(el).localname} contains U+{ord(m.group()):04X} "
                f"({unicodedata.name(m.group(), 'unnamed')})",
                f"{etree.QName(el).localname} chứa ký tự U+{ord(m.group()):04X}",
            )
