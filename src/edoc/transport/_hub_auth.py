"""The national hub's header signing (``XroadVnpt-*``, HMAC-SHA256), both sides.

As the official client ``SDKVXP-2.0.1`` puts it on the wire (``shared/spec/hub-wire.md``):

1. The request parameters, plus ``systemid``, ``timestamp`` (``ddMMyyyy'T'HHmmss+SSSS``,
   ``SSSS`` = milliseconds on four digits) and ``Content-Type``, form a Java ``HashMap``;
   its iteration order (:func:`java_order`) is the order of everything below.
2. Each entry is sent as ``XroadVnpt-<name>: <value>``; ``XroadVnpt-sign-header-key`` lists
   the names joined by ``;``; ``XroadVnpt-sign-header`` is the compact JSON object
   ``{"XroadVnpt-<name>":"<value>",…}`` as Gson writes it; ``XroadVnpt-hash-header`` is
   ``hex(HMAC-SHA256(secret, sign-header))``, both as UTF-8.

A verifier checks the HMAC over the ``XroadVnpt-sign-header`` bytes *as received* (the
SDK's key order is a Java ``HashMap``'s, so no re-serialisation can be trusted), then
takes the parameters from that signed JSON.

The secret lives in a :class:`Secret`, whose ``repr`` and ``str`` never show it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence

import attrs

from edoc.formats import VN_TZ
from edoc.transport._json_stream import unique_members

__all__ = [
    "PREFIX",
    "USER_AGENT",
    "VERSION",
    "HeaderAuthError",
    "Secret",
    "SignedRequest",
    "format_timestamp",
    "gson_compact",
    "java_order",
    "parse_timestamp",
    "sdk_hex",
    "sign_headers",
    "verify_headers",
]

PREFIX = "XroadVnpt-"
USER_AGENT = "JAVASDKAgent/1.0.0 XRoad/VPCP"
VERSION = "3.0.201608"
_RESERVED = ("systemid", "timestamp", "Content-Type")
# The official client's map gets ``timestamp`` in its constructor, then ``systemid``, then
# ``Content-Type`` for each call, then the call's parameters (VnptService).
_FIRST = ("timestamp", "systemid", "Content-Type")


def _java_hash(text: str) -> int:
    """``String.hashCode()``: over UTF-16 code units, 32-bit wrap-around."""
    units = text.encode("utf-16-be")
    h = 0
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & 0xFFFFFFFF
    return h


def java_order(names: list[str]) -> list[str]:
    """The iteration order of a ``java.util.HashMap`` whose keys were put in this order.

    Java 8's map: bucket ``(h ^ h >>> 16) & (n - 1)`` for a table of ``n`` (16, doubled
    while more than 3/4 full), insertion order inside a bucket (a resize keeps it). It
    reproduces every key order hub-wire.md §1 records.
    """
    size = 16
    while len(names) > size * 3 // 4:
        size *= 2

    def bucket(item: tuple[int, str]) -> tuple[int, int]:
        h = _java_hash(item[1])
        return ((h ^ (h >> 16)) & (size - 1), item[0])

    return [name for _, name in sorted(enumerate(names), key=bucket)]


def gson_compact(entries: Mapping[str, str]) -> str:
    """A JSON object as Gson's ``JsonObject.toString()`` writes it: no spaces, non-ASCII kept,
    U+2028 and U+2029 escaped."""
    text = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class Secret:
    """A shared secret that never shows itself: ``repr``, ``str`` and format print stars."""

    __slots__ = ("_value",)

    def __init__(self, value: str | bytes | Secret) -> None:
        if isinstance(value, Secret):
            self._value: bytes = value._value
        elif isinstance(value, str):
            self._value = value.encode("utf-8")
        elif isinstance(value, bytes):
            self._value = value
        else:
            raise TypeError(f"a secret is str or bytes, not {type(value).__name__}")
        if not self._value:
            raise ValueError("the secret is empty")

    def reveal(self) -> bytes:
        """The secret's bytes (UTF-8 of the configured text): pass them only to HMAC."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(hashlib.sha256(self._value).digest())


def format_timestamp(moment: dt.datetime | None = None) -> str:
    """``ddMMyyyy'T'HHmmss+SSSS`` in Vietnam time (``+`` literal, ``SSSS`` milliseconds)."""
    moment = (moment or dt.datetime.now(VN_TZ)).astimezone(VN_TZ)
    return moment.strftime("%d%m%YT%H%M%S") + f"+{moment.microsecond // 1000:04d}"


def parse_timestamp(text: str) -> dt.datetime:
    """The moment a :func:`format_timestamp` text names; ``ValueError`` if it is not one."""
    head, plus, millis = text.partition("+")
    if not plus or not millis.isdigit() or len(millis) > 4:
        raise ValueError("not ddMMyyyy'T'HHmmss+SSSS")
    base = dt.datetime.strptime(head, "%d%m%YT%H%M%S").replace(tzinfo=VN_TZ)
    return base + dt.timedelta(milliseconds=int(millis))


def hmac_hex(secret: Secret, message: bytes) -> str:
    return hmac.new(secret.reveal(), message, hashlib.sha256).hexdigest()


def sdk_hex(digest: bytes) -> str:
    """Hex as the SDK writes it: ``Integer.toHexString(0xFF & b)`` drops leading zeros."""
    return "".join(format(b, "x") for b in digest)


def sign_headers(
    params: Mapping[str, str],
    *,
    system_id: str,
    secret: Secret,
    content_type: str,
    timestamp: str | None = None,
) -> dict[str, str]:
    """The headers of one signed hub request, ``Content-Type`` first, as the official client.

    ``params`` are the operation's request parameters (``servicetype``, ``messagetype``,
    ``hash-file``, ``from``, ``to``, ``docId``, …) in the order the official client puts them
    in its map; the signed order is :func:`java_order` of that map.
    """
    for key in params:
        if key in _RESERVED:
            raise ValueError(f"{key} is set by the signer, not a parameter")
    values = {
        "timestamp": timestamp if timestamp is not None else format_timestamp(),
        "systemid": system_id,
        "Content-Type": content_type,
        **params,
    }
    names = java_order(list(values))
    sign_header = gson_compact({PREFIX + k: values[k] for k in names})
    headers = {"Content-Type": content_type}
    headers.update({PREFIX + k: values[k] for k in names})
    headers[PREFIX + "sign-header-key"] = ";".join(names)
    headers[PREFIX + "sign-header"] = sign_header
    headers[PREFIX + "hash-header"] = hmac_hex(secret, sign_header.encode("utf-8"))
    headers["User-Agent"] = USER_AGENT
    headers[PREFIX + "version"] = VERSION
    return headers


class HeaderAuthError(Exception):
    """The request's header signature does not hold; ``reason`` says why (never a secret)."""

    def __init__(self, reason: str, *, system_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.system_id = system_id


@attrs.frozen
class SignedRequest:
    """What a verified request says: who sent it and the parameters it signed."""

    system_id: str
    params: dict[str, str]
    timestamp: str
    content_type: str
    moment: dt.datetime
    """The signed timestamp as a moment."""
    mac: str
    """The HMAC (64 hex digits): what a replay repeats."""

    def param(self, name: str) -> str | None:
        """A signed parameter by its exact name, else the one that name matches ignoring
        case (``docId`` then ``docid``); ``None`` when absent."""
        if name in self.params:
            return self.params[name]
        folded = name.casefold()
        for key, value in self.params.items():
            if key.casefold() == folded:
                return value
        return None


def verify_headers(
    headers: Sequence[tuple[str, bytes]],
    secret_for: Callable[[str], Secret | None],
    *,
    max_skew: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> SignedRequest:
    """Check a request's ``XroadVnpt-*`` signature; raise :class:`HeaderAuthError` if it fails.

    ``headers`` are the request's (name, raw value) pairs as received; ``secret_for(system_id)``
    the agency's secret or ``None``. The HMAC is checked over the ``XroadVnpt-sign-header``
    bytes as received, and accepted as lowercase or uppercase hex, 64 digits or the SDK's
    zero-dropping form. Every signed entry also sent as its own header of exactly that name
    must carry the signed value (``docid`` and ``docId`` are two names). With ``max_skew``,
    the signed timestamp must be that close to ``now``.
    """
    exact: dict[str, list[bytes]] = {}
    folded: dict[str, list[bytes]] = {}
    for name, value in headers:
        exact.setdefault(name, []).append(value)
        folded.setdefault(name.lower(), []).append(value)

    def one(name: str) -> bytes | None:
        values = exact.get(name) or folded.get(name.lower())
        if values is not None and len(values) > 1:
            raise HeaderAuthError(f"the request carries {name} twice")
        return values[0] if values else None

    raw = one(PREFIX + "sign-header")
    given = one(PREFIX + "hash-header")
    if raw is None or given is None:
        raise HeaderAuthError("the request carries no XroadVnpt-sign-header/hash-header")
    try:
        text_header = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HeaderAuthError(
            "XroadVnpt-sign-header is not UTF-8 (a client that sends ISO-8859-1 headers while "
            "it signs UTF-8 can never verify)"
        ) from None
    try:
        signed = json.loads(text_header, object_pairs_hook=unique_members)
    except ValueError:
        raise HeaderAuthError("XroadVnpt-sign-header is not a JSON object") from None
    if not isinstance(signed, dict) or not all(
        isinstance(k, str) and k.startswith(PREFIX) and isinstance(v, str)
        for k, v in signed.items()
    ):
        raise HeaderAuthError("XroadVnpt-sign-header must map XroadVnpt-<name> to text values")
    entries = {k[len(PREFIX) :]: v for k, v in signed.items()}
    system_id = entries.get("systemid")
    if not system_id:
        raise HeaderAuthError("the signed headers carry no systemid")
    secret = secret_for(system_id)
    if secret is None:
        raise HeaderAuthError(f"unknown system id {system_id!r}", system_id=system_id)
    digest = hmac.new(secret.reveal(), raw, hashlib.sha256).digest()
    text = given.decode("ascii", "replace").strip().lower()
    if not (hmac.compare_digest(text, digest.hex()) or hmac.compare_digest(text, sdk_hex(digest))):
        raise HeaderAuthError(
            "XroadVnpt-hash-header does not match the HMAC of XroadVnpt-sign-header",
            system_id=system_id,
        )
    keys = one(PREFIX + "sign-header-key")
    if keys is not None and set(keys.decode("utf-8", "replace").split(";")) != set(entries):
        raise HeaderAuthError(
            "XroadVnpt-sign-header-key does not list the signed names", system_id=system_id
        )
    for name, value in entries.items():
        for sent in exact.get(PREFIX + name, ()):
            if sent.decode("utf-8", "replace") != value:
                raise HeaderAuthError(
                    f"header {PREFIX}{name} differs from its signed value", system_id=system_id
                )
    content_type = entries.get("Content-Type", "")
    actual = one("Content-Type")
    if actual is not None and actual.decode("latin-1") != content_type:
        raise HeaderAuthError("Content-Type differs from its signed value", system_id=system_id)
    timestamp = entries.get("timestamp", "")
    try:
        moment = parse_timestamp(timestamp)
    except ValueError:
        raise HeaderAuthError(
            "the signed timestamp is not ddMMyyyy'T'HHmmss+SSSS", system_id=system_id
        ) from None
    if max_skew is not None and abs((now or dt.datetime.now(VN_TZ)) - moment) > max_skew:
        raise HeaderAuthError(
            f"the signed timestamp is more than {max_skew.total_seconds():g} s from the "
            "hub's clock",
            system_id=system_id,
        )
    params = {k: v for k, v in entries.items() if k not in _RESERVED}
    return SignedRequest(system_id, params, timestamp, content_type, moment, digest.hex())
