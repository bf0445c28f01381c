"""RFC 3161 time-stamps: ask a time-stamp authority (TSA) over HTTP, check its token.

The ASN.1 structures (TimeStampReq, TimeStampResp, TSTInfo, CMS SignedData, ESSCertID)
come from asn1crypto: cryptography has no TSP or CMS-verification API. The request is one
POST made with the standard library (no ``edoc-edxml[http]`` needed to sign) through
``edoc.signing._fetch``: a deadline for the whole request, no redirects, a cap on the
answer's size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

import attrs
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from edoc.errors import Reason, TimeStampError, TimeStampTokenError, shorten
from edoc.signing._fetch import Fetcher, FetchFailed, public_url
from edoc.signing.algorithms import HASHES

__all__ = [
    "TimeStampAuthority",
    "TimeStampError",
    "TimeStampInfo",
    "TimeStampTokenError",
    "verify_token",
]

_HASHES = {name: h for name, h in HASHES.items() if name != "sha1"}
"""The hashes a time-stamp may use (SHA-1 is not one)."""


@attrs.frozen(kw_only=True)
class TimeStampInfo:
    """A checked RFC 3161 token: when, by whom, under which TSA policy."""

    gen_time: dt.datetime
    certificates: tuple[x509.Certificate, ...]
    """The TSA's signing certificate first, then the other certificates the token carries."""
    serial: int
    policy_oid: str


class _Response(core.Sequence):  # type: ignore[misc]
    """TimeStampResp (RFC 3161 2.4.2): the token is absent when the request is refused."""

    _fields = [  # noqa: RUF012 (asn1crypto's declaration style)
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", core.Any, {"optional": True}),
    ]


@attrs.define(kw_only=True)
class TimeStampAuthority:
    """A TSA reached over HTTP(S) (RFC 3161 section 3.4)."""

    url: str = attrs.field(repr=lambda url: repr(public_url(url)))
    timeout: float = 10.0
    """Seconds for the whole request: connecting, sending and reading the answer."""
    max_response: int = 64 * 1024
    """Bytes; a longer answer is refused."""
    hash_name: str = "sha256"
    policy_oid: str | None = None
    """The TSA policy to ask for (``reqPolicy``); the TSA's default when ``None``."""
    expected_size: int = 4096
    """Token size (DER bytes) the signer reserves room for; learned from each answer."""

    def __attrs_post_init__(self) -> None:
        if not self.url.lower().startswith(("http://", "https://")):
            raise TimeStampError(f"the TSA URL must be http:// or https://, not {self.where!r}")
        if self.hash_name not in _HASHES:
            raise TimeStampError(f"unsupported time-stamp hash {self.hash_name!r}")

    @property
    def where(self) -> str:
        """The URL without any user:password part, for messages."""
        return public_url(self.url)

    def stamp(self, data: bytes) -> tuple[bytes, TimeStampInfo]:
        """Time-stamp ``data``: the token (DER ContentInfo) and what it says, checked."""
        nonce = secrets.randbits(63) | 1 << 62
        digest = hashlib.new(self.hash_name, data).digest()
        request = tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": self.hash_name},
                    "hashed_message": digest,
                },
                "nonce": nonce,
                "cert_req": True,
                **({"req_policy": self.policy_oid} if self.policy_oid else {}),
            }
        ).dump()
        answer = self._post(request)
        try:
            response = _Response.load(answer)
            status = response["status"]["status"].native
            token = response["time_stamp_token"]
            text = response["status"]["status_string"].native or []
            fail = response["status"]["fail_info"].native
        except (ValueError, TypeError, KeyError) as exc:
            raise TimeStampError(f"the TSA at {self.where} answered no TimeStampResp") from exc
        if status not in ("granted", "granted_with_mods"):
            raise TimeStampError(
                f"the TSA at {self.where} refused the request: {status}"
                f"{' ' + shorten(' '.join(text)) if text else ''}"
                f"{f' ({sorted(fail)})' if fail else ''}"
            )
        if isinstance(token, core.Void) or not token.contents:
            raise TimeStampError(f"the TSA at {self.where} granted the request but sent no token")
        der = token.dump()  # an Any keeps the bytes received
        try:
            info = verify_token(der, data, nonce=nonce)
        except TimeStampTokenError as exc:
            raise TimeStampError(f"the TSA at {self.where} sent a bad token: {exc}") from exc
        if self.policy_oid is not None and info.policy_oid != self.policy_oid:
            raise TimeStampError(
                f"the TSA at {self.where} stamped under policy {info.policy_oid}, "
                f"not the {self.policy_oid} asked for"
            )
        self.expected_size = len(der)
        return der, info

    def _post(self, body: bytes) -> bytes:
        fetcher = Fetcher(timeout=self.timeout, max_bytes=self.max_response)
        try:
            return fetcher.post(self.url, body, "application/timestamp-query", "tsa",
                                accept="application/timestamp-reply")  # fmt: skip
        except FetchFailed as exc:
            why = {
                "http": f"the TSA at {self.where} answered HTTP {exc.status}",
                "size": f"the TSA at {self.where} answered more than {self.max_response} bytes",
                "time": f"the TSA at {self.where} did not answer within {self.timeout:g} s",
            }.get(exc.kind, f"cannot reach the TSA at {self.where}: {exc}")
            raise TimeStampError(why) from None


def _fail(message: str, reason: Reason = Reason.TIMESTAMP) -> TimeStampTokenError:
    return TimeStampTokenError(f"time-stamp token: {message}", reason=reason)


def _find_signer(signer: cms.SignerInfo, certs: list[x509.Certificate]) -> x509.Certificate:
    sid = signer["sid"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            issuer = asn1_x509.Name.load(cert.issuer.public_bytes())
            if (
                sid.chosen["serial_number"].native == cert.serial_number
                and sid.chosen["issuer"] == issuer
            ):
                return cert
        else:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == sid.chosen.native:
                return cert
    raise _fail("the TSA's certificate is not in the token", Reason.TIMESTAMP_CERTIFICATE)


def _check_ess(attrs_: dict[str, Any], cert: x509.Certificate) -> None:
    """The signing-certificate(-v2) attribute binds the signature to this certificate."""
    from cryptography.hazmat.primitives import serialization

    der = cert.public_bytes(serialization.Encoding.DER)
    if "signing_certificate_v2" in attrs_:
        first = attrs_["signing_certificate_v2"][0]["certs"][0]
        name = first["hash_algorithm"]["algorithm"].native
        if name not in _HASHES:
            raise _fail(f"ESSCertIDv2 uses {name}", Reason.TIMESTAMP_CERTIFICATE)
        expected = hashlib.new(name, der).digest()
    elif "signing_certificate" in attrs_:
        first = attrs_["signing_certificate"][0]["certs"][0]
        expected = hashlib.sha1(der).digest()  # noqa: S324 (ESSCertID is SHA-1 by definition)
    else:
        raise _fail("no ESS signing-certificate attribute", Reason.TIMESTAMP_CERTIFICATE)
    if not hmac.compare_digest(first["cert_hash"].native, expected):
        raise _fail("ESSCertID does not match the TSA's certificate", Reason.TIMESTAMP_CERTIFICATE)


def _check_signature(cert: x509.Certificate, signer: cms.SignerInfo, signed: bytes) -> None:
    hash_name = signer["digest_algorithm"]["algorithm"].native
    algo: algos.SignedDigestAlgorithm = signer["signature_algorithm"]
    signature = signer["signature"].native
    key = cert.public_key()
    try:
        family = algo.signature_algo
        if hash_name not in _HASHES:
            raise _fail(f"digest {hash_name} is not allowed", Reason.TIMESTAMP_ALGORITHM)
        h = _HASHES[hash_name]()
        if isinstance(key, rsa.RSAPublicKey) and family == "rsassa_pkcs1v15":
            key.verify(signature, signed, padding.PKCS1v15(), h)
        elif isinstance(key, rsa.RSAPublicKey) and family == "rsassa_pss":
            params = algo["parameters"]
            mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
            pss = padding.PSS(
                mgf=padding.MGF1(_HASHES[mgf_hash]()), salt_length=params["salt_length"].native
            )
            key.verify(
                signature, signed, pss, _HASHES[params["hash_algorithm"]["algorithm"].native]()
            )
        elif isinstance(key, ec.EllipticCurvePublicKey) and family == "ecdsa":
            key.verify(signature, signed, ec.ECDSA(h))
        else:
            raise _fail(
                f"signature algorithm {family} does not fit the TSA key", Reason.TIMESTAMP_ALGORITHM
            )
    except (InvalidSignature, KeyError, ValueError):
        raise _fail("the TSA's signature does not verify", Reason.TIMESTAMP_SIGNATURE) from None


def verify_token(
    token: bytes,
    data: bytes | None = None,
    *,
    imprint: bytes | None = None,
    nonce: int | None = None,
) -> TimeStampInfo:
    """Check an RFC 3161 token over ``data`` (or a precomputed ``imprint`` digest).

    Checked: the CMS SignedData holds a TSTInfo; its message imprint; the nonce when given;
    the TSA's signature over the signed attributes; the content-type and message-digest
    attributes; ESSCertID(v2) naming the TSA certificate; that certificate's critical
    timeStamping extended key usage and its validity at genTime. Not checked here: whether
    the TSA certificate chains to an anchor (the caller's trust decision).
    """
    try:
        return _verify(token, data, imprint, nonce)
    except TimeStampTokenError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise _fail(f"malformed ({type(exc).__name__})", Reason.TIMESTAMP_FORMAT) from None


def _verify(
    token: bytes, data: bytes | None, imprint: bytes | None, nonce: int | None
) -> TimeStampInfo:
    try:
        info = cms.ContentInfo.load(token)
        if info["content_type"].native != "signed_data":
            raise _fail("not a CMS SignedData")
        sd = info["content"]
        encap = sd["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise _fail("the SignedData does not hold a TSTInfo")
        # The raw bytes first: asn1crypto re-encodes what has been read through .native.
        econtent = encap["content"].contents
        signers = list(sd["signer_infos"])
        raw_attrs = [s["signed_attrs"].dump() for s in signers]
        tst = tsp.TSTInfo.load(econtent)
        tst.native  # noqa: B018 (parse everything now: malformed input fails here)
        certs = [
            x509.load_der_x509_certificate(c.chosen.dump())
            for c in sd["certificates"] or []
            if c.name == "certificate"
        ]
    except TimeStampTokenError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise _fail(f"malformed ({type(exc).__name__})", Reason.TIMESTAMP_FORMAT) from None
    if len(signers) != 1:
        raise _fail(f"{len(signers)} signers instead of one", Reason.TIMESTAMP_FORMAT)
    imprint_hash = tst["message_imprint"]["hash_algorithm"]["algorithm"].native
    if imprint_hash not in _HASHES:
        raise _fail(f"message imprint hash {imprint_hash} is not allowed",
                    Reason.TIMESTAMP_ALGORITHM)  # fmt: skip
    if data is not None:
        imprint = hashlib.new(imprint_hash, data).digest()
    if imprint is None or not hmac.compare_digest(
        tst["message_imprint"]["hashed_message"].native, imprint
    ):
        raise _fail("the message imprint does not match the time-stamped data",
                    Reason.TIMESTAMP_IMPRINT)  # fmt: skip
    if nonce is not None and tst["nonce"].native != nonce:
        raise _fail("the nonce is not the one sent", Reason.TIMESTAMP_NONCE)
    signer = signers[0]
    cert = _find_signer(signer, certs)
    signed_attrs = signer["signed_attrs"]
    if not signed_attrs:
        raise _fail("no signed attributes", Reason.TIMESTAMP_FORMAT)
    attrs_ = {a["type"].native: a["values"] for a in signed_attrs}
    if "content_type" not in attrs_ or attrs_["content_type"][0].native != "tst_info":
        raise _fail("the content-type attribute is not TSTInfo", Reason.TIMESTAMP_FORMAT)
    hash_name = signer["digest_algorithm"]["algorithm"].native
    if hash_name not in _HASHES:
        raise _fail(f"digest {hash_name} is not allowed", Reason.TIMESTAMP_ALGORITHM)
    digest = attrs_.get("message_digest", [core.OctetString(b"")])[0].native
    if not hmac.compare_digest(digest, hashlib.new(hash_name, econtent).digest()):
        raise _fail(
            "the message-digest attribute does not match the TSTInfo", Reason.TIMESTAMP_SIGNATURE
        )
    _check_ess(attrs_, cert)
    der_attrs = bytearray(raw_attrs[0])
    der_attrs[0] = 0x31  # signed over as a SET OF, not with its [0] IMPLICIT tag (RFC 5652 5.4)
    _check_signature(cert, signer, bytes(der_attrs))
    gen_time: dt.datetime = tst["gen_time"].native
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        eku = None
    if eku is None or not eku.critical or ExtendedKeyUsageOID.TIME_STAMPING not in eku.value:
        raise _fail(
            "the TSA certificate lacks a critical timeStamping extended key usage",
            Reason.TIMESTAMP_CERTIFICATE,
        )
    if not cert.not_valid_before_utc <= gen_time <= cert.not_valid_after_utc:
        raise _fail("genTime is outside the TSA certificate's validity",
                    Reason.TIMESTAMP_CERTIFICATE)  # fmt: skip
    others = tuple(c for c in certs if c is not cert)
    return TimeStampInfo(
        gen_time=gen_time,
        certificates=(cert, *others),
        serial=int(tst["serial_number"].native),
        policy_oid=str(tst["policy"].dotted),
    )
