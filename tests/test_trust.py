"""Path validation against the real Vietnamese CA certificates in ../shared/trust/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509

from edoc.errors import InputError, UntrustedCertificateError
from edoc.signing.revocation import _urls
from edoc.signing.trust import TrustStore, check_signing_usage

TRUST = Path(__file__).resolve().parents[1].parent / "shared" / "trust"


@pytest.fixture
def trust_dir() -> Path:
    if not TRUST.is_dir():
        pytest.skip(
            f"the shared CA certificates are not at {TRUST} (CI puts shared/ beside the project)"
        )
    return TRUST


def _cert(d: Path, name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((d / name).read_bytes())


def _at(year: int) -> dt.datetime:
    return dt.datetime(year, 1, 1, tzinfo=dt.UTC)


# Validity periods written by hand from shared/trust/README.md.
CHAINS = [
    # (certificate, its root, a year inside, a year before, a year after, subject CN of the root)
    ("cpcag2.crt", "rootcag2.crt", 2025, 2017, 2049, "RootCA chuyên dùng Chính phủ G2"),
    ("vnpt-ca-sha2.crt", "vnrca256.crt", 2026, 2023, 2030, "Vietnam National Root CA"),
]


@pytest.mark.parametrize(("leaf", "root", "inside", "before", "after", "root_cn"), CHAINS)
def test_real_chains_validate_inside_their_validity_only(
    trust_dir: Path, leaf: str, root: str, inside: int, before: int, after: int, root_cn: str
) -> None:
    store = TrustStore.from_pem(trust_dir / root)
    chain = store.check(_cert(trust_dir, leaf), [], _at(inside))
    assert len(chain) == 2
    assert chain[-1].subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == root_cn
    for year, reason, words in ((before, "certificate-not-yet-valid", "not yet valid"),
                                (after, "certificate-expired", "expired")):  # fmt: skip
        with pytest.raises(UntrustedCertificateError, match=words) as info:
            store.check(_cert(trust_dir, leaf), [], _at(year))
        assert info.value.reason == reason


def test_the_two_trust_domains_do_not_mix(trust_dir: Path) -> None:
    government = TrustStore.from_pem(trust_dir / "rootcag2.crt")
    with pytest.raises(UntrustedCertificateError):
        government.check(_cert(trust_dir, "vnpt-ca-sha2.crt"), [], _at(2026))
    both = TrustStore.from_pem(trust_dir / "rootcag2.crt", trust_dir / "vnrca256.crt")
    assert len(both.check(_cert(trust_dir, "vnpt-ca-sha2.crt"), [], _at(2026))) == 2
    assert len(both.check(_cert(trust_dir, "cpcag2.crt"), [], _at(2026))) == 2
    # A certificate that is itself in the store is trusted as pinned: a chain of one.
    everything = TrustStore.from_dir(trust_dir)
    assert everything.check(_cert(trust_dir, "cpcag2.crt"), [], _at(2026)) == (
        _cert(trust_dir, "cpcag2.crt"),
    )


def test_an_empty_or_unreadable_store_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        TrustStore([])
    (tmp_path / "x.pem").write_text("not a certificate")
    with pytest.raises(InputError, match="no PEM certificate"):
        TrustStore.from_pem(tmp_path / "x.pem")


def test_ca_certificates_may_not_sign_documents(trust_dir: Path) -> None:
    # Both are CA certificates (cA=TRUE), whatever their KeyUsage says: CA G2's intermediate
    # may only sign certificates and CRLs; VNPT-CA SHA2's KeyUsage includes digitalSignature.
    for name in ("cpcag2.crt", "vnpt-ca-sha2.crt"):
        with pytest.raises(
            UntrustedCertificateError, match=r"is a CA certificate \(cA=TRUE\)"
        ) as info:
            check_signing_usage(_cert(trust_dir, name))
        assert info.value.reason == "key-usage"


def test_the_real_certificates_name_their_revocation_sources(trust_dir: Path) -> None:
    cpca = _cert(trust_dir, "cpcag2.crt")
    assert _urls(cpca, "ocsp") == ["http://ocsp.ca.gov.vn/"]
    assert _urls(cpca, "crl") == ["http://ca.gov.vn/pki/pub/crl/rootcag2.crl"]
    vnpt = _cert(trust_dir, "vnpt-ca-sha2.crt")
    assert _urls(vnpt, "ocsp") == []
    assert _urls(vnpt, "crl") == ["https://rootca.gov.vn/crl/vnrca256.crl"]
