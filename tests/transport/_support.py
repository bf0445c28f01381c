"""Shared pieces of the transport tests: agencies, packages, and §7.3 written out independently."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path

import edoc
from edoc.transport.hub_server import HubAgency

# Two agencies as on the real hub: a system id (``vxp.…``) serving an OrganId.
A_SYSTEM, A_SECRET, A_ORGAN = "vxp.saas.a", "secret-A-7f3a9c", "000.00.00.G22"
B_SYSTEM, B_SECRET, B_ORGAN = "vxp.saas.b", "secret-B-e41d08", "000.00.00.H41"
C_SYSTEM, C_SECRET = "000.00.00.H26", "secret-C-99aa11"  # a system id that is its own OrganId

ALL_SECRETS = (A_SECRET, B_SECRET, C_SECRET)


def write_package(
    path: Path,
    *,
    to: tuple[str, ...] = (B_ORGAN,),
    sender: str = A_ORGAN,
    body: bytes = b"%PDF-1.4 test",
    number: str = "7816",
) -> Path:
    """Write a small, real edoc package from ``sender`` to ``to``."""
    header = edoc.MessageHeader(
        from_=edoc.Organization(organ_id=sender, organ_name="Văn phòng Chính phủ"),
        to=[edoc.Organization(organ_id=o, organ_name=f"Cơ quan {o}") for o in to],
        code=edoc.Code(number=number, notation="VPCP-TTĐT"),
        promulgation_info=edoc.PromulgationInfo(
            place="Hà Nội", promulgation_date=dt.date(2015, 9, 30)
        ),
        document_type=edoc.DocumentType(type_code=1, type_name="Công văn"),
        subject="V/v kết nối, liên thông phần mềm quản lý văn bản",
    )
    pkg = edoc.EdocPackage(
        header=header, attachments=[edoc.Attachment.from_bytes(body, name="qd.pdf")]
    )
    edoc.write(pkg, path)
    return path


def agencies() -> list[HubAgency]:
    return [
        HubAgency(system_id=A_SYSTEM, secret=A_SECRET, organ_ids=[A_ORGAN], name="VPCP"),
        HubAgency(system_id=B_SYSTEM, secret=B_SECRET, organ_ids=[B_ORGAN], name="Nghệ An"),
        HubAgency(system_id=C_SYSTEM, secret=C_SECRET),
    ]


def fresh_timestamp() -> str:
    """Now in the official client's ``ddMMyyyy'T'HHmmss'+'SSSS`` (Vietnam time), written here."""
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=7)))
    return now.strftime("%d%m%YT%H%M%S") + "+" + str(now.microsecond // 1000).zfill(4)


def reference_sign(
    params: dict[str, str],
    systemid: str,
    secret: str,
    timestamp: str,
    content_type: str,
    *,
    keep_order: bool = False,
) -> dict[str, str]:
    """hub-wire.md §1 step by step, written here independently of edoc's code: the map, the
    headers, the JSON of XroadVnpt-sign-header, the HMAC (lowercase hex). With
    ``keep_order``, ``params`` already holds every entry in the order to sign."""
    entries = dict(params)
    if not keep_order:
        entries["systemid"] = systemid
        entries["timestamp"] = timestamp
        entries["Content-Type"] = content_type
    prefixed = {"XroadVnpt-" + name: value for name, value in entries.items()}
    sign_header = json.dumps(prefixed, ensure_ascii=False, separators=(",", ":"))
    mac = hmac.new(secret.encode("utf-8"), sign_header.encode("utf-8"), hashlib.sha256)
    headers = {"Content-Type": content_type, **prefixed}
    headers["XroadVnpt-sign-header-key"] = ";".join(entries)
    headers["XroadVnpt-sign-header"] = sign_header
    headers["XroadVnpt-hash-header"] = mac.hexdigest()
    headers["User-Agent"] = "JAVASDKAgent/1.0.0 XRoad/VPCP"
    headers["XroadVnpt-version"] = "3.0.201608"
    return headers
