"""CRL scope (RFC 5280 §5.2, §5.3, §6.3.3): a CRL from the right issuer that may not speak
for the certificate is no evidence, never "not revoked". CRLs are made here with
cryptography, one per scope extension, signed by the per-run PKI's CAs, and given as files
(offline) or served over HTTP to the Verifier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

import edoc
from conftest import make_package
from edoc.signing import load_pem, sign_package
from edoc.signing.report import Indication, SubIndication
from pki_trust import (
    NOW,
    TrustPKI,
    crl_server,
    crl_without_next_update,
    idp,
    make_trust_pki,
    scoped_crl,
)

P, U = Indication.TOTAL_PASSED, Indication.INDETERMINATE
S = SubIndication
R = x509.ReasonFlags
UNKNOWN = x509.ObjectIdentifier("1.3.6.1.4.1.99999.5280.1")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrustPKI]:
    p = make_trust_pki(tmp_path_factory.mktemp("crl-scope"))
    with crl_server(p.dir / "www", p.http_port):
        yield p


@pytest.fixture(scope="module")
def signed(pki: TrustPKI) -> dict[str, Path]:
    out = {}
    for name in ("good", "revoked"):
        out[name] = pki.dir / f"{name}.edxml"
        sign_package(make_package(), out[name], key=load_pem(pki.signer(name)))
    return out


def _cert(pki: TrustPKI, name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((pki.dir / f"{name}.crt").read_bytes())


def _key(pki: TrustPKI, name: str) -> Any:
    return serialization.load_pem_private_key((pki.dir / f"{name}-key.pem").read_bytes(), None)


def _uri(pki: TrustPKI, name: str) -> list[x509.GeneralName]:
    return [x509.UniformResourceIdentifier(f"http://127.0.0.1:{pki.http_port}/{name}")]


def _offline(pki: TrustPKI, *crls: x509.CertificateRevocationList) -> edoc.Verifier:
    """Offline, with these CRLs of the intermediate and the root's own plain CRL."""
    root = pki.dir / "root-offline.crl"
    return edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), offline=True,
                         crls=[*crls, root])  # fmt: skip


def _details(result: edoc.ValidationResult) -> str:
    return " | ".join(e.detail or e.status for e in result.report.revocation)


# (name, extensions, why the CRL is no evidence for the good signer)
OUT_OF_SCOPE: list[tuple[str, Any, str]] = [
    ("delta", lambda p: [(x509.DeltaCRLIndicator(6), True)], "delta CRL"),
    ("only-ca-certs", lambda p: [(idp(only_contains_ca_certs=True), True)], "onlyContainsCACerts"),
    ("only-attribute-certs", lambda p: [(idp(only_contains_attribute_certs=True), True)],
     "onlyContainsAttributeCerts"),
    ("other-distribution-point", lambda p: [(idp(full_name=_uri(p, "partition-2.crl")), True)],
     "issuing distribution point is not one the certificate names"),
    ("only-some-reasons", lambda p: [(idp(only_some_reasons=frozenset({R.key_compromise})),
                                      True)], "only some revocation reasons"),
    ("indirect", lambda p: [(idp(indirect_crl=True), True)], "indirect CRL"),
    ("unknown-critical-extension", lambda p: [(x509.UnrecognizedExtension(UNKNOWN, b"\x05\x00"),
                                               True)], "critical extension edoc does not know"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "extensions", "why"), OUT_OF_SCOPE, ids=[c[0] for c in OUT_OF_SCOPE]
)
def test_a_crl_out_of_scope_is_no_evidence(
    pki: TrustPKI, signed: dict[str, Path], name: str, extensions: Any, why: str
) -> None:
    result = _offline(pki, scoped_crl(pki, *extensions(pki))).verify(signed["good"])
    assert (result.indication, result.sub_indication) == (U, S.TRY_LATER), result.report.to_text()
    assert result.reason == "revocation-unavailable"
    assert why in _details(result)
    assert result.package is None


def test_an_unknown_critical_entry_extension_makes_the_whole_crl_unusable(
    pki: TrustPKI, signed: dict[str, Path]
) -> None:
    odd = x509.UnrecognizedExtension(UNKNOWN, b"\x05\x00")
    result = _offline(pki, scoped_crl(pki, entry_extensions=((odd, True),))).verify(signed["good"])
    assert (result.indication, result.sub_indication) == (U, S.TRY_LATER)
    assert "an entry carries a critical extension" in _details(result)
    # The same extension, not critical, may be ignored (RFC 5280 §5.3).
    result = _offline(pki, scoped_crl(pki, entry_extensions=((odd, False),))).verify(signed["good"])
    assert result.indication is P, result.report.to_text()


def test_only_user_certs_does_not_speak_for_a_ca(pki: TrustPKI, signed: dict[str, Path]) -> None:
    """The root's CRL limited to end-entity certificates says nothing of the intermediate."""
    users_only = scoped_crl(pki, (idp(only_contains_user_certs=True), True), ca="root")
    inter = pki.dir / "inter-offline.crl"
    verifier = edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), offline=True,
                             crls=[inter, users_only])  # fmt: skip
    result = verifier.verify(signed["good"])
    assert (result.indication, result.sub_indication) == (U, S.TRY_LATER)
    assert "onlyContainsUserCerts" in _details(result)
    assert result.report.revocation[-1].subject.startswith("CN=edoc test Agency CA")
    # ...but does for an end-entity: the intermediate's CRL so limited covers the signer.
    ok = _offline(pki, scoped_crl(pki, (idp(only_contains_user_certs=True), True)))
    assert ok.verify(signed["good"]).indication is P


def test_crls_in_scope_still_count(pki: TrustPKI, signed: dict[str, Path]) -> None:
    """The controls: a matching issuing distribution point and a revocation listed in a
    reason-partitioned CRL are evidence."""
    matching = scoped_crl(pki, (idp(full_name=_uri(pki, "inter.crl")), True))
    assert _offline(pki, matching).verify(signed["good"]).indication is P
    revoked = _cert(pki, "revoked")
    partial = scoped_crl(pki, (idp(only_some_reasons=frozenset({R.key_compromise})), True),
                  revoked=(revoked,))  # fmt: skip
    result = _offline(pki, partial).verify(signed["revoked"])
    assert (result.indication, result.sub_indication) == (U, S.REVOKED_NO_POE)
    # An out-of-scope CRL beside a good one: the good one decides.
    delta = scoped_crl(pki, (x509.DeltaCRLIndicator(6), True))
    plain = x509.load_der_x509_crl((pki.dir / "inter-offline.crl").read_bytes())
    assert _offline(pki, delta, plain).verify(signed["good"]).indication is P


def test_a_crl_signer_without_crl_sign_is_no_evidence(
    pki: TrustPKI, signed: dict[str, Path], tmp_path: Path
) -> None:
    """RFC 5280 §6.3.3 (f): the CRL issuer's key must be allowed to sign CRLs."""
    from pki_trust import Issued, _issue, _ku

    root = x509.load_pem_x509_certificate(pki.root.read_bytes())
    point = f"http://127.0.0.1:{pki.http_port}/x.crl"
    ca = _issue("edoc test no-cRLSign CA", Issued(_key(pki, "root"), root), ca=True,
                ku=_ku(key_cert_sign=True), crl=point)  # fmt: skip
    leaf = _issue("Văn thư under no-cRLSign", ca, ca=False, crl=point)
    pem = tmp_path / "leaf.pem"
    pem.write_bytes(
        leaf.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())
        + leaf.cert.public_bytes(serialization.Encoding.PEM)
        + ca.cert.public_bytes(serialization.Encoding.PEM)
    )  # fmt: skip
    out = tmp_path / "s.edxml"
    sign_package(make_package(), out, key=load_pem(pem))
    by_ca = (
        x509.CertificateRevocationListBuilder().issuer_name(ca.cert.subject)
        .last_update(NOW - dt.timedelta(minutes=1)).next_update(NOW + dt.timedelta(days=7))
        .sign(ca.key, hashes.SHA256())
    )  # fmt: skip
    result = _offline(pki, by_ca).verify(out)
    assert (result.indication, result.sub_indication) == (U, S.TRY_LATER), result.report.to_text()
    assert "cRLSign" in _details(result)


def test_a_fetched_crl_is_held_to_its_distribution_point(
    pki: TrustPKI, signed: dict[str, Path]
) -> None:
    """Over HTTP: the CRL at the signer's distribution point names another partition."""
    www = pki.dir / "www" / "inter.crl"
    original = www.read_bytes()
    other = scoped_crl(pki, (idp(full_name=_uri(pki, "partition-2.crl")), True))
    www.write_bytes(other.public_bytes(serialization.Encoding.DER))
    try:
        verifier = edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), revocation="crl")
        result = verifier.verify(signed["good"])
        assert (result.indication, result.sub_indication) == (U, S.TRY_LATER)
        assert "not one the certificate names" in _details(result)
        assert result.report.fetches[0].status == 200
        # The same CRL naming the point it is served from counts.
        www.write_bytes(
            scoped_crl(pki, (idp(full_name=_uri(pki, "inter.crl")), True)).public_bytes(
                serialization.Encoding.DER
            )
        )
        fresh = edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), revocation="crl")
        assert fresh.verify(signed["good"]).indication is P
    finally:
        www.write_bytes(original)


def test_a_crl_without_next_update_is_not_current(
    pki: TrustPKI, signed: dict[str, Path], tmp_path: Path
) -> None:
    """RFC 5280 §5.1.2.5 requires nextUpdate; without it nothing says the CRL is current
    (an old one replayed would say "good" for ever). cryptography refuses to build such a
    CRL, so it is assembled with asn1crypto (tests/pki_trust.py)."""
    der = crl_without_next_update(pki)
    result = _offline(pki, x509.load_der_x509_crl(der)).verify(signed["good"])
    assert (result.indication, result.sub_indication) == (
        U, S.REVOCATION_OUT_OF_BOUNDS_NO_POE
    ), result.report.to_text()  # fmt: skip
    assert "no nextUpdate" in _details(result)


def test_an_ocsp_answer_with_an_unknown_critical_extension_is_no_evidence(
    pki: TrustPKI, signed: dict[str, Path], tmp_path: Path
) -> None:
    """Signed by the CA's delegated responder and saying "good", but with a critical
    extension edoc cannot process (RFC 6960 §4.4, RFC 5280 §4.2): not used."""
    from cryptography.x509 import ocsp

    from drip import Dripper

    good = _cert(pki, "good")
    inter = x509.load_pem_x509_certificate(pki.inter.read_bytes())
    responder = x509.load_pem_x509_certificate((pki.dir / "ocsp-inter.pem").read_bytes())
    responder_key: Any = serialization.load_pem_private_key(
        (pki.dir / "ocsp-inter.key").read_bytes(), None
    )

    def answer(critical: bool) -> bytes:
        b = (
            ocsp.OCSPResponseBuilder()
            .add_response(good, inter, hashes.SHA1(), ocsp.OCSPCertStatus.GOOD,
                          NOW - dt.timedelta(minutes=1), NOW + dt.timedelta(hours=1), None, None)
            .responder_id(ocsp.OCSPResponderEncoding.HASH, responder).certificates([responder])
            .add_extension(x509.UnrecognizedExtension(UNKNOWN, b"\x05\x00"), critical=critical)
        )  # fmt: skip
        return b.sign(responder_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    outcomes = []
    for critical in (True, False):
        server = Dripper(pki.ocsp_port, gap=0.0, body=answer(critical))
        try:
            verifier = edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), revocation="ocsp")
            result = verifier.verify(signed["good"])
        finally:
            server.close()
        outcomes.append(result.report.revocation[0])
    assert (outcomes[0].status, outcomes[1].status) == ("unavailable", "good")
    assert "critical extension" in (outcomes[0].detail or "")


def _leaf(pki: TrustPKI, tmp_path: Path, point: x509.DistributionPoint) -> Path:
    """A package signed by a new signer under the intermediate with this CRL point."""
    from cryptography.hazmat.primitives.asymmetric import ec

    inter = x509.load_pem_x509_certificate(pki.inter.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(x509.Name.from_rfc4514_string("CN=Leaf,C=VN"))
        .issuer_name(inter.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=9))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.CRLDistributionPoints([point]), critical=False)
        .sign(_key(pki, "inter"), hashes.SHA256())
    )  # fmt: skip
    pem = tmp_path / "leaf.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
        + cert.public_bytes(serialization.Encoding.PEM) + pki.inter.read_bytes()
    )  # fmt: skip
    out = tmp_path / "s.edxml"
    sign_package(make_package(), out, key=load_pem(pem))
    return out


def test_a_certificate_whose_only_crl_point_is_indirect_is_not_passed_unchecked(
    pki: TrustPKI, tmp_path: Path
) -> None:
    """Its distribution point names a cRLIssuer (an indirect CRL, which edoc does not use):
    its status is unknown, not "names no revocation source"."""
    other = x509.DirectoryName(x509.Name.from_rfc4514_string("CN=Other"))
    out = _leaf(pki, tmp_path, x509.DistributionPoint(_uri(pki, "x.crl"), None, None, [other]))
    result = edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), revocation="crl").verify(out)
    assert (result.indication, result.sub_indication) == (U, S.TRY_LATER), result.report.to_text()
    assert result.report.fetches == ()


def test_distribution_point_names_relative_to_the_issuer(pki: TrustPKI, tmp_path: Path) -> None:
    """nameRelativeToCRLIssuer on both sides (RFC 5280 §4.2.1.13, §5.2.5): the same RDN
    matches, another does not."""
    rdn = x509.RelativeDistinguishedName([x509.NameAttribute(x509.NameOID.COMMON_NAME, "p1")])
    other = x509.RelativeDistinguishedName([x509.NameAttribute(x509.NameOID.COMMON_NAME, "p2")])
    out = _leaf(pki, tmp_path, x509.DistributionPoint(None, rdn, None, None))
    same = scoped_crl(pki, (idp(relative_name=rdn), True))
    assert _offline(pki, same).verify(out).indication is P
    result = _offline(pki, scoped_crl(pki, (idp(relative_name=other), True))).verify(out)
    assert (result.indication, result.sub_indication) == (U, S.TRY_LATER)
    assert "not one the certificate names" in _details(result)
