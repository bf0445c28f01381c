"""PDF attachments for the kit's EDX-PDF-* vectors, written by hand (no pyHanko needed to
make them): a one-page PDF, the same with a detached CMS signature (``adbe.pkcs7.detached``,
ECDSA P-256 by a throwaway signer nobody trusts), and a file that only starts like a PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from asn1crypto import algos, cms
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["broken_pdf", "signed_pdf", "unsigned_pdf"]

_CONTENTS = 8192  # hex digits reserved for the CMS


def _pdf(objects: list[bytes]) -> tuple[bytearray, list[int]]:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    return out, offsets


def _finish(out: bytearray, offsets: list[int]) -> bytes:
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1,
                                                                              xref)  # fmt: skip
    return bytes(out)


_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]%s >>"


def unsigned_pdf() -> bytes:
    """One empty A4 page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", _PAGE % b""]  # fmt: skip
    return _finish(*_pdf(objects))


def broken_pdf() -> bytes:
    """A header and an end marker, and nothing a PDF reader can use between them."""
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R\nstartxref\n999999\n%%EOF\n"


def _signer() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    cn = "edoc kit: untrusted PDF signer"
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(key, hashes.SHA256()))  # fmt: skip
    return key, cert


def _cms(digest: bytes, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> bytes:
    acert = ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    signed_attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
    ])  # fmt: skip
    signature = key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
    sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
            {"issuer": acert.issuer, "serial_number": acert.serial_number})}),
        "digest_algorithm": sha256, "signed_attrs": signed_attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        "signature": signature,
    })  # fmt: skip
    data = cms.SignedData({
        "version": "v1", "digest_algorithms": [sha256],
        "encap_content_info": {"content_type": "data"}, "certificates": [acert],
        "signer_infos": [signer],
    })  # fmt: skip
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": data}).dump())


def signed_pdf(*, tamper: bool = False) -> bytes:
    """One page signed in field ``Signer``; ``tamper`` changes a signed byte afterwards."""
    placeholder = b"/ByteRange [0 0000000000 0000000000 0000000000]"
    sig = (b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
           + placeholder + b" /Contents <" + b"0" * _CONTENTS
           + b"> /M (D:20260101000000Z) /Reason (edoc conformance kit) >>")  # fmt: skip
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _PAGE % b" /Annots [4 0 R]",
        b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signer) /Rect [0 0 0 0] /F 132 "
        b"/P 3 0 R /V 5 0 R >>",
        sig,
    ]
    data = bytearray(_finish(*_pdf(objects)))
    start = data.index(b"/Contents <") + len(b"/Contents ")
    end = start + _CONTENTS + 2
    ranges = b"/ByteRange [0 %010d %010d %010d]" % (start, end, len(data) - end)
    at = data.index(placeholder)
    data[at : at + len(placeholder)] = ranges
    key, cert = _signer()
    digest = hashlib.sha256(bytes(data[:start]) + bytes(data[end:])).digest()
    hexed = _cms(digest, key, cert).hex().encode()
    data[start + 1 : start + 1 + len(hexed)] = hexed
    if tamper:
        at = data.index(b"edoc conformance kit")
        data[at] = ord("E")
    return bytes(data)
