"""Deprecated alias of :mod:`edoc.signing.assessment` (renamed: "validation" is what
:mod:`edoc.validation` does to a package; this module assesses a signature)."""

import warnings

from edoc.signing.assessment import AssessmentResult, Verifier, xades_of

ValidationResult = AssessmentResult

__all__ = ["ValidationResult", "Verifier", "xades_of"]

warnings.warn(
    "edoc.signing.validation is renamed edoc.signing.assessment",
    DeprecationWarning,
    stacklevel=2,
)
