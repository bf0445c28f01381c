"""The shape of a corpus case: which spec class, how the input is made, what must happen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from edoc.errors import EdocError

Op = Literal["read", "validate", "verify", "extract", "call"]


@dataclass(frozen=True)
class Refused:
    """The operation raises exactly ``error`` (not a subclass), with these attributes."""

    error: type[EdocError]
    match: str
    """A regular expression the message must contain: it names what was refused."""
    reason: str | None = None
    limit: str | None = None


@dataclass(frozen=True)
class Flagged:
    """``validate`` reports a finding of ``rule`` at ``severity`` or worse."""

    rule: str
    match: str
    severity: Literal["error", "warning", "note"] = "error"


@dataclass(frozen=True)
class Accepted:
    """The operation succeeds, and ``check(result, ctx)`` holds: the class is defused by
    design (the spec's "accept, but …"), never by luck."""

    check: Callable[[Any, Any], None]
    why: str


Outcome = Refused | Flagged | Accepted


@dataclass(frozen=True)
class Case:
    id: str
    """The class id in hostile-inputs.md (P1 … R8)."""
    variant: str
    description: str
    op: Op
    make: Callable[[Any], Any]
    """ctx -> bytes, a binary stream, or (op "call") a zero-argument callable."""
    expect: Outcome
    differential: bool = False
    """Also run ``xmlsec1 --verify`` on the same bytes (signature-structure cases)."""
    before_crypto: bool = False
    """verify must refuse before any public-key operation."""
    slow: bool = False
    timeout: int = 20
    max_rss_mb: int | None = None
    """Peak-RSS growth allowed while the case runs."""
    needs: tuple[str, ...] = field(default=())
    """Peers the case needs: "xmlsec1", "vectors", "httpx"."""

    @property
    def name(self) -> str:
        return f"{self.id}-{self.variant}"
