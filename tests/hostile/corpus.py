"""The hostile-input corpus: every class of ``shared/spec/hostile-inputs.md``, one or more
generated cases each. ``tests/hostile/test_corpus.py`` runs them; ``docs/security.md``
lists them. Inputs that fuzzing found are kept in ``crashes/`` and replayed here."""

from __future__ import annotations

from pathlib import Path

from edoc.errors import DisallowedAlgorithmError, InvalidSignatureError

from . import (
    corpus_bounded,
    corpus_c14n,
    corpus_files,
    corpus_hub,
    corpus_linear,
    corpus_parser,
    corpus_signature,
    corpus_transport,
    corpus_trust,
)
from ._case import Case, Flagged, Refused

CRASHES = Path(__file__).parent / "crashes"

FOUND_BY_FUZZING = [
    Case(
        "C3",
        "fuzz-malformed-subject",
        "atheris: a certificate whose subject no longer parses; the ValueError escaped from the trust error's message (crash-e06ad28b…)",
        "verify",
        lambda c: (CRASHES / "verify-malformed-subject.edxml").read_bytes(),
        Refused(InvalidSignatureError, "is not a certificate", reason="placeholder-certificate"),
    ),  # noqa: E501
    Case(
        "C3",
        "fuzz-malformed-extensions",
        "atheris: a certificate whose extensions no longer parse; the ValueError escaped from the signer-usage check (crash-1d4a3e4e…)",
        "verify",
        lambda c: (CRASHES / "verify-malformed-extensions.edxml").read_bytes(),
        Refused(InvalidSignatureError, "is not a certificate", reason="placeholder-certificate"),
    ),  # noqa: E501
    Case(
        "P10",
        "fuzz-invalid-qname",
        "atheris: <:/> reached validate's skeleton, whose lxml Element(':') raised ValueError (crash-794c5b9c…)",
        "validate",
        lambda c: b"<:/>",
        Flagged("EDX-XML-001", "invalid name in <:>"),
    ),  # noqa: E501
    Case(
        "C9",
        "fuzz-invalid-x509-version",
        "atheris: an X509Certificate whose version field is 10; cryptography's InvalidVersion (not a ValueError) escaped (crash-ae8b94f2…)",
        "verify",
        lambda c: (CRASHES / "verify-invalid-x509-version.edxml").read_bytes(),
        Refused(InvalidSignatureError, "is not a certificate", reason="placeholder-certificate"),
    ),  # noqa: E501
    Case(
        "P10",
        "fuzz-brace-in-namespace",
        "atheris: a namespace URI containing '{…}' made the Clark tag ambiguous; etree.QName raised ValueError in the bidi rule (crash-ff07f48b…, found on merged main)",
        "validate",
        lambda c: (CRASHES / "validate-brace-in-namespace.edxml").read_bytes(),
        Flagged("EDX-TXT-001", "SignatureValue contains U\\+FEFF", severity="warning"),
    ),  # noqa: E501
    Case(
        "C10",
        "fuzz-unknown-key-type",
        "atheris: a certificate whose key-type OID was mutated (crash-b20a4420…, UnsupportedAlgorithm escaped)",
        "verify",
        lambda c: (CRASHES / "verify-unknown-key-type.edxml").read_bytes(),
        Refused(DisallowedAlgorithmError, "key is of a type", reason="key-type"),
    ),  # noqa: E501
]

CASES: list[Case] = [
    *corpus_parser.CASES,
    *corpus_signature.CASES,
    *corpus_files.CASES,
    *corpus_transport.CASES,
    *corpus_hub.CASES,
    *corpus_trust.CASES,
    *corpus_c14n.CASES,
    *corpus_linear.CASES,
    *corpus_bounded.CASES,
    *FOUND_BY_FUZZING,
]

EXTRA_CLASSES: dict[str, str] = {**corpus_trust.EXTRA_CLASSES}
"""Class ids this project adds to the catalogue, with their titles (docs/security.md)."""
