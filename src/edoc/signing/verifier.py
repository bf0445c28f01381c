"""Verify a package in one streaming pass and return only what the signature covers.

One expat pass over the bytes (names as written, so that canonicalisation knows every
prefix) feeds three consumers at once: the canonicaliser whose output is digested, the
node tree the model is built from, and the attachment decoder. The package returned is
built from the same events that were digested; the only unsigned parts of a package (the
``Signature`` itself, comments, the XML declaration) never reach the model.

Pinned profile: exactly one ``Signature`` (xmldsig namespace, or the edXML-namespace form
seen on the hub under a legacy policy), the last child of ``edXMLHeader``; one
``SignedInfo``; one ``Reference`` with ``URI=""``; transforms exactly enveloped-signature
then C14N 1.0 or exclusive C14N; no ``Manifest``; xmldsig elements nowhere else. XAdES adds
exactly one ``Object`` (a child of the Signature) holding the QualifyingProperties, and one
second ``Reference`` of type SignedProperties to the SignedProperties inside that Object
(see :mod:`edoc.signing.xades`). Anything else is refused, never skipped.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os

import attrs
from cryptography import x509

from edoc.errors import (
    DigestMismatchError,
    InvalidSignatureError,
    SignatureMissingError,
    SignatureProfileError,
)
from edoc.limits import Limits
from edoc.model import Package
from edoc.signing import _xades_read
from edoc.signing._c14n import Canonicalizer
from edoc.signing._signed_info import _check_signature, _SignedInfo
from edoc.signing._verify_pass import _canonical, _parse, _Pass
from edoc.signing.algorithms import CanonicalizationMethod, DigestMethod, SignatureMethod
from edoc.signing.trust import TrustStore
from edoc.signing.xades import XadesInfo
from edoc.xml import names as n
from edoc.xml.parsed import ParsedDocument
from edoc.xml.parsed import open_source as _open
from edoc.xml.reader import Source, package_from_document

__all__ = ["VerificationResult", "VerifyPolicy", "verify"]


@attrs.frozen(kw_only=True)
class VerifyPolicy:
    """What a verifier accepts. Safe by default; each relaxation is named."""

    signature_methods: frozenset[SignatureMethod] = frozenset(
        m for m in SignatureMethod if not m.legacy
    )
    digest_methods: frozenset[DigestMethod] = frozenset(d for d in DigestMethod if not d.legacy)
    min_rsa_bits: int = 2048
    max_rsa_bits: int = 8192
    ec_curves: frozenset[str] = frozenset({"secp256r1", "secp384r1", "secp521r1"})
    edxml_dialect: bool = False
    """Accept the edXML-namespace ``Signature`` of the reference SDK and the hub (and its
    invalid exclusive-C14N transform URI)."""

    @classmethod
    def legacy(cls) -> VerifyPolicy:
        """What circulates on the hub: SHA-1, RSA from 1024 bits, the edXML dialect; each use
        is reported with :class:`~edoc.errors.LegacyAlgorithmWarning` and in ``result.findings``."""
        return cls(
            signature_methods=frozenset(SignatureMethod),
            digest_methods=frozenset(DigestMethod),
            min_rsa_bits=1024,
            edxml_dialect=True,
        )


@attrs.frozen(kw_only=True)
class VerificationResult:
    """A verified package: everything here was covered by the signature."""

    package: Package
    signer: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    algorithm: SignatureMethod
    digest_algorithm: DigestMethod
    canonicalization: CanonicalizationMethod
    dialect: str
    """``xmldsig`` or ``edxml`` (the legacy edXML-namespace form)."""
    verified_at: dt.datetime
    findings: tuple[str, ...] = ()
    """Notes on weak or legacy choices the policy accepted."""
    xades: XadesInfo | None = None
    """The XAdES level, signing time, policy and time-stamp, when the signature has them."""

    @property
    def signed_at(self) -> dt.datetime | None:
        """The signer's claimed time: the last TraceHeader timestamp (not a time-stamp)."""
        trace = getattr(self.package, "trace", None)
        headers = trace.trace_headers if trace is not None else ()
        return headers[-1].timestamp if headers else None


def verify(
    source: Source,
    *,
    trust: TrustStore,
    policy: VerifyPolicy | None = None,
    at: dt.datetime | None = None,
    limits: Limits | None = None,
    spool_dir: str | os.PathLike[str] | None = None,
) -> VerificationResult:
    """Verify ``source`` and return the package built from exactly what was signed.

    ``trust`` holds the caller's anchors (CA roots, or a pinned signer certificate): the
    certificate in the package is never trusted by itself. ``at`` is when the certificate
    must be valid (default: now). Raises an :class:`~edoc.errors.InvalidSignatureError`
    subclass naming the reason, or :class:`~edoc.errors.ParseError` for unreadable input.
    """
    policy = policy or VerifyPolicy()
    limits = limits or Limits()
    at = at or dt.datetime.now(dt.UTC)
    stream, name, owned = _open(source)
    run = _Pass(policy, limits, os.fspath(spool_dir) if spool_dir else None, name or "<stream>")
    try:
        _parse(stream, run, limits)
    except BaseException:
        run.target.discard()
        raise
    finally:
        if owned:
            stream.close()
    try:
        return _conclude(run, trust, policy, at, name)
    except BaseException:  # a refusal leaves no spooled attachment behind
        run.target.discard()
        raise


def _conclude(
    run: _Pass, trust: TrustStore, policy: VerifyPolicy, at: dt.datetime, name: str | None
) -> VerificationResult:
    """Check the digest, the signature value and the trust; build the verified package."""
    assert run.target.root is not None
    doc = ParsedDocument(run.target.root, run.lines, name, run.namespace_errors)
    # First, so that verify gives edoc.read's readable-or-not answer: a package the reader
    # refuses is a ParseError here too, signed or not.
    package = package_from_document(doc)
    if run.signature is None:
        raise SignatureMissingError("the package carries no signature", reason="missing")
    if run.namespace_errors:  # readable (edoc.read reads it), but its canonical form is not
        line, message = run.namespace_errors[0]
        raise SignatureProfileError(
            f"the package is not namespace-well-formed ({message}, line {line}): it has no "
            "canonical form to verify",
            reason="profile",
        )
    info: _SignedInfo = run.info
    assert run.hasher is not None
    digest = run.hasher.digest()
    if run.hasher.size == 0:  # CVE-2025-66568: never accept the digest of nothing
        raise InvalidSignatureError(
            "the canonical form is empty: nothing was digested", reason="c14n"
        )
    if not hmac.compare_digest(digest, info.digest_value):
        raise DigestMismatchError(
            "the package changed after it was signed (DigestValue does not match its content)",
            reason="digest-mismatch",
        )
    signed_info = bytearray()
    run.signature.replay(
        info.signed_info_index,
        Canonicalizer(signed_info.extend, exclusive=info.c14n is CanonicalizationMethod.EXC_C14N),
    )
    signers = [
        c for c in info.certificates if _check_signature(c, info, bytes(signed_info), policy)
    ]
    if len(signers) > 1:
        raise SignatureProfileError(
            "more than one certificate in KeyInfo verifies the signature: the signer is ambiguous",
            reason="profile",
        )
    signer = signers[0] if signers else None
    if signer is None:
        raise InvalidSignatureError(
            "SignatureValue does not verify with the certificate in KeyInfo",
            reason="signature-value",
        )
    xades = None
    if info.properties is not None:
        assert info.object_index is not None
        sig = run.signature
        xades = _xades_read.check(
            sig.events,
            object_index=info.object_index,
            signature_value_index=info.signature_value_index,
            reference=info.properties,
            package_ids=run.ids,
            signer=signer,
            digest_methods=policy.digest_methods,
            canonical=lambda index, method: _canonical(sig, index, method),
        )
    chain = trust.check_signer(signer, [c for c in info.certificates if c is not signer], at)
    return VerificationResult(
        package=package,
        signer=signer,
        chain=chain,
        algorithm=info.method,
        digest_algorithm=info.digest,
        canonicalization=info.reference_c14n,
        dialect="edxml" if run.signature_ns == n.NS else "xmldsig",
        verified_at=at,
        findings=info.notes,
        xades=xades,
    )
