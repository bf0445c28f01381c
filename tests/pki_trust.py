"""A three-level PKI generated per run, with revocation peers on loopback.

root -> intermediate -> agency signers: ``good``, ``revoked``, ``expired``, ``notyet``,
``wrongku`` (keyEncipherment only) and ``wrongeku`` (serverAuth only). Each signer names an
OCSP responder (AIA) and a CRL distribution point on loopback ports chosen here; the
intermediate names the root's responder and CRL. The peers are ``openssl ocsp`` (one per
CA, from an index.txt in openssl's own format) and a small threading HTTP server that
serves the CRLs (made with cryptography).
"""

from __future__ import annotations

import datetime as dt
import http.server
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from tsa import write_config

OPENSSL = shutil.which("openssl")
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
SIGNERS = ("good", "revoked", "expired", "notyet", "wrongku", "wrongeku")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "edoc test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ku(**on: bool) -> x509.KeyUsage:
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{k: on.get(k, False) for k in names})


@attrs.frozen
class Issued:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


def _issue(
    cn: str,
    issuer: Issued | None,
    *,
    ca: bool,
    ocsp: str | None = None,
    crl: str | None = None,
    before: dt.datetime = NOW - DAY,
    after: dt.datetime = NOW + 365 * DAY,
    ku: x509.KeyUsage | None = None,
    eku: list[x509.ObjectIdentifier] | None = None,
    eku_critical: bool = False,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.cert.subject if issuer else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(before)
        .not_valid_after(after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            ku
            or (
                _ku(key_cert_sign=True, crl_sign=True)
                if ca
                else _ku(digital_signature=True, content_commitment=True)
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    if ocsp:
        b = b.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp)
                    )
                ]
            ),
            critical=False,
        )
    if crl:
        b = b.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl)], None, None, None)]
            ),
            critical=False,
        )
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=eku_critical)
    return Issued(key, b.sign(issuer.key if issuer else key, hashes.SHA256()))


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_crl(
    ca: Issued,
    revoked: list[tuple[x509.Certificate, dt.datetime]],
    *,
    this: dt.datetime = NOW - dt.timedelta(minutes=1),
    nxt: dt.datetime = NOW + 7 * DAY,
) -> bytes:
    b = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(this)
        .next_update(nxt)
    )
    for cert, when in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
    return b.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def crl_without_next_update(pki: TrustPKI, ca: str = "inter") -> bytes:
    """A DER CRL of ``ca`` with no nextUpdate, issued 400 days ago, listing nothing (what
    cryptography's builder refuses to make, assembled with asn1crypto and signed here)."""
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509

    cert = x509.load_pem_x509_certificate((pki.dir / f"{ca}.pem").read_bytes())
    key: Any = serialization.load_pem_private_key((pki.dir / f"{ca}-key.pem").read_bytes(), None)
    tbs = asn1_crl.TbsCertList({
        "version": "v2", "signature": {"algorithm": "sha256_ecdsa"},
        "issuer": asn1_x509.Name.load(cert.subject.public_bytes()),
        "this_update": asn1_x509.Time({"utc_time": NOW - 400 * DAY}),
    })  # fmt: skip
    signature = key.sign(tbs.dump(), ec.ECDSA(hashes.SHA256()))
    return bytes(asn1_crl.CertificateList({
        "tbs_cert_list": tbs, "signature_algorithm": {"algorithm": "sha256_ecdsa"},
        "signature": signature,
    }).dump())  # fmt: skip


def scoped_crl(
    pki: TrustPKI, *extensions: tuple[x509.ExtensionType, bool], ca: str = "inter",
    revoked: tuple[x509.Certificate, ...] = (), entry_extensions: tuple[Any, ...] = (),
    key: Any = None,
) -> x509.CertificateRevocationList:  # fmt: skip
    """A current CRL of ``ca`` with these (extension, critical) pairs, listing ``revoked``
    (revoked two days ago, keyCompromise) and, when ``entry_extensions`` is given, an
    unrelated serial carrying them."""
    issuer = x509.load_pem_x509_certificate((pki.dir / f"{ca}.pem").read_bytes())
    b = (
        x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
        .last_update(NOW - dt.timedelta(minutes=1)).next_update(NOW + dt.timedelta(days=7))
        .add_extension(x509.CRLNumber(7), critical=False)
    )  # fmt: skip
    for ext, critical in extensions:
        b = b.add_extension(ext, critical=critical)
    for cert in revoked:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
            .revocation_date(pki.revoked_at)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False).build()
        )  # fmt: skip
    if entry_extensions:
        entry = x509.RevokedCertificateBuilder().serial_number(12345).revocation_date(NOW)
        for ext, critical in entry_extensions:
            entry = entry.add_extension(ext, critical=critical)
        b = b.add_revoked_certificate(entry.build())
    key = key or serialization.load_pem_private_key((pki.dir / f"{ca}-key.pem").read_bytes(), None)
    return b.sign(key, hashes.SHA256())


def idp(**kw: Any) -> x509.IssuingDistributionPoint:
    args: dict[str, Any] = {
        "full_name": None, "relative_name": None, "only_contains_user_certs": False,
        "only_contains_ca_certs": False, "only_some_reasons": None, "indirect_crl": False,
        "only_contains_attribute_certs": False,
    }  # fmt: skip
    args.update(kw)
    return x509.IssuingDistributionPoint(**args)


def _index_line(cert: x509.Certificate, revoked_at: dt.datetime | None) -> str:
    """One line of openssl ca's index.txt: status, expiry, revocation, serial, file, DN."""
    exp = cert.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
    rev = revoked_at.strftime("%y%m%d%H%M%SZ") + ",keyCompromise" if revoked_at else ""
    serial = f"{cert.serial_number:X}"
    serial = serial if len(serial) % 2 == 0 else "0" + serial
    dn = "/" + "/".join(a.rfc4514_string() for a in cert.subject)
    return "\t".join(["R" if revoked_at else "V", exp, rev, serial, "unknown", dn]) + "\n"


@attrs.frozen
class TrustPKI:
    dir: Path
    http_port: int
    ocsp_port: int
    root_ocsp_port: int
    revoked_at: dt.datetime

    def signer(self, name: str) -> Path:
        """A PEM with the signer's key, its certificate and the intermediate's."""
        return self.dir / f"{name}.pem"

    @property
    def root(self) -> Path:
        return self.dir / "root.pem"

    @property
    def inter(self) -> Path:
        return self.dir / "inter.pem"


def make_trust_pki(d: Path) -> TrustPKI:
    http_port, ocsp_port, root_ocsp_port = free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{http_port}"
    root = _issue(
        "edoc test Root CA", None, ca=True, before=NOW - 400 * DAY, after=NOW + 3650 * DAY
    )
    inter = _issue(
        "edoc test Agency CA",
        root,
        ca=True,
        ocsp=f"http://127.0.0.1:{root_ocsp_port}",
        crl=f"{base}/root.crl",
        before=NOW - 300 * DAY,
        after=NOW + 1800 * DAY,
    )
    ocsp_kw: dict[str, Any] = {"ocsp": f"http://127.0.0.1:{ocsp_port}", "crl": f"{base}/inter.crl"}
    signers = {
        "good": _issue("Văn thư good", inter, ca=False, **ocsp_kw),
        "revoked": _issue("Văn thư revoked", inter, ca=False, before=NOW - 10 * DAY, **ocsp_kw),
        "expired": _issue(
            "Văn thư expired",
            inter,
            ca=False,
            before=NOW - 200 * DAY,
            after=NOW - 10 * DAY,
            **ocsp_kw,
        ),
        "notyet": _issue(
            "Văn thư notyet",
            inter,
            ca=False,
            before=NOW + 10 * DAY,
            after=NOW + 200 * DAY,
            **ocsp_kw,
        ),
        "wrongku": _issue(
            "Văn thư wrongku", inter, ca=False, ku=_ku(key_encipherment=True), **ocsp_kw
        ),
        "wrongeku": _issue(
            "Văn thư wrongeku", inter, ca=False, eku=[ExtendedKeyUsageOID.SERVER_AUTH], **ocsp_kw
        ),
    }
    responder_ku = _ku(digital_signature=True)
    ocsp_eku = [ExtendedKeyUsageOID.OCSP_SIGNING]
    responders = {
        "inter": _issue(
            "edoc test OCSP (Agency CA)", inter, ca=False, ku=responder_ku, eku=ocsp_eku
        ),
        "root": _issue("edoc test OCSP (Root CA)", root, ca=False, ku=responder_ku, eku=ocsp_eku),
    }
    root_kw: dict[str, Any] = {
        "ocsp": f"http://127.0.0.1:{root_ocsp_port}",
        "crl": f"{base}/root.crl",
    }
    tsas = {  # under the root, naming its responder and CRL; "tsa-revoked" is revoked
        name: _issue(
            f"edoc test {name.upper()}",
            root,
            ca=False,
            ku=_ku(digital_signature=True),
            before=NOW - 300 * DAY,
            eku=[ExtendedKeyUsageOID.TIME_STAMPING],
            eku_critical=True,
            **root_kw,
        )
        for name in ("tsa", "tsa-revoked")
    }
    for name, t in tsas.items():
        (d / f"{name}.crt").write_bytes(_pem(t.cert))
        (d / f"{name}.key").write_bytes(_key_pem(t.key))
        write_config(d, name, certs="tsa-chain.pem")
    (d / "tsa-chain.pem").write_bytes(_pem(root.cert))
    revoked_at = NOW - 2 * DAY
    (d / "root.pem").write_bytes(_pem(root.cert))
    (d / "inter.pem").write_bytes(_pem(inter.cert))
    (d / "root-key.pem").write_bytes(_key_pem(root.key))
    (d / "inter-key.pem").write_bytes(_key_pem(inter.key))
    for name, s in signers.items():
        (d / f"{name}.pem").write_bytes(_key_pem(s.key) + _pem(s.cert, inter.cert))
        (d / f"{name}.crt").write_bytes(_pem(s.cert))
    for name, r in responders.items():
        (d / f"ocsp-{name}.pem").write_bytes(_pem(r.cert))
        (d / f"ocsp-{name}.key").write_bytes(_key_pem(r.key))
    (d / "index-inter.txt").write_text(
        "".join(
            _index_line(s.cert, revoked_at if name == "revoked" else None)
            for name, s in signers.items()
        )
    )
    (d / "index-root.txt").write_text(
        _index_line(inter.cert, None)
        + _index_line(tsas["tsa"].cert, None)
        + _index_line(tsas["tsa-revoked"].cert, revoked_at)
    )
    www = d / "www"
    www.mkdir()
    (www / "inter.crl").write_bytes(make_crl(inter, [(signers["revoked"].cert, revoked_at)]))
    (www / "root.crl").write_bytes(make_crl(root, [(tsas["tsa-revoked"].cert, revoked_at)]))
    (d / "inter-stale.crl").write_bytes(
        make_crl(inter, [], this=NOW - 30 * DAY, nxt=NOW - 20 * DAY)
    )
    (d / "inter-offline.crl").write_bytes((www / "inter.crl").read_bytes())
    (d / "root-offline.crl").write_bytes((www / "root.crl").read_bytes())
    return TrustPKI(d, http_port, ocsp_port, root_ocsp_port, revoked_at)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/moved/"):  # a redirect, which fetchers must not follow
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/moved"))
            self.end_headers()
            return
        super().do_GET()


@contextmanager
def crl_server(www: Path, port: int) -> Iterator[http.server.ThreadingHTTPServer]:
    """Serve ``www`` over HTTP on loopback."""

    def handler(*args: object) -> _Quiet:
        return _Quiet(*args, directory=str(www))  # type: ignore[arg-type]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def ocsp_responder(pki: TrustPKI, which: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``openssl ocsp`` answering for one CA from its index.txt on a loopback port."""
    assert OPENSSL is not None
    d = pki.dir
    ca = d / ("inter.pem" if which == "inter" else "root.pem")
    log = d / f"ocsp-{which}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [
                OPENSSL,
                "ocsp",
                "-index",
                str(d / f"index-{which}.txt"),
                "-port",
                str(port),
                "-rsigner",
                str(d / f"ocsp-{which}.pem"),
                "-rkey",
                str(d / f"ocsp-{which}.key"),
                "-CA",
                str(ca),
                "-nmin",
                "60",
                "-timeout",
                "5",
                "-ignore_err",
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        # Ready once it says so (a probing connection would hold the one-at-a-time server).
        deadline = time.monotonic() + 10
        while b"waiting for OCSP client" not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"openssl ocsp did not start: {log.read_text()}")
            time.sleep(0.02)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def serving_pki(d: Path) -> Iterator[TrustPKI]:
    """A fresh PKI in ``d`` with its peers running: the CRL server and one OCSP responder
    per CA (the module fixtures of the trust, time and PDF tests)."""
    p = make_trust_pki(d)
    with (
        crl_server(p.dir / "www", p.http_port),
        ocsp_responder(p, "inter", p.ocsp_port),
        ocsp_responder(p, "root", p.root_ocsp_port),
    ):
        yield p
