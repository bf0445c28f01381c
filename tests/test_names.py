"""Clark-notation helpers: they split what lxml's QName refuses."""

from __future__ import annotations

import pytest
from lxml import etree

from edoc.xml import names as n


@pytest.mark.parametrize(
    ("tag", "local", "namespace"),
    [
        ("{urn:a}B", "B", "urn:a"),
        ("B", "B", None),
        ("{http://x{urn:y}z#}SignatureValue", "SignatureValue", "http://x{urn:y}z#"),
        ("{}B", "B", ""),
    ],
)
def test_local_and_namespace_of(tag: str, local: str, namespace: str | None) -> None:
    assert (n.local_of(tag), n.namespace_of(tag)) == (local, namespace)


def test_they_read_a_tag_lxml_built_but_qname_refuses() -> None:
    # libxml2 only warns about such a URI; edoc's streaming parse keeps the element.
    parser = etree.XMLParser(recover=True)
    el = etree.fromstring(b'<a xmlns="http://x{urn:y}z#"><SignatureValue/></a>', parser)[0]
    with pytest.raises(ValueError, match="Invalid tag name"):
        etree.QName(el)
    assert n.local_of(el.tag) == "SignatureValue"
    assert n.namespace_of(el.tag) == "http://x{urn:y}z#"
