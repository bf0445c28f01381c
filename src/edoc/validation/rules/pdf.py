"""Rules on the signatures inside PDF attachments (the ``edoc-edxml[pdf]`` extra).

The PDFs are checked once per package (:class:`edoc.pdf.PdfChecker`) and every rule reads
that result. No network: a trust store given here is used for the chain only (revocation
is ``edoc verify``'s); without one, only a self-signed signer is reported. Without pyHanko
these rules are silent, unless the caller asked for them (``PdfRules(require_signed=True)``
or a trust store): then EDX-PDF-004 says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

from edoc.errors import PdfError
from edoc.validation.context import Context
from edoc.validation.findings import Finding
from edoc.validation.findings import Severity as S
from edoc.validation.registry import rule

if TYPE_CHECKING:  # imported when a PDF is checked, not with the validator
    from edoc.pdf.check import PdfLimits
    from edoc.pdf.report import PdfDocument
    from edoc.signing.trust import TrustStore

__all__ = ["PdfRules"]
_PASSED, _FAILED = "TOTAL_PASSED", "TOTAL_FAILED"  # edoc.signing.report.Indication values

_KEY = "_pdf_documents"
_CHAIN_REASONS = frozenset(
    {"untrusted-chain", "chain-constraints", "key-usage", "certificate-expired",
     "certificate-not-yet-valid", "no-trust-store", "self-signed"}
)  # fmt: skip


@attrs.frozen(kw_only=True)
class PdfRules:
    """The caller's policy for PDF attachments in :func:`edoc.validation.validate`."""

    require_signed: bool = False
    """An unsigned PDF is an error (EDX-PDF-001), not a warning."""
    trust: TrustStore | None = None
    """Anchors for the signers' chains: an untrusted signer is then an error (EDX-PDF-003)."""
    limits: PdfLimits | None = None
    enabled: bool | None = None
    """``False`` skips the PDF rules; ``None`` runs them when ``edoc-edxml[pdf]`` is installed."""

    @property
    def asked(self) -> bool:
        return bool(self.enabled or self.require_signed or self.trust is not None)


def _policy(ctx: Context) -> PdfRules:
    return ctx.pdf or PdfRules()


def _documents(ctx: Context) -> tuple[PdfDocument, ...] | PdfError:
    """The checked PDF attachments, computed once per package (or why they were not)."""
    cached: tuple[PdfDocument, ...] | PdfError | None = ctx.__dict__.get(_KEY)
    if cached is not None:
        return cached
    from edoc.pdf.check import PdfChecker

    policy = _policy(ctx)
    attachments = getattr(ctx.package, "attachments", None)
    result: tuple[PdfDocument, ...] | PdfError
    if policy.enabled is False or not attachments:
        result = ()
    else:
        verifier = None
        if policy.trust is not None:
            from edoc.signing.assessment import Verifier

            verifier = Verifier(policy.trust, revocation="none", pdf=False)
        checker = PdfChecker(verifier, limits=policy.limits, require=False)
        docs = checker.check_all(attachments)
        missing = [d for d in docs if d.error_reason == "pdf-backend"]
        if missing and policy.asked:
            result = PdfError(missing[0].error or "", reason="pdf-backend")
        else:  # not asked for: silent without the extra
            result = tuple(d for d in docs if d.error_reason != "pdf-backend")
    ctx.__dict__[_KEY] = result
    return result


def _signed_docs(ctx: Context) -> tuple[PdfDocument, ...]:
    docs = _documents(ctx)
    return () if isinstance(docs, PdfError) else docs


def _where(doc: PdfDocument) -> str:
    return f"PDF attachment {doc.attachment!r} ({doc.content_id or '-'})"


@rule(
    "EDX-PDF-001",
    "Each PDF attachment carries a digital signature (an error when the policy requires one)",
    "Mỗi tệp PDF đính kèm có chữ ký số (là lỗi khi chính sách yêu cầu)",
    S.WARNING,
)
def pdf_signed(ctx: Context) -> Iterator[Finding]:
    for doc in _signed_docs(ctx):
        if doc.error is None and not doc.signed:
            f = ctx.finding(
                "EDX-PDF-001", None, f"{_where(doc)} carries no signature",
                f"tệp PDF {doc.attachment!r} không có chữ ký số",
            )  # fmt: skip
            yield attrs.evolve(f, severity=S.ERROR) if _policy(ctx).require_signed else f


@rule(
    "EDX-PDF-002",
    "No PDF signature is broken, covers less than its revision, or was followed by a "
    "change it does not allow",
    "Không chữ ký PDF nào bị hỏng, phủ thiếu phiên bản đã ký, hay bị sửa đổi trái phép sau khi ký",
    S.ERROR,
)
def pdf_intact(ctx: Context) -> Iterator[Finding]:
    for doc in _signed_docs(ctx):
        for sig in doc.signatures:
            if sig.indication == _FAILED and sig.reason not in _CHAIN_REASONS:
                failed = [c for c in sig.checks if c.outcome == "failed"]
                why = failed[-1].detail if failed else sig.reason or ""
                yield ctx.finding(
                    "EDX-PDF-002", None,
                    f"{_where(doc)}: {sig.kind} {sig.field!r} is {sig.indication.value}/"
                    f"{sig.sub_indication.value if sig.sub_indication else '-'}: {why}",
                    f"tệp PDF {doc.attachment!r}: chữ ký {sig.field!r} không còn toàn vẹn "
                    f"({sig.reason})",
                )  # fmt: skip


@rule(
    "EDX-PDF-003",
    "Each PDF signer's certificate chains to a trusted root (without a trust store: is not "
    "self-signed; an error when a trust store is given)",
    "Chứng thư của người ký PDF dẫn tới một gốc tin cậy (là lỗi khi có kho tin cậy)",
    S.WARNING,
)
def pdf_trusted(ctx: Context) -> Iterator[Finding]:
    trust = _policy(ctx).trust
    for doc in _signed_docs(ctx):
        for sig in doc.signatures:
            if sig.indication == _PASSED or sig.reason not in _CHAIN_REASONS:
                continue
            if sig.reason == "no-trust-store":  # validate judges no chain it was not asked to
                continue
            who = sig.signer.subject if sig.signer else "?"
            failed = [c for c in sig.checks if c.outcome == "failed"]
            msg = f"{_where(doc)}: {failed[-1].detail if failed else sig.reason}"
            f = ctx.finding("EDX-PDF-003", None, msg,
                            f"tệp PDF {doc.attachment!r}: người ký {who} chưa được xác "
                            "nhận là tin cậy")  # fmt: skip
            yield attrs.evolve(f, severity=S.ERROR) if trust is not None else f


@rule(
    "EDX-PDF-004",
    "Each PDF attachment can be read within the limits (size, time, structure); an error "
    "when the policy asks for PDF checks",
    "Mỗi tệp PDF đính kèm đọc được trong giới hạn (kích thước, thời gian, cấu trúc)",
    S.WARNING,
    strict=S.ERROR,
)
def pdf_readable(ctx: Context) -> Iterator[Finding]:
    docs = _documents(ctx)
    if isinstance(docs, PdfError):
        f = ctx.finding("EDX-PDF-004", None, str(docs),
                        "không kiểm tra được chữ ký PDF: thiếu gói edoc-edxml[pdf]")  # fmt: skip
        yield attrs.evolve(f, severity=S.ERROR)
        return
    asked = _policy(ctx).asked
    for doc in docs:
        if doc.error is not None:
            f = ctx.finding(
                "EDX-PDF-004", None, f"{_where(doc)} cannot be checked: {doc.error_reason}: "
                f"{doc.error}", f"không đọc được tệp PDF {doc.attachment!r} ({doc.error_reason})",
            )  # fmt: skip
            yield attrs.evolve(f, severity=S.ERROR) if asked else f
