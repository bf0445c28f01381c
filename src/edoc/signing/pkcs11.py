"""Keys on a USB token or HSM, through PKCS#11 (the ``edoc-edxml[pkcs11]`` extra).

::

    key = Pkcs11Key.open("pkcs11:token=VPCP;object=van-thu", pin=pin_from_env("EDOC_PIN"))
    with key:
        edoc.sign("in.edxml", "out.edxml", key=key)

The private key never leaves the token: edoc asks the token to sign ``SignedInfo`` and
reads only public attributes (the modulus or curve) and the certificate stored next to
the key (same ``CKA_ID``). The PIN travels in a :class:`Pin`, whose ``repr``, ``str`` and
format never show it; it is handed to ``C_Login`` once and not kept (except for keys
marked ``CKA_ALWAYS_AUTHENTICATE``, which need it at every signature).

**Backend: python-pkcs11**, not PyKCS11. python-pkcs11 raises one exception class per
``CKR_*`` code (``PinIncorrect``, ``PinLocked``, ``MechanismInvalid`` ...), so errors are
mapped here by type; RSA-PSS parameters are a plain tuple; and it ships type information
(``py.typed``) that ``mypy --strict`` checks this module against. PyKCS11 mirrors the C
API call by call, raises a single ``PyKCS11Error`` carrying the code number, and has no
type information. What PyKCS11 does better, separate ``C_Login``/``C_Logout`` calls,
matters here: python-pkcs11's ``Session.close()`` also calls ``C_Logout``, which ends the
login of *every* session the process has on that token. So edoc logs in once per token
through a dedicated session, counted by the keys that use it, and gives each key its own
session (which shares that login) for signing; the login session is closed with the last
key on the token. python-pkcs11 also leaves the session open when ``C_Login`` fails: a
wrong PIN costs one session handle until the module is finalised.

Errors are :class:`TokenError` (a :class:`~edoc.signing.keys.KeyLoadError`) with a
``reason``; failures while signing that are not the caller's doing (token pulled out,
session ended) are :class:`~edoc.signing.signer.SigningError`. See docs/tokens.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, final

import attrs
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from edoc.errors import InputError, SigningError, TokenError
from edoc.signing._pkcs11_session import (
    _acquire,
    _backend,
    _find_token,
    _load,
    _login_error,
    _module_path,
    _once,
    _release,
    _resolve_pin,
    _token_text,
)
from edoc.signing.algorithms import SignatureMethod

if TYPE_CHECKING:
    import pkcs11

from edoc.signing._pkcs11_uri import (  # re-exported: part of this module's API
    MODULE_ENV,
    Pin,
    PinSource,
    Pkcs11Uri,
    pin_from_env,
    pin_from_file,
    pin_from_prompt,
)

log = logging.getLogger(__name__)

__all__ = [
    "MODULE_ENV",
    "Pin",
    "PinSource",
    "Pkcs11Key",
    "Pkcs11Uri",
    "TokenError",
    "pin_from_env",
    "pin_from_file",
    "pin_from_prompt",
]


# ---------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------

# The curves edoc signs with, by the DER of their OID in CKA_EC_PARAMS.
_CURVES: dict[bytes, ec.EllipticCurve] = {
    bytes.fromhex("06082a8648ce3d030107"): ec.SECP256R1(),
    bytes.fromhex("06052b81040022"): ec.SECP384R1(),
    bytes.fromhex("06052b81040023"): ec.SECP521R1(),
}
# DigestInfo prefixes (RFC 8017, 9.2 note 1) for CKM_RSA_PKCS over a digest made here.
_DIGEST_INFO = {
    "sha1": bytes.fromhex("3021300906052b0e03021a05000414"),
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "sha512": bytes.fromhex("3051300d060960864801650304020305000440"),
}
_HASH_MECH = {"sha1": ("SHA_1", "SHA1"), "sha256": ("SHA256", "SHA256"),
              "sha384": ("SHA384", "SHA384"), "sha512": ("SHA512", "SHA512")}  # fmt: skip
# Per signature family: (hashed mechanism by hash, mechanism over a digest made here).
_MECHANISMS = {
    "rsa": ({"sha1": "SHA1_RSA_PKCS", "sha256": "SHA256_RSA_PKCS", "sha384": "SHA384_RSA_PKCS",
             "sha512": "SHA512_RSA_PKCS"}, "RSA_PKCS"),
    "rsa-pss": ({"sha256": "SHA256_RSA_PKCS_PSS", "sha384": "SHA384_RSA_PKCS_PSS",
                 "sha512": "SHA512_RSA_PKCS_PSS"}, "RSA_PKCS_PSS"),
    "ecdsa": ({"sha256": "ECDSA_SHA256", "sha384": "ECDSA_SHA384", "sha512": "ECDSA_SHA512"},
              "ECDSA"),
}  # fmt: skip


@attrs.frozen
class _Plan:
    """How one SignatureMethod is signed on this token."""

    mechanism: str
    prehash: str | None
    """Hash computed here (the token signs the digest), or None (the token hashes)."""
    param: tuple[str, str, int] | None
    """RSA-PSS: (hash mechanism, MGF, salt length)."""


def _attr(obj: pkcs11.Object, name: str, default: Any = None) -> Any:
    import pkcs11

    try:
        return obj[getattr(pkcs11.Attribute, name)]
    except (pkcs11.AttributeTypeInvalid, pkcs11.AttributeSensitive, pkcs11.FunctionFailed):
        return default


def _spki_matches(cert: x509.Certificate, modulus: int | None, curve: ec.EllipticCurve | None,
                  point: bytes | None) -> bool:  # fmt: skip
    public = cert.public_key()
    if modulus is not None:
        return isinstance(public, rsa.RSAPublicKey) and public.public_numbers().n == modulus
    if not isinstance(public, ec.EllipticCurvePublicKey) or curve is None:
        return False
    if public.curve.name != curve.name:
        return False
    if point is None:
        return True
    from cryptography.hazmat.primitives import serialization

    raw = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return point.endswith(raw)  # CKA_EC_POINT is the point, DER-wrapped in an OCTET STRING


class _Handle:
    """What closing a key releases: its session and its share of the token's login."""

    def __init__(self, session: pkcs11.Session, login: tuple[str, int, bytes] | None) -> None:
        self.session: pkcs11.Session | None = session
        self.login = login

    def close(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            try:
                session.close()  # not logged in itself: no C_Logout
            except Exception as exc:  # the token went away: nothing left to close
                log.debug("closing a token session failed: %s", type(exc).__name__)
            _release(self.login)


@final
class Pkcs11Key:
    """A signing key on a PKCS#11 token, opened with :meth:`open`. Implements
    :class:`~edoc.signing.keys.SigningKey`; use it as a context manager or :meth:`close` it.

    Each key has its own session, so keys on one token can sign from different threads;
    one key signs one thing at a time.
    """

    def __init__(self, *, uri: Pkcs11Uri, token_label: str, key: pkcs11.SignMixin,
                 family: str, key_size: int, mechanisms: frozenset[str],
                 certificates: tuple[x509.Certificate, ...], handle: _Handle,
                 context_pin: Pin | None) -> None:  # fmt: skip
        """Use :meth:`open`."""
        self._uri = uri
        self._token_label = token_label
        self._key = key
        self._family = family
        self._key_size = key_size
        self._mechanisms = mechanisms
        self._certificates = certificates
        self._handle = handle
        self._context_pin = context_pin
        self._plans: dict[SignatureMethod, _Plan] = {}
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, handle.close)

    @classmethod
    def open(
        cls,
        uri: str | Pkcs11Uri,
        *,
        pin: PinSource | None = None,
        module: str | os.PathLike[str] | None = None,
        certificates: Sequence[x509.Certificate] | None = None,
        chain: Sequence[x509.Certificate] = (),
    ) -> Pkcs11Key:
        """Open the private key named by ``uri`` (RFC 7512) and log in with ``pin``.

        The module is ``module``, else the URI's ``module-path``, else ``$EDOC_PKCS11_MODULE``.
        ``pin`` may be a :class:`Pin` (:func:`pin_from_env`, :func:`pin_from_file`), a str,
        or a function called only if the token asks for a PIN; a token with a PIN pad is
        logged in through it when no PIN is given. ``certificates`` (signer first) replace
        the certificate stored on the token next to the key; ``chain`` is added after it.
        """
        if isinstance(pin, str):
            pin = Pin(pin)  # from here on, no frame holds the PIN as a plain str
        elif callable(pin):
            pin = _once(pin)
        try:
            parsed = uri if isinstance(uri, Pkcs11Uri) else Pkcs11Uri.parse(uri)
        except TokenError:
            del uri  # it may hold a refused pin-value
            raise
        module_path = _module_path(parsed, module)
        _backend()
        import pkcs11

        lib = _load(module_path)
        token = _find_token(lib, parsed, module_path)
        label = _token_text(token.label)
        if pin is None and parsed.pin_source is not None:
            source = parsed.pin_source
            pin = lambda: pin_from_file(source.removeprefix("file:"))  # noqa: E731
        login_needed = bool(token.flags & pkcs11.TokenFlag.LOGIN_REQUIRED)
        login = _acquire(module_path, token, pin, label, login_needed)
        try:
            session = token.open()
        except pkcs11.PKCS11Error as exc:
            _release(login)
            raise TokenError(
                f"cannot open a session on token {label!r}: {type(exc).__name__}",
                reason="token",
                token=label,
            ) from exc
        handle = _Handle(session, login)
        try:
            return cls._build(parsed, token, session, handle, label, pin, certificates, chain)
        except BaseException:
            handle.close()
            raise

    @classmethod
    def _build(cls, uri: Pkcs11Uri, token: pkcs11.Token, session: pkcs11.Session, handle: _Handle,
               label: str, pin: PinSource | None, certificates: Sequence[x509.Certificate] | None,
               chain: Sequence[x509.Certificate]) -> Pkcs11Key:  # fmt: skip
        import pkcs11

        key = _find_key(session, uri, label)
        what = f"the private key {uri.describe_key()} on token {label!r}"
        if not _attr(key, "SIGN", True):
            raise TokenError(
                f"{what} is not allowed to sign (CKA_SIGN is false)",
                reason="key-not-permitted",
                token=label,
            )
        key_type = _attr(key, "KEY_TYPE")
        modulus: int | None = None
        curve: ec.EllipticCurve | None = None
        if key_type == pkcs11.KeyType.RSA:
            raw = _attr(key, "MODULUS")
            if not raw:
                raise TokenError(
                    f"{what} does not show its modulus", reason="key-type", token=label
                )
            modulus = int.from_bytes(raw, "big")
            family, size = "rsa", modulus.bit_length()
        elif key_type == pkcs11.KeyType.EC:
            curve = _CURVES.get(bytes(_attr(key, "EC_PARAMS", b"")))
            if curve is None:
                raise TokenError(
                    f"{what} is on a curve edoc does not sign with (P-256, P-384, P-521)",
                    reason="key-type",
                    token=label,
                )
            family, size = "ec", curve.key_size
        else:
            name = getattr(key_type, "name", key_type)
            raise TokenError(f"{what} is a {name} key: edoc signs with RSA or EC keys",
                             reason="key-type", token=label)  # fmt: skip
        point = _public_point(session, key) if curve is not None else None
        if certificates is not None:
            certs = tuple(certificates)
            if certs and not _spki_matches(certs[0], modulus, curve, point):
                raise TokenError(
                    f"the first certificate given ({certs[0].subject.rfc4514_string()}) does not "
                    f"belong to {what}",
                    reason="certificate",
                    token=label,
                )
        else:
            certs = _token_certificate(session, key, modulus, curve, point)
        certs += tuple(chain)
        context_pin: Pin | None = None
        if _attr(key, "ALWAYS_AUTHENTICATE", False):
            context_pin = _resolve_pin(pin)
            if context_pin is None:
                raise TokenError(
                    f"{what} asks for the PIN at every signature (CKA_ALWAYS_AUTHENTICATE) and "
                    "none was given",
                    reason="pin-required",
                    token=label,
                )
        mechanisms = frozenset(m.name for m in token.slot.get_mechanisms() if hasattr(m, "name"))
        self = cls(uri=uri, token_label=label, key=key, family=family, key_size=size,
                   mechanisms=mechanisms, certificates=certs, handle=handle,
                   context_pin=context_pin)  # fmt: skip
        log.debug("opened %r", self)
        return self

    # -- SigningKey ------------------------------------------------------------------------

    @property
    def family(self) -> str:
        return self._family

    @property
    def key_size(self) -> int:
        return self._key_size

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        return self._certificates

    def sign(self, data: bytes, method: SignatureMethod) -> bytes:
        """Have the token sign ``data``: the XML-DSig SignatureValue (ECDSA as r || s)."""
        import pkcs11

        plan = self._plan(method)
        payload = data
        if plan.prehash is not None:
            payload = hashlib.new(plan.prehash, data).digest()
            if plan.mechanism == "RSA_PKCS":
                payload = _DIGEST_INFO[plan.prehash] + payload
        kwargs: dict[str, Any] = {"mechanism": getattr(pkcs11.Mechanism, plan.mechanism)}
        if plan.param is not None:
            h, mgf, salt = plan.param
            kwargs["mechanism_param"] = (
                getattr(pkcs11.Mechanism, h),
                getattr(pkcs11.MGF, mgf),
                salt,
            )
        with self._lock:
            if self._handle.session is None:
                raise TokenError(f"{self!r} is closed", reason="closed", token=self._token_label)
            if self._context_pin is not None:
                kwargs["pin"] = self._context_pin.reveal()
            try:
                value = self._key.sign(payload, **kwargs)
            except pkcs11.PKCS11Error as exc:
                raise self._sign_error(exc, plan) from exc
            finally:
                kwargs.pop("pin", None)
        octets = (self._key_size + 7) // 8
        expected = 2 * octets if method.family == "ecdsa" else octets
        if method.family != "ecdsa" and len(value) < expected:
            value = value.rjust(expected, b"\x00")
        if len(value) != expected:
            raise SigningError(
                f"token {self._token_label!r} returned a {len(value)}-byte signature; "
                f"{method.name} with this key gives {expected} bytes"
            )
        return bytes(value)

    # -- the rest ----------------------------------------------------------------------------

    @property
    def uri(self) -> Pkcs11Uri:
        return self._uri

    @property
    def token_label(self) -> str:
        return self._token_label

    @property
    def closed(self) -> bool:
        return self._handle.session is None

    def supports(self, method: SignatureMethod) -> bool:
        """Whether this key and token can sign with ``method``."""
        try:
            self._plan(method)
        except InputError:
            return False
        return True

    def close(self) -> None:
        """End the key's session (and the token's login, if no other key uses it)."""
        with self._lock:
            self._finalizer()

    def __enter__(self) -> Pkcs11Key:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        subject = (
            self._certificates[0].subject.rfc4514_string()
            if self._certificates
            else "no certificate"
        )
        state = " closed" if self.closed else ""
        return (
            f"<Pkcs11Key {self._family}-{self._key_size} token={self._token_label!r} "
            f"{self._uri.describe_key()} {subject}{state}>"
        )

    def _plan(self, method: SignatureMethod) -> _Plan:
        plan = self._plans.get(method)
        if plan is not None:
            return plan
        if (method.family == "ecdsa") != (self._family == "ec"):
            raise InputError(f"a {self._family} key cannot sign with {method.name}")
        hashed, raw = _MECHANISMS[method.family]
        name = hashed.get(method.hash_name)
        param = None
        if method.family == "rsa-pss":
            h, mgf = _HASH_MECH[method.hash_name]
            param = (h, mgf, hashlib.new(method.hash_name).digest_size)
        if name is not None and name in self._mechanisms:
            plan = _Plan(name, None, param)
        elif raw in self._mechanisms:
            plan = _Plan(raw, method.hash_name, param)
        else:
            offered = " nor ".join(f"CKM_{m}" for m in (name, raw) if m is not None)
            raise TokenError(
                f"token {self._token_label!r} cannot sign with {method.name} "
                f"({method.value}): it offers neither {offered}",
                reason="mechanism",
                token=self._token_label,
            )
        self._plans[method] = plan
        return plan

    def _sign_error(self, exc: Exception, plan: _Plan) -> Exception:
        import pkcs11

        label = self._token_label
        if isinstance(exc, (pkcs11.MechanismInvalid, pkcs11.MechanismParamInvalid)):
            return TokenError(
                f"token {label!r} refused CKM_{plan.mechanism} for this key ({type(exc).__name__})",
                reason="mechanism",
                token=label,
            )
        if isinstance(exc, (pkcs11.PinIncorrect, pkcs11.PinLocked, pkcs11.PinExpired)):
            return _login_error(exc, label, self._context_pin, self._key.session.token)
        gone = (pkcs11.DeviceRemoved, pkcs11.TokenNotPresent, pkcs11.SessionHandleInvalid,
                pkcs11.SessionClosed, pkcs11.UserNotLoggedIn, pkcs11.KeyHandleInvalid,
                pkcs11.ObjectHandleInvalid)  # fmt: skip
        if isinstance(exc, gone):
            return SigningError(
                f"token {label!r} was removed or its session ended ({type(exc).__name__}): "
                "open the key again"
            )
        return SigningError(f"token {label!r} could not sign with CKM_{plan.mechanism}: "
                            f"{type(exc).__name__}")  # fmt: skip


def _find_key(session: pkcs11.Session, uri: Pkcs11Uri, label: str) -> pkcs11.SignMixin:
    import pkcs11

    template: dict[pkcs11.Attribute, Any] = {pkcs11.Attribute.CLASS: pkcs11.ObjectClass.PRIVATE_KEY}
    if uri.get("object") is not None:
        template[pkcs11.Attribute.LABEL] = uri.get("object")
    if uri.id is not None:
        template[pkcs11.Attribute.ID] = uri.id
    keys = list(session.get_objects(template))
    if len(keys) == 1:
        return keys[0]  # type: ignore[return-value]
    everything = list(session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.PRIVATE_KEY}))
    names = sorted({str(_attr(k, "LABEL", "")) for k in everything})
    listing = ", ".join(repr(n) for n in names[:10]) + (" ..." if len(names) > 10 else "")
    if not keys:
        hint = f"private keys on it: {listing}" if names else "it shows no private key"
        del template[pkcs11.Attribute.CLASS]
        if len(template) and next(iter(session.get_objects(template)), None) is not None:
            hint += "; an object with that name is there, but it is not a private key"
        raise TokenError(
            f"no private key {uri.describe_key()} on token {label!r} ({hint})",
            reason="key-not-found",
            token=label,
        )
    raise TokenError(
        f"{len(keys)} private keys match {uri.describe_key()} on token {label!r} ({listing}): "
        "name one with object= and id=",
        reason="key-ambiguous",
        token=label,
    )


def _public_point(session: pkcs11.Session, key: pkcs11.SignMixin) -> bytes | None:
    """CKA_EC_POINT of the public key stored with ``key`` (same CKA_ID), if any."""
    import pkcs11

    key_id = _attr(key, "ID", b"")
    if not key_id:
        return None
    template = {pkcs11.Attribute.CLASS: pkcs11.ObjectClass.PUBLIC_KEY, pkcs11.Attribute.ID: key_id}
    for public in session.get_objects(template):
        point = _attr(public, "EC_POINT")
        if point:
            return bytes(point)
    return None


def _token_certificate(session: pkcs11.Session, key: pkcs11.SignMixin, modulus: int | None,
                       curve: ec.EllipticCurve | None, point: bytes | None,
                       ) -> tuple[x509.Certificate, ...]:  # fmt: skip
    """The certificate stored next to ``key``: same CKA_ID (or, without an id, same label)."""
    import pkcs11

    key_id = _attr(key, "ID", b"")
    template: dict[pkcs11.Attribute, Any] = {pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE}
    if key_id:
        template[pkcs11.Attribute.ID] = key_id
    else:
        template[pkcs11.Attribute.LABEL] = _attr(key, "LABEL", "")
    for obj in session.get_objects(template):
        try:
            cert = x509.load_der_x509_certificate(bytes(_attr(obj, "VALUE", b"")))
        except ValueError:
            continue
        if _spki_matches(cert, modulus, curve, point):
            return (cert,)
    return ()
