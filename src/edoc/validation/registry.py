"""The rule registry: every rule edoc reports, with its stable id and messages.

A rule is either a check function (registered with :func:`rule`) run by the validator, or
a rule whose findings come from elsewhere (the parser, the schema, the reader's recorded
deviations), registered with :func:`declare` so the catalogue (docs/rules.md) lists it too.
Ids are never renumbered or reused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import attrs

from edoc.validation.findings import Finding, Severity

if TYPE_CHECKING:
    from edoc.validation.context import Context

__all__ = ["RULES", "Check", "Rule", "declare", "rule"]

Check = Callable[["Context"], Iterator[Finding]]


@attrs.frozen(kw_only=True)
class Rule:
    """A rule's identity and documentation."""

    id: str
    title: str
    """What the rule requires, in English (one line)."""
    title_vi: str
    """The same in Vietnamese."""
    severity: Severity
    """Severity in the ``interop`` profile."""
    strict_severity: Severity
    """Severity in the ``strict`` profile."""
    check: Check | None = attrs.field(default=None, eq=False, repr=False)
    source: str = "rule"
    """``rule`` (a check function), ``parser``, ``schema`` or ``reader``."""

    def severity_for(self, profile: str) -> Severity:
        return self.strict_severity if profile == "strict" else self.severity


RULES: dict[str, Rule] = {}


def _register(r: Rule) -> Rule:
    if r.id in RULES:
        raise RuntimeError(f"rule id {r.id} registered twice")
    RULES[r.id] = r
    return r


def declare(
    rule_id: str,
    title: str,
    title_vi: str,
    severity: Severity,
    *,
    strict: Severity | None = None,
    source: str,
) -> Rule:
    """Register a rule whose findings are produced outside the rule functions."""
    return _register(
        Rule(
            id=rule_id,
            title=title,
            title_vi=title_vi,
            severity=severity,
            strict_severity=strict or severity,
            source=source,
        )
    )


def rule(
    rule_id: str, title: str, title_vi: str, severity: Severity, *, strict: Severity | None = None
) -> Callable[[Check], Check]:
    """Decorator: register ``fn`` as the check of rule ``rule_id``."""

    def wrap(fn: Check) -> Check:
        _register(
            Rule(
                id=rule_id,
                title=title,
                title_vi=title_vi,
                severity=severity,
                strict_severity=strict or severity,
                check=fn,
            )
        )
        return fn

    return wrap
