"""What validation produces: findings with a stable rule id, collected in a report."""

from __future__ import annotations

import enum
from typing import Any

import attrs

__all__ = ["REPORT_FORMAT", "Finding", "Report", "Severity"]

REPORT_FORMAT = "edoc.validation/1"


class Severity(enum.Enum):
    """How much a finding matters; ``--fail-on`` compares against it."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]


@attrs.frozen(kw_only=True)
class Finding:
    """One problem: which rule, how bad, where (path and line), in English and Vietnamese."""

    rule: str
    """Stable id, e.g. ``EDX-HDR-001``; ``XSD`` for schema findings."""
    severity: Severity
    message: str
    message_vi: str
    path: str | None = None
    """Element path: ``/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]``."""
    line: int | None = None
    source: str | None = None
    """The file the finding is about."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "message_vi": self.message_vi,
            "path": self.path,
            "line": self.line,
        }


@attrs.frozen(kw_only=True)
class Report:
    """Every finding for one package, in document order."""

    source: str | None
    profile: str
    findings: tuple[Finding, ...] = ()
    readable: bool = True
    """False when the input could not be read as XML at all (exit code 4)."""
    kind: str | None = None
    """``"edoc"`` or ``"status"`` when known."""

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return self.readable and not self.errors

    def fails(self, fail_on: Severity = Severity.ERROR) -> bool:
        """True when a finding is at least as severe as ``fail_on`` (or the file is unreadable)."""
        return not self.readable or any(f.severity.rank >= fail_on.rank for f in self.findings)

    def best(self) -> Finding | None:
        """The finding to show a person first: the most severe, then the earliest."""
        if not self.findings:
            return None
        return min(self.findings, key=lambda f: (-f.severity.rank, f.line or 0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "profile": self.profile,
            "readable": self.readable,
            "ok": self.ok,
            "counts": {s.value: sum(f.severity is s for f in self.findings) for s in Severity},
            "findings": [f.to_dict() for f in self.findings],
        }
