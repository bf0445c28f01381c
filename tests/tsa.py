"""A time-stamp authority on loopback: `openssl ts -reply` behind a tiny HTTP server.

Per run: a TSA root CA and a TSA certificate with the critical timeStamping extended key
usage RFC 3161 requires. ``server.mode`` picks the TSA: ``ok`` (RSA, ESSCertIDv2), ``ec``
(ECDSA, ESSCertID v1), or makes it misbehave: ``oversize``, ``error`` (HTTP 500),
``wrong-imprint`` (answers a different request), ``rejection``.
"""

from __future__ import annotations

import datetime as dt
import http.server
import subprocess
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

POLICY = "1.3.6.1.4.1.99999.3161.1"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _usage(**allowed: bool) -> x509.KeyUsage:
    names = [
        "digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
        "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only",
    ]  # fmt: skip
    return x509.KeyUsage(**{name: allowed.get(name, False) for name in names})


def make_tsa(d: Path) -> Path:
    """tsa-ca.pem, tsa.crt, tsa.key and tsa.cnf for `openssl ts -reply`."""
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder().subject_name(_name("edoc test TSA root"))
        .issuer_name(_name("edoc test TSA root")).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    (d / "tsa-ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    # "tsa": RSA with ESSCertIDv2 (SHA-256); "tsa-ec": ECDSA P-256 with ESSCertID (SHA-1)
    variants: dict[str, tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, str, str]] = {
        "tsa": (rsa.generate_private_key(public_exponent=65537, key_size=2048), "sha256", ""),
        "tsa-ec": (ec.generate_private_key(ec.SECP256R1()), "sha1", " (EC)"),
    }
    for label, (key, ess, suffix) in variants.items():
        cert = (
            x509.CertificateBuilder().subject_name(_name("edoc test TSA" + suffix))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(digital_signature=True, content_commitment=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True)
            .sign(ca_key, hashes.SHA256())
        )  # fmt: skip
        (d / f"{label}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (d / f"{label}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        write_config(d, label, certs="tsa-ca.pem", ess=ess)
    return d


def write_config(d: Path, label: str, *, certs: str, ess: str = "sha256") -> None:
    """``{label}.cnf`` for `openssl ts -reply`: signs with ``{label}.crt``/``.key`` in ``d``,
    sends the ``certs`` file as the chain, identifies its certificate with ESSCertID(v2) ``ess``
    (``sha1`` gives the v1 form); serial numbers from ``d/tsaserial``, created when absent."""
    serial = d / "tsaserial"
    if not serial.exists():
        serial.write_text("01\n")
    (d / f"{label}.cnf").write_text(
        f"""[ tsa ]
default_tsa = edoc_tsa
[ edoc_tsa ]
dir = {d}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/{label}.crt
certs = $dir/{certs}
signer_key = $dir/{label}.key
signer_digest = sha256
default_policy = {POLICY}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = {ess}
"""
    )


class TsaServer(http.server.ThreadingHTTPServer):
    mode = "ok"
    directory: Path
    requests = 0
    label: str | None = None
    """Sign with ``{label}.crt``/``.key``/``.cnf`` in ``directory`` (default by ``mode``)."""
    clock: str | None = None
    """A faketime offset (``+30d``) for `openssl ts -reply`: a TSA whose clock is wrong."""
    trickle: float = 0.0
    """Seconds between the bytes of the answer: a TSA that drips."""


class _Handler(http.server.BaseHTTPRequestHandler):
    server: TsaServer

    def log_message(self, *_: object) -> None:
        return

    def do_POST(self) -> None:
        self.server.requests += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        mode, d = self.server.mode, self.server.directory
        if mode == "error":
            self.send_error(500)
            return
        if mode == "oversize":
            answer = b"\x30" * (100 * 1024)
        else:
            query = d / f"q{threading.get_ident()}.tsq"
            if mode == "wrong-imprint":
                subprocess.run(
                    ["openssl", "ts", "-query", "-data", str(d / "tsa.cnf"), "-sha256", "-cert",
                     "-out", str(query)], check=True, capture_output=True,
                )  # fmt: skip
            else:
                query.write_bytes(body)
            reply = query.with_suffix(".tsr")
            label = self.server.label or ("tsa-ec" if mode == "ec" else "tsa")
            clock = ["faketime", "-f", self.server.clock] if self.server.clock else []
            subprocess.run(
                [*clock, "openssl", "ts", "-reply", "-config", str(d / f"{label}.cnf"),
                 "-queryfile", str(query), "-inkey", str(d / f"{label}.key"), "-signer",
                 str(d / f"{label}.crt"), "-out", str(reply)], check=True, capture_output=True,
            )  # fmt: skip
            answer = reply.read_bytes()
            if mode == "rejection":  # PKIStatusInfo { status rejection(2) }, no token
                answer = bytes.fromhex("3005300302 0102".replace(" ", ""))
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if not self.server.trickle:
            self.wfile.write(answer)
            return
        for i in range(len(answer)):
            time.sleep(self.server.trickle)
            try:
                self.wfile.write(answer[i : i + 1])
                self.wfile.flush()
            except OSError:
                return


def start_tsa(d: Path) -> TsaServer:
    server = TsaServer(("127.0.0.1", 0), _Handler)
    server.directory = d
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
