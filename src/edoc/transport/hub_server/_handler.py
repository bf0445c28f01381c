"""The HTTP side of the local hub: one request handler, one function per operation."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from edoc.errors import EdocError, shorten
from edoc.transport._hub_auth import HeaderAuthError, SignedRequest, sdk_hex, verify_headers
from edoc.transport.hub_server._body import (
    BadRequest,
    BodyReader,
    boundary_of,
    parse_multipart,
    part_name,
)
from edoc.transport.hub_server._faults import Plan
from edoc.transport.hub_server._store import PENDING, Delivery, Sent, now_text
from edoc.xml._base64 import encode as b64encode

if TYPE_CHECKING:
    from edoc.transport.hub_server._server import HubServer

__all__ = ["Handler"]

log = logging.getLogger("edoc.hub")
_B64_CHUNK = 3 * (1 << 18)


class Fail(Exception):
    """A refusal answered as ``{"status": "FAIL", "ErrorCode": code, "ErrorDesc": text}``."""

    def __init__(self, code: str, text: str, http_status: int = 200) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.http_status = http_status


def ok(**fields: Any) -> dict[str, Any]:
    return {"status": "OK", "ErrorCode": "0", "ErrorDesc": "", **fields}


def _doc_id(params: dict[str, str]) -> str:
    value = params.get("docId") or params.get("docid")
    if not value:
        raise Fail("E_PARAM", "docId is missing", 400)
    return value


def _message_type(params: dict[str, str]) -> str:
    value = params.get("messagetype", "edoc")
    if value not in ("edoc", "status"):
        raise Fail("E_PARAM", f"messagetype must be edoc or status, not {shorten(value)!r}", 400)
    return value


Operation = Callable[["Handler", SignedRequest, BodyReader, Plan], "dict[str, Any] | Path"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "edoc-hub/1"
    sys_version = ""
    disable_nagle_algorithm = True  # answers go out in several writes: no 40 ms stalls

    @property
    def hub(self) -> HubServer:
        return self.server.hub  # type: ignore[attr-defined, no-any-return]

    def setup(self) -> None:
        super().setup()
        self.hub._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.hub._track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        log.info("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    # -- plumbing -----------------------------------------------------------------------

    def _raw(self, name: str) -> bytes | None:
        value = self.headers.get(name)
        return None if value is None else value.encode("latin-1", "replace")

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> BodyReader:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length_text = self.headers.get("Content-Length")
        try:
            length = int(length_text) if length_text is not None else 0
        except ValueError:
            raise BadRequest("bad Content-Length") from None
        if length < 0:
            raise BadRequest("bad Content-Length")
        return BodyReader(self.rfile, length, chunked)  # type: ignore[arg-type]

    def _dispatch(self) -> None:
        op = urlsplit(self.path).path.strip("/")
        operation = OPERATIONS.get(op)
        if operation is None:
            self.close_connection = True
            self._json(
                404, {"status": "FAIL", "ErrorCode": "E_OP", "ErrorDesc": "no such operation"}
            )
            return
        with self.hub._conn_lock:
            self.hub.requests[op] += 1
        plan = self.hub._faults.plan(op)
        if plan.delay:
            time.sleep(plan.delay)
        if plan.drop:
            log.info("fault: dropping the connection of %s", op)
            self.close_connection = True
            return
        try:
            body = self._body()
        except BadRequest as exc:
            self.close_connection = True
            self._json(400, {"status": "FAIL", "ErrorCode": "E_REQUEST", "ErrorDesc": str(exc)})
            return
        try:
            if plan.error:
                log.info("fault: answering 503 to %s", op)
                body.drain()
                raise Fail("E_UNAVAILABLE", "the hub is unavailable (injected fault)", 503)
            try:
                signed = verify_headers(
                    self._raw, self.hub._secret_for, max_skew=self.hub.max_clock_skew
                )
            except HeaderAuthError as exc:
                log.warning("refused %s from system %s: %s", op, exc.system_id, exc.reason)
                body.drain()
                raise Fail("E_AUTH", exc.reason, 401) from None
            result = operation(self, signed, body, plan)
            body.drain()
        except Fail as exc:
            if not body.finished:
                self.close_connection = True  # the rest of the body is not read
            self._json(
                exc.http_status, {"status": "FAIL", "ErrorCode": exc.code, "ErrorDesc": exc.text}
            )
            return
        except BadRequest as exc:
            self.close_connection = True
            self._json(400, {"status": "FAIL", "ErrorCode": "E_REQUEST", "ErrorDesc": str(exc)})
            return
        except (ConnectionError, TimeoutError):
            self.close_connection = True
            return
        except Exception:
            log.exception("the local hub failed on %s", op)
            self.close_connection = True
            self._json(
                500, {"status": "FAIL", "ErrorCode": "E_INTERNAL", "ErrorDesc": "internal error"}
            )
            return
        if plan.lost_reply:
            log.info("fault: %s done, dropping the answer", op)
            self.close_connection = True
            return
        if isinstance(result, Path):
            self._stream_package(result)
        else:
            self._json(200, result)

    def _stream_package(self, blob: Path) -> None:
        """``getEdoc``'s answer, base64-encoding the package while it is written."""
        size = blob.stat().st_size
        head = json.dumps(ok())[:-1].encode("ascii") + b', "data": "'
        tail = b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(head) + 4 * ((size + 2) // 3) + len(tail)))
        self.end_headers()
        self.wfile.write(head)
        with blob.open("rb") as f:
            while chunk := f.read(_B64_CHUNK):
                self.wfile.write(b64encode(chunk))
        self.wfile.write(tail)


# -- the operations ---------------------------------------------------------------------


def _recipients(hub: HubServer, to: str | None, package: Path, message_type: str) -> list[str]:
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
    from edoc.model import EdocPackage
    from edoc.xml import read

    try:
        pkg = read(package, spool_dir=hub.store.tmp)
    except EdocError as exc:
        text = shorten(str(exc), 200)
        raise Fail("E_PACKAGE", f"cannot read the package to route it: {text}") from None
    if isinstance(pkg, EdocPackage):
        if message_type != "edoc":
            raise Fail("E_PARAM", "messagetype is status but the package is an edoc package")
        return list(dict.fromkeys(org.organ_id.value for org in pkg.header.to))
    if message_type != "status":
        raise Fail("E_PARAM", "messagetype is edoc but the package is a status package")
    return [pkg.response_for.organ_id.value]


def send_edoc(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> dict[str, Any]:
    hub = h.hub
    params = signed.params
    message_type = _message_type(params)
    boundary = boundary_of(h.headers.get("Content-Type", ""))
    if boundary is None:
        raise Fail("E_REQUEST", "sendEdoc needs multipart/form-data with a boundary", 400)
    digest = hashlib.sha256()
    seen: list[int] = []
    fd, name = tempfile.mkstemp(dir=hub.store.tmp, prefix="upload.", suffix=".part")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:

            def write(data: bytes) -> None:
                digest.update(data)
                out.write(data)
                seen[0] += len(data)

            def sink_for(headers: dict[str, str]) -> Callable[[bytes], object] | None:
                if part_name(headers) == "file_doc" and not seen:
                    seen.append(0)
                    return write
                return None

            parse_multipart(body, boundary, sink_for)
            out.flush()
            os.fsync(out.fileno())
        if not seen:
            raise Fail("E_FILE", "the request has no file_doc part", 400)
        sha = digest.hexdigest()
        given = (h.headers.get("hash-file") or "").strip().lower()
        if not given:
            raise Fail("E_HASH", "the hash-file header is missing", 400)
        if given not in (sha, sdk_hex(digest.digest())):
            raise Fail("E_HASH", "hash-file does not match the SHA-256 of file_doc", 400)
        organs = _recipients(hub, params.get("to"), tmp, message_type)
        if not organs:
            raise Fail("E_RECIPIENT", "the package names no recipient")
        targets = []
        for organ in organs:
            system = hub.system_for(organ)
            if system is None:
                raise Fail("E_RECIPIENT", f"unknown recipient {shorten(organ)!r}")
            targets.append((organ, system))
        hub.store.keep_blob(tmp, sha)
    finally:
        tmp.unlink(missing_ok=True)
    sent_id = hub.store.new_id()
    now = now_text()
    deliveries = []
    for organ, system in targets:
        for _ in range(2 if plan.duplicate else 1):
            deliveries.append(
                Delivery(
                    doc_id=hub.store.new_id(),
                    sender_doc_id=sent_id,
                    system_id=system,
                    to_organ=organ,
                    from_organ=params.get("from") or signed.system_id,
                    from_system=signed.system_id,
                    message_type=message_type,
                    sha256=sha,
                    size=seen[0],
                    created=now,
                    updated=now,
                )
            )
    if plan.duplicate:
        log.info("fault: delivering %s twice", sent_id)
    hub.store.add(
        Sent(
            doc_id=sent_id,
            from_system=signed.system_id,
            from_organ=params.get("from") or signed.system_id,
            to=[o for o, _ in targets],
            message_type=message_type,
            sha256=sha,
            size=seen[0],
            created=now,
            deliveries=[d.doc_id for d in deliveries],
        ),
        deliveries,
    )
    log.info("stored %s %s from %s for %d recipient(s)", message_type, sent_id,
             signed.system_id, len(targets))  # fmt: skip
    return ok(DocId=sent_id)


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


def get_received_list(
    h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan
) -> dict[str, Any]:
    waiting = h.hub.store.waiting(signed.system_id, _message_type(signed.params))
    return ok(data=[_entry(d) for d in waiting[: h.hub.page_size]])


def get_edoc(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> Path:
    delivery = _owned(h, signed, _doc_id(signed.params))
    blob = h.hub.store.blob(delivery.sha256)
    if not blob.exists():
        raise Fail("E_INTERNAL", "the package's bytes are missing from the hub's data", 500)
    with h.hub._conn_lock:
        h.hub.fetched[delivery.doc_id] += 1
    return blob


def update_status(
    h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan
) -> dict[str, Any]:
    delivery = _owned(h, signed, _doc_id(signed.params))
    status = signed.params.get("status", "")
    if status not in ("done", "fail", "processing"):
        raise Fail(
            "E_PARAM", f"status must be done, fail or processing, not {shorten(status)!r}", 400
        )
    if delivery.status != status:
        h.hub.store.set_status(delivery, status)
    return ok()


def get_sent_list(
    h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan
) -> dict[str, Any]:
    store = h.hub.store
    message_type = _message_type(signed.params)
    only = signed.params.get("docId") or signed.params.get("docid")
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


def get_agencies(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> dict[str, Any]:
    data = []
    for agency in h.hub.agencies.values():
        for organ in agency.organ_ids or (agency.system_id,):
            data.append({
                "id": organ, "pid": "", "code": organ, "name": agency.name or organ,
                "mail": "", "systemId": agency.system_id,
            })  # fmt: skip
    return ok(data=data)


def _counter(message_type: str) -> Operation:
    def count(h: Handler, signed: SignedRequest, body: BodyReader, plan: Plan) -> dict[str, Any]:
        return ok(count=len(h.hub.store.waiting(signed.system_id, message_type)))

    return count


OPERATIONS: dict[str, Operation] = {
    "sendEdoc": send_edoc,
    "getReceivedEdocList": get_received_list,
    "getEdoc": get_edoc,
    "updateStatus": update_status,
    "getSentEdocList": get_sent_list,
    "getAgenciesList": get_agencies,
    "countReceiveEdoc": _counter("edoc"),
    "countReceiveStatus": _counter("status"),
}
