"""Bounded HTTP for revocation data: a timeout, a size cap, no redirects, and a record of
every request for the validation report.

The standard library's urllib is enough here: CRL distribution points and OCSP responders
are plain ``http://`` URLs (RFC 5280 §4.2.1.13, RFC 6960 §A.1), the data is signed, and
revocation checking then needs no optional extra.
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

import attrs

from edoc.errors import shorten

if TYPE_CHECKING:
    import urllib.request

__all__ = ["Fetch", "FetchFailed", "Fetcher"]


class FetchFailed(Exception):
    """A fetch that gave no usable body (internal: turned into report entries)."""


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


@functools.cache
def _opener() -> urllib.request.OpenerDirector:
    """One opener for the process, refusing redirects (urllib is imported only when a
    fetch is made: it costs ~10 ms of start-up for every command otherwise)."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # a 3xx is then an HTTPError: revocation data is fetched where named

    return urllib.request.build_opener(NoRedirect())


class Fetcher:
    """GET and POST with a timeout (seconds) and a response size cap (bytes)."""

    def __init__(self, *, timeout: float = 10.0, max_bytes: int = 10 * 1024 * 1024) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.log: list[Fetch] = []

    def get(self, url: str, purpose: str) -> bytes:
        import urllib.request

        return self._request(urllib.request.Request(url, method="GET"), purpose)  # noqa: S310

    def post(self, url: str, body: bytes, content_type: str, purpose: str) -> bytes:
        import urllib.request

        req = urllib.request.Request(  # noqa: S310  (scheme checked in _request)
            url, data=body, method="POST", headers={"Content-Type": content_type}
        )
        return self._request(req, purpose)

    def _request(self, req: urllib.request.Request, purpose: str) -> bytes:
        import urllib.error

        url = req.full_url
        started = time.perf_counter()
        status: int | None = None
        body = b""
        try:
            if not url.lower().startswith(("http://", "https://")):
                raise FetchFailed(f"not an HTTP URL: {shorten(url)}")
            try:
                with _opener().open(req, timeout=self.timeout) as resp:
                    status = int(resp.status)
                    body = bytes(resp.read(self.max_bytes + 1))
            except urllib.error.HTTPError as exc:
                status = exc.code
                raise FetchFailed(f"HTTP {exc.code} from {shorten(url)}") from None
            except (urllib.error.URLError, OSError, ValueError) as exc:
                why = getattr(exc, "reason", None) or exc
                raise FetchFailed(f"cannot fetch {shorten(url)}: {why}") from None
            if len(body) > self.max_bytes:
                raise FetchFailed(f"{shorten(url)} answered more than {self.max_bytes} bytes")
        except FetchFailed as exc:
            self._record(url, req, purpose, status, len(body), started, str(exc))
            raise
        self._record(url, req, purpose, status, len(body), started, None)
        return body

    def _record(
        self, url: str, req: urllib.request.Request, purpose: str, status: int | None,
        size: int, started: float, error: str | None,
    ) -> None:  # fmt: skip
        self.log.append(
            Fetch(url=url, method=req.get_method(), purpose=purpose, status=status, size=size,
                  seconds=round(time.perf_counter() - started, 4), error=error)
        )
