"""Validation for people and for CI: edoc's XSDs plus business rules with stable ids.

>>> from edoc.validation import validate
>>> report = validate("in.edxml", profile="interop")              # doctest: +SKIP
>>> for f in report.findings: print(f.rule, f.severity, f.path, f.line, f.message)  # doctest: +SKIP
"""

from edoc.validation.engine import validate
from edoc.validation.findings import REPORT_FORMAT, Finding, Report, Severity
from edoc.validation.registry import RULES, Rule
from edoc.validation.rules.pdf import PdfRules
from edoc.validation.schema import PROFILES

__all__ = [
    "PROFILES",
    "REPORT_FORMAT",
    "RULES",
    "Finding",
    "PdfRules",
    "Report",
    "Rule",
    "Severity",
    "validate",
]
