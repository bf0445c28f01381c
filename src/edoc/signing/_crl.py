"""CRLs per RFC 5280: whether a CRL may speak for a certificate at all (§5.2, §5.3) and
whether its scope covers that certificate (§6.3.3).

A CRL that fails either test is *no evidence*: it never makes a certificate "not revoked".
edoc uses complete CRLs only; a delta CRL (deltaCRLIndicator) and an indirect CRL are not
used (RFC 5280 makes both optional for relying parties).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from cryptography import x509
from cryptography.x509.oid import CRLEntryExtensionOID, ExtensionOID

from edoc.errors import InputError

__all__ = [
    "ALL_REASONS", "Crl", "Scope", "distribution_points", "parse_crl", "scope_of", "wrap_crl",
]  # fmt: skip

_F = x509.ReasonFlags
ALL_REASONS: frozenset[x509.ReasonFlags] = frozenset(
    {_F.key_compromise, _F.ca_compromise, _F.affiliation_changed, _F.superseded,
     _F.cessation_of_operation, _F.certificate_hold, _F.privilege_withdrawn,
     _F.aa_compromise}
)  # fmt: skip
"""The reasons a distribution point can cover (RFC 5280 §4.2.1.13 ReasonFlags)."""

# Extensions edoc understands; a critical one outside these sets makes the CRL unusable.
_CRL_EXTENSIONS = frozenset(
    {ExtensionOID.AUTHORITY_KEY_IDENTIFIER, ExtensionOID.CRL_NUMBER,
     ExtensionOID.ISSUER_ALTERNATIVE_NAME, ExtensionOID.ISSUING_DISTRIBUTION_POINT,
     ExtensionOID.DELTA_CRL_INDICATOR, ExtensionOID.FRESHEST_CRL,
     ExtensionOID.AUTHORITY_INFORMATION_ACCESS}
)  # fmt: skip
_ENTRY_EXTENSIONS = frozenset(
    {CRLEntryExtensionOID.CRL_REASON, CRLEntryExtensionOID.INVALIDITY_DATE,
     x509.ObjectIdentifier("2.5.29.23")}  # holdInstructionCode
)  # fmt: skip
"""certificateIssuer is left out: it belongs to indirect CRLs, which edoc does not use."""


@attrs.frozen
class Crl:
    """A parsed CRL and what was found once for all certificates."""

    crl: x509.CertificateRevocationList
    unusable: str | None
    """Why it may not speak for any certificate, or None."""
    idp: x509.IssuingDistributionPoint | None


@attrs.frozen
class Scope:
    """What a usable CRL says about one certificate's scope."""

    problem: str | None = None
    """Why it does not cover the certificate, or None."""
    reasons: frozenset[x509.ReasonFlags] = ALL_REASONS
    """The revocation reasons it covers for this certificate."""


def parse_crl(data: bytes, where: str) -> Crl:
    """A DER or PEM CRL; :class:`~edoc.errors.InputError` when it is none."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return wrap_crl(x509.load_pem_x509_crl(data))
        return wrap_crl(x509.load_der_x509_crl(data))
    except ValueError:
        raise InputError(f"{where} is not a CRL (DER or PEM)") from None


def wrap_crl(crl: x509.CertificateRevocationList) -> Crl:
    """Check once, in one pass over its entries, what makes ``crl`` unusable (§5.2, §5.3)."""
    try:
        extensions = crl.extensions
    except ValueError:  # malformed or duplicated (x509.DuplicateExtension is a ValueError)
        return Crl(crl, "its extensions do not parse", None)
    for ext in extensions:
        if ext.critical and ext.oid not in _CRL_EXTENSIONS:
            return Crl(crl, f"it carries a critical extension edoc does not know "
                            f"({ext.oid.dotted_string})", None)  # fmt: skip
    if any(ext.oid == ExtensionOID.DELTA_CRL_INDICATOR for ext in extensions):
        return Crl(crl, "it is a delta CRL (deltaCRLIndicator), not a complete CRL", None)
    idp = next((e.value for e in extensions
                if isinstance(e.value, x509.IssuingDistributionPoint)), None)  # fmt: skip
    if idp is not None and idp.only_contains_attribute_certs:
        return Crl(crl, "it covers attribute certificates only (onlyContainsAttributeCerts)", idp)
    if idp is not None and idp.indirect_crl:
        return Crl(crl, "it is an indirect CRL (indirectCRL), which edoc does not use", idp)
    try:
        for entry in crl:
            for ext in entry.extensions:
                if ext.critical and ext.oid not in _ENTRY_EXTENSIONS:
                    return Crl(crl, f"an entry carries a critical extension edoc does not use "
                                    f"({ext.oid.dotted_string})", idp)  # fmt: skip
    except ValueError:
        return Crl(crl, "an entry's extensions do not parse", idp)
    return Crl(crl, None, idp)


def scope_of(crl: Crl, cert: x509.Certificate, points: Sequence[x509.DistributionPoint]) -> Scope:
    """Whether ``crl`` covers ``cert`` when obtained from one of ``points`` (the
    certificate's distribution points it may stand for), per RFC 5280 §6.3.3 (b) and (d)."""
    idp = crl.idp
    own = [p for p in points if p.crl_issuer is None]  # indirect points are not used
    if idp is not None and (idp.full_name or idp.relative_name):
        wanted = _names(idp.full_name, idp.relative_name, crl.crl.issuer)
        matching = [p for p in own if wanted & _names(p.full_name, p.relative_name, cert.issuer)]
        if not matching:
            return Scope("its issuing distribution point is not one the certificate names")
        own = matching
    is_ca = _is_ca(cert)
    if idp is not None and idp.only_contains_user_certs and is_ca:
        return Scope("it covers end-entity certificates only (onlyContainsUserCerts) and this "
                     "is a CA certificate")  # fmt: skip
    if idp is not None and idp.only_contains_ca_certs and not is_ca:
        return Scope("it covers CA certificates only (onlyContainsCACerts) and this is not one")
    crl_reasons = frozenset(idp.only_some_reasons) if idp and idp.only_some_reasons else None
    point_reasons: frozenset[x509.ReasonFlags] = frozenset()
    for p in own or [x509.DistributionPoint(None, None, None, None)]:
        point_reasons |= frozenset(p.reasons) if p.reasons else ALL_REASONS
    return Scope(reasons=(crl_reasons or ALL_REASONS) & point_reasons)


def distribution_points(cert: x509.Certificate) -> list[x509.DistributionPoint]:
    try:
        return list(cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value)
    except x509.ExtensionNotFound:
        return []


def _names(
    full: Sequence[x509.GeneralName] | None, relative: x509.RelativeDistinguishedName | None,
    issuer: x509.Name,
) -> set[x509.GeneralName]:  # fmt: skip
    if full:
        return set(full)
    if relative is not None:  # relative to the issuer's name (§4.2.1.13)
        return {x509.DirectoryName(x509.Name([*issuer.rdns, relative]))}
    return set()


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False
