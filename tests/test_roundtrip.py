"""model -> write -> read gives the same model, for generated packages (hypothesis)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edoc
from conftest import read_edoc

# Any text XML 1.0 can carry, Vietnamese and odd characters included (CR, tabs, <, &, ]]>,
# astral-plane characters), but not the characters XML cannot carry at all.
xml_chars = st.characters(
    blacklist_categories=("Cs",),  # type: ignore[arg-type]
    blacklist_characters=[chr(c) for c in range(0x20) if c not in (0x9, 0xA, 0xD)]
    + ["\ufffe", "\uffff"],
)
text = st.text(xml_chars, min_size=1, max_size=40)
vietnamese = st.sampled_from(["Công văn", "Văn phòng Chính phủ", "Thượng khẩn", "Hỏa tốc", "Đ"])
any_text = st.one_of(
    text, vietnamese, st.just(" leading and trailing "), st.just("a\r\nb ]]> & <c>")
)
opt_text = st.one_of(st.none(), any_text)
# Identifiers must hold more than white space (the model refuses blank ones).
ids_text = any_text.filter(str.strip)
opt_ids = st.one_of(st.none(), ids_text)
organ_ids = st.one_of(
    st.from_regex(r"\A\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}\Z"),
    st.sampled_from(["H26.107", "vxp.saas.03", "01.02.G22"]),
)
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))
timestamps = st.datetimes(
    min_value=dt.datetime(1990, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from([edoc.VN_TZ, dt.UTC, dt.timezone(dt.timedelta(hours=-5))]),
)
small = st.integers(min_value=0, max_value=10_000)

organizations = st.builds(
    edoc.Organization,
    organ_id=organ_ids,
    organization_in_charge=opt_text,
    organ_name=opt_text,
    organ_address=opt_text,
    email=opt_text,
    telephone=opt_text,
    fax=opt_text,
    website=opt_text,
)
staff = st.builds(
    edoc.StaffInfo,
    department=opt_text,
    department_id=opt_text,
    staff=opt_text,
    staff_id=opt_text,
    email=opt_text,
    mobile=opt_text,
)
response_fors = st.builds(
    edoc.ResponseFor,
    organ_id=organ_ids,
    code=opt_text,
    document_id=opt_ids,
    promulgation_date=st.one_of(st.none(), dates),
)
headers = st.builds(
    edoc.MessageHeader,
    from_=organizations,
    to=st.lists(organizations, min_size=1, max_size=3),
    code=st.builds(edoc.Code, number=any_text, notation=any_text),
    promulgation_info=st.builds(edoc.PromulgationInfo, place=opt_text, promulgation_date=dates),
    document_type=st.builds(
        edoc.DocumentType,
        type_code=small,
        type_name=opt_text,
        type_detail=st.one_of(st.none(), small),
    ),
    subject=any_text,
    document_id=opt_ids,
    content=opt_text,
    signer_info=st.builds(
        edoc.SignerInfo, competence=opt_text, position=opt_text, full_name=opt_text
    ),
    due_date=st.one_of(st.none(), dates),
    to_places=st.lists(any_text, max_size=3),
    other_info=st.builds(
        edoc.OtherInfo,
        priority=st.sampled_from(edoc.Priority),
        sphere_of_promulgation=opt_text,
        typer_notation=opt_text,
        promulgation_amount=st.one_of(st.none(), small),
        page_amount=st.one_of(st.none(), small),
        direction=st.booleans(),
        appendixes=st.lists(any_text, max_size=3),
    ),
    response_for=st.lists(response_fors, max_size=2),
    steering_type=st.sampled_from(edoc.SteeringType),
    response_for_task=st.lists(any_text, max_size=2),
    application_type=opt_text,
)
businesses = st.builds(
    edoc.Business,
    doc_type=st.sampled_from(edoc.BusinessDocType),
    doc_reason=opt_text,
    paper=small,
    document_id=opt_ids,
    document_info=st.one_of(
        st.none(),
        st.builds(
            edoc.BusinessDocumentInfo,
            document_info=small,
            document_receiver=small,
            receivers=st.lists(
                st.builds(edoc.Receiver, organ_id=organ_ids, receiver_type=small), max_size=3
            ),
        ),
    ),
    replacements=st.lists(
        st.builds(
            edoc.ReplacementInfo, document_id=ids_text, organ_ids=st.lists(organ_ids, max_size=3)
        ),
        max_size=2,
    ),
    staff_info=st.one_of(st.none(), staff),
)
attachments = st.lists(
    st.builds(
        edoc.Attachment.from_bytes,
        st.binary(max_size=3000),
        name=any_text,
        content_type=st.sampled_from(
            ["application/pdf", "application/zip", "text/plain; charset=utf-8"]
        ),
        description=opt_text,
    ),
    max_size=3,
)
edoc_packages = st.builds(
    edoc.EdocPackage,
    header=headers,
    trace=st.builds(
        edoc.TraceHeaderList,
        business=st.one_of(st.none(), businesses),
        trace_headers=st.lists(
            st.builds(edoc.TraceHeader, organ_id=organ_ids, timestamp=timestamps), max_size=3
        ),
    ),
    attachments=attachments,
)
status_packages = st.builds(
    edoc.StatusPackage,
    from_=organizations,
    response_for=response_fors,
    status_code=st.sampled_from(edoc.StatusCode),
    timestamp=timestamps,
    staff_info=st.one_of(st.none(), staff),
    description=opt_text,
)

_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(edoc_packages)
def test_edoc_package_round_trip(pkg: edoc.EdocPackage) -> None:
    data = edoc.to_bytes(pkg)
    got = edoc.read(data)
    assert got == pkg
    assert [a.read_bytes() for a in got.attachments] == [a.read_bytes() for a in pkg.attachments]
    assert got.deviations == ()


@_settings
@given(status_packages)
def test_status_package_round_trip(pkg: edoc.StatusPackage) -> None:
    got = edoc.read(io.BytesIO(edoc.to_bytes(pkg)))
    assert got == pkg
    assert got.deviations == ()


def test_large_attachment_spools_to_disk_and_round_trips(tmp_path: Path) -> None:
    from conftest import make_package

    blob = bytes(range(256)) * 8192  # 2 MiB: above the 1 MiB memory threshold
    pkg = make_package(**{"big.bin": blob})
    out = tmp_path / "big.edxml"
    edoc.write(pkg, out)
    got = read_edoc(out, spool_dir=tmp_path)
    att = got.attachments[0]
    assert att.size == len(blob)
    spooled = list(tmp_path.glob("edoc-*.bin"))
    assert len(spooled) == 1, "a large attachment is decoded to a temporary file, not memory"
    assert att.read_bytes() == blob
    del got, att
    import gc

    gc.collect()
    assert not list(tmp_path.glob("edoc-*.bin")), "the temporary file goes with the package"
