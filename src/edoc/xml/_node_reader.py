"""Reading values out of parsed nodes: lookups that record deviations, and conversions
that raise :class:`~edoc.errors.ParseError` naming the element. The base of
:class:`edoc.xml._mapper.Mapper`."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TypeVar

from edoc.errors import InputError, ParseError, shorten
from edoc.formats import parse_date, parse_timestamp
from edoc.model import (
    Deviation,
)
from edoc.xml import names as n
from edoc.xml._events import Node, ParsedDocument

__all__ = ["NodeReader"]

T = TypeVar("T")

_VARIANT_OF = {standard: variant for variant, standard in n.SPELLING_VARIANTS.items()}


@functools.cache
def _known(allowed: tuple[str, ...], also: tuple[str, ...]) -> frozenset[str]:
    """Clark names of the children a parent may have (standard names and spelling variants)."""
    known = {n.q(a) for a in allowed} | set(also)
    known |= {n.q(v) for v, s in n.SPELLING_VARIANTS.items() if s in allowed}
    return frozenset(known)


@functools.cache
def _rank(order: tuple[str, ...]) -> dict[str, int]:
    """Position of each local name (and its spelling variant) in the writer's order."""
    rank = {name: i for i, name in enumerate(order)}
    for v, s in n.SPELLING_VARIANTS.items():
        if s in rank:
            rank[v] = rank[s]
    return rank


class NodeReader:
    """Lookups and value conversions over the node tree, collecting deviations."""

    def __init__(self, doc: ParsedDocument) -> None:
        self.doc = doc
        self.deviations: list[Deviation] = []

    # -- reporting -----------------------------------------------------------------
    def error(self, node: Node, message: str) -> ParseError:
        return ParseError(
            message,
            line=self.doc.line(node),
            path=node.path,
            element=node.local,
            source=self.doc.source,
        )

    def note(self, code: str, node: Node, message: str) -> None:
        self.deviations.append(
            Deviation(code=code, message=message, path=node.path, line=self.doc.line(node))
        )

    # -- lookup --------------------------------------------------------------------
    def kids(self, node: Node, local: str) -> list[Node]:
        """Children named ``local`` in the edXML namespace, or in a known variant spelling."""
        found = node.children_named(n.q(local))
        variant = _VARIANT_OF.get(local)
        if variant is not None:
            others = node.children_named(n.q(variant))
            for c in others:
                self.note("EDX-READ-SPELLING", c, f"{variant} read as {local}")
            if others:
                found = found + others
        return found

    def one(self, node: Node, local: str) -> Node | None:
        found = self.kids(node, local)
        if len(found) > 1:
            raise self.error(
                found[1], f"{node.local} has {len(found)} {local} elements; expected one"
            )
        return found[0] if found else None

    def need(self, node: Node, local: str) -> Node:
        child = self.one(node, local)
        if child is None:
            raise self.error(node, f"{node.local} has no {local}, which is required")
        return child

    def expect_only(
        self, node: Node, allowed: tuple[str, ...], *, also: tuple[str, ...] = ()
    ) -> None:
        known = _known(allowed, also)
        for c in node.children:
            if c.tag in allowed or c.tag in n.SPELLING_VARIANTS:
                # A known name in no namespace: an undeclared prefix or xmlns="". Reading it
                # by local name (as the reference SDK does) would be guessing; refuse.
                raise self.error(c, f'{c.tag} is in no namespace (undeclared prefix or xmlns="")')
            if c.tag not in known:
                self.note(
                    "EDX-READ-UNKNOWN", c, f"unknown element {c.tag} in {node.local} was ignored"
                )

    def check_order(self, node: Node, order: tuple[str, ...]) -> None:
        rank = _rank(order)
        seen = [rank[c.local] for c in node.children if c.local in rank]
        if seen != sorted(seen):
            self.note(
                "EDX-READ-ORDER",
                node,
                f"children of {node.local} are not in the reference writer's order",
            )

    # -- values --------------------------------------------------------------------
    def text(self, node: Node | None) -> str | None:
        if node is None:
            return None
        if node.children:
            raise self.error(node, f"{node.local} must hold text, not elements")
        return node.text or None

    def opt(self, parent: Node, local: str) -> str | None:
        return self.text(self.one(parent, local))

    def req(self, parent: Node, local: str) -> str:
        node = self.need(parent, local)
        value = self.text(node)
        if value is None:
            raise self.error(node, f"{local} is empty, but a value is required")
        return value

    def convert(self, node: Node, value: str, kind: str, fn: Callable[[str], T]) -> T:
        try:
            return fn(value)
        except (ValueError, InputError) as exc:
            raise self.error(
                node, f"{node.local} {shorten(value)!r} is not {kind}: {exc}"
            ) from None

    def integer(self, parent: Node, local: str, *, required: bool = False) -> int | None:
        node = self.need(parent, local) if required else self.one(parent, local)
        value = self.text(node)
        if node is None or value is None:
            if required:
                raise self.error(node or parent, f"{local} is empty, but a number is required")
            return None
        return self.convert(node, value.strip(), "a whole number", _nonneg_int)

    def date(self, parent: Node, local: str, *, required: bool = False) -> dt.date | None:
        node = self.need(parent, local) if required else self.one(parent, local)
        value = self.text(node)
        if node is None or value is None:
            if required:
                raise self.error(node or parent, f"{local} is empty, but a date is required")
            return None
        parsed, legacy = self.convert(
            node, value.strip(), "a date", lambda v: parse_date(v, legacy_ok=True)
        )
        if legacy:
            self.note("EDX-READ-DATE-FORMAT", node, f"{local} {value!r} read as dd/MM/yyyy")
        return parsed

    def timestamp(self, parent: Node, local: str) -> dt.datetime:
        node = self.need(parent, local)
        value = self.text(node)
        if value is None:
            raise self.error(node, f"{local} is empty, but a timestamp is required")
        parsed, legacy = self.convert(
            node, value.strip(), "a timestamp", lambda v: parse_timestamp(v, legacy_ok=True)
        )
        if legacy:
            self.note(
                "EDX-READ-DATE-FORMAT", node, f"{local} {value!r} read as dd/MM/yyyy HH:mm:ss"
            )
        return parsed

    def enum(self, parent: Node, local: str, fn: Callable[[int], T], default: T) -> T:
        node = self.one(parent, local)  # one lookup: a variant spelling is noted once
        text = self.text(node)
        if node is None or text is None:
            return default
        number = self.convert(node, text.strip(), "a whole number", _nonneg_int)
        try:
            return fn(number)
        except ValueError:
            raise self.error(node, f"{local} {number} is not a known code") from None

    def texts(self, parent: Node, container: str, item: str) -> tuple[str, ...]:
        box = self.one(parent, container)
        if box is None:
            return ()
        self.expect_only(box, (item,))
        return tuple(v for v in (self.text(c) for c in self.kids(box, item)) if v is not None)



def _nonneg_int(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError("expected digits 0-9")
    return int(text)
