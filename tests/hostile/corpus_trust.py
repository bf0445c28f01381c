# ruff: noqa: E501  (one case per line reads best)
"""Trust-layer cases (issue 17, classes 2, 3 and the revocation part of 4) run through
``edoc.Verifier`` against real peers on loopback: the per-run trust PKI's `openssl ocsp`
responders and CRL server, an `openssl ts` TSA (its clock moved by faketime), and servers
that drip. C7 (validation time) and T2 (timeouts) are the catalogue's; C13 (CRL scope) is
this project's extension of it (docs/security.md)."""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import io
from pathlib import Path
from typing import Any

from cryptography import x509

import edoc
from conftest import make_package
from drip import Dripper
from edoc.signing import SigningPolicy, load_pem
from edoc.signing.report import Indication, SubIndication
from edoc.signing.signer import _Slot
from edoc.signing.timestamp import TimeStampAuthority, TimeStampError
from edoc.xml import write
from pki_trust import (
    NOW,
    TrustPKI,
    crl_server,
    crl_without_next_update,
    idp,
    make_trust_pki,
    ocsp_responder,
    scoped_crl,
)
from tsa import TsaServer, start_tsa

from ._build import Ctx
from ._case import Accepted, Case, Refused

EXTRA_CLASSES = {"C13": "CRL scope ignored"}
"""Classes this project adds to ../shared/spec/hostile-inputs.md (listed in docs/security.md)."""

DAY = dt.timedelta(days=1)
Ind, Sub = Indication, SubIndication
_UNKNOWN = x509.ObjectIdentifier("1.3.6.1.4.1.99999.5280.1")


class _Peers:
    """The trust PKI with its responders, CRL server and TSA, started on first use."""

    def __init__(self, root: Path) -> None:
        self.stack = contextlib.ExitStack()
        atexit.register(self.stack.close)
        self.pki: TrustPKI = make_trust_pki(root)
        p = self.pki
        self.stack.enter_context(crl_server(p.dir / "www", p.http_port))
        self.stack.enter_context(ocsp_responder(p, "inter", p.ocsp_port))
        self.stack.enter_context(ocsp_responder(p, "root", p.root_ocsp_port))
        self.tsa: TsaServer = start_tsa(p.dir)
        self.stack.callback(self.tsa.server_close)
        self.stack.callback(self.tsa.shutdown)


_PEERS: dict[Path, _Peers] = {}


def peers(c: Ctx) -> _Peers:
    if c.root not in _PEERS:
        (c.root / "trust").mkdir(exist_ok=True)
        _PEERS[c.root] = _Peers(c.root / "trust")
    return _PEERS[c.root]


def _signed(
    c: Ctx, signer: str, when: dt.datetime, *, tsa: str | None = None, clock: str | None = None
) -> bytes:
    """A real XAdES-BES (or -T, stamped by the TSA ``tsa`` with its clock at ``clock``)."""
    p = peers(c)
    authority = None
    if tsa is not None:
        p.tsa.label, p.tsa.clock = tsa, clock
        host, port = p.tsa.server_address[:2]
        authority = TimeStampAuthority(url=f"http://{host!s}:{port}/tsa", timeout=10)
    try:
        out = io.BytesIO()
        write(
            make_package(),
            out,
            signature=_Slot(
                load_pem(p.pki.signer(signer)),
                SigningPolicy.default(),
                xades="t" if tsa else "bes",
                tsa=authority,
                signing_time=when,
            ),
        )
        return out.getvalue()
    finally:
        p.tsa.label, p.tsa.clock = None, None


def _validate(make: Any, **verifier: Any) -> Any:
    """A case that validates ``make(ctx)`` with a Verifier anchored at the trust PKI's root."""

    def case(c: Ctx) -> Any:
        data = make(c)
        pki = peers(c).pki
        options = {k: v(pki) if callable(v) else v for k, v in verifier.items()}
        return lambda: edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), **options).verify(
            io.BytesIO(data)
        )

    return case


def _is(
    ind: Indication, sub: SubIndication | None, *, source: str | None = None, says: str = ""
) -> Any:
    def check(result: Any, c: Ctx) -> None:
        assert (result.indication, result.sub_indication) == (ind, sub), result.report.to_text()
        assert result.package is None or ind is Ind.TOTAL_PASSED
        if source is not None:
            assert result.report.validation_time_source == source, result.report.to_text()
        text = result.report.to_text()
        assert says in text, text

    return check


def _offline_with(*crl_of: Any) -> dict[str, Any]:
    """Offline, the given CRLs of the intermediate (made from the PKI) and the root's own."""
    return {
        "offline": True,
        "crls": lambda pki: [*(f(pki) for f in crl_of), pki.dir / "root-offline.crl"],
    }


def _good(c: Ctx) -> bytes:
    return _signed(c, "good", NOW)


def _uri(pki: TrustPKI, name: str) -> list[x509.GeneralName]:
    return [x509.UniformResourceIdentifier(f"http://127.0.0.1:{pki.http_port}/{name}")]


_NO_EVIDENCE = (Ind.INDETERMINATE, Sub.TRY_LATER)

# -- T2: revocation and TSA fetches that drip -------------------------------------------------


def _dripping_revocation(c: Ctx) -> Any:
    (c.root / "drip").mkdir(exist_ok=True)
    pki = make_trust_pki(c.root / "drip")
    data = _signed_plain(pki)

    def run() -> Any:
        servers = [Dripper(pki.http_port), Dripper(pki.ocsp_port)]
        try:
            return edoc.Verifier(trust=edoc.TrustStore.from_pem(pki.root), timeout=1.0).verify(
                io.BytesIO(data)
            )
        finally:
            for s in servers:
                s.close()

    return run


def _signed_plain(pki: TrustPKI) -> bytes:
    out = io.BytesIO()
    write(
        make_package(), out, signature=_Slot(load_pem(pki.signer("good")), SigningPolicy.default())
    )
    return out.getvalue()


def _dripping_tsa(c: Ctx) -> Any:
    def run() -> Any:
        server = Dripper()
        try:
            return TimeStampAuthority(url=server.url, timeout=1.0).stamp(b"x")
        finally:
            server.close()

    return run


def _cut_off(result: Any, c: Ctx) -> None:
    assert (result.indication, result.sub_indication) == _NO_EVIDENCE, result.report.to_text()
    errors = [f.error or "" for f in result.report.fetches]
    assert len(errors) == 2, errors
    assert all("took longer than 1 s" in e for e in errors), errors
    assert all(f.seconds < 2 for f in result.report.fetches), result.report.fetches


CASES: list[Case] = [
    # C7: the validation time is now or a trusted time-stamp's, never the signer's claim
    Case(
        "C7",
        "claimed-signing-time-in-the-future",
        "XAdES SigningTime NOW+20 d, the signer's certificate valid from NOW+10 d",
        "call",
        _validate(lambda c: _signed(c, "notyet", NOW + 20 * DAY)),
        Accepted(
            _is(Ind.TOTAL_FAILED, Sub.NOT_YET_VALID, source="now", says="(not proven)"),
            "validated now: the claimed SigningTime is reported, never used",
        ),
    ),
    Case(
        "C7",
        "claimed-signing-time-in-the-past",
        "XAdES SigningTime inside the validity of a certificate expired since",
        "call",
        _validate(lambda c: _signed(c, "expired", NOW - 100 * DAY)),
        Accepted(
            _is(Ind.INDETERMINATE, Sub.OUT_OF_BOUNDS_NO_POE, source="now"),
            "validated now: the claimed SigningTime is reported, never used",
        ),
    ),
    Case(
        "C7",
        "time-stamp-from-the-future",
        "an openssl ts TSA 20 days ahead (faketime) stamps a not-yet-valid signer",
        "call",
        _validate(lambda c: _signed(c, "notyet", NOW + 20 * DAY, tsa="tsa", clock="+20d")),
        Accepted(
            _is(Ind.TOTAL_FAILED, Sub.NOT_YET_VALID, source="now", says="is in the future"),
            "a genTime in the future is no proof of time",
        ),
        needs=("faketime",),
    ),
    Case(
        "C7",
        "back-dated-by-a-revoked-tsa",
        "a revoked TSA back-dates a revoked signer's time-stamp to before its revocation",
        "call",
        _validate(
            lambda c: _signed(
                c, "revoked", NOW - 3 * DAY - dt.timedelta(hours=1), tsa="tsa-revoked", clock="-3d"
            )
        ),
        Accepted(
            _is(Ind.INDETERMINATE, Sub.REVOKED_NO_POE, source="now", says="is revoked"),
            "a revoked TSA's time-stamp is no proof: the revocation stands",
        ),
        needs=("faketime",),
    ),
    Case(
        "C7",
        "tsa-revocation-unknown",
        "back-dated by a sound TSA whose revocation no CRL given covers (the root's CRL covers CA certificates only)",
        "call",
        _validate(
            lambda c: _signed(
                c, "revoked", NOW - 3 * DAY - dt.timedelta(hours=1), tsa="tsa", clock="-3d"
            ),
            offline=True,
            crls=lambda pki: [
                pki.dir / "inter-offline.crl",
                scoped_crl(pki, (idp(only_contains_ca_certs=True), True), ca="root"),
            ],
        ),
        Accepted(
            _is(
                Ind.INDETERMINATE,
                Sub.REVOKED_NO_POE,
                source="now",
                says="revocation status of CN=edoc test TSA",
            ),
            "no evidence of the TSA's standing is no proof",
        ),
        needs=("faketime",),
    ),
    # C13: a CRL from the right issuer that does not cover the certificate is no evidence
    Case(
        "C13",
        "delta-crl-alone",
        "only a delta CRL (deltaCRLIndicator) of the issuer",
        "call",
        _validate(
            _good, **_offline_with(lambda p: scoped_crl(p, (x509.DeltaCRLIndicator(6), True)))
        ),
        Accepted(
            _is(*_NO_EVIDENCE, says="delta CRL"), "a delta CRL is not a complete CRL: no evidence"
        ),
    ),
    Case(
        "C13",
        "only-ca-certs",
        "the issuer's CRL limited to CA certificates, for an end-entity",
        "call",
        _validate(
            _good,
            **_offline_with(lambda p: scoped_crl(p, (idp(only_contains_ca_certs=True), True))),
        ),
        Accepted(_is(*_NO_EVIDENCE, says="onlyContainsCACerts"), "out of scope: no evidence"),
    ),
    Case(
        "C13",
        "only-user-certs-for-a-ca",
        "the root's CRL limited to end-entity certificates, for the intermediate CA",
        "call",
        _validate(
            _good,
            offline=True,
            crls=lambda p: [
                p.dir / "inter-offline.crl",
                scoped_crl(p, (idp(only_contains_user_certs=True), True), ca="root"),
            ],
        ),
        Accepted(_is(*_NO_EVIDENCE, says="onlyContainsUserCerts"), "out of scope: no evidence"),
    ),
    Case(
        "C13",
        "only-attribute-certs",
        "the issuer's CRL for attribute certificates",
        "call",
        _validate(
            _good,
            **_offline_with(
                lambda p: scoped_crl(p, (idp(only_contains_attribute_certs=True), True))
            ),
        ),
        Accepted(
            _is(*_NO_EVIDENCE, says="onlyContainsAttributeCerts"), "out of scope: no evidence"
        ),
    ),
    Case(
        "C13",
        "other-distribution-point",
        "a partition CRL whose issuing distribution point is not the certificate's",
        "call",
        _validate(
            _good,
            **_offline_with(
                lambda p: scoped_crl(p, (idp(full_name=_uri(p, "partition-2.crl")), True))
            ),
        ),
        Accepted(
            _is(*_NO_EVIDENCE, says="not one the certificate names"),
            "another partition: no evidence",
        ),
    ),
    Case(
        "C13",
        "only-some-reasons",
        "a CRL covering keyCompromise only",
        "call",
        _validate(
            _good,
            **_offline_with(
                lambda p: scoped_crl(
                    p, (idp(only_some_reasons=frozenset({x509.ReasonFlags.key_compromise})), True)
                )
            ),
        ),
        Accepted(
            _is(*_NO_EVIDENCE, says="only some revocation reasons"),
            "a reason-partitioned CRL cannot say 'not revoked'",
        ),
    ),
    Case(
        "C13",
        "indirect-crl",
        "an indirect CRL (indirectCRL)",
        "call",
        _validate(_good, **_offline_with(lambda p: scoped_crl(p, (idp(indirect_crl=True), True)))),
        Accepted(
            _is(*_NO_EVIDENCE, says="indirect CRL"), "indirect CRLs are not used: no evidence"
        ),
    ),
    Case(
        "C13",
        "unknown-critical-crl-extension",
        "a CRL with an unknown critical extension",
        "call",
        _validate(
            _good,
            **_offline_with(
                lambda p: scoped_crl(p, (x509.UnrecognizedExtension(_UNKNOWN, b"\x05\x00"), True))
            ),
        ),
        Accepted(
            _is(*_NO_EVIDENCE, says="critical extension edoc does not know"),
            "RFC 5280 §5.2: the CRL must not be used",
        ),
    ),
    Case(
        "C13",
        "unknown-critical-entry-extension",
        "a CRL one of whose entries carries an unknown critical extension",
        "call",
        _validate(
            _good,
            **_offline_with(
                lambda p: scoped_crl(
                    p, entry_extensions=((x509.UnrecognizedExtension(_UNKNOWN, b"\x05\x00"), True),)
                )
            ),
        ),
        Accepted(
            _is(*_NO_EVIDENCE, says="an entry carries a critical extension"),
            "RFC 5280 §5.3: the CRL must not be used for any certificate",
        ),
    ),
    Case(
        "C13",
        "no-next-update",
        "a CRL issued 400 days ago without nextUpdate, replayed",
        "call",
        _validate(
            _good, **_offline_with(lambda p: x509.load_der_x509_crl(crl_without_next_update(p)))
        ),
        Accepted(
            _is(Ind.INDETERMINATE, Sub.REVOCATION_OUT_OF_BOUNDS_NO_POE, says="no nextUpdate"),
            "nothing says such a CRL is current: stale, never good",
        ),
    ),
    # T2: revocation and time-stamp fetches have a total deadline
    Case(
        "T2",
        "revocation-drip",
        "the OCSP responder and CRL point drip one byte every 0.05 s (inside any per-read timeout); timeout 1 s",
        "call",
        _dripping_revocation,
        Accepted(_cut_off, "each fetch is cut off at its 1 s deadline: TRY_LATER"),
        timeout=15,
    ),
    Case(
        "T2",
        "tsa-drip",
        "the TSA drips its answer one byte every 0.05 s; timeout 1 s",
        "call",
        _dripping_tsa,
        Refused(TimeStampError, "did not answer within 1 s"),
        timeout=15,
    ),
]
