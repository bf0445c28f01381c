"""What corpus generators build from: signed and unsigned samples, keys, a canary server,
streams that produce gigabytes without holding them."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

import edoc
from conftest import make_package
from edoc.signing import FileKey, SigningPolicy, load_pem, sign_package
from edoc.signing.trust import TrustStore

MARKER = "MARKER-c4n4ry-7f3a"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
SAMPLE_ATTACHMENT = b"%PDF-1.4 " + bytes(range(256)) * 4


def sample() -> edoc.EdocPackage:
    return make_package(**{"qd.pdf": SAMPLE_ATTACHMENT})


class Canary:
    """A loopback HTTP server that counts every request: hostile input must never reach it."""

    def __init__(self) -> None:
        hits = self.hits = []  # type: list[str]

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(f'<!ENTITY y "{MARKER}">'.encode())

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def rep(data: bytes, old: bytes | str, new: bytes | str, count: int = 1) -> bytes:
    """Replace ``old`` (which must be there) by ``new``."""
    o = old.encode() if isinstance(old, str) else old
    n = new.encode() if isinstance(new, str) else new
    assert o in data, o
    return data.replace(o, n, count)


def sig_block(data: bytes) -> tuple[int, int]:
    start = data.index(b"<Signature ")
    return start, data.index(b"</Signature>") + len(b"</Signature>")


def without_sig(data: bytes) -> bytes:
    s, e = sig_block(data)
    return data[:s] + data[e:]


def move_sig(data: bytes, before: bytes) -> bytes:
    s, e = sig_block(data)
    sig, rest = data[s:e], data[:s] + data[e:]
    i = rest.rindex(before)
    return rest[:i] + sig + rest[i:]


def element(data: bytes, tag: bytes) -> bytes:
    """The first ``<tag>…</tag>`` (tag with its prefix, e.g. b"edXML:From")."""
    s = data.index(b"<" + tag + b">")
    e = data.index(b"</" + tag + b">") + len(tag) + 3
    return data[s:e]


class ChunkStream(io.RawIOBase):
    """A binary stream read from an iterator of chunks: gigabytes with O(chunk) memory."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._it: Iterator[bytes] = iter(chunks)
        self._buf = b""
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            try:
                self._buf = next(self._it)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        self.produced += n
        return n


def repeated(head: bytes, unit: bytes, total: int, tail: bytes) -> Iterator[bytes]:
    """``head``, then ``unit`` repeated until ``total`` bytes, then ``tail``; 1 MiB at a time."""
    yield head
    block = unit * max(1, (1 << 20) // len(unit))
    left = total
    while left > 0:
        yield block[: min(left, len(block))] if left < len(block) else block
        left -= len(block)
    yield tail


def certificate(
    subject: str,
    key: Any,
    issuer_key: Any,
    *,
    issuer: str = "edoc corpus CA",
    ca: bool = False,
    days: tuple[int, int] = (-1, 30),
    signing_usage: bool = True,
    extra: list[x509.ExtensionType] | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    usage = dict.fromkeys(
        ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"], False,
    )  # fmt: skip
    usage.update(
        key_cert_sign=ca, crl_sign=ca, digital_signature=signing_usage and not ca,
        content_commitment=signing_usage and not ca, key_encipherment=not signing_usage,
    )  # fmt: skip
    b = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer))
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
    )
    for ext in extra or []:
        b = b.add_extension(ext, critical=True)
    return b.sign(issuer_key, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class Ctx:
    """Per-session material shared by the generators; ``work`` is the running case's folder."""

    pki: Path
    canary: Canary
    root: Path
    work: Path = field(default=Path("."))
    victim: Path = field(init=False, repr=False, compare=False)
    """Another account's file the F cases must not touch (set by the corpus test)."""
    hostile_hub: Any = field(init=False, repr=False, compare=False)
    """The session's misbehaving hub (a property the corpus test installs)."""

    @cached_property
    def trust(self) -> TrustStore:
        return TrustStore.from_pem(self.pki / "ca.pem")

    def key(self, label: str) -> FileKey:
        return load_pem(self.pki / f"{label}.pem")

    def sign(
        self, package: edoc.EdocPackage | None = None, *, key: FileKey | None = None,
        policy: SigningPolicy | str | None = None,
    ) -> bytes:  # fmt: skip
        out = io.BytesIO()
        sign_package(package or sample(), out, key=key or self.key("rsa2048"), policy=policy)
        return out.getvalue()

    @cached_property
    def signed(self) -> bytes:
        return self.sign()

    @cached_property
    def signed_ec(self) -> bytes:
        return self.sign(key=self.key("ec256"))

    @cached_property
    def unsigned(self) -> bytes:
        return edoc.to_bytes(sample())

    @cached_property
    def marker_file(self) -> Path:
        p = self.root / "secret.txt"
        p.write_text(MARKER)
        return p

    # -- a second CA the corpus controls fully (certificate matrix) -------------------
    @cached_property
    def own_ca(self) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return k, certificate("edoc corpus CA", k.public_key(), k, ca=True, days=(-4000, 400))

    @cached_property
    def own_trust(self) -> TrustStore:
        return TrustStore([self.own_ca[1]])

    @cached_property
    def leaf_key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def own_signed(self, **cert_options: Any) -> bytes:
        """A sample signed by a fresh leaf of the corpus CA, its certificate shaped by options."""
        ca_key, _ = self.own_ca
        cert = certificate("Văn thư corpus", self.leaf_key.public_key(), ca_key, **cert_options)
        return self.sign(key=FileKey(self.leaf_key, (cert,)))

    @cached_property
    def attacker(self) -> FileKey:
        k = ec.generate_private_key(ec.SECP256R1())
        return FileKey(k, (certificate("Attacker", k.public_key(), k, issuer="Attacker"),))
