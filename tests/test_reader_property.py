"""Property (issue 15): any well-formed envelope built from the model, with any subset of its
optional elements removed, is read, never refused.

"Optional" is everything but what the reader documents as the envelope it must find
(docs/reading.md): edXML, edXMLEnvelope, edXMLHeader, MessageHeader, From and the
OrganId of From and of each To; in a status package also StatusCode and ResponseFor with
its OrganId. So Subject, Code, PromulgationInfo, DocumentType, every TraceHeader part,
the manifest and the attachments' parts may all go.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import edoc
from edoc.model import BytesContent
from edoc.xml import names as n

VN = edoc.VN_TZ
KEEP = {
    "edXML", "edXMLEnvelope", "edXMLHeader", "MessageHeader", "From", "StatusCode",
    "ResponseFor",
}  # fmt: skip
KEEP_ORGAN_ID_IN = {"From", "To", "ResponseFor"}


def _full_package() -> edoc.EdocPackage:
    org = edoc.Organization(
        organ_id="000.00.00.G22", organization_in_charge="Chính phủ", organ_name="VPCP",
        organ_address="1 Hoàng Hoa Thám", email="vpcp@gov.vn", telephone="080", fax="081",
        website="vpcp.vn",
    )  # fmt: skip
    header = edoc.MessageHeader(
        from_=org,
        to=[edoc.Organization(organ_id="000.00.00.H41", organ_name="UBND tỉnh Nghệ An"),
            edoc.Organization(organ_id="000.00.00.H14")],
        document_id="000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
        code=edoc.Code(number="7816", notation="VPCP-TTĐT"),
        promulgation_info=edoc.PromulgationInfo(place="Hà Nội",
                                                promulgation_date=dt.date(2015, 9, 30)),
        document_type=edoc.DocumentType(type_code=1, type_detail=18, type_name="Công văn"),
        subject="V/v kết nối",
        content="Nội dung",
        signer_info=edoc.SignerInfo(competence="KT. BỘ TRƯỞNG", position="Thứ trưởng",
                                    full_name="Nguyễn Văn A"),
        due_date=dt.date(2015, 10, 30),
        to_places=["Như trên", "Lưu: VT"],
        other_info=edoc.OtherInfo(
            priority=edoc.Priority(1), sphere_of_promulgation="Toàn quốc", typer_notation="NVA",
            promulgation_amount=10, page_amount=2, direction=True, appendixes=["Phụ lục I"],
            reply_fors="7000/VPCP-TTĐT", reference_codes="QD-01",
        ),
        response_for=[edoc.ResponseFor(organ_id="000.00.00.H41", code="1/UBND",
                                       document_id="000.00.00.H41,2015/09/01,1/UBND",
                                       promulgation_date=dt.date(2015, 9, 1))],
        steering_type=edoc.SteeringType(1),
        response_for_task=["T-1"],
        application_type="edoc",
    )  # fmt: skip
    business = edoc.Business(
        doc_type=edoc.BusinessDocType(2), doc_reason="Cập nhật", paper=1,
        document_id="000.00.00.G22,2015/09/01,7000/VPCP-TTĐT",
        document_info=edoc.BusinessDocumentInfo(
            document_info=1, document_receiver=1,
            receivers=[edoc.Receiver(organ_id="000.00.00.H41", receiver_type=1)],
        ),
        replacements=[edoc.ReplacementInfo(document_id="000.00.00.G22,2015/09/01,1/X",
                                           organ_ids=["000.00.00.H41"])],
        staff_info=edoc.StaffInfo(department="Văn thư", department_id="VT", staff="B",
                                  staff_id="7", email="b@gov.vn", mobile="090"),
    )  # fmt: skip
    hops = [
        edoc.TraceHeader(organ_id=organ, timestamp=dt.datetime(2015, 9, 30, hour, tzinfo=VN))
        for organ, hour in (("000.00.00.G22", 10), ("vxp.saas.03", 11))
    ]
    att = edoc.Attachment.from_bytes(b"%PDF-1.4 x", name="qd.pdf", description="Văn bản")
    att2 = edoc.Attachment(name="pl.txt", content_type="text/plain", description="Phụ lục",
                           field_name="f", mime_type="text/plain",
                           content=BytesContent(b"phu luc"))  # fmt: skip
    return edoc.EdocPackage(
        header=header,
        trace=edoc.TraceHeaderList(business=business, trace_headers=hops),
        attachments=[att, att2],
    )


@cache
def _written() -> dict[str, bytes]:
    pkg = _full_package()
    status = edoc.StatusPackage.reply_to(
        pkg, code=edoc.StatusCode.ACCEPTED, from_=pkg.header.to[0],
        staff_info=edoc.StaffInfo(department="Văn thư", staff="C"),
        timestamp=dt.datetime(2015, 9, 30, 14, tzinfo=VN),
    )  # fmt: skip
    return {"edoc": edoc.to_bytes(pkg), "status": edoc.to_bytes(status)}


def _removable(root: etree._Element) -> list[etree._Element]:
    out = []
    for el in root.iter(etree.Element):
        local = n.local_of(el.tag)
        parent = el.getparent()
        up = n.local_of(parent.tag) if parent is not None else None
        if local in KEEP and up in (None, "edXML", "edXMLEnvelope", "edXMLHeader", "MessageHeader"):
            continue
        if local == "OrganId" and up in KEEP_ORGAN_ID_IN:
            continue
        out.append(el)
    return out


def test_the_full_package_uses_every_element_group() -> None:
    data = _written()["edoc"]
    for name in ("ReplyFors", "ReferenceCodes", "ReceiverList", "ReplacementInfoList",
                 "ResponseForTask", "ApplicationType", "MimeType", "FieldName"):  # fmt: skip
        assert f"{name}>".encode() in data, name
    assert edoc.read(data) == _full_package()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["edoc", "status"]), picks=st.data())
def test_any_subset_of_optional_elements_removed_is_read(kind: str, picks: st.DataObject) -> None:
    root = etree.fromstring(_written()[kind])
    removable = _removable(root)
    chosen = picks.draw(st.sets(st.sampled_from(range(len(removable)))), label="removed")
    for i in sorted(chosen, reverse=True):
        el = removable[i]
        parent = el.getparent()
        if parent is not None:  # None: an ancestor was removed already
            parent.remove(el)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    pkg = edoc.read(data)  # never refused
    assert isinstance(pkg, edoc.EdocPackage if kind == "edoc" else edoc.StatusPackage)
