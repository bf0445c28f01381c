"""Valid vectors: every business type, every status code, signed and unsigned, many and
large attachments. A correct system accepts each."""

from __future__ import annotations

import datetime as dt

from edoc.conformance._packages import (
    KIT_ORGAN,
    Seeded,
    SeededContent,
    base_package,
    business,
    header,
    reply,
)
from edoc.conformance.vectors import Category, Expect, Made, Signed, Vector
from edoc.model import (
    Attachment,
    BusinessDocType,
    BusinessDocumentInfo,
    Organization,
    OtherInfo,
    Priority,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StatusCode,
    SteeringType,
)

__all__ = ["valid_vectors"]

_EARLIER = "000.00.00.G22,2015/09/01,7000/VPCP-TTĐT"
"""The DocumentId of the earlier document that revocations, updates and replacements name."""

# File kinds for "many attachments": name suffix, content type, leading bytes (file magic).
_KINDS = (
    (".pdf", "application/pdf", b"%PDF-1.7\n"),
    (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     b"PK\x03\x04"),
    (".png", "image/png", b"\x89PNG\r\n\x1a\n"),
    (".jpg", "image/jpeg", b"\xff\xd8\xff\xe0"),
    (".doc", "application/msword", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    (".txt", "text/plain", b"Van ban "),
)  # fmt: skip


def _seeded_attachment(s: Seeded, i: int, size: int) -> Attachment:
    suffix, ctype, magic = _KINDS[i % len(_KINDS)]
    return Attachment(
        name=f"Tài liệu {i + 1:03d}{suffix}",
        content_type=ctype,
        content=SeededContent(f"{s.seed}:{s.vector_id}:{i}", size, magic),
    )


def _new(s: Seeded) -> Made:
    return base_package(s)


def _no_attachment(s: Seeded) -> Made:
    return base_package(s, attachments=[])


def _full_header(s: Seeded) -> Made:
    pkg = base_package(s)
    return header(
        pkg,
        due_date=dt.date(2015, 10, 15),
        signer_info=SignerInfo(
            competence="TL. Bộ trưởng", position="Chánh Văn phòng", full_name="Nguyễn Văn A"
        ),
        other_info=OtherInfo(
            priority=Priority.URGENT,
            sphere_of_promulgation="Toàn quốc",
            typer_notation="TVC",
            promulgation_amount=10,
            page_amount=2,
        ),
        steering_type=SteeringType.STEERING,
        to_places=("Các Bộ, cơ quan ngang Bộ", "Lưu: VT"),
        content="Thực hiện ý kiến chỉ đạo của Thủ tướng Chính phủ.",
    )


def _several_recipients(s: Seeded) -> Made:
    pkg = base_package(s)
    return header(
        pkg,
        to=[*pkg.header.to, Organization(organ_id="000.00.00.H40", organ_name="UBND tỉnh Nghệ An")],
    )


def _revocation(s: Seeded) -> Made:
    pkg = business(base_package(s), doc_type=BusinessDocType.REVOCATION,
                   doc_reason="Thu hồi văn bản")  # fmt: skip
    earlier = ResponseFor(organ_id=KIT_ORGAN, code="7000/VPCP-TTĐT", document_id=_EARLIER,
                          promulgation_date=dt.date(2015, 9, 1))  # fmt: skip
    return header(pkg, response_for=(earlier,))


def _update(s: Seeded) -> Made:
    return business(
        base_package(s), doc_type=BusinessDocType.UPDATE, doc_reason="Cập nhật văn bản",
        document_id=_EARLIER,
        document_info=BusinessDocumentInfo(
            document_info=1, document_receiver=1,
            receivers=(Receiver(organ_id=s.to, receiver_type=1),),
        ),
    )  # fmt: skip


def _replacement(s: Seeded) -> Made:
    return business(
        base_package(s), doc_type=BusinessDocType.REPLACEMENT, doc_reason="Thay thế văn bản",
        replacements=(ReplacementInfo(document_id=_EARLIER, organ_ids=(s.to,)),),
    )  # fmt: skip


def _status(code: StatusCode) -> Vector:
    def make(s: Seeded) -> Made:
        return reply(base_package(s), code)

    return Vector(
        id=f"valid-status-{code.value}",
        category=Category.VALID,
        title=f"A status package with StatusCode {code.value} ({code.name.lower()})",
        expect=Expect.ACCEPT,
        make=make,
        clause=f"QCVN 102:2016 status package, StatusCode {code.value} "
        "(the nine codes of QĐ 28/2018/QĐ-TTg)",
        kind="status",
        tags=("status",),
    )


def _many(count: int) -> Vector:
    def make(s: Seeded) -> Made:
        atts = [_seeded_attachment(s, i, 512 + s.rng.randrange(4096)) for i in range(count)]
        return base_package(s, attachments=atts)

    return Vector(
        id="valid-many-attachments", category=Category.VALID,
        title=f"{count} attachments of six file kinds with Vietnamese names",
        expect=Expect.ACCEPT, make=make,
        clause="QCVN 102:2016 edXMLManifest and AttachmentEncoded (Reference*, Attachment*)",
        tags=("attachments",),
    )  # fmt: skip


def _large(size: int) -> Vector:
    def make(s: Seeded) -> Made:
        return base_package(s, attachments=[_seeded_attachment(s, 0, size)])

    return Vector(
        id="valid-large-attachment", category=Category.VALID,
        title=f"One attachment of {size} bytes, generated on the fly",
        expect=Expect.ACCEPT, make=make,
        clause="QCVN 102:2016 AttachmentEncoded (no size limit is public; the size is an "
               "edoc interop choice)",
        tags=("attachments", "large"),
    )  # fmt: skip


_SIGNED_CLAUSE = {
    "rsa": "NĐ 30/2020/NĐ-CP Art. 8 h) (chữ ký số); TT 15/2025/TT-BKHCN annex: RSA of 2048 "
           "bits, SHA-256, XML signature",
    "ec": "NĐ 30/2020/NĐ-CP Art. 8 h) (chữ ký số); TT 15/2025/TT-BKHCN annex: ECDSA P-256, "
          "SHA-256, XML signature",
}  # fmt: skip


def _signed(family: str) -> Vector:
    def make(s: Seeded) -> Made:
        return Signed(base_package(s), family)

    return Vector(
        id=f"valid-signed-{family}", category=Category.VALID,
        title=f"Signed with the run's {family.upper()} test key (enveloped XML-DSig)",
        expect=Expect.ACCEPT, make=make, clause=_SIGNED_CLAUSE[family],
        tags=("signed",),
    )  # fmt: skip


def valid_vectors(*, many: int, large: int) -> list[Vector]:
    """The valid category; ``many`` attachments in one vector, one of ``large`` bytes."""

    def v(vid: str, title: str, make: object, clause: str, *tags: str) -> Vector:
        return Vector(id=vid, category=Category.VALID, title=title, expect=Expect.ACCEPT,
                      make=make, clause=clause, tags=tags)  # type: ignore[arg-type]  # fmt: skip

    out = [
        v("valid-new", "A new document (BussinessDocType 0) with one PDF", _new,
          "QCVN 102:2016 cl. 1.1–1.14 and cl. 2.2.1 (BussinessDocType 0, mới)", "business"),
        v("valid-new-no-attachment", "A new document without attachments", _no_attachment,
          "QCVN 102:2016 edXMLManifest (Reference*: zero or more attachments)"),
        v("valid-new-full-header", "A new document with every optional header field",
          _full_header, "QCVN 102:2016 cl. 1.7–1.11 and 1.13; NĐ 30/2020/NĐ-CP Art. 8 (thể thức)"),
        v("valid-several-recipients", "A document addressed to two agencies",
          _several_recipients, "QCVN 102:2016 cl. 1.2 (To: one element per recipient)"),
        v("valid-revocation", "A revocation (BussinessDocType 1) naming the revoked document",
          _revocation, "QCVN 102:2016 cl. 2.2.1 (BussinessDocType 1, thu hồi) and cl. 1.12",
          "business", "change"),
        v("valid-update", "An update (BussinessDocType 2) with BussinessDocumentInfo",
          _update, "QCVN 102:2016 cl. 2.2.1 (BussinessDocType 2, cập nhật), cl. 2.2.3, 2.2.4",
          "business", "change"),
        v("valid-replacement", "A replacement (BussinessDocType 3) with ReplacementInfoList",
          _replacement, "QCVN 102:2016 cl. 2.2.1 (BussinessDocType 3, thay thế), cl. 2.2.8",
          "business", "change"),
    ]  # fmt: skip
    out += [_status(code) for code in StatusCode]
    out += [_signed("rsa"), _signed("ec"), _many(many), _large(large)]
    return out
