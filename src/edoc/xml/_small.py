"""One C parse for small, well-behaved documents; everything else takes the streaming path.

The streaming parse (:func:`edoc.xml._events.parse_events`) calls back into Python for
every element and every piece of text, and also runs a second parser for source lines.
For a document of at most ``_events.WHOLE_TREE_BYTES`` that costs more than the parse
itself. Here libxml2 builds the whole tree in one call (hardened the same way), and one
walk turns it into :class:`Node` s with the same checks.

The fast path is optimistic: on anything unusual (a DOCTYPE, a syntax or namespace
error, a limit reached, base64 that does not decode, an element inside
``ContentTransferEncoded``) it gives up and returns ``None``, and the caller parses the
same bytes on the streaming path, which raises the one authoritative error. The limits
are the rules of :mod:`edoc.xml._guard`, applied once per document to the largest value
the walk saw (the walk compares, the guard decides). So both paths accept exactly the
same documents and give the same results (``tests/test_reader_paths.py`` checks this on
every vector and hostile case).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import cast

from lxml import etree

from edoc.errors import EdocError
from edoc.limits import Limits
from edoc.xml import _guard
from edoc.xml import names as n
from edoc.xml._events import Node, ParsedDocument, Spool, _Decoder

__all__ = ["parse_small"]

_CTE = n.q(n.CONTENT_TRANSFER_ENCODED)
_ATTACHMENT = n.q(n.ATTACHMENT)


class _GiveUp(Exception):
    """Leave this document to the streaming path."""


def _parser() -> etree.XMLParser:
    # One parser per call: lxml parsers are not shareable across threads, and building
    # one costs a few microseconds.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,  # text on both sides of a comment is joined, as in Node.text
        remove_pis=True,
    )


def _no_pool() -> ThreadPoolExecutor:
    raise _GiveUp  # only attachments over 4 MiB use the worker; a small document has none


def parse_small(
    data: bytes,
    *,
    limits: Limits,
    source: str | None,
    memory_threshold: int,
    spool_dir: str | None,
) -> ParsedDocument | None:
    """``data`` parsed in one call, or ``None`` when the streaming path must decide."""
    if _guard.DOCTYPE in data:
        return None
    try:
        _guard.check_bytes(len(data), limits, source)
        _guard.check_head(data[: _guard.HEAD_BYTES], source)  # libxml2 honours another encoding
    except EdocError:
        return None
    etree.clear_error_log()
    try:
        top = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError:
        return None
    spools: list[Spool] = []
    try:
        root, lines = _walk(top, limits, memory_threshold, spool_dir, spools, data.count(b"xmlns"))
    except (_GiveUp, EdocError):
        for spool in spools:
            spool.discard()
        return None
    return ParsedDocument(root, lines, source, [], top)


def _walk(
    top: etree._Element,
    limits: Limits,
    threshold: int,
    spool_dir: str | None,
    spools: list[Spool],
    namespace_declarations: int,
) -> tuple[Node, dict[int, int]]:
    lines: dict[int, int] = {}
    attachments = 0
    # The largest value of each limited quantity, for the guard after the walk. One
    # element past Limits.max_elements is enough to refuse, so the walk stops there.
    elements = deepest = most_attributes = longest = 0
    placed: dict[etree._Element, tuple[Node, int]] = {}
    root: Node | None = None
    # lxml's iter() is pre-order, like the streaming parser's start events, so indices
    # match; a parent's own text comes before its children's tails, which arrive in order.
    for index, el in enumerate(islice(top.iter(), limits.max_elements + 1)):
        elements = index + 1
        # Each lxml property (tag, attrib, text) builds a new object: read each once.
        tag = el.tag
        if tag[0] != "{":  # in no namespace (xmlns=""): the streaming path adopts it
            raise _GiveUp
        attrib = dict(cast("list[tuple[str, str]]", el.items()))  # str: no bytes in, none out
        if len(attrib) > most_attributes:
            most_attributes = len(attrib)
        up = el.getparent()
        if up is None:
            node = root = Node(tag, attrib, None, index)
            depth = 1
        else:
            parent, depth = placed[up]
            depth += 1
            if depth > deepest:
                deepest = depth
            node = Node(tag, attrib, parent, index)
            parent.children.append(node)
            tail = el.tail
            if tail:
                if len(tail) > longest:
                    longest = len(tail)
                parent.parts.append(tail)
        placed[el] = (node, depth)
        line = el.sourceline
        if isinstance(line, int) and line:
            lines[index] = line
        text = el.text
        if tag == _CTE and up is not None and parent.tag == _ATTACHMENT:
            attachments += 1
            if len(el):
                raise _GiveUp
            spool = Spool(threshold, spool_dir)
            spools.append(spool)
            decoder = _Decoder(spool, node, limits, _no_pool)
            if text:
                decoder.feed(text)
            node.content = decoder.finish()
        elif text:
            if len(text) > longest:
                longest = len(text)
            node.parts.append(text)
    assert root is not None
    _guard.check_elements(elements, limits)
    _guard.check_depth(deepest, limits, None)
    # No element declares more namespaces than the whole document does.
    _guard.check_attributes(most_attributes + namespace_declarations, limits, root.tag)
    _guard.check_text(longest, limits, root)
    _guard.check_attachments(attachments, limits, None)
    return root, lines
