"""The local hub's operations (hub-wire.md §2-3): one function each, and their answers.

Every answer carries what the official client reads: ``status``, ``ErrorCode`` (``"0"``
when OK), ``ErrorDesc`` and, on every FAIL, ``DocId`` (null), since the official client
reads ``DocId`` unconditionally after sendEdoc. List entries carry only text values where
the official client calls ``getAsString`` (a JSON null would throw there).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from edoc.errors import EdocError, shorten
from edoc.formats import VN_TZ
from edoc.transport._hub_auth import SignedRequest, sdk_hex
from edoc.transport.hub_server._body import BadRequest, BodyReader
from edoc.transport.hub_server._faults import Plan
from edoc.transport.hub_server._store import PENDING, Delivery, Sent, now_text

if TYPE_CHECKING:
    from edoc.transport.hub_server._handler import Handler
    from edoc.transport.hub_server._server import HubServer

__all__ = ["MUTATING", "OPERATIONS", "Fail", "RawFile", "fail_body", "ok"]

log = logging.getLogger("edoc.hub")
_OCTETS = "application/octet-stream"
_MAX_JSON_BODY = 64 * 1024


class Fail(Exception):
    """A refusal, answered as :func:`fail_body` with ``http_status``."""

    def __init__(self, code: str, text: str, http_status: int = 200) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.http_status = http_status


@attrs.frozen
class RawFile:
    """An answer that is a file's bytes as they are (downloadEdoc)."""

    path: Path


def ok(**fields: Any) -> dict[str, Any]:
    return {"status": "OK", "ErrorCode": "0", "ErrorDesc": "", **fields}


def fail_body(code: str, text: str) -> dict[str, Any]:
    return {"status": "FAIL", "ErrorCode": code, "ErrorDesc": text, "DocId": None}


Answer = dict[str, Any] | Path | RawFile
Operation = Callable[["Handler", SignedRequest, BodyReader, Plan], Answer]
MUTATING = frozenset({"sendEdoc", "updateStatus", "registerAgency", "deleteAgency"})
"""Operations that change state: each signature takes effect once (the replay cache)."""


def _doc_id(signed: SignedRequest) -> str:
    value = signed.param("docId")
    if not value:
        raise Fail("E_PARAM", "docId is missing", 400)
    return value


def _message_type(signed: SignedRequest) -> str:
    value = signed.param("messagetype") or "edoc"
    if value not in ("edoc", "status"):
        raise Fail("E_PARAM", f"messagetype must be edoc or status, not {shorten(value)!r}", 400)
    return value


def _once(h: Handler, signed: SignedRequest, op: str, work: Callable[[], dict[str, Any]]) -> Any:
    """Run ``work`` once per signature; a replay gets the first answer and changes nothing."""
    now = dt.datetime.now(VN_TZ)
    answer, replayed = h.hub.replays.run((signed.system_id, signed.mac), signed.moment, now, work)
    if replayed:
        log.warning("a replay of %s from %s: answered as before, nothing done", op,
                    signed.system_id)  # fmt: skip
    return answer


# -- sendEdoc ---------------------------------------------------------------------------


def _recipients(hub: HubServer, to: str | None, package: Path | None, kind: str) -> list[str]:
    """The OrganIds a package goes to: the signed ``to``, else the package's own."""
    if to:
        try:
            value = json.loads(to)
        except ValueError:
            value = [part.strip() for part in to.split(",")]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise Fail("E_PARAM", "to must be a JSON array of agency codes", 400)
        return list(dict.fromkeys(value))
    if package is None:
        return []
    from edoc.model import EdocPackage
    from edoc.xml import read

    try:
        pkg = read(package, spool_dir=hub.store.tmp)
    except EdocError as exc:
        text = shorten(str(exc), 200)
        raise Fail("E_PACKAGE", f"cannot read the package to route it: {text}") from None
    if isinstance(pkg, EdocPackage):
        if kind != "edoc":
            raise Fail("E_PARAM", "messagetype is status but the package is an edoc package")
        return list(dict.fromkeys(org.organ_id.value for org in pkg.header.to))
    if kind != "status":
        raise Fail("E_PARAM", "messagetype is edoc but the package is a status package")
    return [pkg.response_for.organ_id.value]


def _targets(hub: HubServer, organs: list[str]) -> list[tuple[str, str]]:
    if not organs:
        raise Fail("E_RECIPIENT", "the package names no recipient")
    targets = []
    for organ in organs:
        system = hub.system_for(organ)
        if system is None:
            raise Fail("E_RECIPIENT", f"unknown recipient {shorten(organ)!r}")
        targets.append((organ, system))
    return targets


def _receive_file(h: Handler, body: BodyReader, out: Any) -> tuple[hashlib._Hash, int]:
    """The body less its one trailing CRLF (the official client's framing) into ``out``;
    (SHA-256 of what was kept, its size). Two bytes are held back until the end."""
    digest = hashlib.sha256()
    size, held = 0, b""
    limit = h.hub.max_upload_bytes
    while data := body.read():
        data = held + data
        held, data = data[-2:], data[:-2]
        size += len(data)
        if size > limit:
            raise Fail("E_SIZE", f"the package is larger than the hub takes ({limit} bytes)", 413)
        digest.update(data)
        out.write(data)
    if held != b"\r\n":  # no CRLF after the file: the body is the file
        digest.update(held)
        out.write(held)
        size += len(held)
    return digest, size


def send_edoc(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> dict[str, Any]:
    hub = h.hub
    kind = _message_type(signed)
    content_type = h.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() != _OCTETS:
        raise Fail("E_REQUEST", "sendEdoc takes the file as an application/octet-stream body "
                   f"(not {shorten(content_type, 40)!r})", 415)  # fmt: skip
    given = (signed.param("hash-file") or "").strip().lower()
    if not given:
        raise Fail("E_HASH", "sendEdoc needs the file's SHA-256 in a signed XroadVnpt-hash-file")
    organ = signed.param("from") or signed.system_id
    if not hub.may_send_as(signed.system_id, organ):
        raise Fail("E_AUTH", f"system {shorten(signed.system_id)!r} is not registered for "
                   f"From {shorten(organ)!r}", 403)  # fmt: skip
    to = signed.param("to")
    early = _targets(hub, _recipients(hub, to, None, kind)) if to else None
    fd, name = tempfile.mkstemp(dir=hub.store.tmp, prefix="upload.", suffix=".part")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest, size = _receive_file(h, body, out)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        if given not in (sha, sdk_hex(digest.digest())):
            raise Fail("E_HASH", "the signed hash-file is not the SHA-256 of the body", 400)

        def store() -> dict[str, Any]:
            targets = early or _targets(hub, _recipients(hub, None, tmp, kind))
            hub.store.keep_blob(tmp, sha)
            return ok(DocId=_record(h, signed, plan, organ, kind, sha, size, targets))

        return _once(h, signed, "sendEdoc", store)  # type: ignore[no-any-return]
    finally:
        tmp.unlink(missing_ok=True)


def _record(h: Handler, signed: SignedRequest, plan: Plan, organ: str, kind: str, sha: str,
            size: int, targets: list[tuple[str, str]]) -> str:  # fmt: skip
    """Store one sent package and a delivery per recipient; the sender's DocId."""
    store = h.hub.store
    sent_id, now = store.new_id(), now_text()
    deliveries = [
        Delivery(doc_id=store.new_id(), sender_doc_id=sent_id, system_id=system, to_organ=to,
                 from_organ=organ, from_system=signed.system_id, message_type=kind, sha256=sha,
                 size=size, created=now, updated=now)
        for to, system in targets
        for _ in range(2 if plan.duplicate else 1)
    ]  # fmt: skip
    if plan.duplicate:
        log.info("fault: delivering %s twice", sent_id)
    store.add(
        Sent(doc_id=sent_id, from_system=signed.system_id, from_organ=organ,
             to=[o for o, _ in targets], message_type=kind, sha256=sha, size=size,
             created=now, deliveries=[d.doc_id for d in deliveries]),
        deliveries,
    )  # fmt: skip
    log.info("stored %s %s from %s for %d recipient(s)", kind, sent_id, signed.system_id,
             len(targets))  # fmt: skip
    return sent_id


# -- receiving --------------------------------------------------------------------------


def _owned(h: Handler, signed: SignedRequest, doc_id: str) -> Delivery:
    delivery = h.hub.store.deliveries.get(doc_id)
    if delivery is None or delivery.system_id != signed.system_id:
        raise Fail("E_NOT_FOUND", f"no package {shorten(doc_id)!r} for this system")
    return delivery


def _entry(d: Delivery) -> dict[str, Any]:
    return {
        "docId": d.doc_id, "serviceType": "eDoc", "messageType": d.message_type,
        "created_time": d.created, "updated_time": d.updated, "from": d.from_organ,
        "to": d.to_organ, "status": d.status, "status_desc": d.status,
    }  # fmt: skip


def get_received_list(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
    waiting = h.hub.store.waiting(signed.system_id, _message_type(signed))
    return ok(data=[_entry(d) for d in waiting[: h.hub.page_size]])


def _blob(h: Handler, signed: SignedRequest) -> Path:
    delivery = _owned(h, signed, _doc_id(signed))
    blob = h.hub.store.blob(delivery.sha256)
    if not blob.exists():
        raise Fail("E_INTERNAL", "the package's bytes are missing from the hub's data", 500)
    with h.hub._conn_lock:
        h.hub.fetched[delivery.doc_id] += 1
    return blob


def get_edoc(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
    return _blob(h, signed)  # filePath, when signed, is the client's own folder: ignored


def download_edoc(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
    return RawFile(_blob(h, signed))


def update_status(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
    delivery = _owned(h, signed, _doc_id(signed))
    status = signed.param("status") or ""
    if status not in ("done", "fail", "processing"):
        raise Fail(
            "E_PARAM", f"status must be done, fail or processing, not {shorten(status)!r}", 400
        )

    def change() -> dict[str, Any]:
        current = h.hub.store.deliveries[delivery.doc_id]
        if current.status != status:
            h.hub.store.set_status(current, status)
        return ok()

    return _once(h, signed, "updateStatus", change)  # type: ignore[no-any-return]


def get_sent_list(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
    store = h.hub.store
    message_type = _message_type(signed)
    only = signed.param("docId")
    data = []
    with store.lock:
        sent = [s for s in store.sent.values() if s.from_system == signed.system_id]
        for s in sorted(sent, key=lambda s: s.created):
            if s.message_type != message_type or (only and s.doc_id != only):
                continue
            for delivery_id in s.deliveries:
                d = store.deliveries.get(delivery_id)
                if d is None:
                    continue
                data.append({
                    "serviceType": "eDoc", "senderDocId": s.doc_id, "receiverDocId": d.doc_id,
                    "fromCode": s.from_organ, "toCode": d.to_organ, "sendStatus": "done",
                    "sendStatusDesc": "done", "receiveStatus": d.status,
                    "receiveStatusDesc": d.status, "title": "", "notation": "",
                    "messageType": s.message_type, "sentTime": s.created,
                    "receivedTime": "" if d.status in PENDING else d.updated,
                })  # fmt: skip
    return ok(data=data)


def _counter(message_type: str) -> Operation:
    def count(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
        return ok(count=len(h.hub.store.waiting(signed.system_id, message_type)))

    return count


# -- agencies ---------------------------------------------------------------------------


def _agencies(hub: HubServer) -> list[tuple[str, str, str, str]]:
    """(OrganId, name, parent code, system id) of every agency the hub knows."""
    out = []
    for agency in hub.agencies.values():
        for organ in agency.organ_ids or (agency.system_id,):
            out.append((organ, agency.name or organ, "", agency.system_id))
    for code, record in sorted(hub.store.registered.items()):
        out.append((code, record.get("name", code), record.get("pcode", ""), record["systemId"]))
    return out


def get_agencies(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
    agencies = _agencies(h.hub)
    return ok(data=[{"id": code, "pid": pid, "code": code, "name": name, "mail": "",
                     "systemId": system} for code, name, pid, system in agencies])  # fmt: skip


def get_agencies_qd20(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
    # level (signed) filters by the hub's administrative level; the local hub has one level.
    return ok(data=[{"id": code, "code": code, "name": name, "mail": "", "code102": code}
                    for code, name, _, _ in _agencies(h.hub)])  # fmt: skip


def get_synchronize_unit(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
    return ok(data=[{"id": code, "pid": pid, "code": code, "name": name, "mail": "",
                     "version": 1, "centerCode": "", "deleted": False, "modifyDate": now_text(),
                     "isAgency": True} for code, name, pid, _ in _agencies(h.hub)])  # fmt: skip


def register_agency(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
    data = b""
    while chunk := body.read():
        data += chunk
        if len(data) > _MAX_JSON_BODY:
            raise Fail("E_SIZE", f"registerAgency's body is over {_MAX_JSON_BODY} bytes", 413)
    try:
        record = json.loads(data.decode("utf-8"))
    except ValueError:
        raise BadRequest("registerAgency's body is not a JSON object") from None
    if not isinstance(record, dict) or not all(isinstance(v, str) for v in record.values()):
        raise Fail("E_PARAM", "registerAgency's body must map names to text", 400)
    code, name = record.get("code", ""), record.get("name", "")
    if not code or not name:
        raise Fail("E_PARAM", "registerAgency needs a code and a name", 400)
    owner = h.hub.system_for(code)
    if owner is not None and owner != signed.system_id:
        raise Fail("E_PARAM", f"agency {shorten(code)!r} belongs to another system")
    if code in h.hub.routes() or code in h.hub.agencies:
        raise Fail("E_PARAM", f"agency {shorten(code)!r} is in the hub's configuration")
    kept = {k: record.get(k, "") for k in ("pcode", "name", "mail", "mobile", "fax")}

    def register() -> dict[str, Any]:
        h.hub.store.set_registered(code, {**kept, "systemId": signed.system_id})
        return ok()

    return _once(h, signed, "registerAgency", register)  # type: ignore[no-any-return]


def delete_agency(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Answer:
    code = signed.param("AgencyCode") or ""
    record = h.hub.store.registered.get(code)
    if record is None or record.get("systemId") != signed.system_id:
        raise Fail("E_NOT_FOUND", f"no agency {shorten(code)!r} registered by this system")

    def delete() -> dict[str, Any]:
        h.hub.store.set_registered(code, None)
        return ok()

    return _once(h, signed, "deleteAgency", delete)  # type: ignore[no-any-return]


OPERATIONS: dict[str, Operation] = {
    "sendEdoc": send_edoc,
    "getReceivedEdocList": get_received_list,
    "getEdoc": get_edoc,
    "downloadEdoc": download_edoc,
    "updateStatus": update_status,
    "getSentEdocList": get_sent_list,
    "getAgenciesList": get_agencies,
    "getAgenciesListQD20": get_agencies_qd20,
    "getSynchronizeUnit": get_synchronize_unit,
    "registerAgency": register_agency,
    "deleteAgency": delete_agency,
    "countReceiveEdoc": _counter("edoc"),
    "countReceiveStatus": _counter("status"),
}
