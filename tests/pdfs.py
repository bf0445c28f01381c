"""Signed PDFs made per test run by an independent signer: pyHanko's signing side, with the
keys of the trust PKI (tests/pki_trust.py) and of a CA no trust store holds.

``make_pdfs(pki, d)`` writes, next to each other:

    unsigned.pdf      one page, no signature field
    intact.pdf        signed by ``good``
    modified.pdf      intact.pdf, then an incremental update that replaces the page content
    twice.pdf         signed by ``good``, then sealed by the agency's seal (second field)
    truncated.pdf     a valid CMS signature over byte ranges that stop short of the end of
                      the signed revision (re-signed with pyHanko over the shorter ranges)
    foreign.pdf       signed by a signer whose chain ends at a root no trust store has
    revoked.pdf       signed by ``revoked`` (revoked per the openssl OCSP responder)
    stamped.pdf       signed by ``good`` with a signature time-stamp, then a document
                      time-stamp (both from a TSA issued under the root)
    tampered.pdf      intact.pdf with one byte of the signed range changed
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
from pathlib import Path

from asn1crypto import keys as akeys
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import signers, timestamps
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pki_trust import NOW, Issued, TrustPKI, _issue, _ku, _name

CASES = ("unsigned", "intact", "modified", "twice", "truncated", "foreign", "revoked",
         "stamped", "tampered")  # fmt: skip


def _asn1(cert: x509.Certificate) -> ax509.Certificate:
    return ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer(key: object, cert: x509.Certificate, chain: list[x509.Certificate]
            ) -> signers.SimpleSigner:  # fmt: skip
    der = key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    return signers.SimpleSigner(
        signing_cert=_asn1(cert), signing_key=akeys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
    )  # fmt: skip


def _load(pem: Path) -> tuple[object, list[x509.Certificate]]:
    data = pem.read_bytes()
    key = serialization.load_pem_private_key(data, None)
    return key, x509.load_pem_x509_certificates(data)


def blank_pdf(pad: int = 0) -> bytes:
    """One A4 page with a line of text; ``pad`` bytes of an uncompressed image-like stream
    make it as big as wanted."""
    w = PdfFileWriter()
    content = generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 760 Td (Quyet dinh so 7816) Tj ET")
    page = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Page"),
        generic.pdf_name("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(v) for v in (0, 0, 595, 842)]),
        generic.pdf_name("/Contents"): w.add_object(content),
    })  # fmt: skip
    if pad:
        blob = generic.StreamObject(stream_data=bytes(range(256)) * (pad // 256 + 1))
        page[generic.pdf_name("/PieceInfo")] = w.add_object(blob)
    w.insert_page(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def sign_pdf(data: bytes, signer: signers.SimpleSigner, field: str,
             timestamper: timestamps.TimeStamper | None = None) -> bytes:  # fmt: skip
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data)),
        PdfSignatureMetadata(field_name=field, md_algorithm="sha256"),
        signer=signer, timestamper=timestamper, output=out,
    )  # fmt: skip
    return out.getvalue()


def _modify(data: bytes) -> bytes:
    """An incremental update that replaces the page's content stream."""
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    page = w.root["/Pages"]["/Kids"][0].get_object()
    ref = page.raw_get("/Contents")
    w.mark_update(ref)
    changed = generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 760 Td (Quyet dinh so 9999) Tj ET")
    page[generic.pdf_name("/Contents")] = w.add_object(changed)
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _truncate(data: bytes, signer: signers.SimpleSigner, cut: int = 40) -> bytes:
    """Shorten the second byte range by ``cut`` bytes and put in a CMS signature that is
    valid over exactly the shorter ranges."""
    m = re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", data)
    assert m is not None
    a, b, c, d = (int(x) for x in m.groups())
    new = f"/ByteRange [{a} {b} {c} {d - cut}]".encode()
    new = new.ljust(len(m.group(0)))
    data = data[: m.start()] + new + data[m.end() :]
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data[a : a + b])
    digest.update(data[c : c + d - cut])
    cms = asyncio.run(signer.async_sign(digest.finalize(), "sha256"))
    hexed = cms.dump().hex().encode()
    width = c - b - 2  # the <...> between the ranges
    assert len(hexed) <= width
    return data[: b + 1] + hexed.ljust(width, b"0") + data[c - 1 :]  # type: ignore[no-any-return]


def _tamper(data: bytes) -> bytes:
    i = data.index(b"Quyet dinh so 7816") + len(b"Quyet dinh so ")
    return data[:i] + b"8" + data[i + 1 :]


def make_pdfs(pki: TrustPKI, d: Path, *, pad: int = 0) -> dict[str, Path]:
    root_cert = x509.load_pem_x509_certificate(pki.root.read_bytes())
    root_key = serialization.load_pem_private_key((pki.dir / "root-key.pem").read_bytes(), None)
    root = Issued(root_key, root_cert)  # type: ignore[arg-type]
    good_key, good_chain = _load(pki.signer("good"))
    revoked_key, revoked_chain = _load(pki.signer("revoked"))
    good = _signer(good_key, good_chain[0], good_chain[1:])
    crl = f"http://127.0.0.1:{pki.http_port}/root.crl"
    seal = _issue("Con dấu UBND tỉnh Nghệ An", root, ca=False, crl=crl)
    tsa_key_, tsa_cert = _rsa_tsa(root)
    foreign_root = _issue("Foreign Root CA", None, ca=True)
    foreign = _issue("Văn thư foreign", foreign_root, ca=False)
    base = blank_pdf(pad)
    intact = sign_pdf(base, good, "Signer")
    tsa_key = akeys.PrivateKeyInfo.load(tsa_key_.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))  # fmt: skip
    stamper = timestamps.DummyTimeStamper(tsa_cert=_asn1(tsa_cert),
                                          tsa_key=tsa_key)  # fmt: skip
    stamped = sign_pdf(base, good, "Signer", timestamper=stamper)
    out = io.BytesIO()
    PdfTimeStamper(stamper).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(stamped)), "sha256", output=out
    )
    files = {
        "unsigned": base,
        "intact": intact,
        "modified": _modify(intact),
        "twice": sign_pdf(intact, _signer(seal.key, seal.cert, []), "Seal"),
        "truncated": _truncate(intact, good),
        "foreign": sign_pdf(
            base, _signer(foreign.key, foreign.cert, [foreign_root.cert]), "Signer"
        ),
        "revoked": sign_pdf(
            base, _signer(revoked_key, revoked_chain[0], revoked_chain[1:]), "Signer"
        ),
        "stamped": out.getvalue(),
        "tampered": _tamper(intact),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = d / f"{name}.pdf"
        paths[name].write_bytes(data)
    return paths


def _rsa_tsa(root: Issued) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A TSA under the root: RSA (pyHanko's DummyTimeStamper signs with RSA only), with a
    critical timeStamping extended key usage (RFC 3161 §2.3)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder().subject_name(_name("edoc test PDF TSA"))
        .issuer_name(root.cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - 30 * dt.timedelta(days=1))
        .not_valid_after(NOW + 365 * dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_ku(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root.key, hashes.SHA256())
    )  # fmt: skip
    return key, cert
