# ruff: noqa: E501  (one case per line reads best)
"""Super-linear time on small inputs (issue 17, class 1): each case is a worst case of
``tests/worst_cases.py`` at a size where the quadratic code took 20 s to minutes (measured
before the fix) and the linear code about a second; the case's timeout tells them apart.
``tests/test_linear.py`` checks the growth itself at two sizes."""

from __future__ import annotations

import io
from typing import Any

from edoc.errors import DigestMismatchError
from edoc.signing import sign_package
from worst_cases import (
    ATTACHMENT,
    bad_recipients,
    namespace_tower,
    signature_siblings,
    unknown_siblings,
    xades_text_pieces,
)

from ._build import Ctx, sample
from ._case import Accepted, Case, Flagged, Refused

_MH = "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader"


def _xades(c: Ctx) -> bytes:
    out = io.BytesIO()
    sign_package(sample(), out, key=c.key("rsa2048"), xades="bes")
    return out.getvalue()


def _unknown_paths(count: int) -> Any:
    def check(result: Any, c: Ctx) -> None:
        unknown = [d for d in result.deviations if d.code == "EDX-READ-UNKNOWN"]
        assert len(unknown) == count
        assert unknown[0].path == f"{_MH}/Extra[1]"
        assert unknown[-1].path == f"{_MH}/Extra[{count}]"

    return check


def _verified(result: Any, c: Ctx) -> None:
    with result.package.attachments[0].content.open() as f:
        assert f.read() == ATTACHMENT


CASES = [
    Case(
        "R3",
        "32k-unknown-siblings-read",
        "32,000 unknown siblings in MessageHeader, a deviation with its path each (the path scanned every sibling: 60,000 took 149 s)",
        "read",
        lambda c: unknown_siblings(8, c.unsigned),
        Accepted(
            _unknown_paths(32_000), "each is reported, with its position counted on the way down"
        ),
        timeout=10,
    ),
    Case(
        "R3",
        "32k-unknown-siblings-validate",
        "the same through validate (each finding's path)",
        "validate",
        lambda c: unknown_siblings(8, c.unsigned),
        Flagged("EDX-READ-UNKNOWN", "unknown element .*Extra", severity="warning"),
        timeout=10,
    ),
    Case(
        "R3",
        "12k-bad-recipients-validate",
        "12,000 To with a malformed OrganId: a finding at each To's path (30,000 took 109 s)",
        "validate",
        lambda c: bad_recipients(24, c.unsigned),
        Flagged("EDX-ID-001", "'bad id' follows neither", severity="warning"),
        timeout=10,
    ),
    Case(
        "R7",
        "namespace-tower-verify",
        "48 nested elements declaring 120 prefixes each above 24,000 leaves: the canonicaliser rebuilt the in-scope declarations per element (a 1.2 MB package took 157 s to be refused)",
        "verify",
        lambda c: namespace_tower(24, c.signed),
        Refused(DigestMismatchError, "changed after it was signed", reason="digest-mismatch"),
        timeout=8,
    ),
    Case(
        "R3",
        "30k-key-names-verify",
        "30,000 KeyName siblings in KeyInfo (unsigned, allowed by the schema): reading the captured Signature copied its events per element",
        "verify",
        lambda c: signature_siblings(6, c.signed),
        Accepted(_verified, "KeyName is never read; the signature verifies"),
        timeout=10,
    ),
    Case(
        "R4",
        "xades-960k-text-pieces",
        "960,000 text pieces split by PIs inside the XAdES QualifyingProperties (not digested): joined piece by piece",
        "verify",
        lambda c: xades_text_pieces(16, _xades(c)),
        Accepted(
            _verified, "text outside the SignedProperties is not read; the signature verifies"
        ),
        timeout=8,
    ),
]
