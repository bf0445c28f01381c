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
