"""The validation time (issue 17, class 2): now, or a time a trusted time-stamp proves; the
signer's claimed SigningTime is reported, never trusted. Real peers: the per-run PKI's
`openssl ocsp` responders and CRLs (tests/pki_trust.py) and an `openssl ts -reply` TSA
under the same root (tests/tsa.py), its clock moved with faketime where a case needs a
time-stamp from another day."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

import edoc
from conftest import make_package
from edoc.signing import SigningPolicy, load_pem
from edoc.signing.report import Indication, SubIndication
from edoc.signing.signer import _Slot
from edoc.signing.timestamp import TimeStampAuthority
from edoc.xml import write
from pki_trust import (
    NOW,
    OPENSSL,
    TrustPKI,
    serving_pki,
)
from tsa import TsaServer, start_tsa

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed (Debian openssl)")
needs_faketime = pytest.mark.skipif(
    shutil.which("faketime") is None, reason="faketime is not installed (Debian faketime)"
)

P, F, U = Indication.TOTAL_PASSED, Indication.TOTAL_FAILED, Indication.INDETERMINATE
S = SubIndication
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrustPKI]:
    with serving_pki(tmp_path_factory.mktemp("trust-time")) as p:
        yield p


@pytest.fixture(scope="module")
def tsa_server(pki: TrustPKI) -> Iterator[TsaServer]:
    server = start_tsa(pki.dir)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def tsa(tsa_server: TsaServer) -> Iterator[TimeStampAuthority]:
    host, port = tsa_server.server_address[:2]
    yield TimeStampAuthority(url=f"http://{host!s}:{port}/tsa", timeout=10)
    tsa_server.label, tsa_server.clock, tsa_server.trickle = None, None, 0.0


def _sign(
    pki: TrustPKI, out: Path, signer: str, *, when: dt.datetime | None = None,
    tsa: TimeStampAuthority | None = None,
) -> Path:  # fmt: skip
    """A real XAdES signature (-T with ``tsa``) whose SigningTime claims ``when``."""
    slot = _Slot(load_pem(pki.signer(signer)), SigningPolicy.default(),
                 xades="t" if tsa else "bes", tsa=tsa, signing_time=when)  # fmt: skip
    write(make_package(), out, signature=slot)
    return out


def _verifier(pki: TrustPKI, **kw: Any) -> edoc.Verifier:
    return edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), **kw)


def _failed(result: edoc.ValidationResult, name: str) -> list[str]:
    return [c.detail for c in result.report.checks if c.name == name and c.outcome == "failed"]


def test_a_claimed_signing_time_in_the_future_is_not_trusted(pki: TrustPKI, tmp_path: Path) -> None:
    """The signer's certificate is valid from NOW + 10 days; its SigningTime says NOW + 20."""
    claim = NOW + 20 * DAY
    out = _sign(pki, tmp_path / "s.edxml", "notyet", when=claim)
    result = _verifier(pki).verify(out)
    assert (result.indication, result.sub_indication) == (F, S.NOT_YET_VALID)
    assert result.reason == "certificate-not-yet-valid"
    assert result.report.validation_time_source == "now"
    assert result.report.claimed_signing_time == claim
    assert "the claimed signing time is in the future" in result.report.findings
    assert "(not proven)" in result.report.to_text()


def test_a_claimed_past_time_does_not_rescue_an_expired_certificate(
    pki: TrustPKI, tmp_path: Path
) -> None:
    claim = NOW - 100 * DAY  # inside the expired signer's validity
    out = _sign(pki, tmp_path / "s.edxml", "expired", when=claim)
    result = _verifier(pki).verify(out)
    assert (result.indication, result.sub_indication) == (U, S.OUT_OF_BOUNDS_NO_POE)
    assert result.report.validation_time_source == "now"
    assert result.report.validation_time is not None
    assert result.report.validation_time >= NOW


def test_a_trusted_time_stamp_is_the_validation_time_and_its_tsa_is_checked(
    pki: TrustPKI, tmp_path: Path, tsa: TimeStampAuthority
) -> None:
    out = _sign(pki, tmp_path / "t.edxml", "good", tsa=tsa)
    result = _verifier(pki).verify(out)
    assert result.indication is P, result.report.to_text()
    assert result.report.validation_time_source == "time-stamp"
    assert result.report.validation_time == result.report.timestamp_time
    tsa_evidence = [e for e in result.report.revocation if e.subject.startswith("CN=edoc test TSA")]
    assert [(e.source, e.status) for e in tsa_evidence] == [("ocsp", "good")]
    assert f":{pki.root_ocsp_port}" in tsa_evidence[0].location


@needs_faketime
def test_a_time_stamp_from_the_future_is_no_proof(
    pki: TrustPKI, tmp_path: Path, tsa: TimeStampAuthority, tsa_server: TsaServer
) -> None:
    """A TSA whose clock is 20 days ahead would otherwise make a not-yet-valid signer pass."""
    tsa_server.clock = "+20d"
    out = _sign(pki, tmp_path / "t.edxml", "notyet", when=NOW + 20 * DAY, tsa=tsa)
    result = _verifier(pki).verify(out)
    assert (result.indication, result.sub_indication) == (F, S.NOT_YET_VALID), (
        result.report.to_text()
    )
    assert result.report.validation_time_source == "now"
    assert result.report.timestamp_time is not None
    assert result.report.timestamp_time > NOW + 19 * DAY
    (why,) = _failed(result, "time-stamp")
    assert "is in the future" in why


@needs_faketime
@pytest.mark.parametrize(
    ("label", "expected"), [("tsa", (P, None)), ("tsa-revoked", (U, S.REVOKED_NO_POE))]
)
def test_a_time_stamp_by_a_revoked_tsa_is_no_proof(
    pki: TrustPKI, tmp_path: Path, tsa: TimeStampAuthority, tsa_server: TsaServer,
    label: str, expected: tuple[Indication, SubIndication | None],
) -> None:  # fmt: skip
    """Back-dated to before the signer's revocation (NOW - 2 days): by a sound TSA that
    is proof, and the package passes; by a revoked TSA (its key may be in anyone's hands)
    it is not, and the revocation stands."""
    tsa_server.label, tsa_server.clock = label, "-3d"
    out = _sign(pki, tmp_path / "t.edxml", "revoked", when=NOW - 3 * DAY - dt.timedelta(hours=1),
                tsa=tsa)  # fmt: skip
    result = _verifier(pki).verify(out)
    assert (result.indication, result.sub_indication) == expected, result.report.to_text()
    if label == "tsa-revoked":
        assert result.report.validation_time_source == "now"
        assert any("TSA-REVOKED" in f and "is revoked" in f for f in result.report.findings)
        (tsa_evidence,) = [e for e in result.report.revocation if "TSA-REVOKED" in e.subject]
        assert tsa_evidence.status == "revoked"


@needs_faketime
def test_a_tsa_whose_revocation_is_unknown_is_no_proof(
    pki: TrustPKI, tmp_path: Path, tsa: TimeStampAuthority, tsa_server: TsaServer
) -> None:
    """Offline, with a root CRL that covers CA certificates only: the intermediate is
    shown unrevoked, the TSA's status is unknown, and no evidence is not "not revoked"."""
    tsa_server.clock = "-3d"
    out = _sign(pki, tmp_path / "t.edxml", "revoked", when=NOW - 3 * DAY - dt.timedelta(hours=1),
                tsa=tsa)  # fmt: skip
    root = x509.load_pem_x509_certificate(pki.root.read_bytes())
    key: Any = serialization.load_pem_private_key((pki.dir / "root-key.pem").read_bytes(), None)
    idp = x509.IssuingDistributionPoint(None, None, False, True, None, False, False)
    ca_only = (
        x509.CertificateRevocationListBuilder().issuer_name(root.subject)
        .last_update(NOW - dt.timedelta(minutes=1)).next_update(NOW + 7 * DAY)
        .add_extension(idp, critical=True).sign(key, hashes.SHA256())
    )  # fmt: skip
    inter = pki.dir / "inter-offline.crl"
    result = _verifier(pki, offline=True, crls=[inter, ca_only]).verify(out)
    assert (result.indication, result.sub_indication) == (U, S.REVOKED_NO_POE), (
        result.report.to_text()
    )
    assert any("revocation status of CN=edoc test TSA" in f for f in result.report.findings)
    # With the root's complete CRL the TSA is shown unrevoked and the time-stamp counts.
    full = _verifier(pki, offline=True, crls=[inter, pki.dir / "root-offline.crl"]).verify(out)
    assert full.indication is P, full.report.to_text()
    assert full.report.validation_time_source == "time-stamp"


def test_the_callers_time_still_wins(pki: TrustPKI, tmp_path: Path) -> None:
    then = NOW - 100 * DAY
    out = _sign(pki, tmp_path / "s.edxml", "expired", when=NOW + 5 * DAY)
    result = _verifier(pki, at=then, revocation="none").verify(out)
    assert result.indication is P, result.report.to_text()
    assert result.report.validation_time == then
    assert result.report.validation_time_source == "caller"
