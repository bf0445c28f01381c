# ruff: noqa: E501  (one case per line reads best)
"""Issue 17 class 5, "the local hub trusts too much": ``edoc hub serve`` attacked on loopback
(T2 idle connections, T4 stale timestamps, replays and a spoofed From, R6 a body read
before authentication, C11 a secret on the command line). Requests are signed here, with
the official client's format (hub-wire.md §1), never by edoc's code."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from ._build import Ctx
from ._case import Accepted, Case

SYS_A, KEY_A, ORG_A = "vxp.saas.a", "s3cr3t-hub-A", "000.00.00.G22"
SYS_B, KEY_B, ORG_B = "vxp.saas.b", "s3cr3t-hub-B", "000.00.00.H41"


def _stamp(moment: dt.datetime | None = None) -> str:
    now = moment or dt.datetime.now(dt.timezone(dt.timedelta(hours=7)))
    return now.strftime("%d%m%YT%H%M%S") + "+" + str(now.microsecond // 1000).zfill(4)


def _signed(
    params: dict[str, str], system: str, secret: str, content_type: str, stamp: str | None = None
) -> dict[str, str]:
    entries = {
        "systemid": system,
        **params,
        "timestamp": stamp or _stamp(),
        "Content-Type": content_type,
    }
    prefixed = {f"XroadVnpt-{k}": v for k, v in entries.items()}
    sign = json.dumps(prefixed, ensure_ascii=False, separators=(",", ":"))
    return {
        "Content-Type": content_type,
        **prefixed,
        "XroadVnpt-sign-header-key": ";".join(entries),
        "XroadVnpt-sign-header": sign,
        "XroadVnpt-hash-header": hmac.new(
            secret.encode(), sign.encode(), hashlib.sha256
        ).hexdigest(),
    }


def _send_headers(
    data: bytes, system: str = SYS_A, secret: str = KEY_A, sender: str = ORG_A
) -> dict[str, str]:
    params = {
        "servicetype": "eDoc",
        "messagetype": "edoc",
        "hash-file": hashlib.sha256(data).hexdigest(),
        "from": sender,
        "to": f'["{ORG_B}"]',
    }
    return _signed(params, system, secret, "application/octet-stream")


@contextmanager
def _hub(c: Ctx, **options: Any) -> Iterator[Any]:
    from edoc.transport.hub_server import HubAgency, HubServer

    agencies = [
        HubAgency(system_id=SYS_A, secret=KEY_A, organ_ids=[ORG_A]),
        HubAgency(system_id=SYS_B, secret=KEY_B, organ_ids=[ORG_B]),
    ]
    with HubServer(c.work / "hubdata", agencies, **options) as hub:
        yield hub


def _post(hub: Any, op: str, headers: dict[str, str], body: bytes) -> httpx.Response:
    return httpx.post(f"{hub.url}/{op}", headers=headers, content=body, timeout=5)


def _stale(c: Ctx) -> Any:
    def run() -> Any:
        with _hub(c) as hub:
            old = _signed(
                {},
                SYS_A,
                KEY_A,
                "application/json",
                _stamp(dt.datetime(2015, 9, 30, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))),
            )
            return _post(hub, "getAgenciesList", old, b"")

    return run


def _refused_auth(match: str, status: int = 401) -> Any:
    def check(response: Any, c: Ctx) -> None:
        assert response.status_code == status, (response.status_code, response.text)
        answer = response.json()
        assert answer["ErrorCode"] == "E_AUTH", answer
        assert match in answer["ErrorDesc"], answer
        assert answer["DocId"] is None

    return check


def _replay_other_body(c: Ctx) -> Any:
    """Captured sendEdoc headers, replayed with another body: with the plain hash-file of
    the new body, with the signed one's header rewritten, and with the signed JSON edited."""

    def run() -> Any:
        first, other = b"<edXML>first</edXML>", b"<edXML>other</edXML>"
        with _hub(c) as hub:
            captured = _send_headers(first)
            assert _post(hub, "sendEdoc", captured, first + b"\r\n").json()["status"] == "OK"
            new_sha = hashlib.sha256(other).hexdigest()
            plain = _post(hub, "sendEdoc", {**captured, "hash-file": new_sha}, other + b"\r\n")
            header = _post(
                hub, "sendEdoc", {**captured, "XroadVnpt-hash-file": new_sha}, other + b"\r\n"
            )
            edited = dict(captured)
            edited["XroadVnpt-sign-header"] = captured["XroadVnpt-sign-header"].replace(
                hashlib.sha256(first).hexdigest(), new_sha
            )
            edited["XroadVnpt-hash-file"] = new_sha
            inside = _post(hub, "sendEdoc", edited, other + b"\r\n")
            same = _post(hub, "sendEdoc", captured, first + b"\r\n")
            return (
                [r.json() for r in (plain, header, inside, same)],
                len(hub.store.deliveries),
                {d.sha256 for d in hub.store.deliveries.values()},
            )

    return run


def _replay_other_body_fails(result: Any, c: Ctx) -> None:
    (plain, header, inside, same), deliveries, shas = result
    assert plain["ErrorCode"] == "E_HASH", plain  # the signed hash-file is the old body's
    assert header["ErrorCode"] == "E_AUTH", header  # differs from its signed value
    assert inside["ErrorCode"] == "E_AUTH", inside  # the HMAC no longer holds
    assert same["status"] == "OK", same  # a pure replay: the first answer, nothing done
    assert deliveries == 1, deliveries
    assert shas == {hashlib.sha256(b"<edXML>first</edXML>").hexdigest()}


def _replay_status(c: Ctx) -> Any:
    """updateStatus processing, then done, then the captured "processing" replayed."""

    def run() -> Any:
        with _hub(c) as hub:
            data = b"<edXML>status</edXML>"
            assert (
                _post(hub, "sendEdoc", _send_headers(data), data + b"\r\n").json()["status"] == "OK"
            )
            [delivery] = hub.store.deliveries.values()
            processing = _signed(
                {"docId": delivery.doc_id, "status": "processing"}, SYS_B, KEY_B, "application/json"
            )
            assert _post(hub, "updateStatus", processing, b"{}").json()["status"] == "OK"
            time.sleep(0.002)  # a new millisecond: a new signature
            done = _signed(
                {"docId": delivery.doc_id, "status": "done"}, SYS_B, KEY_B, "application/json"
            )
            assert _post(hub, "updateStatus", done, b"{}").json()["status"] == "OK"
            replayed = _post(hub, "updateStatus", processing, b"{}").json()
            return replayed, hub.store.deliveries[delivery.doc_id].status

    return run


def _status_kept(result: Any, c: Ctx) -> None:
    replayed, status = result
    assert replayed["status"] == "OK", replayed  # the first answer again
    assert status == "done", status  # the replay changed nothing


def _spoofed_from(c: Ctx) -> Any:
    def run() -> Any:
        with _hub(c) as hub:
            data = b"<edXML>spoof</edXML>"
            response = _post(
                hub, "sendEdoc", _send_headers(data, SYS_B, KEY_B, sender=ORG_A), data + b"\r\n"
            )
            assert hub.store.deliveries == {}
            return response

    return run


def _idle(c: Ctx) -> Any:
    """A connection that sends nothing, and one that sends half a request line."""

    def run() -> Any:
        with _hub(c, idle_timeout=0.5) as hub:
            out = []
            for first in (b"", b"POST /getAgenciesList HT"):
                s = socket.create_connection(("127.0.0.1", hub.port), timeout=5)
                s.sendall(first)
                t0 = time.monotonic()
                data = s.recv(100)
                out.append((data, time.monotonic() - t0))
                s.close()
            return out

    return run


def _idle_closed(result: Any, c: Ctx) -> None:
    for data, seconds in result:
        assert data == b"", data  # closed without an answer
        assert seconds < 3.0, seconds  # by the idle timeout, not by the client's 5 s


def _unauthenticated_body(c: Ctx) -> Any:
    """Headers of a 64 MiB upload with a wrong HMAC, then the body trickled 64 KiB a time:
    the 401 must come back before the hub has read more than a little of it."""

    def run() -> Any:
        with _hub(c) as hub:
            headers = _send_headers(b"x" * 10, SYS_A, "wrong-secret")
            headers["Content-Length"] = str(64 << 20)
            head = (
                "POST /sendEdoc HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                + "\r\n"
            )
            s = socket.create_connection(("127.0.0.1", hub.port), timeout=5)
            s.sendall(head.encode())
            sent, answer = 0, b""
            s.settimeout(0.05)
            while sent < (4 << 20) and b"\r\n\r\n" not in answer:
                try:
                    answer += s.recv(4096)
                except TimeoutError:
                    pass
                except OSError:
                    break
                try:
                    s.sendall(b"\0" * 65536)
                    sent += 65536
                except OSError:
                    break
            s.settimeout(5)
            while b"}" not in answer:
                try:
                    more = s.recv(4096)
                except OSError:
                    break
                if not more:
                    break
                answer += more
            s.close()
            expect = (
                "POST /sendEdoc HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                + "\r\n"
            )
            s = socket.create_connection(("127.0.0.1", hub.port), timeout=5)
            s.sendall(expect.encode())
            first = s.recv(4096)
            s.close()
            return sent, answer, first

    return run


def _answered_before_the_body(result: Any, c: Ctx) -> None:
    sent, answer, first = result
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b'"E_AUTH"' in answer, answer
    assert sent < (4 << 20), f"{sent} bytes were sent before the 401"
    assert first.startswith(b"HTTP/1.1 401"), first[:100]  # no "100 Continue" for a bad HMAC


def _literal_secret(c: Ctx) -> Any:
    def run() -> Any:
        from click.testing import CliRunner

        from edoc.cli.transport import hub_group

        return CliRunner().invoke(
            hub_group, ["serve", "--data", str(c.work / "hubdata"), "--agency", f"{SYS_A}={KEY_A}"]
        )

    return run


def _literal_refused(result: Any, c: Ctx) -> None:
    assert result.exit_code == 2, result.output
    assert "env:VAR or file:PATH" in result.output
    assert KEY_A not in result.output


CASES = [
    Case(
        "T4",
        "stale-timestamp",
        "a request signed in 2015 (the hub's default clock-skew limit is 300 s)",
        "call",
        _stale,
        Accepted(
            _refused_auth("timestamp is more than 300 s"),
            "refused E_AUTH: the signed timestamp is outside the default skew",
        ),
    ),
    Case(
        "T4",
        "replay-other-body",
        "captured sendEdoc headers replayed with another body: plain hash-file, rewritten XroadVnpt-hash-file, edited sign-header; then a pure replay",
        "call",
        _replay_other_body,
        Accepted(
            _replay_other_body_fails,
            "hash-file is signed: another body fails E_HASH or E_AUTH; a pure replay gets the first answer and delivers nothing",
        ),
    ),
    Case(
        "T4",
        "replay-status-rollback",
        "a captured updateStatus 'processing' replayed after 'done'",
        "call",
        _replay_status,
        Accepted(_status_kept, "the replay cache answers as before and changes nothing"),
    ),
    Case(
        "T4",
        "spoofed-from",
        "system B sends with From = system A's OrganId",
        "call",
        _spoofed_from,
        Accepted(
            _refused_auth("not registered for From", 403),
            "refused E_AUTH (403): a system sends only as the OrganIds it is registered for",
        ),
    ),
    Case(
        "T2",
        "idle-connection",
        "a connection that sends nothing, and one that stops inside the request line",
        "call",
        _idle,
        Accepted(_idle_closed, "closed by the hub's idle timeout"),
    ),
    Case(
        "R6",
        "unauthenticated-upload",
        "a 64 MiB sendEdoc with a wrong HMAC, body trickled; and the same with Expect: 100-continue",
        "call",
        _unauthenticated_body,
        Accepted(
            _answered_before_the_body,
            "the 401 comes before the body is read; no 100 Continue for a bad signature",
        ),
        timeout=30,
    ),
    Case(
        "C11",
        "literal-secret-argv",
        "edoc hub serve --agency SYSTEMID=<literal secret>: it would show in the process list",
        "call",
        _literal_secret,
        Accepted(
            _literal_refused,
            "refused (usage error): secrets come from env:VAR or file:PATH, and are not echoed",
        ),
    ),
]

__all__ = ["CASES"]
