"""Revocation and time-stamp fetches are bounded in total time and bytes (issue 17, class 4,
revocation part): a loopback server that drips its answer one byte at a time, each byte
well inside any per-read timeout, must not hold a fetch past its deadline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import edoc
from conftest import make_package
from drip import Dripper, _Drip
from edoc.signing import load_pem, sign_package
from edoc.signing._fetch import Fetcher, FetchFailed
from edoc.signing.report import Indication, SubIndication
from edoc.signing.timestamp import TimeStampAuthority, TimeStampError
from pki_trust import OPENSSL, make_trust_pki

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed (Debian openssl)")


@pytest.fixture
def drip() -> Iterator[Dripper]:
    server = Dripper()
    yield server
    server.close()


@pytest.mark.parametrize("headers_first", [False, True], ids=["drip-headers", "drip-body"])
def test_a_dripping_server_is_cut_off_at_the_deadline(headers_first: bool) -> None:
    server = Dripper(headers_first=headers_first)
    try:
        fetcher = Fetcher(timeout=1.0)
        started = time.monotonic()
        with pytest.raises(FetchFailed, match=r"took longer than 1 s"):
            fetcher.get(server.url, "crl")
        took = time.monotonic() - started
        with pytest.raises(FetchFailed, match=r"took longer than 1 s"):
            fetcher.post(server.url, b"q", "application/ocsp-request", "ocsp")
    finally:
        server.close()
    print(f"dripping server cut off after {took:.2f} s (deadline 1 s, ratio {took / 1.0:.2f})")
    assert took < 2.5, took
    assert [f.error is not None and "took longer" in f.error for f in fetcher.log] == [True, True]


def test_the_byte_cap_holds_whatever_the_content_length_claims() -> None:
    server = Dripper(gap=0.0, size=5_000_000)
    try:
        with pytest.raises(FetchFailed, match="more than 100000 bytes"):
            Fetcher(timeout=20, max_bytes=100_000).get(server.url, "crl")
    finally:
        server.close()


def test_the_verifier_reports_a_dripping_revocation_source_as_try_later(
    tmp_path: Path,
) -> None:
    """The PKI's responder and CRL ports served by drippers: TRY_LATER within the deadline
    of each fetch, not after the hours the drip would take."""
    pki = make_trust_pki(tmp_path)
    out = tmp_path / "s.edxml"
    sign_package(make_package(), out, key=load_pem(pki.signer("good")))
    servers = [Dripper(pki.http_port), Dripper(pki.ocsp_port)]
    try:
        started = time.monotonic()
        result = edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), timeout=1.0).verify(out)
        took = time.monotonic() - started
    finally:
        for s in servers:
            s.close()
    assert (result.indication, result.sub_indication) == (
        Indication.INDETERMINATE,
        SubIndication.TRY_LATER,
    )
    fetched = [(f.method, f.error) for f in result.report.fetches]
    assert [m for m, _ in fetched] == ["POST", "GET"], fetched
    assert all(e is not None and "took longer than 1 s" in e for _, e in fetched), fetched
    print(f"verify with two dripping sources: {took:.2f} s for 2 fetches of 1 s each")
    assert took < 5, took


def test_a_dripping_tsa_fails_signing_within_its_timeout(drip: Dripper) -> None:
    tsa = TimeStampAuthority(url=drip.url, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(TimeStampError, match=r"did not answer within 1 s"):
        tsa.stamp(b"data")
    took = time.monotonic() - started
    assert took < 2.5, took


def test_tsa_credentials_go_in_a_header_and_never_in_messages(drip: Dripper) -> None:
    port = drip.server_address[1]
    drip.gap, drip.body = 0.0, b"0" * 10
    seen: list[bytes] = []
    real = _Drip.handle

    def spy(self: _Drip) -> None:
        data = self.request.recv(65536, 2)  # MSG_PEEK: leave it for the handler
        seen.append(data)
        real(self)

    _Drip.handle = spy  # type: ignore[method-assign]
    try:
        tsa = TimeStampAuthority(url=f"http://ng%C6%B0oi:mat-khau@127.0.0.1:{port}/tsa", timeout=5)
        with pytest.raises(TimeStampError) as info:
            tsa.stamp(b"x")
    finally:
        _Drip.handle = real  # type: ignore[method-assign]
    assert "mat-khau" not in str(info.value)
    assert b"mat-khau" not in seen[0]
    assert b"Authorization: Basic bmfGsG9pOm1hdC1raGF1\r\n" in seen[0]  # "ngưoi:mat-khau", UTF-8


def test_https_fetches_verify_the_server_and_keep_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A TLS server on loopback with a certificate from a per-run CA: refused while that CA
    is not trusted, fetched once it is (SSL_CERT_FILE), and a TLS server that drips is cut
    off at the deadline like a plain one."""
    import datetime as dt
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "edoc TLS test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "leaf.pem")

    def tls(server: Dripper) -> Dripper:
        server.socket = context.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)  # fmt: skip
        return server

    quick = tls(Dripper(gap=0.0, body=b"0123456789"))
    slow = tls(Dripper(gap=0.05, headers_first=True))
    url, slow_url = quick.url.replace("http:", "https:"), slow.url.replace("http:", "https:")
    try:
        with pytest.raises(FetchFailed, match="CERTIFICATE_VERIFY_FAILED"):
            Fetcher(timeout=5).get(url, "crl")
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
        assert Fetcher(timeout=5).get(url, "crl") == b"0123456789"
        started = time.monotonic()
        with pytest.raises(FetchFailed, match="took longer than 1 s"):
            Fetcher(timeout=1).get(slow_url, "crl")
        assert time.monotonic() - started < 2.5
    finally:
        quick.close()
        slow.close()
    # A TLS handshake that drips: a record header announcing 16 KiB, then a byte at a time.
    handshake = Dripper(raw=b"\x16\x03\x03\x40\x00" + b"\x00" * 16384)
    try:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match="took longer than 1 s"):
            Fetcher(timeout=1).get(handshake.url.replace("http:", "https:"), "crl")
        assert time.monotonic() - started < 2.5
    finally:
        handshake.close()
