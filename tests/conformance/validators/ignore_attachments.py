"""A broken validator: edoc's validation, but blind to everything about attachments
(findings of the EDX-ATT-* rules are dropped before judging)."""

import sys

from edoc.validation import validate

report = validate(sys.argv[1])
errors = [f for f in report.errors if not f.rule.startswith("EDX-ATT-")]
for f in report.findings:
    print(f.rule, f.severity.value, f.message)
sys.exit(1 if errors or not report.readable else 0)
