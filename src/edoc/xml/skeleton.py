"""The document as an lxml tree without attachment content, for schema and rule checks.

Built from the parsed node tree: same elements, attributes and text, with each
``ContentTransferEncoded`` left empty (its base64 was checked and decoded while parsing).
Elements carry their source line where the reader knows it (the envelope).
"""

from __future__ import annotations

from lxml import etree

from edoc.errors import ParseError, shorten
from edoc.xml import names as n
from edoc.xml._events import Node, ParsedDocument

__all__ = ["ElementPaths", "skeleton"]


def skeleton(doc: ParsedDocument) -> etree._Element:
    """An lxml element tree mirroring ``doc`` (attachment content excluded)."""
    if doc.tree is not None:  # a small document: the parser's own tree, content emptied
        attachment = n.q(n.ATTACHMENT)
        for el in doc.tree.iter(n.q(n.CONTENT_TRANSFER_ENCODED)):
            parent = el.getparent()
            if parent is not None and parent.tag == attachment:
                el.text = ""
        return doc.tree

    def build(node: Node, parent: etree._Element | None) -> etree._Element:
        try:
            el = etree.Element(node.tag) if parent is None else etree.SubElement(parent, node.tag)
            for key, value in node.attrib.items():
                el.set(key, value)
        except ValueError:  # a name libxml2's recovering event parser let through, e.g. ':'
            raise ParseError(
                f"not namespace-well-formed: invalid name in <{shorten(node.tag)}>",
                line=doc.lines.get(node.index), source=doc.source,
            ) from None  # fmt: skip
        if node.content is None:
            text = node.text
            if node.children:
                el.text = text if text.strip() else None
            else:
                el.text = text
        line = doc.lines.get(node.index)
        if line:
            el.sourceline = line  # type: ignore[assignment]  # lxml-stubs: Ellipsis
        for child in node.children:
            build(child, el)
        return el

    return build(doc.root, None)


class ElementPaths:
    """Element paths in one tree, each costing its depth: the positions of a parent's
    children among same-named siblings are counted once, the first time one is asked for
    (a path per finding would otherwise rescan the siblings: quadratic in them)."""

    def __init__(self) -> None:
        self._position: dict[etree._Element, tuple[int, int]] = {}
        """element -> (its position among siblings with its tag, how many there are)."""

    def __call__(self, el: etree._Element) -> str:
        """``/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]``: local names, positions
        where siblings share a name."""
        steps = []
        node: etree._Element | None = el
        while node is not None:
            step = n.local_of(node.tag)
            parent = node.getparent()
            if parent is not None:
                if node not in self._position:
                    self._count(parent)
                nth, same = self._position[node]
                if same > 1:
                    step += f"[{nth}]"
            steps.append(step)
            node = parent
        return "/" + "/".join(reversed(steps))

    def _count(self, parent: etree._Element) -> None:
        counts: dict[object, int] = {}
        children = []
        for child in parent:  # the dict keeps each proxy alive, so lookups find it again
            counts[child.tag] = nth = counts.get(child.tag, 0) + 1
            children.append((child, nth))
        for child, nth in children:
            self._position[child] = (nth, counts[child.tag])
