# ruff: noqa: E501  (a table of reasons reads best one per line)
"""xmlsec1 beside edoc on every signature-structure case of the corpus.

For each case marked ``differential``, the same bytes go to ``xmlsec1 --verify`` with the
same trust anchor. edoc's verdict is the corpus's (tests/hostile/test_corpus.py); here
xmlsec1's verdict must be the one written below: where it accepts what edoc refuses, the
reason is recorded (and copied to docs/security.md). ``-s`` prints the table.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from edoc.errors import EdocError
from edoc.signing.verifier import VerifyPolicy, verify

from ._build import Ctx, pem
from ._case import Accepted, Case, Refused
from .corpus import CASES
from .corpus_c14n import XADES_ID_ATTR
from .test_corpus import ctx  # noqa: F401  (the session fixture)

XMLSEC1 = shutil.which("xmlsec1")

# Cases xmlsec1 verifies although edoc refuses them, and why. Every other refused case
# must fail in xmlsec1 too; accepted cases must verify in both.
_PLACE = "xmlsec1 verifies the first Signature wherever it is (the enveloped transform removes it from any place); edoc pins it as the last child of edXMLHeader"
_WEAK = "xmlsec1 1.2 accepts SHA-1 and RSA-1024 by default; edoc needs VerifyPolicy.legacy()"
_KEYINFO = "xmlsec1 ignores KeyInfo children it does not need once X509Data gives the key (no fetch was made: the canary saw 0 requests); edoc's profile refuses them outright"
_SCHEMA = "xmlsec1 does not hold the Signature to the XML-DSig schema: it skips attributes, text and KeyInfo children it does not read, and this edit lies outside what exclusive C14N signs; edoc refuses what the schema forbids"
XMLSEC1_VERIFIES = {
    "S2-resigned-by-xmlsec1": 'the cryptography holds for what the Reference names (#x, the envelope) and xmlsec1 does not ask what was left out: the swapped attachment is unsigned; edoc requires URI=""',
    "S4-moved-to-root": _PLACE,
    "S4-moved-to-body": _PLACE,
    "S4-moved-to-message-header": _PLACE,
    "S10-retrieval-method": _KEYINFO,
    "S10-key-info-reference": _KEYINFO,
    "C4-rsa-sha1": _WEAK,
    "C4-sha1-digest": _WEAK,
    "C4-rsa-1024": _WEAK,
    **{
        f"S6-{v}": _SCHEMA
        for v in (
            "xml-lang-on-signature",
            "foreign-attribute-on-signature",
            "xml-lang-on-signature-value",
            "attribute-on-x509-certificate",
            "text-in-x509-data",
            "unknown-element-in-key-info",
            "certificate-outside-x509-data",
        )
    },
}

# Cases where xmlsec1 itself reaches the network (the corpus canary on loopback counts it);
# edoc never does (tests/hostile/test_corpus.py asserts 0 requests for every case).
XMLSEC1_FETCHES = {"S10-http-uri"}

DIFFERENTIAL = [c for c in CASES if c.differential]


def xmlsec1_verdict(data: bytes, ca: Path, work: Path) -> tuple[bool, str]:
    assert XMLSEC1 is not None
    path = work / "x.xml"
    path.write_bytes(data)
    r = subprocess.run([XMLSEC1, "--verify", "--trusted-pem", str(ca), "--id-attr:Id", "edXMLEnvelope", "--id-attr:Id", XADES_ID_ATTR, str(path)],
                       capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    first = re.search(r"subj=([^:]*):error=\d+:([^\n]*)", r.stderr)
    if first:
        why = f"{first.group(1)}: {first.group(2).strip()}"
    else:
        lines = [
            ln
            for ln in r.stderr.splitlines()
            if ln.startswith("Error:") and "failed to verify" not in ln
        ]
        why = lines[0] if lines else "failed"
    return r.returncode == 0, why.replace("|", "/")[:110]


def _edoc_verdict(case: Case, c: Ctx, made: Any) -> str:
    extra = None
    if isinstance(made, tuple):
        made, extra = made
    try:
        verify(made, trust=c.own_trust if extra == "own" else c.trust,
               policy=VerifyPolicy.legacy() if extra == "legacy" else None)  # fmt: skip
    except EdocError as exc:
        return f"{type(exc).__name__}({getattr(exc, 'reason', '')})"
    return "verified"


ROWS: list[str] = []


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 is not installed (Debian xmlsec1)")
@pytest.mark.parametrize("case", DIFFERENTIAL, ids=[c.name for c in DIFFERENTIAL])
def test_xmlsec1_agrees_or_the_reason_is_known(case: Case, ctx: Ctx, tmp_path: Path) -> None:  # noqa: F811
    if "vectors" in case.needs and ctx.vectors is None:  # type: ignore[attr-defined]
        pytest.skip("the shared vectors are absent")
    ctx.work = tmp_path
    (tmp_path / "dest").mkdir()
    made = case.make(ctx)
    data = made[0] if isinstance(made, tuple) else made
    own = isinstance(made, tuple) and made[1] == "own"
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pem(ctx.own_ca[1]) if own else (ctx.pki / "ca.pem").read_bytes())
    hits = len(ctx.canary.hits)
    ok, why = xmlsec1_verdict(data, ca, tmp_path)
    fetched = len(ctx.canary.hits) - hits
    assert (fetched > 0) == (case.name in XMLSEC1_FETCHES), f"xmlsec1 made {fetched} request(s)"
    if fetched:
        why += f" (after fetching the URI: {fetched} request(s) to the canary)"
    ours = _edoc_verdict(case, ctx, made)
    edoc_accepts = isinstance(case.expect, Accepted)
    assert (ours == "verified") == edoc_accepts, ours
    reason = XMLSEC1_VERIFIES.get(case.name)
    agree = ok == edoc_accepts
    ROWS.append(
        f"| {case.name} | {ours} | {'verified' if ok else 'refused: ' + why} | {'yes' if agree else 'no: ' + (reason or '?')} |"
    )
    print(ROWS[-1])
    if edoc_accepts:
        assert ok, f"xmlsec1 refuses what edoc accepts: {why}"
    elif reason is not None:
        assert ok, f"xmlsec1 now refuses {case.name} ({why}): drop it from XMLSEC1_VERIFIES"
    else:
        assert not ok, (
            f"xmlsec1 verifies {case.name}, which edoc refuses: record why in XMLSEC1_VERIFIES"
        )
    assert isinstance(case.expect, (Refused, Accepted))
