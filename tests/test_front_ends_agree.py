# ruff: noqa: F811  (ctx, the corpus session fixture, is imported and then requested)
"""The three front ends give one verdict: ``edoc.read``, ``validate()`` and ``verify()``.

They tokenise with different parsers (lxml's streaming pass or the small fast path for the
first two, expat for ``verify``) and share the refusal rules of :mod:`edoc.xml._guard`.
Every hostile-corpus case that is a document (``tests/hostile/corpus.py``: op ``read``,
``validate``, ``verify`` or ``extract``, its limits and policy kept) and every shared vector
(``../shared/vectors/``) goes through all three. "The same verdict" means:

* **refused** (unreadable or hostile) or **read**: the three agree.
  ``read`` refuses by raising :class:`~edoc.errors.ParseError` (or a subclass);
  ``validate`` never raises for a bad package: it returns a report with ``readable`` false;
  ``verify`` raises the ``ParseError``. A package ``verify`` refuses for its signature
  (:class:`~edoc.errors.InvalidSignatureError`: unsigned, tampered, untrusted, profile)
  was *read*: that is a verdict on trust, which ``read`` and ``validate`` do not give.
* where refused, the same error: ``verify`` raises the very class ``read`` raises; for
  :class:`~edoc.errors.LimitExceededError` the same ``limit`` and ``maximum``, and for it
  and :class:`~edoc.errors.ForbiddenXMLError` and the encoding refusals the same message
  (the location differs: the expat pass gives lines where the lxml pass gives paths, and
  a byte count is as far as each parser had read). A syntax error is worded by each
  parser (libxml2 or expat), so there only the class must match. ``validate`` reports
  the error ``read`` raised as one finding: EDX-XML-002 for a limit, EDX-XML-001 or
  EDX-MODEL-001 otherwise, whose message is the error's (plus the limit's figures).
* nothing else escapes: any exception not from :mod:`edoc.errors` fails the test. This is
  the fuzz case of issue 20, a certificate with X.509 version 10, which once made
  ``validate()`` raise cryptography's ``InvalidVersion``.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

import edoc
from conftest import VECTORS
from edoc.errors import (
    ForbiddenXMLError,
    InvalidSignatureError,
    LimitExceededError,
    ParseError,
    SignatureMissingError,
)
from edoc.limits import Limits
from edoc.signing.verifier import VerifyPolicy, verify
from edoc.validation import validate
from hostile._build import Ctx
from hostile._case import Case
from hostile.corpus import CASES
from hostile.test_corpus import ctx  # noqa: F401  (the session fixture)

_DOCUMENT_OPS = ("read", "validate", "verify", "extract")
_SKIP_NEEDS = {"rabbitmq", "faketime"}
DOCUMENT_CASES = [
    c for c in CASES if c.op in _DOCUMENT_OPS and not c.slow and not _SKIP_NEEDS & set(c.needs)
]

Verdict = tuple[Any, ...]
"""``("read",)`` or ``("refused", error class, limit, maximum, message)``."""


def _refused(exc: ParseError) -> Verdict:
    limit = getattr(exc, "limit", None)
    return ("refused", type(exc), limit, getattr(exc, "maximum", None), exc.message)


def through_read(data: bytes, limits: Limits | None, spool: Path) -> Verdict:
    try:
        edoc.read(data, limits=limits, spool_dir=spool)
    except ParseError as exc:
        return _refused(exc)
    return ("read",)


def through_verify(data: bytes, c: Ctx, extra: Any, limits: Limits | None, spool: Path) -> Verdict:
    policy = VerifyPolicy.legacy() if extra == "legacy" else None
    trust = c.own_trust if extra == "own" else c.trust
    try:
        verify(data, trust=trust, policy=policy, limits=limits, spool_dir=spool)
    except ParseError as exc:
        return _refused(exc)
    except InvalidSignatureError as exc:  # readable; refused on trust
        return ("untrusted", type(exc), exc.reason, str(exc))
    return ("read",)


def assert_agree(data: bytes, c: Ctx, extra: Any, spool: Path) -> Verdict:
    limits = extra if isinstance(extra, Limits) else None
    read = through_read(data, limits, spool)
    report = validate(data, limits=limits, spool_dir=spool, profile="interop")
    verified = through_verify(data, c, extra, limits, spool)
    assert report.readable == (read[0] == "read"), (read, report.findings)
    if _second_signature(read, verified):
        return read
    assert (verified[0] if verified[0] != "untrusted" else "read") == read[0], (
        f"read: {read}; verify: {verified}"
    )
    if read[0] == "refused":
        _, error, limit, maximum, message = read
        assert verified[1] is error, f"read: {read}; verify: {verified}"
        assert verified[2:4] == (limit, maximum), f"read: {read}; verify: {verified}"
        if error is not ParseError or "UTF-" in message:
            assert verified[4] == message, f"read: {read}; verify: {verified}"
        parser_findings = [
            f for f in report.findings if f.rule in ("EDX-XML-001", "EDX-XML-002", "EDX-MODEL-001")
        ]
        assert len(parser_findings) == 1, report.findings
        finding = parser_findings[0]
        assert (finding.rule == "EDX-XML-002") == (error is LimitExceededError), finding
        if error is not ParseError:  # a ParseError may come from validate's own skeleton
            assert finding.message.startswith(message), (finding.message, message)
    return read


def _second_signature(read: Verdict, verified: Verdict) -> bool:
    """The one documented difference: ``verify`` refuses a second Signature on sight, as
    the signature-wrapping shape it is (SignatureProfileError), where ``read`` refuses the
    header as ambiguous once it has all of it (ParseError). Both refuse."""
    return (
        read[0] == "refused"
        and "Signature elements; expected one" in read[4]
        and verified[0] == "untrusted"
        and "a second Signature" in verified[3]
    )


def _made(case: Case, c: Ctx) -> tuple[bytes, Any] | None:
    made = case.make(c)
    extra = None
    if isinstance(made, tuple):
        made, extra = made
    if hasattr(made, "read"):
        made = made.read()
    if not isinstance(made, (bytes, bytearray)):
        return None
    return bytes(made), extra


@pytest.fixture
def work(ctx: Ctx, tmp_path: Path) -> Path:
    ctx.work = tmp_path
    for sub in ("spool", "dest"):
        (tmp_path / sub).mkdir()
    ctx.victim = tmp_path / "victim.txt"
    ctx.victim.write_text("victim")
    return tmp_path / "spool"


# Linear-time bombs that take seconds each through three front ends: in the slow suite.
_HEAVY = {
    "R3-element-bomb", "R4-xades-960k-text-pieces", "R3-12k-bad-recipients-validate",
    "R3-32k-unknown-siblings-validate", "R3-32k-unknown-siblings-read",
    "R7-namespace-tower-verify", "R3-30k-key-names-verify",
}  # fmt: skip


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.name in _HEAVY else [])
        for c in DOCUMENT_CASES
    ],
)
def test_corpus_case(case: Case, ctx: Ctx, work: Path) -> None:
    if "vectors" in case.needs and not VECTORS.is_dir():
        pytest.skip(f"the shared vectors are not at {VECTORS}")
    made = _made(case, ctx)
    if made is None:
        pytest.skip("the case's input is not a document")
    data, extra = made
    assert_agree(data, ctx, extra, work)


def _vectors() -> list[Any]:
    if not VECTORS.is_dir():
        skip = pytest.mark.skip(reason=f"no shared vectors at {VECTORS}")
        return [pytest.param(None, marks=skip)]
    paths = sorted(VECTORS.rglob("*.edxml"))
    return [pytest.param(p, id=p.relative_to(VECTORS).as_posix()) for p in paths]


@pytest.mark.parametrize("path", _vectors())
def test_shared_vector(path: Path, ctx: Ctx, work: Path) -> None:
    assert_agree(path.read_bytes(), ctx, "legacy", work)


def _version_10(signed: bytes) -> bytes:
    """The signed package with its certificate's X.509 version field set to 10."""
    start = signed.index(b"<X509Certificate>") + len(b"<X509Certificate>")
    end = signed.index(b"</X509Certificate>", start)
    der = base64.b64decode(b"".join(signed[start:end].split()))
    v3 = b"\xa0\x03\x02\x01\x02"  # TBSCertificate's [0] EXPLICIT INTEGER 2 (v3)
    assert der.count(v3) >= 1
    bad = der.replace(v3, b"\xa0\x03\x02\x01\x0a", 1)
    return signed[:start] + base64.b64encode(bad) + signed[end:]


def test_x509_version_10_reaches_no_front_end_as_a_crash(ctx: Ctx, work: Path) -> None:
    """Issue 20: a certificate whose version field is 10 once made ``validate()`` raise
    cryptography's ``InvalidVersion``. It is read; validate flags the certificate
    (EDX-SIG-002); verify refuses it as no certificate."""
    data = _version_10(ctx.signed)
    assert assert_agree(data, ctx, None, work) == ("read",)
    report = validate(data, spool_dir=work)
    flagged = [f for f in report.findings if f.rule == "EDX-SIG-002"]
    assert flagged, report.findings
    assert "is not a certificate" in flagged[0].message
    with pytest.raises(InvalidSignatureError) as info:
        verify(data, trust=ctx.trust, spool_dir=work)
    assert info.value.reason == "placeholder-certificate"


_ATTRIBUTES_300 = b"<edXML " + b" ".join(b'a%d="1"' % i for i in range(300)) + b"/>"


@pytest.mark.parametrize(
    ("data", "error", "limit"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE edXML><edXML/>', ForbiddenXMLError, None),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><edXML/>', ParseError, None),
        (b"<edXML>" + b"<a>" * 70 + b"</a>" * 70 + b"</edXML>", LimitExceededError, "max_depth"),
        (_ATTRIBUTES_300, LimitExceededError, "max_attributes"),
    ],
    ids=["doctype", "latin-1", "depth", "attributes"],
)
def test_the_guard_refusals_by_hand(
    data: bytes,
    error: type[ParseError],
    limit: str | None,
    ctx: Ctx,
    work: Path,
) -> None:
    """The guard's rules on bare documents, the expected error written by hand."""
    verdict = assert_agree(data, ctx, None, work)
    assert verdict[:3] == ("refused", error, limit)


def test_an_unsigned_package_is_read_by_all_three(ctx: Ctx, work: Path) -> None:
    assert assert_agree(ctx.unsigned, ctx, None, work) == ("read",)
    with pytest.raises(SignatureMissingError):
        verify(ctx.unsigned, trust=ctx.trust, spool_dir=work)
