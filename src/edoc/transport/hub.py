"""The national hub client (VDXP/VXP REST API), over httpx, speaking the wire the official
Java client ``SDKVXP-2.0.1`` speaks (``shared/spec/hub-wire.md``).

Needs the ``http`` extra: ``pip install 'edoc-edxml[http]'``.

* ``send`` → ``POST /sendEdoc``: an ``application/octet-stream`` body, the file's bytes
  streamed from disk then one CRLF; ``servicetype``, ``messagetype``, ``hash-file`` (the
  SHA-256 in the official client's zero-dropping hex), ``from`` (and ``to`` when given)
  signed as ``XroadVnpt-*`` headers.
* ``receive`` → ``getReceivedEdocList`` (``edoc`` then ``status``), ``getEdoc`` for each
  entry (the base64 ``data`` decoded while it arrives into a temporary file in the inbox,
  fsynced, renamed), then the application calls ``ack`` → ``updateStatus`` done/fail.
* Transient failures (connection refused or lost, timeouts, HTTP 5xx) are retried with
  exponential backoff and jitter; 4xx answers and authentication failures never are.
* Receive is idempotent: the inbox keeps a log (``.edoc-received.jsonl``) of what was
  stored and settled. A package listed again after it was settled is acknowledged again
  and not handed out; a second delivery of bytes already stored (same SHA-256, new docId)
  is settled like the first and not handed out either.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, TypeVar

import attrs

from edoc._files import file_mode
from edoc.errors import InputError, MissingDependencyError, SourceError

try:
    import httpx
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise MissingDependencyError("the hub client (HubTransport)", "httpx", "http") from exc

from edoc.transport import _answer, _received
from edoc.transport._hub_auth import Secret, sdk_hex, sign_headers
from edoc.transport._hub_errors import map_errors, status_error
from edoc.transport._json_stream import MAX_DEPTH, Base64Member, loads_bounded
from edoc.transport._payload import CHUNK, fsync_dir, hash_file, spooled
from edoc.transport._retry import Backoff, retrying
from edoc.transport.base import Incoming, Kind, Outcome, Outgoing, Payload, Receipt, Transport
from edoc.transport.errors import (
    AuthenticationError,
    ConnectError,
    ProtocolError,
    RejectedError,
    StorageError,
    TransportClosedError,
    TransportError,
    UnknownMessageError,
)

__all__ = ["HubTransport", "Skipped"]

T = TypeVar("T")
log = logging.getLogger("edoc.transport.hub")
_NAME = "hub"
_KINDS: tuple[Kind, ...] = ("edoc", "status")
_MAX_ERROR_BODY = 1 << 16
_MAX_ID = 200
# Failures that are not one entry's fault: receive stops instead of skipping the entry.
_FATAL = (AuthenticationError, ConnectError, StorageError, TransportClosedError)


_OCTETS = "application/octet-stream"
_JSON = "application/json"
# The official client sends "{}" to these; an empty body to every other POST (hub-wire §3).
_BRACES = frozenset({"getEdoc", "updateStatus", "countReceiveEdoc", "countReceiveStatus",
                     "deleteAgency"})  # fmt: skip


def _file_and_crlf(f: BinaryIO, size: int) -> Iterator[bytes]:
    """sendEdoc's body: the file's ``size`` bytes as they were hashed, in chunks, then CRLF."""
    left = size
    while left:
        chunk = f.read(min(CHUNK, left))
        if not chunk:
            raise SourceError("the package got shorter while it was being sent")
        left -= len(chunk)
        yield chunk
    yield b"\r\n"


def _entry_id(entry: Mapping[str, Any]) -> str | None:
    """The entry's docId as text; ``ValueError`` if it is not a usable id."""
    for key in ("docId", "docid", "DocId", "id"):
        value = entry.get(key)
        if value in (None, ""):
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError(f"its {key} is a JSON {type(value).__name__}, not text")
        text = str(value)
        if len(text) > _MAX_ID or not text.isprintable() or text != text.strip():
            raise ValueError(f"its {key} is not a printable id of at most {_MAX_ID} characters")
        return text
    return None


@attrs.frozen
class Skipped:
    """A listed entry that :meth:`HubTransport.receive` skipped, and why."""

    kind: str
    doc_id: str | None
    """The entry's docId when it had a usable one."""
    reason: str


class HubTransport(Transport):
    """A client of the national document hub (or of ``edoc hub serve``).

    ``endpoint`` is the hub's base URL (``service.endpoint``), ``system_id`` and ``secret``
    the agency's credentials (``systemid``, ``secret``). ``organ_id`` is the sender's
    OrganId for ``from`` (default: the system id). ``inbox`` is the folder :meth:`receive`
    stores packages in (with its log). ``timeout`` applies to connecting and to each read
    and write, and bounds each small call (lists, ``updateStatus``) in total, from
    connecting to the answer's last byte; ``retries`` is how often a transient failure is
    retried, after delays of ``backoff * 2**n`` seconds (half random), capped at
    ``max_backoff``. Every answer is capped before it is parsed: a download stops with
    :class:`~edoc.transport.errors.TransportLimitError` past ``max_bytes`` (on the wire or
    decompressed, so a gzip bomb stops at the cap) and with
    :class:`~edoc.transport.errors.TransportTimeout` past ``max_seconds`` in all (a peer
    that trickles bytes never trips ``timeout``); a small call's answer past
    ``max_answer_bytes``, or nesting deeper than ``max_depth``, or repeating a key, is
    refused. A call that ran out of time is not retried.

    The secret is never logged, shown in a ``repr`` or put in an error message.
    """

    name: ClassVar[str] = _NAME

    def __init__(
        self,
        endpoint: str,
        system_id: str,
        secret: str | Secret,
        *,
        organ_id: str | None = None,
        inbox: str | os.PathLike[str] | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        service_type: str = "eDoc",
        verify: bool | str = True,
        max_bytes: int = 2 << 30,
        max_seconds: float = 3600.0,
        max_answer_bytes: int = 16 << 20,
        max_depth: int = MAX_DEPTH,
    ) -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise InputError(f"the hub endpoint must be an http(s) URL, not {endpoint!r}")
        if not system_id:
            raise InputError("the system id is empty")
        self.endpoint = endpoint.rstrip("/")
        self.system_id = system_id
        self.organ_id = organ_id or system_id
        self.inbox = Path(inbox) if inbox is not None else None
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self.max_answer_bytes = max_answer_bytes
        self.max_depth = max_depth
        self.service_type = service_type
        self.policy = Backoff(retries=retries, base=backoff, cap=max_backoff)
        try:
            self._secret = Secret(secret)
        except (TypeError, ValueError) as exc:
            raise InputError(f"the hub secret is unusable: {exc}") from None
        self._client = httpx.Client(
            base_url=self.endpoint,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            # Requests go out in several writes (headers, then the file): no Nagle stalls.
            transport=_answer.network(
                verify=verify, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
            ),
        )
        self._log: _received.ReceivedLog | None = None
        self._pending: dict[str, _received.Entry] = {}
        self._duplicates: dict[str, set[str]] = {}
        self.skipped: list[Skipped] = []
        """The entries the last :meth:`receive` skipped (also logged as warnings)."""

    def __repr__(self) -> str:
        return f"HubTransport(endpoint={self.endpoint!r}, system_id={self.system_id!r})"

    def close(self) -> None:
        if not self._closed:
            self._client.close()
            if self._log is not None:
                self._log.close()
                self._log = None
        super().close()

    # -- one signed request -------------------------------------------------------------

    def _headers(self, params: Mapping[str, str], content_type: str) -> list[tuple[bytes, bytes]]:
        for name, value in params.items():
            if any(c in value for c in "\r\n\0"):
                raise InputError(f"the {name!r} value holds a line break or NUL: not a header")
        signed = sign_headers(
            params, system_id=self.system_id, secret=self._secret, content_type=content_type
        )
        return [(k.encode("ascii"), v.encode("utf-8")) for k, v in signed.items()]

    def _check(self, response: httpx.Response, op: str, message_id: str | None) -> None:
        if response.status_code >= 300:
            body: Mapping[str, Any] | None = None
            with contextlib.suppress(ProtocolError):
                value = self._json(response, op, message_id, _MAX_ERROR_BODY)
                body = value if isinstance(value, dict) else None
            raise status_error(response.status_code, op, body, message_id)

    def _json(
        self, response: httpx.Response, op: str, message_id: str | None, max_bytes: int
    ) -> object:
        """A small answer, read within ``max_bytes`` and the call's deadline, then parsed."""
        data = bytearray()
        started = time.monotonic()
        chunks = _answer.body(
            response, op, message_id, max_bytes=max_bytes, max_seconds=self.timeout,
            limit="timeout", started=started,
        )  # fmt: skip
        for part in chunks:
            data += part
        try:
            return loads_bounded(bytes(data), max_depth=self.max_depth)
        except ValueError as exc:
            raise ProtocolError(
                f"{op}: the hub's answer is not the expected JSON ({exc})",
                transport=_NAME,
                message_id=message_id,
            ) from None

    def _answer(self, body: object, op: str, status: int, message_id: str | None) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ProtocolError(
                f"{op}: the hub's answer is not a JSON object",
                transport=_NAME,
                message_id=message_id,
            )
        if not isinstance(body.get("status", ""), str):
            raise ProtocolError(
                f"{op}: the hub's answer has a status that is not text",
                transport=_NAME,
                message_id=message_id,
            )
        if str(body.get("status", "")).upper() != "OK":
            code = body.get("ErrorCode")
            detail = str(body.get("ErrorDesc") or "no description")
            raise RejectedError(
                f"{op}: the hub answered FAIL (ErrorCode {code}): {detail}",
                status=status,
                code=None if code is None else str(code),
                detail=detail,
                transport=_NAME,
                message_id=message_id,
            )
        return body

    def _call(
        self,
        op: str,
        params: Mapping[str, str],
        *,
        message_id: str | None = None,
        content: bytes | None = None,
    ) -> dict[str, Any]:
        """A POST whose parameters travel as signed headers, retried when transient; its body
        is ``content``, else what the official client sends (``{}`` or nothing)."""
        sent = content if content is not None else b"{}" if op in _BRACES else b""

        def attempt() -> dict[str, Any]:
            headers = self._headers(params, _JSON)
            with (
                _answer.bounded(op, message_id, self.timeout, "timeout"),
                map_errors(op, message_id),
            ):
                with self._client.stream(
                    "POST", "/" + op, headers=headers, content=sent
                ) as response:
                    self._check(response, op, message_id)
                    body = self._json(response, op, message_id, self.max_answer_bytes)
                return self._answer(body, op, response.status_code, message_id)

        self._check_open()
        return retrying(self.policy, f"hub {op}", attempt)

    # -- the operations -----------------------------------------------------------------

    def send(self, payload: Payload | Outgoing) -> Receipt:
        """``sendEdoc``: upload the package (streamed from disk) and return the hub's DocId.

        A stream payload is first copied to a temporary file, since ``hash-file`` must be
        known before the upload starts. A transient failure after the upload may mean the
        hub stored it anyway; the retry then sends it again, and the receiving side
        recognises the second copy by its SHA-256.
        """
        self._check_open()
        out = Outgoing.of(payload)
        with spooled(out.payload) as source:
            # The official client's map order: servicetype, messagetype, hash-file, from, to.
            params = {
                "servicetype": self.service_type,
                "messagetype": out.kind,
                "hash-file": sdk_hex(bytes.fromhex(source.sha256)),
                "from": out.sender or self.organ_id,
            }
            if out.to:
                params["to"] = json.dumps(list(out.to), ensure_ascii=False, separators=(",", ":"))

            def attempt() -> Receipt:
                headers = self._headers(params, _OCTETS)
                headers += [(b"Cache-Control", b"no-cache"), (b"Pragma", b"no-cache")]
                headers.append((b"Content-Length", str(source.size + 2).encode("ascii")))
                with (
                    _answer.bounded("sendEdoc", None, self.timeout, "timeout"),
                    map_errors("sendEdoc"),
                    source.open() as f,
                    self._client.stream(
                        "POST",
                        "/sendEdoc",
                        headers=headers,
                        content=_file_and_crlf(f, source.size),
                    ) as response,
                ):
                    self._check(response, "sendEdoc", None)
                    body = self._json(response, "sendEdoc", None, self.max_answer_bytes)
                    answer = self._answer(body, "sendEdoc", response.status_code, None)
                doc_id = answer.get("DocId") or answer.get("docId")
                if not doc_id:
                    raise ProtocolError("sendEdoc: the hub's answer has no DocId", transport=_NAME)
                return Receipt(
                    doc_id=str(doc_id), sha256=source.sha256, transport=_NAME, size=source.size
                )

            receipt = retrying(self.policy, "hub sendEdoc", attempt)
        log.info("sent %s (%d bytes) as hub DocId %s", out.kind, receipt.size, receipt.doc_id)
        return receipt

    def list_received(self, kind: Kind = "edoc") -> list[dict[str, Any]]:
        """``getReceivedEdocList``: what waits for this agency, as the hub lists it."""
        answer = self._call(
            "getReceivedEdocList", {"servicetype": self.service_type, "messagetype": kind}
        )
        return [e for e in answer.get("data") or [] if isinstance(e, dict)]

    def list_sent(self, kind: Kind = "edoc", *, doc_id: str | None = None) -> list[dict[str, Any]]:
        """``getSentEdocList``: what this agency sent and where each copy stands."""
        params = {"servicetype": self.service_type, "messagetype": kind}
        if doc_id is not None:
            params["docId"] = doc_id
        answer = self._call("getSentEdocList", params, message_id=doc_id)
        return [e for e in answer.get("data") or [] if isinstance(e, dict)]

    def list_agencies(self) -> list[dict[str, Any]]:
        """``getAgenciesList``: the agencies the hub knows."""
        answer = self._call("getAgenciesList", {})
        return [e for e in answer.get("data") or [] if isinstance(e, dict)]

    def list_agencies_qd20(self, level: str | None = None) -> list[dict[str, Any]]:
        """``getAgenciesListQD20``: the agencies with their Decision 20 codes (``code102``)."""
        params = {} if level is None else {"level": level}
        answer = self._call("getAgenciesListQD20", params)
        return [e for e in answer.get("data") or [] if isinstance(e, dict)]

    def synchronize_units(self) -> list[dict[str, Any]]:
        """``getSynchronizeUnit``: the hub's unit list for synchronisation."""
        answer = self._call("getSynchronizeUnit", {})
        return [e for e in answer.get("data") or [] if isinstance(e, dict)]

    def register_agency(
        self, code: str, name: str, *, pcode: str = "", mail: str = "", mobile: str = "",
        fax: str = "",
    ) -> None:  # fmt: skip
        """``registerAgency``: register an agency (OrganId ``code``) under this system."""
        record = {"id": "", "pcode": pcode, "code": code, "name": name, "mail": mail,
                  "mobile": mobile, "fax": fax}  # fmt: skip
        content = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
        self._call("registerAgency", {}, content=content)

    def delete_agency(self, code: str) -> None:
        """``deleteAgency``: remove an agency this system registered."""
        self._call("deleteAgency", {"AgencyCode": code})

    def count_received(self, kind: Kind = "edoc") -> int:
        """``countReceiveEdoc`` / ``countReceiveStatus``: how many packages wait."""
        op = "countReceiveEdoc" if kind == "edoc" else "countReceiveStatus"
        count = self._call(op, {}).get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ProtocolError(f"{op}: the hub's count is not a number", transport=_NAME)
        return count

    def update_status(self, doc_id: str, status: str) -> None:
        """``updateStatus``: ``done``, ``fail`` (or ``processing``) for a received package.

        Prefer :meth:`acknowledge` (or :meth:`Incoming.ack`), which also records the
        outcome in the inbox log.
        """
        self._call("updateStatus", {"docId": doc_id, "status": status}, message_id=doc_id)

    def fetch(
        self, doc_id: str, folder: str | os.PathLike[str], *, raw: bool = False
    ) -> tuple[Path, str, int]:
        """``getEdoc``: the package into a new hidden temporary file in ``folder``.

        The base64 ``data`` is decoded while it arrives; the file is fsynced. Returns
        (path, sha256, size); the caller renames or deletes the file. With ``raw``, the
        package comes from ``downloadEdoc`` (a GET answered with the file's bytes).
        """
        self._check_open()
        folder = Path(folder)
        op = "downloadEdoc" if raw else "getEdoc"

        def attempt() -> tuple[Path, str, int]:
            with map_errors(op, doc_id):
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=".edoc-get.", suffix=".part")
                try:
                    os.fchmod(fd, file_mode())  # a package, not a secret: the umask decides
                    with os.fdopen(fd, "wb") as out:
                        download = self._download_raw if raw else self._download
                        sha, size = download(doc_id, out)
                        out.flush()
                        os.fsync(out.fileno())
                except BaseException:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)
                    raise
                return Path(tmp), sha, size

        return retrying(self.policy, f"hub {op} {doc_id}", attempt)

    def _download_raw(self, doc_id: str, out: Any) -> tuple[str, int]:
        digest = hashlib.sha256()
        headers = self._headers({"docId": doc_id}, _JSON)
        started, received = time.monotonic(), 0
        with (
            _answer.bounded("downloadEdoc", doc_id, self.max_seconds, "max_seconds"),
            self._client.stream("GET", "/downloadEdoc", headers=headers) as response,
        ):
            self._check(response, "downloadEdoc", doc_id)
            chunks = _answer.body(
                response, "downloadEdoc", doc_id, max_bytes=self.max_bytes,
                max_seconds=self.max_seconds, limit="max_seconds", started=started,
            )  # fmt: skip
            for chunk in chunks:
                received += len(chunk)
                digest.update(chunk)
                out.write(chunk)
        if not received:
            raise ProtocolError(
                "downloadEdoc: the hub's answer is empty", transport=_NAME, message_id=doc_id
            )
        return digest.hexdigest(), received

    def _download(self, doc_id: str, out: Any) -> tuple[str, int]:
        digest = hashlib.sha256()

        def write(data: bytes) -> None:
            digest.update(data)
            out.write(data)

        member = Base64Member(write, max_depth=self.max_depth)
        headers = self._headers({"docId": doc_id}, _JSON)
        started = time.monotonic()
        with (
            _answer.bounded("getEdoc", doc_id, self.max_seconds, "max_seconds"),
            self._client.stream("POST", "/getEdoc", headers=headers, content=b"{}") as response,
        ):
            self._check(response, "getEdoc", doc_id)
            try:
                chunks = _answer.body(
                    response, "getEdoc", doc_id, max_bytes=self.max_bytes,
                    max_seconds=self.max_seconds, limit="max_seconds", started=started,
                )  # fmt: skip
                for chunk in chunks:
                    member.feed(chunk)
                others = member.close()
            except ValueError as exc:
                raise ProtocolError(
                    f"getEdoc: the hub's answer is not the expected JSON ({exc})",
                    transport=_NAME,
                    message_id=doc_id,
                ) from None
        self._answer(others, "getEdoc", response.status_code, doc_id)
        if not member.found:
            raise ProtocolError(
                "getEdoc: the hub's answer has no data", transport=_NAME, message_id=doc_id
            )
        return digest.hexdigest(), member.decoded_size

    # -- receive and acknowledge --------------------------------------------------------

    def _state_log(self) -> _received.ReceivedLog:
        if self._log is None:
            self._log = _received.open_inbox_log(self.inbox, transport=_NAME, owner="HubTransport")
        return self._log

    def receive(self, *, max_messages: int | None = None) -> Iterator[Incoming]:
        """Yield each package waiting at the hub, stored completely in the inbox.

        Edoc packages come first, then status packages. A package already settled, or
        whose bytes are already stored under another docId, is acknowledged again at the
        hub as before and not yielded. One handed out and not yet acknowledged is not
        yielded twice by this object; after a restart it is yielded again (from the file
        already stored).
        """
        self._check_open()
        state = self._state_log()
        assert self.inbox is not None
        self.skipped = []
        count = 0
        for kind in _KINDS:
            for entry in self._listed(kind):
                if max_messages is not None and count >= max_messages:
                    return
                try:
                    doc_id = _entry_id(entry)
                except ValueError as exc:
                    self._skip(kind, None, f"the entry is unusable: {exc}")
                    continue
                if doc_id is None:
                    self._skip(kind, None, "the entry has no docId")
                    continue
                sender = entry.get("from")
                try:
                    item = self._take(state, doc_id, kind, None if sender is None else str(sender))
                except _FATAL:
                    raise
                except (TransportError, InputError) as exc:
                    self._skip(kind, doc_id, str(exc))
                    continue
                if item is not None:
                    count += 1
                    yield item

    def _listed(self, kind: Kind) -> Iterator[dict[str, Any]]:
        answer = self._call(
            "getReceivedEdocList", {"servicetype": self.service_type, "messagetype": kind}
        )
        data = answer.get("data") or []
        if not isinstance(data, list):
            raise ProtocolError(
                "getReceivedEdocList: the hub's data is not a list", transport=_NAME
            )
        for entry in data:
            if isinstance(entry, dict):
                yield entry
            else:
                self._skip(kind, None, f"the entry is a JSON {type(entry).__name__}, not an object")

    def _skip(self, kind: str, doc_id: str | None, reason: str) -> None:
        """Report a listed entry that cannot be received; receive goes on with the next."""
        self.skipped.append(Skipped(kind, doc_id, reason))
        log.warning("skipped a %s entry listed by the hub (docId %r): %s", kind, doc_id, reason)

    def _take(
        self, state: _received.ReceivedLog, doc_id: str, kind: Kind, sender: str | None
    ) -> Incoming | None:
        assert self.inbox is not None
        if doc_id in self._pending:
            return None
        known = state.get(doc_id)
        if known is not None and known.state == "done":
            log.info("hub lists %s again, already done: acknowledging again", doc_id)
            self._reack(doc_id, "done")
            return None
        if (
            known is not None
            and known.state == "duplicate"
            and self._settle_duplicate(state, known)
        ):
            return None
        if known is not None and known.state == "stored":
            path = self.inbox / known.file
            with contextlib.suppress(OSError):
                if path.stat().st_size == known.size and hash_file(path)[0] == known.sha256:
                    return self._hand_out(known)
        tmp, sha, size = self.fetch(doc_id, self.inbox)
        holder = state.holder_of(sha)
        if holder is not None and holder.doc_id != doc_id:
            os.unlink(tmp)
            dup = _received.Entry(
                doc_id=doc_id, sha256=sha, size=size, kind=kind, file=holder.file,
                state="duplicate", sender=sender, original=holder.doc_id,
            )  # fmt: skip
            self._record(state, dup)
            log.info("hub docId %s repeats the bytes of %s: not handed out", doc_id, holder.doc_id)
            self._settle_duplicate(state, dup)
            return None
        name = _received.file_name(doc_id)
        try:
            os.replace(tmp, self.inbox / name)
            fsync_dir(self.inbox)
        except OSError as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise StorageError(
                f"cannot store {name}: {exc.strerror}", transport=_NAME, message_id=doc_id
            ) from exc
        entry = _received.Entry(
            doc_id=doc_id, sha256=sha, size=size, kind=kind, file=name, state="stored",
            sender=sender,
        )  # fmt: skip
        self._record(state, entry)
        log.info("stored hub %s %s (%d bytes) as %s", kind, doc_id, size, name)
        return self._hand_out(entry)

    def _settle_duplicate(self, state: _received.ReceivedLog, dup: _received.Entry) -> bool:
        """Acknowledge a duplicate as its original was; ``False`` if the original is gone."""
        original = state.get(dup.original) if dup.original is not None else None
        if original is None or original.state == "fail":
            return False
        if original.state == "done":
            self._reack(dup.doc_id, "done")
        else:  # still pending: settled together with the original
            self._duplicates.setdefault(original.doc_id, set()).add(dup.doc_id)
        return True

    def _reack(self, doc_id: str, status: str) -> None:
        """Tell the hub again; a refusal (it forgot the docId) is logged, not raised."""
        try:
            self.update_status(doc_id, status)
        except RejectedError as exc:
            log.warning("hub refused updateStatus %s for %s: %s", status, doc_id, exc)

    def _hand_out(self, entry: _received.Entry) -> Incoming:
        assert self.inbox is not None
        self._pending[entry.doc_id] = entry
        kind: Kind = "status" if entry.kind == "status" else "edoc"
        return Incoming(
            message_id=entry.doc_id,
            kind=kind,
            path=self.inbox / entry.file,
            sha256=entry.sha256,
            size=entry.size,
            sender=entry.sender,
            transport=self,
        )

    def _record(self, state: _received.ReceivedLog, entry: _received.Entry) -> None:
        try:
            state.record(entry)
        except OSError as exc:
            raise StorageError(
                f"cannot write the inbox log: {exc.strerror}",
                transport=_NAME,
                message_id=entry.doc_id,
            ) from exc

    def acknowledge(self, message_id: str, outcome: Outcome) -> None:
        """Record the outcome in the inbox log, then tell the hub (``updateStatus``).

        The log is written first: if the hub cannot be told now, the next :meth:`receive`
        tells it when the hub lists the package again.
        """
        self._check_open()
        outcome = Outcome(outcome)
        entry = self._pending.get(message_id)
        if entry is None:
            raise UnknownMessageError(
                f"message {message_id} was not received here or is already settled",
                transport=_NAME,
                message_id=message_id,
            )
        state = self._state_log()
        settled = _received.Entry(
            doc_id=entry.doc_id, sha256=entry.sha256, size=entry.size, kind=entry.kind,
            file=entry.file, state="done" if outcome is Outcome.DONE else "fail",
            sender=entry.sender,
        )  # fmt: skip
        self._record(state, settled)
        del self._pending[message_id]
        self.update_status(message_id, outcome.value)
        for dup in sorted(self._duplicates.pop(message_id, ())):
            self.update_status(dup, outcome.value)
