"""Bounded HTTP for revocation data and time-stamps: a total deadline per fetch, a size
cap, no redirects, and a record of every request for the validation report.

The standard library's urllib is enough here: CRL distribution points and OCSP responders
are plain ``http://`` URLs (RFC 5280 §4.2.1.13, RFC 6960 §A.1), the data is signed, and
revocation checking then needs no optional extra. urllib's timeout bounds each socket
operation only, so a server that trickles one byte a second would hold a fetch for ever:
here a timer shuts the socket down when the fetch's whole time is up (connecting, the TLS
handshake, the headers and the body alike). Name resolution is not covered by it.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, Literal

import attrs

from edoc.errors import shorten

if TYPE_CHECKING:
    import http.client
    import urllib.request

__all__ = ["Fetch", "FetchFailed", "Fetcher", "public_url"]

_CHUNK = 64 * 1024


def public_url(url: str) -> str:
    """``url`` without any ``user:password@`` part, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    return f"{scheme}://{host.rpartition('@')[2]}{slash}{path}"


class FetchFailed(Exception):
    """A fetch that gave no usable body (internal: turned into report entries)."""

    def __init__(
        self, message: str, kind: Literal["scheme", "http", "network", "size", "time"],
        status: int | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.kind = kind
        self.status = status


@attrs.frozen(kw_only=True)
class Fetch:
    """One network request, as the report names it."""

    url: str
    method: str
    purpose: str
    """``ocsp`` or ``crl``."""
    status: int | None
    size: int
    seconds: float
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


class _Deadline:
    """A fetch's end: shuts its sockets down when the time is up, so that no read waits on."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self._timers: list[threading.Timer] = []
        self._dups: list[socket.socket] = []
        self.expired = False

    def left(self) -> float:
        return max(self.end - time.monotonic(), 0.001)

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock``'s connection down at the deadline. Through a duplicate descriptor:
        TLS takes the socket object over (``wrap_socket`` detaches it), and shutdown acts
        on the connection, whichever descriptor names it; ours is closed by cancel()."""
        dup = sock.dup()
        self._dups.append(dup)

        def expire() -> None:
            self.expired = True
            with contextlib.suppress(OSError):
                dup.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(self.left(), expire)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def cancel(self) -> None:
        for timer in self._timers:
            timer.cancel()
            timer.join()
        for dup in self._dups:
            dup.close()

    @property
    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.end


def _watched(base: type[http.client.HTTPConnection]) -> Any:
    """``base`` whose sockets a :class:`_Deadline` (the ``deadline`` argument) watches."""

    class Watched(base):  # type: ignore[valid-type, misc]
        def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._deadline = deadline
            self._create_connection = self._connect

        def _connect(self, address: Any, timeout: Any = None, source: Any = None) -> socket.socket:
            left = self._deadline.left()
            sock = socket.create_connection(address, min(timeout or left, left), source)
            self._deadline.watch(sock)
            return sock

    return Watched


@functools.cache
def _opener() -> urllib.request.OpenerDirector:
    """One opener for the process: no redirects, and connections a deadline watches
    (urllib is imported only when a fetch is made: it costs ~10 ms of start-up otherwise)."""
    import http.client
    import urllib.request

    plain, tls = _watched(http.client.HTTPConnection), _watched(http.client.HTTPSConnection)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # a 3xx is then an HTTPError: revocation data is fetched where named

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(functools.partial(plain, deadline=req.edoc_deadline), req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            conn = functools.partial(tls, deadline=req.edoc_deadline)
            return self.do_open(conn, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(NoRedirect(), Http(), Https())


def _request(url: str, body: bytes | None, headers: dict[str, str]) -> urllib.request.Request:
    """The request for ``url``; a ``user:password@`` in it becomes HTTP Basic authorization
    (urllib itself would take it for part of the host name, and echo it in errors)."""
    import base64
    import urllib.parse
    import urllib.request

    userinfo = url.partition("://")[2].partition("/")[0].rpartition("@")[0]
    if userinfo:
        user, _, password = userinfo.partition(":")
        pair = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return urllib.request.Request(  # noqa: S310  (the scheme is checked in Fetcher._request)
        public_url(url), data=body, method="GET" if body is None else "POST", headers=headers
    )


class Fetcher:
    """GET and POST that must finish within ``timeout`` seconds in all (connecting and
    reading together) and answer at most ``max_bytes``."""

    def __init__(self, *, timeout: float = 10.0, max_bytes: int = 10 * 1024 * 1024) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.log: list[Fetch] = []

    def get(self, url: str, purpose: str) -> bytes:
        return self._fetch(url, None, {}, purpose)

    def post(
        self, url: str, body: bytes, content_type: str, purpose: str, accept: str | None = None
    ) -> bytes:
        headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
        return self._fetch(url, body, headers, purpose)

    def _fetch(self, url: str, data: bytes | None, headers: dict[str, str], purpose: str) -> bytes:
        import http.client
        import urllib.error

        started = time.perf_counter()
        status: int | None = None
        body = bytearray()
        deadline = _Deadline(self.timeout)
        method = "GET" if data is None else "POST"
        shown = public_url(url)
        try:
            if not url.lower().startswith(("http://", "https://")):
                raise FetchFailed(f"not an HTTP URL: {shorten(shown)}", "scheme")
            try:
                req = _request(url, data, headers)
                req.edoc_deadline = deadline  # type: ignore[attr-defined]
                with _opener().open(req, timeout=self.timeout) as resp:
                    status = int(resp.status)
                    while len(body) <= self.max_bytes and (chunk := resp.read1(_CHUNK)):
                        body += chunk
            except urllib.error.HTTPError as exc:
                status = exc.code
                exc.close()
                why = f"HTTP {exc.code} from {shorten(shown)}"
                raise FetchFailed(why, "http", exc.code) from None
            except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
                if deadline.passed:
                    raise FetchFailed(f"{shorten(shown)} took longer than {self.timeout:g} s",
                                      "time") from None  # fmt: skip
                cause = getattr(exc, "reason", None) or exc
                raise FetchFailed(f"cannot fetch {shorten(shown)}: {cause}", "network") from None
            finally:
                deadline.cancel()
            if deadline.passed:  # the socket was shut down: what came is cut short
                raise FetchFailed(f"{shorten(shown)} took longer than {self.timeout:g} s", "time")
            if len(body) > self.max_bytes:
                raise FetchFailed(
                    f"{shorten(shown)} answered more than {self.max_bytes} bytes", "size"
                )
        except FetchFailed as exc:
            self._record(shown, method, purpose, status, len(body), started, str(exc))
            raise
        self._record(shown, method, purpose, status, len(body), started, None)
        return bytes(body)

    def _record(
        self, url: str, method: str, purpose: str, status: int | None,
        size: int, started: float, error: str | None,
    ) -> None:  # fmt: skip
        self.log.append(
            Fetch(url=url, method=method, purpose=purpose, status=status, size=size,
                  seconds=round(time.perf_counter() - started, 4), error=error)
        )  # fmt: skip
