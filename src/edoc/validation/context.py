"""What a rule sees: the skeleton tree (with lines), the model when it could be built."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs
from lxml import etree

from edoc.model import Package
from edoc.validation.findings import Finding
from edoc.validation.registry import RULES
from edoc.xml import names as n
from edoc.xml.parsed import Node, ParsedDocument
from edoc.xml.skeleton import ElementPaths

if TYPE_CHECKING:
    from edoc.validation.rules.pdf import PdfRules

__all__ = ["Context", "q"]

T = TypeVar("T")


def q(local: str) -> str:
    """``{edXML namespace}local``."""
    return n.q(local)


@attrs.define(kw_only=True, slots=False)  # slots=False: cached_property
class Context:
    """The package under validation, as the rules see it."""

    profile: str
    tree: etree._Element
    doc: ParsedDocument
    package: Package | None
    kind: str | None
    source: str | None
    now: dt.datetime
    require_signature: bool = False
    pdf: PdfRules | None = None
    """How the PDF attachments' signatures are judged (``None``: the defaults)."""

    @functools.cached_property
    def envelope(self) -> etree._Element | None:
        return self.tree.find(q(n.ENVELOPE))

    @functools.cached_property
    def header(self) -> etree._Element | None:
        env = self.envelope
        return None if env is None else env.find(q(n.HEADER))

    @functools.cached_property
    def message_header(self) -> etree._Element | None:
        header = self.header
        if header is None:
            return None
        for name in (n.MESSAGE_HEADER, *n.STATUS_WRAPPER_VARIANTS):
            found = header.find(q(name))
            if found is not None:
                return found
        return None

    @functools.cached_property
    def _paths(self) -> ElementPaths:
        return ElementPaths()

    @functools.cached_property
    def _memo(self) -> dict[str, Any]:
        return {}

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per package: what several rules look up (attachments, ids)."""
        try:
            return cast("T", self._memo[key])
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def nodes(self, tag: str) -> list[Node]:
        """The parsed nodes with this Clark-notation tag, in document order (one walk over
        the node tree serves every rule)."""

        def index() -> dict[str, list[Node]]:
            by_tag: dict[str, list[Node]] = {}
            for node in self.doc.iter_nodes():
                by_tag.setdefault(node.tag, []).append(node)
            return by_tag

        return self.memo("nodes", index).get(tag, [])

    def iter(self, *locals_: str, within: etree._Element | None = None) -> Iterator[etree._Element]:
        """Elements with one of these local names in the edXML namespace, in document order.

        libxml2 walks the tree and matches the names in C; only the matches become Python
        objects (an index of every element, built in Python, cost more than the few walks
        the rules ask for)."""
        yield from (self.tree if within is None else within).iter(*(q(name) for name in locals_))

    def finding(
        self, rule_id: str, where: etree._Element | Node | None, message: str, message_vi: str
    ) -> Finding:
        """A finding of ``rule_id`` at ``where`` (an element or a parsed node), with the
        profile's severity."""
        if isinstance(where, Node):
            path, line = where.path, self.doc.line(where)
        elif where is not None:
            path, line = self._paths(where), cast("int | None", where.sourceline)
        else:
            path, line = None, None
        return Finding(
            rule=rule_id,
            severity=RULES[rule_id].severity_for(self.profile),
            message=message,
            message_vi=message_vi,
            path=path,
            line=line or None,
            source=self.source,
        )


def text(el: etree._Element | None) -> str | None:
    """The element's text, ``None`` when absent or empty."""
    if el is None:
        return None
    return el.text or None
