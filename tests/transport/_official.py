# ruff: noqa: E501  (one recorded call per line reads best)
"""The official Java client's requests (SDKVXP-2.0.1), written out by hand from
``shared/spec/hub-wire.md``: never computed by edoc's code.

``CALLS`` holds, per call, the method, the ``XroadVnpt-sign-header-key`` hub-wire.md §1
records (downloadEdoc's is not recorded: it is inferred from the decompiled client, which
puts ``docId`` in its map as for getEdoc), the content type and the body of §3.
:func:`official_request` builds such a request with the official header order and signs
it, here, with HMAC-SHA256.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from conftest import VECTORS

# §2's worked example: the file, the credentials, the timestamp, the headers sent.
WORKED_FILE = VECTORS / "truclienthong-example" / "dc0bdef0-c7a3-4aaf-b717-777303442973.edxml"
WORKED_SYSTEM = "vxp.saas.a"
WORKED_SECRET = "A7TKG/r2gOKTEpe1MhWx6zw8O4JfzN0KkCRS6HZY81Ve"
WORKED_TIMESTAMP = "03122026T180819+0847"
WORKED_HASH_FILE = "9e84e8591b5348073f2e7e45b50f59da80e03ef9f2301feccbac67d6407e"
WORKED_SIGN_HEADER = (
    '{"XroadVnpt-systemid":"vxp.saas.a","XroadVnpt-servicetype":"eDoc",'
    '"XroadVnpt-messagetype":"edoc","XroadVnpt-hash-file":'
    '"9e84e8591b5348073f2e7e45b50f59da80e03ef9f2301feccbac67d6407e",'
    '"XroadVnpt-from":"000.00.00.G22","XroadVnpt-to":"[\\"000.00.00.H41\\"]",'
    '"XroadVnpt-timestamp":"03122026T180819+0847",'
    '"XroadVnpt-Content-Type":"application/octet-stream"}'
)
WORKED_HASH_HEADER = "1e2a81a80c5659729ec33e7d00bacc3a6a29c914661df837f80b84365c771580"
WORKED_HEADERS = [  # §2, in the order recorded (the framing headers left out)
    ("Content-Type", "application/octet-stream"),
    ("XroadVnpt-systemid", "vxp.saas.a"),
    ("XroadVnpt-servicetype", "eDoc"),
    ("XroadVnpt-messagetype", "edoc"),
    ("XroadVnpt-hash-file", WORKED_HASH_FILE),
    ("XroadVnpt-from", "000.00.00.G22"),
    ("XroadVnpt-to", '["000.00.00.H41"]'),
    ("XroadVnpt-timestamp", WORKED_TIMESTAMP),
    ("XroadVnpt-Content-Type", "application/octet-stream"),
    ("XroadVnpt-sign-header-key",
     "systemid;servicetype;messagetype;hash-file;from;to;timestamp;Content-Type"),
    ("XroadVnpt-sign-header", WORKED_SIGN_HEADER),
    ("XroadVnpt-hash-header", WORKED_HASH_HEADER),
    ("User-Agent", "JAVASDKAgent/1.0.0 XRoad/VPCP"),
    ("XroadVnpt-version", "3.0.201608"),
    ("Cache-Control", "no-cache"),
    ("Pragma", "no-cache"),
]  # fmt: skip

JSON = "application/json"
OCTETS = "application/octet-stream"
REGISTER_BODY = (
    b'{"id":"","pcode":"000.00.00.G22","code":"000.00.77.A01","name":"S\xe1\xbb\x9f Th\xe1'
    b'\xbb\xad","mail":"","mobile":"","fax":""}'
)

# call -> (method, sign-header-key, content type, body); None: the file and a CRLF.
CALLS: dict[str, tuple[str, str, str, bytes | None]] = {
    "sendEdoc": ("POST", "systemid;servicetype;messagetype;hash-file;from;to;timestamp;Content-Type", OCTETS, None),
    "sendEdoc-without-to": ("POST", "systemid;servicetype;messagetype;hash-file;from;timestamp;Content-Type", OCTETS, None),
    "getReceivedEdocList": ("POST", "systemid;servicetype;messagetype;timestamp;Content-Type", JSON, b""),
    "getSentEdocList": ("POST", "systemid;servicetype;messagetype;timestamp;Content-Type", JSON, b""),
    "getEdoc": ("POST", "systemid;docId;timestamp;Content-Type", JSON, b"{}"),
    "updateStatus": ("POST", "systemid;docId;timestamp;Content-Type;status", JSON, b"{}"),
    "getAgenciesList": ("POST", "systemid;timestamp;Content-Type", JSON, b""),
    "getAgenciesListQD20": ("POST", "systemid;level;timestamp;Content-Type", JSON, b""),
    "getSynchronizeUnit": ("POST", "systemid;timestamp;Content-Type", JSON, b""),
    "countReceiveEdoc": ("POST", "systemid;timestamp;Content-Type", JSON, b"{}"),
    "countReceiveStatus": ("POST", "systemid;timestamp;Content-Type", JSON, b"{}"),
    "registerAgency": ("POST", "systemid;timestamp;Content-Type", JSON, REGISTER_BODY),
    "deleteAgency": ("POST", "systemid;AgencyCode;timestamp;Content-Type", JSON, b"{}"),
    "downloadEdoc": ("GET", "systemid;docId;timestamp;Content-Type", JSON, None),
}  # fmt: skip


def operation(call: str) -> str:
    return call.split("-")[0]


def sdk_hex(data: bytes) -> str:
    """``Integer.toHexString(b & 0xFF)`` per byte of the SHA-256: leading zeros dropped."""
    return "".join(format(b, "x") for b in hashlib.sha256(data).digest())


def official_request(
    keys: str,
    values: dict[str, str],
    secret: str,
    *,
    sendfile: bool = False,
    expect_continue: bool = False,
) -> list[tuple[str, bytes]]:
    """The headers the official client sends for a map with ``keys`` (in that order) and
    ``values``: Content-Type, each XroadVnpt-<name>, the key list, the JSON, its HMAC."""
    names = keys.split(";")
    prefixed = {f"XroadVnpt-{n}": values[n] for n in names}
    sign_header = json.dumps(prefixed, ensure_ascii=False, separators=(",", ":"))
    mac = hmac.new(secret.encode(), sign_header.encode(), hashlib.sha256).hexdigest()
    out = [("Content-Type", values["Content-Type"])]
    out += list(prefixed.items())
    out += [("XroadVnpt-sign-header-key", keys), ("XroadVnpt-sign-header", sign_header),
            ("XroadVnpt-hash-header", mac), ("User-Agent", "JAVASDKAgent/1.0.0 XRoad/VPCP"),
            ("XroadVnpt-version", "3.0.201608")]  # fmt: skip
    if sendfile:
        out += [("Cache-Control", "no-cache"), ("Pragma", "no-cache")]
    if expect_continue:  # the official client's HttpClient path, for its "{}" bodies
        out += [("Expect", "100-continue")]
    return [(k, v.encode("utf-8")) for k, v in out]
