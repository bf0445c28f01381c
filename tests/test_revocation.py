"""edoc.Verifier against a per-run PKI and real revocation peers on loopback: `openssl ocsp`
responders and CRLs served over HTTP (tests/pki_trust.py)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

import edoc
from conftest import make_package
from edoc.signing import assessment as validation_module
from edoc.signing import load_pem, sign_package
from edoc.signing.report import Indication, SubIndication
from pki_trust import (
    NOW,
    OPENSSL,
    SIGNERS,
    TrustPKI,
    make_trust_pki,
    serving_pki,
)

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed (Debian openssl)")

P, F, U = Indication.TOTAL_PASSED, Indication.TOTAL_FAILED, Indication.INDETERMINATE
S = SubIndication


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrustPKI]:
    """The PKI with its peers running: the CRL server and one OCSP responder per CA."""
    with serving_pki(tmp_path_factory.mktemp("trust-pki")) as p:
        yield p


@pytest.fixture(scope="module")
def signed(pki: TrustPKI) -> dict[str, Path]:
    out = {}
    for name in SIGNERS:
        out[name] = pki.dir / f"{name}.edxml"
        sign_package(
            make_package(**{"qd.txt": b"Quyet dinh"}), out[name], key=load_pem(pki.signer(name))
        )
    return out


def _verifier(pki: TrustPKI, **kw: Any) -> edoc.Verifier:
    return edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), **kw)


EXPECTED = {
    "good": (P, None),
    "revoked": (U, S.REVOKED_NO_POE),
    "expired": (U, S.OUT_OF_BOUNDS_NO_POE),
    "notyet": (F, S.NOT_YET_VALID),
    "wrongku": (U, S.SIG_CONSTRAINTS_FAILURE),
    "wrongeku": (U, S.SIG_CONSTRAINTS_FAILURE),
}


@pytest.mark.parametrize("mode", ["ocsp-then-crl", "ocsp", "crl"])
@pytest.mark.parametrize("name", SIGNERS)
def test_each_signer_gets_its_own_indication(
    pki: TrustPKI, signed: dict[str, Path], name: str, mode: str
) -> None:
    result = _verifier(pki, revocation=mode).verify(signed[name])
    assert (result.indication, result.sub_indication) == EXPECTED[name], result.report.to_text()
    assert (result.package is not None) is (name == "good")
    if name in ("good", "revoked"):  # the path holds: revocation was asked of the peers
        sources = {e.source for e in result.report.revocation}
        assert sources == ({"crl"} if mode == "crl" else {"ocsp"})
        fetched = [f.url for f in result.report.fetches]
        port = pki.http_port if mode == "crl" else pki.ocsp_port
        assert any(f":{port}" in u for u in fetched), fetched
        assert all(f.error is None for f in result.report.fetches)


def test_the_revoked_signer_per_ocsp_and_per_crl(pki: TrustPKI, signed: dict[str, Path]) -> None:
    for mode, source in (("ocsp", "ocsp"), ("crl", "crl")):
        result = _verifier(pki, revocation=mode).verify(signed["revoked"])
        (evidence,) = [e for e in result.report.revocation if "revoked" in e.subject]
        assert evidence.source == source
        assert evidence.status == "revoked"
        assert evidence.revocation_time == pki.revoked_at
        assert evidence.reason == "key_compromise"
        assert evidence.this_update is not None
        assert evidence.next_update is not None
        assert result.reason == "revoked"


def test_the_returned_package_is_what_was_signed(pki: TrustPKI, signed: dict[str, Path]) -> None:
    result = _verifier(pki).verify(signed["good"])
    assert result.package == make_package(**{"qd.txt": b"Quyet dinh"})
    assert result.signature is not None
    assert [c.subject for c in result.signature.chain] == [
        x509.load_pem_x509_certificate(p.read_bytes()).subject
        for p in (pki.dir / "good.crt", pki.inter, pki.root)
    ]


def test_answers_are_cached_until_their_next_update(pki: TrustPKI, signed: dict[str, Path]) -> None:
    verifier = _verifier(pki)
    first = verifier.verify(signed["good"])
    assert len(first.report.fetches) == 2  # the signer's and the intermediate's OCSP
    second = verifier.verify(signed["good"])
    assert second.indication is P
    assert second.report.fetches == ()
    assert all(e.cached for e in second.report.revocation)


def test_unreachable_revocation_sources_are_try_later(
    tmp_path: Path, signed: dict[str, Path]
) -> None:
    # A second PKI whose responder and CRL ports nobody listens on.
    dead = make_trust_pki(tmp_path)
    out = tmp_path / "s.edxml"
    sign_package(make_package(), out, key=load_pem(dead.signer("good")))
    for mode in ("ocsp-then-crl", "ocsp", "crl"):
        result = _verifier(dead, revocation=mode, timeout=2).verify(out)
        assert (result.indication, result.sub_indication) == (U, S.TRY_LATER)
        assert result.reason == "revocation-unavailable"
        assert result.report.fetches
        assert all(f.error for f in result.report.fetches)
        assert {e.status for e in result.report.revocation} == {"unavailable"}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "edoc",
            "verify",
            str(out),
            "--trust",
            str(dead.root),
            "--timeout",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 5, r.stderr
    assert "TRY_LATER" in r.stdout
    assert "NOT VALID" in r.stderr


def test_offline_mode_uses_only_the_given_crls(pki: TrustPKI, signed: dict[str, Path]) -> None:
    crls = [pki.dir / "inter-offline.crl", pki.dir / "root-offline.crl"]
    good = _verifier(pki, offline=True, crls=crls).verify(signed["good"])
    assert good.indication is P, good.report.to_text()
    assert good.report.fetches == ()
    assert {e.source for e in good.report.revocation} == {"crl-file"}
    assert {e.location for e in good.report.revocation} == {str(c) for c in crls}
    revoked = _verifier(pki, revocation="offline", crls=crls).verify(signed["revoked"])
    assert (revoked.indication, revoked.sub_indication) == (U, S.REVOKED_NO_POE)
    # Without the root's CRL the intermediate's status is unknown.
    partial = _verifier(pki, offline=True, crls=crls[:1]).verify(signed["good"])
    assert (partial.indication, partial.sub_indication) == (U, S.TRY_LATER)
    assert partial.report.fetches == ()
    # An out-of-date CRL does not speak for now.
    stale = _verifier(pki, offline=True, crls=[pki.dir / "inter-stale.crl", crls[1]])
    result = stale.verify(signed["good"])
    assert (result.indication, result.sub_indication) == (U, S.REVOCATION_OUT_OF_BOUNDS_NO_POE)


def test_a_crl_signed_by_someone_else_does_not_count(
    pki: TrustPKI, signed: dict[str, Path]
) -> None:
    from pki_trust import Issued, make_crl

    key = serialization.load_pem_private_key((pki.dir / "good.pem").read_bytes(), None)
    inter = x509.load_pem_x509_certificate(pki.inter.read_bytes())
    forged = make_crl(Issued(key, inter), [])  # type: ignore[arg-type]  # names the CA, not its key
    (pki.dir / "forged.crl").write_bytes(forged)
    result = _verifier(
        pki, offline=True, crls=[pki.dir / "forged.crl", pki.dir / "root-offline.crl"]
    ).verify(signed["good"])
    assert (result.indication, result.sub_indication) == (U, S.TRY_LATER)
    assert any("not signed by" in (e.detail or "") for e in result.report.revocation)


def test_fetches_are_size_capped(pki: TrustPKI, signed: dict[str, Path]) -> None:
    result = _verifier(pki, revocation="crl", max_fetch_bytes=100).verify(signed["good"])
    assert (result.indication, result.sub_indication) == (U, S.TRY_LATER)
    assert "more than 100 bytes" in (result.report.fetches[0].error or "")


def test_revocation_none_is_reported(pki: TrustPKI, signed: dict[str, Path]) -> None:
    result = _verifier(pki, revocation="none").verify(signed["revoked"])
    assert result.indication is P
    assert any("not checked" in f for f in result.report.findings)


@attrs.frozen
class _Stamp:
    gen_time: dt.datetime
    certificates: tuple[x509.Certificate, ...]


@attrs.frozen
class _Xades:
    level: str
    signing_time: dt.datetime | None
    policy_id: str | None
    timestamp: _Stamp | None


def _with_xades(monkeypatch: pytest.MonkeyPatch, xades: _Xades) -> None:
    """Stand in for the XAdES branch's ``result.xades`` (read through xades_of only)."""
    monkeypatch.setattr(validation_module, "xades_of", lambda _result: xades)


def test_a_time_stamp_is_proof_of_the_signing_time(
    pki: TrustPKI, signed: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tsa = (x509.load_pem_x509_certificate((pki.dir / "tsa.crt").read_bytes()),)
    # Time-stamped after the revocation / after expiry: proven bad.
    _with_xades(monkeypatch, _Xades("T", None, None, _Stamp(NOW - dt.timedelta(hours=1), tsa)))
    revoked = _verifier(pki).verify(signed["revoked"])
    assert (revoked.indication, revoked.sub_indication) == (F, S.REVOKED)
    assert revoked.report.validation_time_source == "time-stamp"
    expired = _verifier(pki).verify(signed["expired"])
    assert (expired.indication, expired.sub_indication) == (F, S.EXPIRED)
    # Time-stamped before the revocation and while the certificate was valid: passed.
    before = pki.revoked_at - dt.timedelta(hours=1)
    _with_xades(monkeypatch, _Xades("T", None, None, _Stamp(before, tsa)))
    result = _verifier(pki).verify(signed["revoked"])
    assert result.indication is P, result.report.to_text()
    assert result.report.timestamp_time == before
    # A certificate without id-kp-timeStamping cannot time-stamp, even under the anchor.
    signer_as_tsa = (x509.load_pem_x509_certificate((pki.dir / "good.crt").read_bytes()),)
    _with_xades(monkeypatch, _Xades("T", None, None, _Stamp(NOW, signer_as_tsa)))
    r = _verifier(pki, intermediates=[x509.load_pem_x509_certificate(pki.inter.read_bytes())])
    no_tsa = r.verify(signed["revoked"])
    assert (no_tsa.indication, no_tsa.sub_indication) == (U, S.REVOKED_NO_POE)
    assert any("timeStamping" in c.detail for c in no_tsa.report.checks)
    # A time-stamp from an authority outside the trust store is no proof.
    stranger = (x509.load_pem_x509_certificate((pki.dir / "good.crt").read_bytes()),)
    _with_xades(monkeypatch, _Xades("T", None, None, _Stamp(before, stranger)))
    later = edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.dir / "tsa.crt")).verify(
        signed["revoked"]
    )
    assert any(
        c.name == "time-stamp authority" and c.outcome == "failed" for c in later.report.checks
    )


def test_a_claimed_signing_time_is_reported_never_used(
    pki: TrustPKI, signed: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    claimed = NOW - dt.timedelta(days=100)  # inside the expired signer's validity
    _with_xades(monkeypatch, _Xades("BES", claimed, None, None))
    result = _verifier(pki).verify(signed["expired"])
    assert result.report.claimed_signing_time == claimed
    assert result.report.validation_time_source == "now"
    assert result.report.validation_time is not None
    assert result.report.validation_time > NOW - dt.timedelta(minutes=5)
    assert any("reported, not used" in f for f in result.report.findings)
    # Expired now: the claim proves nothing.
    assert (result.indication, result.sub_indication) == (U, S.OUT_OF_BOUNDS_NO_POE)
    # A claim before the certificate was issued changes nothing either: validated now.
    good = _verifier(pki).verify(signed["good"])
    assert good.indication is P, good.report.to_text()
    # A claim before the revocation does not outweigh it.
    _with_xades(monkeypatch, _Xades("BES", pki.revoked_at - dt.timedelta(days=3), None, None))
    revoked = _verifier(pki).verify(signed["revoked"])
    assert (revoked.indication, revoked.sub_indication) == (U, S.REVOKED_NO_POE)


def test_signature_and_path_failures(
    pki: TrustPKI, signed: dict[str, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.edxml"
    bad.write_bytes(signed["good"].read_bytes().replace(b"V/v", b"V/V", 1))
    result = _verifier(pki).verify(bad)
    assert (result.indication, result.sub_indication) == (F, S.HASH_FAILURE)
    assert result.signature is None
    assert result.reason == "digest-mismatch"
    # Another root: nothing links the signer to it.
    other = edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.dir / "tsa.crt"))
    r = other.verify(signed["good"])
    assert (r.indication, r.sub_indication) == (U, S.NO_CERTIFICATE_CHAIN_FOUND)


def test_a_signer_under_an_end_entity_is_a_chain_constraints_failure(
    pki: TrustPKI, tmp_path: Path
) -> None:
    """The certificates link by name and signature, but the 'CA' is not a CA."""
    from cryptography.hazmat.primitives.asymmetric import ec

    ee_key = serialization.load_pem_private_key((pki.dir / "good.pem").read_bytes(), None)
    ee = x509.load_pem_x509_certificate((pki.dir / "good.crt").read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name.from_rfc4514_string("CN=Under EE,C=VN"))
        .issuer_name(ee.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=9))
        .sign(ee_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    pem = tmp_path / "under.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + b"".join(
            c.public_bytes(serialization.Encoding.PEM)
            for c in (cert, ee, x509.load_pem_x509_certificate(pki.inter.read_bytes()))
        )
    )
    out = tmp_path / "s.edxml"
    sign_package(make_package(), out, key=load_pem(pem))
    result = _verifier(pki).verify(out)
    assert (result.indication, result.sub_indication) == (U, S.CHAIN_CONSTRAINTS_FAILURE)
    assert result.reason == "chain-constraints"


def test_the_report_in_json_and_text(pki: TrustPKI, signed: dict[str, Path]) -> None:
    result = _verifier(pki).verify(signed["revoked"])
    data = json.loads(result.report.to_json())
    assert data["indication"] == "INDETERMINATE"
    assert data["sub_indication"] == "REVOKED_NO_POE"
    assert data["signer"]["subject"] == "CN=Văn thư revoked,O=edoc test PKI,C=VN"
    assert [c["subject"].split(",")[0] for c in data["chain"]] == [
        "CN=Văn thư revoked",
        "CN=edoc test Agency CA",
        "CN=edoc test Root CA",
    ]
    (ev,) = data["revocation"]
    assert ev["status"] == "revoked"
    assert ev["location"] == f"http://127.0.0.1:{pki.ocsp_port}"
    assert dt.datetime.fromisoformat(ev["revocation_time"]) == pki.revoked_at
    assert data["fetches"][0]["method"] == "POST"
    assert data["fetches"][0]["status"] == 200
    assert [c["outcome"] for c in data["checks"]] == ["passed", "passed", "passed", "failed"]
    text = result.report.to_text()
    assert text.startswith("INDETERMINATE / REVOKED_NO_POE")
    assert f"POST http://127.0.0.1:{pki.ocsp_port} -> 200" in text


def _cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edoc", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_verify_command_with_revocation(pki: TrustPKI, signed: dict[str, Path]) -> None:
    r = _cli("verify", signed["good"], "--trust", pki.root, "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["valid"] is True
    assert data["indication"] == "TOTAL_PASSED"
    assert data["report"]["revocation"][0]["status"] == "good"
    r = _cli("verify", signed["revoked"], "--trust", pki.root, "--revocation", "crl")
    assert r.returncode == 3
    assert r.stdout.startswith("INDETERMINATE / REVOKED_NO_POE")
    assert f"GET http://127.0.0.1:{pki.http_port}/inter.crl -> 200" in r.stdout
    r = _cli("verify", signed["notyet"], "--trust", pki.root, "--format", "json")
    assert r.returncode == 3
    assert json.loads(r.stdout)["sub_indication"] == "NOT_YET_VALID"
    r = _cli(
        "verify",
        signed["good"],
        "--trust",
        pki.root,
        "--offline",
        "--crl",
        pki.dir / "inter-offline.crl",
        "--crl",
        pki.dir / "root-offline.crl",
    )
    assert r.returncode == 0, r.stdout
    assert "fetched:" not in r.stdout
    assert "crl-file" in r.stdout


def test_pinned_signers_and_certificates_without_revocation_pointers(
    pki: TrustPKI, signed: dict[str, Path], tmp_path: Path
) -> None:
    pinned = edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.dir / "good.crt"))
    result = pinned.verify(signed["good"])
    assert result.indication is P
    assert result.report.checks[-1].outcome == "skipped"
    assert result.report.fetches == ()
    # tests/pki.py's certificates name no OCSP responder and no CRL: not checkable, noted.
    from pki import make_pki

    plain = make_pki(tmp_path)
    out = tmp_path / "plain.edxml"
    sign_package(make_package(), out, key=load_pem(plain / "ec256.pem"))
    result = edoc.Verifier(trust=edoc.TrustStore.from_pem(plain / "ca.pem")).verify(out)
    assert result.indication is P
    assert any("names no revocation source" in f for f in result.report.findings)
    # The same offline, with a CRL of another issuer: still not checkable, still noted.
    offline = edoc.Verifier(
        trust=edoc.TrustStore.from_pem(plain / "ca.pem"),
        offline=True,
        crls=[pki.dir / "inter-offline.crl"],
    ).verify(out)
    assert offline.indication is P
    assert any("names no revocation source" in f for f in offline.report.findings)


def test_fetches_follow_no_redirect_and_only_http(pki: TrustPKI) -> None:
    from edoc.signing._fetch import Fetcher, FetchFailed

    fetcher = Fetcher(timeout=5)
    assert fetcher.get(f"http://127.0.0.1:{pki.http_port}/inter.crl", "crl").startswith(b"0")
    with pytest.raises(FetchFailed, match="HTTP 302"):
        fetcher.get(f"http://127.0.0.1:{pki.http_port}/moved/inter.crl", "crl")
    with pytest.raises(FetchFailed, match="not an HTTP URL"):
        fetcher.get(f"file://{pki.dir / 'inter-offline.crl'}", "crl")
    assert [(f.status, f.error is None) for f in fetcher.log] == [
        (200, True),
        (302, False),
        (None, False),
    ]


def test_a_revoked_intermediate(pki: TrustPKI, signed: dict[str, Path]) -> None:
    from pki_trust import Issued, make_crl

    root_key = serialization.load_pem_private_key((pki.dir / "root-key.pem").read_bytes(), None)
    root = x509.load_pem_x509_certificate(pki.root.read_bytes())
    inter = x509.load_pem_x509_certificate(pki.inter.read_bytes())
    crl = make_crl(Issued(root_key, root), [(inter, NOW - dt.timedelta(days=1))])  # type: ignore[arg-type]
    (pki.dir / "root-revokes-inter.crl").write_bytes(crl)
    crls = [pki.dir / "inter-offline.crl", pki.dir / "root-revokes-inter.crl"]
    result = _verifier(pki, offline=True, crls=crls).verify(signed["good"])
    assert (result.indication, result.sub_indication) == (U, S.REVOKED_CA_NO_POE)
    assert result.report.revocation[-1].subject.startswith("CN=edoc test Agency CA")


def test_the_callers_validation_time(pki: TrustPKI, signed: dict[str, Path]) -> None:
    then = NOW - dt.timedelta(days=100)  # inside the expired signer's validity
    result = _verifier(pki, at=then, revocation="none").verify(signed["expired"])
    assert result.indication is P, result.report.to_text()
    assert result.report.validation_time == then
    assert result.report.validation_time_source == "caller"
    r = _cli("verify", signed["expired"], "--trust", pki.root, "--revocation", "none",
             "--at", then.isoformat(), "--format", "json")  # fmt: skip
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["report"]["validation_time_source"] == "caller"
