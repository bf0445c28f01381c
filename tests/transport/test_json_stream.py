"""The streaming reader of getEdoc's JSON answer: base64 ``data`` decoded as it arrives."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edoc.transport._json_stream import Base64Member


def run(text: bytes, cuts: list[int] | None = None) -> tuple[bytes, dict[str, object]]:
    out = bytearray()
    member = Base64Member(out.extend)
    points = sorted({c % (len(text) + 1) for c in (cuts or [])})
    start = 0
    for point in [*points, len(text)]:
        member.feed(text[start:point])
        start = point
    others = member.close()
    assert member.found
    assert member.decoded_size == len(out)
    return bytes(out), others


def java_org_json(payload: bytes) -> bytes:
    """As org.json writes it: '/' escaped as '\\/'."""
    data = base64.b64encode(payload).decode().replace("/", "\\/")
    return ('{"status":"OK","ErrorCode":"0","data":"' + data + '","ErrorDesc":""}').encode()


def gson(payload: bytes) -> bytes:
    """As Gson writes it by default: '=' escaped as '\\u003d'."""
    data = base64.b64encode(payload).decode().replace("=", "\\u003d")
    return ('{"data":"' + data + '", "status": "OK", "ErrorCode": 0}').encode()


def mime(payload: bytes) -> bytes:
    """MIME base64 (76-character lines, CRLF), as JSON escapes."""
    data = base64.encodebytes(payload).decode().replace("\n", "\r\n")
    return json.dumps({"status": "OK", "data": data, "extra": {"a": [1, "}"]}}).encode()


PAYLOADS = [b"", b"a", b"ab", b"abc", bytes(range(256)) * 40, b"\xff\xfe/?" * 999]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: str(len(p)))
@pytest.mark.parametrize("writer", [java_org_json, gson, mime])
def test_writers(payload: bytes, writer: object) -> None:
    data, others = run(writer(payload))  # type: ignore[operator]
    assert data == payload
    assert str(others["status"]) == "OK"


@settings(max_examples=200, deadline=None)
@given(
    payload=st.binary(max_size=3000),
    writer=st.sampled_from([java_org_json, gson, mime]),
    cuts=st.lists(st.integers(min_value=0), max_size=12),
)
def test_any_chunking(payload: bytes, writer: object, cuts: list[int]) -> None:
    data, _ = run(writer(payload), cuts)  # type: ignore[operator]
    assert data == payload


def test_members_kept() -> None:
    text = b'{ "status" : "FAIL", "ErrorCode" : 12, "ok": true, "n": null, "data": "" }'
    data, others = run(text)
    assert data == b""
    assert others == {"status": "FAIL", "ErrorCode": 12, "ok": True, "n": None}


@pytest.mark.parametrize(
    "text",
    [b"", b"[]", b'{"data": "YWJj"', b'{"data": "YW?j"}', b'{"data": "YWJ"}', b'{"a" 1}',
     b'{"data": "YWJj"} x', b'{"data": "YW\\qj"}'],
)  # fmt: skip
def test_refuses_broken_answers(text: bytes) -> None:
    def parse() -> None:
        member = Base64Member(lambda _: None)
        member.feed(text)
        member.close()

    with pytest.raises(ValueError):  # noqa: PT011 - any ValueError; the hub maps it
        parse()


def test_data_absent() -> None:
    member = Base64Member(lambda _: None)
    member.feed(b'{"status": "FAIL", "data": null}')
    assert member.close() == {"status": "FAIL", "data": None}
    assert not member.found
