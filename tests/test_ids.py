"""Agency codes, DocumentIds and dates: the formats, and look-alike characters refused."""

from __future__ import annotations

import datetime as dt

import pytest

import edoc
from conftest import make_package, read_edoc
from edoc.errors import IdentifierError
from edoc.formats import parse_date, parse_timestamp
from edoc.ids import DocumentId, OrganId, OrganIdScheme


@pytest.mark.parametrize(
    ("code", "scheme", "level1"),
    [("000.00.00.G22", OrganIdScheme.QCVN_102_2016, "G22"),
     ("000.00.04.G14", OrganIdScheme.QCVN_102_2016, "G14"),
     ("H26.107", OrganIdScheme.QD_20_2020, "H26"), ("H37.DN.001", OrganIdScheme.QD_20_2020, "H37"),
     ("vxp.saas.03", OrganIdScheme.UNKNOWN, None), ("01.02.G22", OrganIdScheme.UNKNOWN, None),
     ("28.22.H17", OrganIdScheme.UNKNOWN, None)],
)  # fmt: skip
def test_agency_code_schemes(code: str, scheme: OrganIdScheme, level1: str | None) -> None:
    organ = OrganId(code)
    assert organ.scheme is scheme
    assert organ.level1 == level1
    assert str(organ) == code


@pytest.mark.parametrize(
    "lookalike",
    ["000.00.00.G\uff12\uff12",  # fullwidth digits 22
     "000.00.00.\u0413\u0032\u0032",  # Cyrillic Ge for G
     "\u0660\u0660\u0660.00.00.G22",  # Arabic-Indic zeros
     "H\uff12\uff16.107",  # fullwidth in a QĐ 20 code
     "000.00.00.G22\u200b"],  # a zero-width space
)  # fmt: skip
def test_look_alike_codes_follow_no_scheme(lookalike: str) -> None:
    assert OrganId(lookalike).scheme is OrganIdScheme.UNKNOWN
    with pytest.raises(IdentifierError, match="follows neither"):
        OrganId.parse(lookalike)


def test_document_id_parts_and_look_alike_dates() -> None:
    doc_id = DocumentId.build("000.00.00.G22", dt.date(2015, 9, 30), "7816", "VPCP-TTĐT")
    assert doc_id.value == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert doc_id.organ_id == OrganId("000.00.00.G22")
    assert doc_id.promulgation_date == dt.date(2015, 9, 30)
    assert doc_id.code == "7816/VPCP-TTĐT"
    assert not DocumentId("9fbfbad2-f1f8-4256-a2eb-50fb1061cddb").is_structured
    assert not DocumentId("000.00.00.G22,2014/02/30,7806/VPCP-TTĐT").is_structured  # no such day
    assert not DocumentId("000.00.00.G22,\uff12\uff10\uff11\uff15/09/30,7816/X").is_structured
    with pytest.raises(IdentifierError):
        DocumentId.parse("no commas here")
    with pytest.raises(IdentifierError):
        DocumentId("   ")


@pytest.mark.parametrize(
    "text", ["\uff12\uff10\uff11\uff15/09/30", "2015/\u0660\u0669/30", "2015-09-30", "2015/9/30"]
)
def test_dates_are_ascii_digits_in_the_standard_form(text: str) -> None:
    with pytest.raises(ValueError, match="yyyy/MM/dd"):
        parse_date(text, legacy_ok=True)


def test_timestamps_and_legacy_forms() -> None:
    assert parse_timestamp("2015/09/30 10:15:00")[0] == dt.datetime(
        2015, 9, 30, 10, 15, tzinfo=edoc.VN_TZ
    )
    assert parse_date("30/09/2015", legacy_ok=True) == (dt.date(2015, 9, 30), True)
    with pytest.raises(ValueError, match="yyyy/MM/dd"):
        parse_date("30/09/2015")
    with pytest.raises(ValueError, match="HH:mm:ss"):
        parse_timestamp("2015/09/30 \uff11\uff10:15:00")


def test_reader_does_not_take_a_fullwidth_date_for_a_date() -> None:
    data = edoc.to_bytes(make_package()).replace(
        b"<edXML:PromulgationDate>2015/09/30", "<edXML:PromulgationDate>２０１５/09/30".encode()
    )
    pkg = read_edoc(data)  # read (issue 15), the date as absent and recorded as an error
    assert pkg.header.promulgation_info.promulgation_date is None  # type: ignore[union-attr]
    assert [d.code for d in pkg.deviations] == ["EDX-READ-VALUE"]
    assert "PromulgationDate" in pkg.deviations[0].message


def test_replacement_info_takes_a_document_id_or_its_text() -> None:
    doc_id = edoc.DocumentId("000.00.00.G22,2025/09/30,7816/VPCP-TTĐT")
    by_id = edoc.ReplacementInfo(document_id=doc_id, organ_ids=["000.00.00.H41"])
    by_text = edoc.ReplacementInfo(document_id=str(doc_id), organ_ids=["000.00.00.H41"])
    assert by_id == by_text
    assert by_id.document_id == doc_id
