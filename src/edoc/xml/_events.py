"""The hardened, streaming parse: bytes in, a small element tree out, attachments to spools.

One pass over the input feeds lxml's event (target) parser, which never builds a tree of
the whole document. Element and text events build a light tree of :class:`Node`;
the base64 text of ``ContentTransferEncoded`` never enters it: it is decoded in chunks
into a :class:`Spool`. While the envelope is being read, the same bytes also feed a
tree-building parser, which gives every envelope element its source line and refuses
undeclared namespace prefixes (the event parser silently drops them).

Refused outright, by the rules of :mod:`edoc.xml._guard`: DOCTYPE (and so every entity),
bytes in an encoding other than UTF-8, text or structure past :class:`edoc.Limits`. The
parser never touches the network.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, cast

from lxml import etree

from edoc import _base64
from edoc._files import spool_file
from edoc.errors import ParseError, shorten
from edoc.limits import Limits
from edoc.model.attachment import AttachmentContent, BrokenContent, BytesContent, FileContent
from edoc.xml import _guard
from edoc.xml import names as n

__all__ = ["WHOLE_TREE_BYTES", "Node", "ParsedDocument", "parse_events"]

_HEADER_CHUNK = 64 * 1024
_SYNC_DECODE_BYTES = 4 << 20
# Below this size the tree parser reads the whole document, and validation reuses its tree.
WHOLE_TREE_BYTES = 1 << 20
_BODY_CHUNK = 256 * 1024  # measured: libxml2 scans 256 KiB feeds ~1.5x faster than 1 MiB
_WS_DELETE = str.maketrans("", "", " \t\r\n")
_CTE = n.q(n.CONTENT_TRANSFER_ENCODED)
_ATTACHMENT = n.q(n.ATTACHMENT)
_ENVELOPE = n.q(n.ENVELOPE)
_CTE_TAGS = (_CTE, n.CONTENT_TRANSFER_ENCODED)
_ATTACHMENT_TAGS = (_ATTACHMENT, n.ATTACHMENT)


class Node:
    """An element of the envelope: tag in Clark notation, attributes, children, text.

    Nodes are made in document order, each appended to its parent's ``children``.
    """

    __slots__ = (
        "_by_tag", "_named", "attrib", "children", "content", "index", "nth", "parent", "parts",
        "tag",
    )  # fmt: skip

    def __init__(
        self, tag: str, attrib: Mapping[str, str], parent: Node | None, index: int
    ) -> None:
        self.tag = tag
        self.attrib = dict(attrib)
        self.parent = parent
        self.index = index
        self.children: list[Node] = []
        self.parts: list[str] = []
        self.content: AttachmentContent | None = None
        self._by_tag: dict[str, list[Node]] | None = None
        self._named: dict[str, int] | None = None
        """How many children with each tag were added so far (for :attr:`path`)."""
        self.nth = 1
        """Its position among the siblings with its tag, from 1: counted on the way down,
        so a path costs its depth, never its siblings."""
        if parent is not None:
            named = parent._named
            if named is None:
                named = parent._named = {}
            self.nth = named[tag] = named.get(tag, 0) + 1

    def renamed_children(self) -> None:
        """Recount the children's names and positions after some were renamed (once per
        parent, in one pass over its children)."""
        self._by_tag = None
        named: dict[str, int] = {}
        for child in self.children:
            child.nth = named[child.tag] = named.get(child.tag, 0) + 1
        self._named = named

    def children_named(self, tag: str) -> list[Node]:
        """Children with this Clark-notation tag, in order (indexed on first use)."""
        if self._by_tag is None:
            self._by_tag = {}
            for c in self.children:
                self._by_tag.setdefault(c.tag, []).append(c)
        return self._by_tag.get(tag, [])

    @property
    def local(self) -> str:
        return self.tag.rpartition("}")[2]

    @property
    def text(self) -> str:
        """The text directly inside (comments excised, pieces joined)."""
        return "".join(self.parts)

    @property
    def path(self) -> str:
        """``/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]``: local names, positions
        where siblings share a name. Costs the depth (the positions were counted on the way
        down), whatever the number of siblings."""
        steps = []
        node: Node | None = self
        while node is not None:
            step = node.local
            parent = node.parent
            if parent is not None and parent._named is not None and parent._named[node.tag] > 1:
                step += f"[{node.nth}]"
            steps.append(step)
            node = parent
        return "/" + "/".join(reversed(steps))


class Spool:
    """Decoded attachment bytes: in memory up to a threshold, then in a temporary file."""

    def __init__(self, threshold: int, directory: str | None) -> None:
        self.threshold = threshold
        self.directory = directory
        self.buffer: io.BytesIO | None = io.BytesIO()
        self.file: BinaryIO | None = None
        self.path: str | None = None
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.buffer is not None:
            self.buffer.write(data)
            if self.buffer.tell() > self.threshold:
                fd, self.path = spool_file(self.directory)
                self.file = os.fdopen(fd, "wb")
                self.file.write(self.buffer.getvalue())
                self.buffer = None
        else:
            assert self.file is not None
            self.file.write(data)

    def finish(self) -> AttachmentContent:
        if self.buffer is not None:
            return BytesContent(self.buffer.getvalue())
        assert self.file is not None
        assert self.path is not None
        self.file.close()
        return FileContent(self.path, owned=True)

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)


class _Decoder:
    """Strict streaming base64: whitespace allowed, anything else marks the attachment broken.

    Alignment, padding and size checks run in the caller's thread; decoding and writing
    run on a worker thread (both release the GIL), overlapping libxml2's parsing of the
    next chunk. Content that is not base64 does not stop the parse: the attachment is
    marked broken (:class:`~edoc.model.BrokenContent`), what was decoded is discarded and
    the rest of its text is skipped, so the package around it is still read.
    """

    def __init__(
        self, spool: Spool, node: Node, limits: Limits, pool: Callable[[], ThreadPoolExecutor]
    ) -> None:
        self.spool = spool
        self.node = node
        self.limits = limits
        self.pool = pool
        self.pending = ""
        self.padded = False
        self.size = 0
        self.future: Future[None] | None = None
        self.broken: str | None = None

    def fail(self, why: str) -> None:
        """Mark the attachment broken (the first reason wins)."""
        if self.broken is None:
            self.broken = f"attachment content is not valid base64: {why}"

    def feed(self, text: str) -> None:
        if self.broken is not None:
            return
        if self.pending:
            text = self.pending + text
        if "\n" in text or " " in text or "\r" in text or "\t" in text:
            text = text.translate(_WS_DELETE)
        cut = len(text) & ~3
        chunk, self.pending = text[:cut], text[cut:]
        if not chunk:
            return
        if self.padded:
            self.fail("data after the '=' padding")
            return
        pad = 2 if chunk.endswith("==") else 1 if chunk.endswith("=") else 0
        self._count(cut, pad)
        self.wait()
        if self.broken is not None:
            return
        if self.size <= _SYNC_DECODE_BYTES:
            self._decode_and_write(chunk)  # small attachments: a thread is not worth it
        else:
            self.future = self.pool().submit(self._decode_and_write, chunk)

    def _count(self, cut: int, pad: int) -> None:
        """Account ``cut`` base64 characters ending in ``pad`` ``=``; enforce the limit."""
        self.padded = pad > 0
        self.size += cut // 4 * 3 - pad
        _guard.check_attachment_bytes(self.size, self.limits, self.node)

    def feed_plain(self, data: memoryview) -> bool:
        """Decode ``data`` here and now if it is base64 alphabet only (no white space), as
        :meth:`feed` would, without copying it to a ``str``; return False, having changed
        nothing, for anything else (the caller then takes :meth:`feed`). The verifier's
        bulk path: one strict decode per chunk validates and decodes at once."""
        if self.broken is not None or self.padded or len(data) < 8:
            return False  # broken, data after the padding, or too little: feed's words
        k = -len(self.pending) % 4  # characters that complete the pending group
        cut = k + (len(data) - k) // 4 * 4
        tail = bytes(data[cut:]).translate(None, b" \t\r\n")  # as feed drops it
        try:
            group = self.pending + bytes(data[:k]).decode("ascii")
            if "=" in group or not tail.isascii():
                return False  # padding before more data, or not base64: feed words it
            head = _base64.decode_strict(group)
            body = _base64.decode_strict(data[k:cut])  # refuses all but the alphabet
        except (ValueError, UnicodeDecodeError):
            return False
        self._count(len(group) + cut - k, bytes(data[cut - 2 : cut]).count(b"="))
        self.wait()
        if self.broken is None:
            self.spool.write(head)
            self.spool.write(body)
        self.pending = tail.decode("ascii")
        return True

    def _decode_and_write(self, chunk: str) -> None:
        try:
            raw = _base64.decode_strict(chunk)
        except ValueError as exc:
            bad = next(
                (c for c in chunk if not (c.isalnum() and c.isascii()) and c not in "+/="), None
            )
            if bad:
                why = f"character {bad!r}"
            elif "=" in chunk.rstrip("="):
                why = "data after the '=' padding"
            else:
                why = str(exc)
            self.fail(why)
            return
        self.spool.write(raw)

    def wait(self) -> None:
        """Wait for the chunk in flight; re-raise its error."""
        if self.future is not None:
            future, self.future = self.future, None
            future.result()

    def finish(self) -> AttachmentContent:
        self.wait()
        if self.pending and self.broken is None:
            self.fail(
                f"{len(self.pending)} trailing character(s): the length is not a multiple of 4"
            )
        if self.broken is not None:
            self.spool.discard()
            return BrokenContent(self.broken)
        return self.spool.finish()


class _Target:
    """lxml parser target: builds :class:`Node` s, streams attachment content."""

    def __init__(self, limits: Limits, threshold: int, spool_dir: str | None) -> None:
        self.limits = limits
        self.threshold = threshold
        self.spool_dir = spool_dir
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.count = 0
        self.attachments = 0
        self.decoder: _Decoder | None = None
        self.spools: list[Spool] = []
        self.text_size = 0
        self.envelope_done = False
        self.pool: ThreadPoolExecutor | None = None
        self.declarations = 0  # namespace declarations seen since the last start tag

    def doctype(self, *_: object) -> None:
        _guard.refuse_doctype()

    def start_ns(self, prefix: str | None, uri: str) -> None:
        """Count a namespace declaration of the element whose start event comes next.

        lxml 6.2 passes ``start()`` an empty ``nsmap``, so declarations are counted here.
        """
        self.declarations += 1

    def start(
        self, tag: str, attrib: Mapping[str, str], nsmap: Mapping[object, str] | None = None
    ) -> None:
        declarations, self.declarations = self.declarations, 0
        if self.decoder is not None:  # markup inside the base64: the attachment is broken
            self.decoder.fail("ContentTransferEncoded holds an element, not only text")
        self.count += 1
        limits = self.limits
        parent = self.stack[-1] if self.stack else None
        _guard.check_elements(self.count, limits)
        _guard.check_depth(len(self.stack) + 1, limits, parent)
        _guard.check_attributes(len(attrib) + declarations, limits, tag, parent)
        node = Node(tag, attrib, parent, self.count - 1)
        if parent is None:
            self.root = node
        else:
            parent.children.append(node)
        self.stack.append(node)
        self.text_size = 0
        if (
            tag in _CTE_TAGS
            and parent is not None
            and parent.tag in _ATTACHMENT_TAGS  # or in no namespace, adopted later
            and self.decoder is None
        ):
            self.attachments += 1
            _guard.check_attachments(self.attachments, self.limits, node)
            spool = Spool(self.threshold, self.spool_dir)
            self.spools.append(spool)
            self.decoder = _Decoder(spool, node, self.limits, self.worker)

    def data(self, text: str) -> None:
        if self.decoder is not None:
            self.decoder.feed(text)
            return
        if not self.stack:
            return
        self.text_size += len(text)
        node = self.stack[-1]
        _guard.check_text(self.text_size, self.limits, node)
        node.parts.append(text)

    def end(self, tag: str) -> None:
        node = self.stack.pop()
        self.text_size = 0
        if self.decoder is not None and self.decoder.node is node:
            node.content = self.decoder.finish()
            self.decoder = None
        if tag == _ENVELOPE:
            self.envelope_done = True

    def comment(self, text: str) -> None:
        """Comments are not content: text on both sides is joined."""

    def pi(self, target: str, data: str | None = None) -> None:
        """Processing instructions are ignored (never acted on)."""

    def close(self) -> Node | None:
        return self.root

    def worker(self) -> ThreadPoolExecutor:
        """The decoding thread, started for the first large attachment."""
        if self.pool is None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="edoc-base64")
        return self.pool

    def shutdown(self) -> None:
        """Stop the worker thread (after the chunk in flight, whose errors are dropped)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None

    def discard(self) -> None:
        self.shutdown()
        for spool in self.spools:
            spool.discard()


class ParsedDocument:
    """The result of :func:`parse_events`: the root node and envelope source lines."""

    def __init__(
        self,
        root: Node,
        lines: dict[int, int],
        source: str | None,
        namespace_errors: list[tuple[int, str]],
        tree: etree._Element | None = None,
    ) -> None:
        self.root = root
        self.lines = lines
        self.source = source
        self.namespace_errors = namespace_errors
        """(line, message) for each undeclared prefix: the event parser drops such prefixes."""
        self.adopted = _adopt_undeclared(root, lines, namespace_errors)
        """Elements written with the ``edXML:`` prefix where it is not declared (the SDK
        sample's ``edXML:AttachmentEncoded``), read in the edXML namespace, as the reference
        SDK reads them. Any other element in no namespace (``xmlns=""``, another undeclared
        prefix) stays foreign: lookups are by namespace, never by local name alone."""
        renamed = namespace_errors and any(
            _ELEMENT_ERROR.search(m) or _ATTRIBUTE_ERROR.search(m) for _, m in namespace_errors
        )
        if renamed:
            _drop_unqualified_attributes(root, lines, namespace_errors)
        self.tree = None if renamed else tree
        """For a small document, the whole lxml tree (attachment text included); ``None``
        when an undeclared prefix changed names (the skeleton is then built from the
        nodes, which carry the names the reader reads)."""

    def line(self, node: Node) -> int | None:
        return self.lines.get(node.index)

    def iter_nodes(self, tag: str | None = None) -> Iterator[Node]:
        """Every node in document order (only those with ``tag`` when given)."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            if tag is None or node.tag == tag:
                yield node
            stack.extend(reversed(node.children))


_ELEMENT_ERROR = re.compile(r"Namespace prefix (\S+) on (\S+) is not defined")


def _adopt_undeclared(
    root: Node, lines: dict[int, int], errors: list[tuple[int, str]]
) -> list[Node]:
    """Put the elements the parser reported with an undeclared ``edXML:`` prefix, inside
    edXML elements, into the edXML namespace (in place); return them in document order.
    One walk over the nodes, only when there is such an error."""
    wanted = {
        (line, m.group(2))
        for line, message in errors
        if (m := _ELEMENT_ERROR.search(message)) and m.group(1) == n.PREFIX
    }
    if not wanted:
        return []
    adopted: list[Node] = []
    prefix = "{" + n.NS + "}"
    stack = [root]
    while stack:
        node = stack.pop()
        inside = node.tag.startswith(prefix)
        for child in node.children:
            if (
                inside
                and not child.tag.startswith("{")
                and (lines.get(child.index), child.tag) in wanted
            ):
                child.tag = prefix + child.tag
                adopted.append(child)
        stack.extend(reversed(node.children))
    if adopted:
        for node in {id(c.parent): c.parent for c in adopted if c.parent}.values():
            node.renamed_children()
    adopted.sort(key=lambda c: c.index)
    return adopted


_ATTRIBUTE_ERROR = re.compile(r"Namespace prefix (\S+) for (\S+) on (\S+) is not defined")


def _drop_unqualified_attributes(
    root: Node, lines: dict[int, int], errors: list[tuple[int, str]]
) -> None:
    """Remove attributes whose prefix is undeclared (the parser kept only their local name,
    which would pass for an attribute in no namespace). edoc reads none of them; each is
    recorded as a deviation from ``errors``."""
    wanted: dict[tuple[int, str], set[str]] = {}
    for line, message in errors:
        if m := _ATTRIBUTE_ERROR.search(message):
            wanted.setdefault((line, m.group(3)), set()).add(m.group(2))
    if not wanted:
        return
    stack = [root]
    while stack:
        node = stack.pop()
        names = wanted.get((lines.get(node.index, 0), node.local))
        if names:
            for name in names:
                node.attrib.pop(name, None)
        stack.extend(node.children)


def _finish_tree(
    tree: etree.XMLPullParser, first: etree._Element | None
) -> tuple[dict[int, int], list[tuple[int, str]]]:
    """Close the envelope's tree parser: source lines by element index, namespace errors."""
    problems: list[tuple[int, str]] = []
    try:
        tree.close()
    except etree.XMLSyntaxError as exc:
        # The log is lxml's per-thread one, cleared when this parse began.
        problems = [
            (e.line, shorten(e.message, 160))
            for e in exc.error_log  # type: ignore[attr-defined]  # lxml-stubs lack __iter__
            if e.domain_name == "NAMESPACE"
        ]
    if first is None:
        return {}, problems
    lines: dict[int, int] = {}
    for i, el in enumerate(first.iter(etree.Element)):
        if el.sourceline:
            lines[i] = cast(int, el.sourceline)
    return lines, problems


def parse_events(
    stream: BinaryIO,
    *,
    limits: Limits,
    source: str | None,
    memory_threshold: int,
    spool_dir: str | None,
) -> ParsedDocument:
    """Parse ``stream`` in one pass; see the module docstring."""
    target = _Target(limits, memory_threshold, spool_dir)
    etree.clear_error_log()
    parser = etree.XMLParser(
        target=target,  # type: ignore[arg-type]  # lxml-stubs type data() as str | bytes
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        encoding="utf-8",
        remove_comments=True,
    )
    tree: etree.XMLPullParser | None = etree.XMLPullParser(
        events=("start",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,  # text on both sides of a comment is joined, as in Node.text
        remove_pis=True,
    )
    first: etree._Element | None = None
    lines: dict[int, int] = {}
    ns_errors: list[tuple[int, str]] = []
    total = 0
    try:
        head = True
        while chunk := stream.read(_HEADER_CHUNK if tree is not None else _BODY_CHUNK):
            if head:
                _guard.check_head(chunk[: _guard.HEAD_BYTES], source)
                head = False
            total += len(chunk)
            _guard.check_bytes(total, limits, source)
            parser.feed(chunk)
            if tree is not None:
                tree.feed(chunk)
                for _, el in tree.read_events():
                    if first is None and isinstance(el, etree._Element):
                        first = el
                if target.envelope_done and total > WHOLE_TREE_BYTES:
                    lines, ns_errors = _finish_tree(tree, first)
                    tree = None
        root = cast("Node | None", parser.close())
        target.shutdown()
    except etree.XMLSyntaxError as exc:
        target.discard()
        line, column = exc.position if exc.position else (None, None)
        msg = exc.msg.rsplit(", line ", 1)[0] if exc.msg else "not well-formed XML"
        raise ParseError(
            f"not well-formed XML: {msg}", line=line, column=column, source=source
        ) from None
    except ParseError as exc:
        target.discard()
        if exc.source is None:
            exc.source = source
        raise
    except BaseException:
        target.discard()
        raise
    whole: etree._Element | None = None
    if tree is not None:  # a small document: the tree parser saw all of it
        lines, ns_errors = _finish_tree(tree, first)
        whole = first
    if root is None:
        raise ParseError("empty document", source=source)
    return ParsedDocument(root, lines, source, ns_errors, whole)
