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
from edoc.limits import Limits
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

    def __init__(self, doc: ParsedDocument, limits: Limits | None = None) -> None:
        self.doc = doc
        self.limits = limits or Limits()
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
        """A child the reader cannot do without (the envelope's skeleton): refuse if absent."""
        child = self.one(node, local)
        if child is None:
            raise self.error(node, f"{node.local} has no {local}, which is required")
        return child

    def wanted(self, node: Node, local: str, code: str = "EDX-READ-MISSING") -> Node | None:
        """A child the standard requires: ``None`` and a deviation when absent."""
        child = self.one(node, local)
        if child is None:
            self.note(code, node, f"{node.local} has no {local}, which the standard requires")
        return child

    def expect_only(
        self, node: Node, allowed: tuple[str, ...], *, also: tuple[str, ...] = ()
    ) -> None:
        known = _known(allowed, also)
        for c in node.children:
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
            self.note(
                "EDX-READ-VALUE", node, f"{node.local} holds elements, not text; its text was read"
            )
            return node.text.strip() or None
        return node.text or None

    def opt(self, parent: Node, local: str) -> str | None:
        return self.text(self.one(parent, local))

    def req(self, parent: Node, local: str) -> str | None:
        """Text the standard requires: ``None`` and a deviation when absent or empty."""
        node = self.wanted(parent, local)
        if node is None:
            return None
        value = self.text(node)
        if value is None:
            self.note("EDX-READ-MISSING", node, f"{local} is empty, but a value is required")
        return value

    def organ_id(
        self, parent: Node, local: str = "OrganId", *, required: bool = True
    ) -> str | None:
        """An agency code, trimmed as the reference SDK trims it (recorded when it was)."""
        value = self.req(parent, local) if required else self.opt(parent, local)
        if value is not None and value != value.strip():
            node = self.one(parent, local)
            assert node is not None
            self.note("EDX-READ-TRIMMED", node, f"{local} {shorten(value)!r} read trimmed")
            value = value.strip() or None
        return value

    def convert(self, node: Node, value: str, kind: str, fn: Callable[[str], T]) -> T | None:
        """``fn(value)``, or ``None`` and a deviation when the value does not convert."""
        try:
            return fn(value)
        except (ValueError, InputError) as exc:
            self.note(
                "EDX-READ-VALUE",
                node,
                f"{node.local} {shorten(value)!r} is not {kind} ({exc}); read as absent",
            )
            return None

    def _value(
        self, parent: Node, local: str, required: bool, kind: str
    ) -> tuple[Node, str] | None:
        node = self.wanted(parent, local) if required else self.one(parent, local)
        value = self.text(node)
        if node is None:
            return None
        if value is None or not value.strip():
            if required:
                self.note("EDX-READ-MISSING", node, f"{local} is empty, but {kind} is required")
            return None
        return node, value.strip()

    def integer(self, parent: Node, local: str, *, required: bool = False) -> int | None:
        found = self._value(parent, local, required, "a number")
        return None if found is None else self.convert(*found, "a whole number", _nonneg_int)

    def date(self, parent: Node, local: str, *, required: bool = False) -> dt.date | None:
        found = self._value(parent, local, required, "a date")
        if found is None:
            return None
        node, value = found
        parsed = self.convert(node, value, "a date", lambda v: parse_date(v, legacy_ok=True))
        if parsed is None:
            return None
        if parsed[1]:
            self.note("EDX-READ-DATE-FORMAT", node, f"{local} {value!r} read as dd/MM/yyyy")
        return parsed[0]

    def timestamp(self, parent: Node, local: str) -> dt.datetime | None:
        found = self._value(parent, local, True, "a timestamp")
        if found is None:
            return None
        node, value = found
        parsed = self.convert(
            node, value, "a timestamp", lambda v: parse_timestamp(v, legacy_ok=True)
        )
        if parsed is None:
            return None
        if parsed[1]:
            self.note(
                "EDX-READ-DATE-FORMAT", node, f"{local} {value!r} read as dd/MM/yyyy HH:mm:ss"
            )
        return parsed[0]

    def enum(self, parent: Node, local: str, fn: Callable[[int], T], default: T) -> T:
        """A coded value; ``default`` when absent, and (with a deviation) when unknown."""
        node = self.one(parent, local)  # one lookup: a variant spelling is noted once
        text = self.text(node)
        if node is None or text is None or not text.strip():
            return default
        number = self.convert(node, text.strip(), "a whole number", _nonneg_int)
        if number is None:
            return default
        try:
            return fn(number)
        except ValueError:
            self.note(
                "EDX-READ-VALUE", node, f"{local} {number} is not a known code; read as absent"
            )
            return default

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
