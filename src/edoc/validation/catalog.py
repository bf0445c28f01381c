"""The rules catalogue (docs/rules.md), generated from the registry so it cannot drift.

Regenerate with ``edoc rules > docs/rules.md``; a test fails when the file is stale.
"""

from __future__ import annotations

from edoc.validation import engine as _engine  # noqa: F401  (registers every rule)
from edoc.validation.registry import RULES

__all__ = ["render_catalog"]

_SOURCES = {
    "parser": "the streaming parser",
    "schema": "edoc's XSD (schemas/)",
    "reader": "the reader's recorded deviations and model",
    "rule": "a business rule",
}


def render_catalog() -> str:
    """The catalogue as Markdown, rules sorted by id."""
    lines = [
        "# Validation rules",
        "",
        "Generated from edoc's rule registry by `edoc rules`: do not edit by hand.",
        "Ids are stable: a rule is never renumbered, and a retired id is never reused.",
        "`interop` accepts what real systems write and reports variants as warnings;",
        "`strict` is the standard as written. `--fail-on` decides which severity fails a run.",
        "",
        "| Id | Requirement | Yêu cầu | interop | strict | Checked by |",
        "|---|---|---|---|---|---|",
    ]
    for rule_id in sorted(RULES):
        r = RULES[rule_id]
        lines.append(
            f"| `{r.id}` | {r.title} | {r.title_vi} | {r.severity.value} | "
            f"{r.strict_severity.value} | {_SOURCES[r.source]} |"
        )
    return "\n".join(lines) + "\n"
