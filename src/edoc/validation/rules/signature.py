"""Rules on the signature's presence and shape (not its verification)."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from edoc._x509 import load_certificate_b64
from edoc.errors import shorten
from edoc.validation.context import Context
from edoc.validation.findings import Finding
from edoc.validation.findings import Severity as S
from edoc.validation.registry import rule
from edoc.xml import names as n

# --- signature --------------------------------------------------------------------------

# The reference SDK sample's SignatureValue, copied into real packages (edxml-reference §5.2).
_SDK_PLACEHOLDER_SIGNATURE = "GbVb8n9+qFxz466Ag0sbpVdLPs2R0+9JBekp12UyarAZjoG0W/kPZZJ1auRZ"


def _signature(ctx: Context) -> etree._Element | None:
    header = ctx.header
    if header is None:
        return None
    for ns in (n.DSIG_NS, n.NS):
        sig = header.find(n.q(n.SIGNATURE, ns))
        if sig is not None:
            return sig
    return None


@rule(
    "EDX-SIG-001",
    "The package is signed (when the caller's policy requires a signature)",
    "Gói tin có chữ ký số (khi chính sách yêu cầu)",
    S.ERROR,
)
def signature_present(ctx: Context) -> Iterator[Finding]:
    if ctx.require_signature and ctx.kind is not None and _signature(ctx) is None:
        yield ctx.finding(
            "EDX-SIG-001",
            ctx.header,
            "the package has no Signature, and the policy requires one",
            "gói tin không có chữ ký số, trong khi chính sách yêu cầu",
        )


@rule(
    "EDX-SIG-002",
    "A Signature block carries a real certificate and signature value, not a placeholder",
    "Khối Signature có chứng thư số và giá trị chữ ký thật, không phải giá trị mẫu",
    S.WARNING,
    strict=S.ERROR,
)
def signature_not_placeholder(ctx: Context) -> Iterator[Finding]:
    sig = _signature(ctx)
    if sig is None:
        return
    ns = n.namespace_of(sig.tag)
    sig_value = "".join((sig.findtext(f"{{{ns}}}SignatureValue") or "").split())
    reasons: list[tuple[str, str]] = []
    if sig_value.startswith(_SDK_PLACEHOLDER_SIGNATURE):
        reasons.append(
            ("its SignatureValue is the reference SDK's sample value",
             "SignatureValue là giá trị mẫu của bộ SDK tham chiếu")
        )  # fmt: skip
    certs = list(sig.iter(f"{{{ns}}}X509Certificate"))
    for cert in certs:
        if load_certificate_b64(cert.text or "") is None:
            shown = shorten(cert.text or "", 20)
            reasons.append(
                (f"X509Certificate {shown!r} is not a certificate",
                 f"X509Certificate {shown!r} không phải chứng thư số")
            )  # fmt: skip
    if not certs:
        reasons.append(("it carries no X509Certificate", "không có X509Certificate"))
    if reasons:
        yield ctx.finding(
            "EDX-SIG-002",
            sig,
            "the Signature is a placeholder and cannot verify: " + "; ".join(r[0] for r in reasons),
            "chữ ký là giá trị mẫu, không thể xác thực: " + "; ".join(r[1] for r in reasons),
        )
