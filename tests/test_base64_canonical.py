"""edoc._base64: the one strict canonical base64 decoder."""

import pytest

from edoc._base64 import Base64Error, decode_canonical


def test_decodes_canonical() -> None:
    assert decode_canonical("QUJD") == b"ABC"


@pytest.mark.parametrize(("text", "canonical"), [("QUJ!", False), ("QUJ=", True), ("QR==", True)])
def test_refuses(text: str, canonical: bool) -> None:
    with pytest.raises(Base64Error) as info:
        decode_canonical(text)
    assert info.value.canonical is canonical
    assert isinstance(info.value, ValueError)
