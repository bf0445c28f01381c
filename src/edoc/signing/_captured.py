"""The verifier's records: the expat events it keeps, named, and what it reads from them.

The verify pass (:mod:`edoc.signing._verify_pass`) keeps the events of the ``Signature``
subtree (to read SignedInfo and the XAdES properties, and to canonicalise SignedInfo and
SignedProperties by replaying them) and, until the Reference's transforms are known, those
of the package before it (replayed once into the one canonicaliser the digest needs).
"""

from __future__ import annotations

from typing import NamedTuple

from edoc.errors import SignatureProfileError, shorten
from edoc.signing._c14n import XML_NS, Attr, Canonicalizer, Scope
from edoc.xml import names as n
from edoc.xml.parsed import Node

__all__ = ["Captured", "Element", "End", "Event", "Pi", "Start", "Text", "replay", "tree"]


class Start(NamedTuple):
    """An element's start tag."""

    qname: str
    """Its name as written (``ds:Reference``)."""
    tag: str
    """Its name in Clark notation."""
    decls: dict[str, str]
    """The namespaces it declares (prefix, ``""`` for the default, to URI)."""
    attrib: dict[str, str]
    """Its other attributes, Clark name to value."""
    attrs: list[Attr]
    """The same, as the canonicaliser takes them."""


class End(NamedTuple):
    qname: str


class Text(NamedTuple):
    text: str


class Pi(NamedTuple):
    target: str
    data: str


Event = Start | End | Text | Pi


class Element(NamedTuple):
    """An xmldsig element of the captured Signature (outside its Objects)."""

    start: int
    """Its start event's index in :attr:`Captured.events`."""
    local: str
    attrib: dict[str, str]
    text: str
    """Its direct text, joined."""
    depth: int
    """1 for the Signature, 2 for its children, …"""


def replay(
    events: list[Event],
    start: int,
    c14n: Canonicalizer,
    scope: Scope,
    inherited: list[Attr] | None = None,
) -> None:
    """Feed ``c14n`` the events from ``events[start]`` until the element opened there
    closes (or the events end), with ``scope`` the namespaces in force (pushed and popped
    on the way) and ``inherited`` the ``xml:*`` attributes C14N 1.0 renders on the apex."""
    depth = 0
    for i in range(start, len(events)):
        ev = events[i]
        if type(ev) is Start:
            scope.push(ev.decls)
            c14n.start(ev.qname, ev.decls, ev.attrs, scope.map, inherited=inherited or ())
            depth += 1
        elif type(ev) is End:
            c14n.end(ev.qname)
            scope.pop()
            depth -= 1
            if depth == 0:
                return
        elif type(ev) is Text:
            c14n.text(ev.text)
        elif type(ev) is Pi:
            c14n.pi(ev.target, ev.data)


class Captured:
    """The Signature subtree's events, kept to read and canonicalise SignedInfo.

    Each start event keeps only the namespaces its element declares; :meth:`replay`
    rebuilds what is in scope from :attr:`outer_scope` on the way down.
    """

    def __init__(self, outer_scope: dict[str, str], outer_xml: list[Attr]) -> None:
        self.events: list[Event] = []
        self.objects: list[int] = []
        """Event indices of the Signature's own ``Object`` children (not in :meth:`elements`)."""
        self.outer_scope = outer_scope
        """The namespaces in scope on the Signature."""
        self.outer_xml = outer_xml
        """The ``xml:*`` attributes in force on the Signature's parent, nearest first."""

    def elements(self, ns: str) -> list[Element]:
        """Every element outside the Signature's own Objects, in order. One pass: each
        element's direct text is gathered while its events go by."""
        found: list[tuple[int, str, dict[str, str], list[str], int]] = []
        stack: list[list[str] | None] = []  # per open element: its text parts (None: skipped)
        skipping = 0  # the depth of the Object being skipped
        self.objects = []
        prefix = f"{{{ns}}}"
        object_tag = f"{{{n.DSIG_NS}}}Object"
        for i, ev in enumerate(self.events):
            if type(ev) is Text:
                top = stack[-1] if stack else None
                if top is not None:
                    top.append(ev.text)
            elif type(ev) is End:
                if skipping == len(stack):
                    skipping = 0
                stack.pop()
            elif type(ev) is Start:
                depth = len(stack) + 1
                if skipping:
                    stack.append(None)
                elif depth == 2 and ev.tag == object_tag and ns == n.DSIG_NS:
                    self.objects.append(i)
                    skipping = depth
                    stack.append(None)
                elif ev.tag.startswith(prefix):
                    parts: list[str] = []
                    stack.append(parts)
                    found.append((i, ev.tag[len(prefix) :], ev.attrib, parts, depth))
                else:
                    raise SignatureProfileError(
                        f"foreign element {shorten(ev.tag)} inside Signature", reason="profile"
                    )
        return [Element(i, loc, attrib, "".join(parts), d) for i, loc, attrib, parts, d in found]

    def replay(self, start: int, c14n: Canonicalizer) -> None:
        """Canonicalise the element whose start event is ``events[start]``, as the apex of a
        node-set: with every namespace in scope on it and the ``xml:*`` attributes of its
        ancestors (which C14N 1.0 renders, and exclusive C14N does not)."""
        scope = Scope(self.outer_scope)
        xml = Scope()
        events = self.events
        for i in range(start):  # the apex's ancestors inside the Signature
            ev = events[i]
            if type(ev) is Start:
                scope.push(ev.decls)
                xml.push({q: v for u, q, v in ev.attrs if u == XML_NS})
            elif type(ev) is End:
                scope.pop()
                xml.pop()
        inherited = [(XML_NS, q, v) for q, v in xml.map.items()]
        inherited += [a for a in self.outer_xml if a[1] not in xml.map]
        replay(events, start, c14n, scope, inherited)


def tree(events: list[Event], start: int) -> Node:
    """The element whose start event is ``events[start]``, as a :class:`Node` tree whose
    ``index`` is each element's start event's index."""
    stack: list[Node] = []
    root: Node | None = None
    for i in range(start, len(events)):
        ev = events[i]
        if type(ev) is Start:
            node = Node(ev.tag, ev.attrib, stack[-1] if stack else None, i)
            if stack:
                stack[-1].children.append(node)
            else:
                root = node
            stack.append(node)
        elif type(ev) is End:
            stack.pop()
            if not stack:
                break
        elif type(ev) is Text and stack:
            stack[-1].parts.append(ev.text)
    assert root is not None
    return root
