"""The local hub server: configuration, lifecycle, routing."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Iterable, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import attrs

from edoc.transport._hub_auth import Secret
from edoc.transport.hub_server._faults import FaultKind, FaultPlanner, Faults
from edoc.transport.hub_server._handler import Handler
from edoc.transport.hub_server._replay import ReplayCache
from edoc.transport.hub_server._store import HubStore

__all__ = ["HubAgency", "HubServer"]

log = logging.getLogger("edoc.hub")


def _secret(value: str | bytes | Secret) -> Secret:
    return Secret(value)


def _organs(value: Iterable[str] | str) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen(kw_only=True)
class HubAgency:
    """An agency system the local hub knows: its system id, its secret, the OrganIds it serves.

    A package addressed to one of ``organ_ids`` (or to ``system_id`` itself) is delivered to
    this system. ``repr`` never shows the secret.
    """

    system_id: str
    secret: Secret = attrs.field(converter=_secret, repr=False)
    organ_ids: tuple[str, ...] = attrs.field(default=(), converter=_organs)
    name: str | None = None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    hub: HubServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class HubServer:
    """A local national hub: the same REST API and header HMAC, persisted in ``data``.

    ``agencies`` are the systems allowed in, each with its secret. ``port=0`` picks a free
    port (see :attr:`url` after :meth:`start`). ``faults`` (and :meth:`inject`) make the hub
    misbehave on purpose; ``page_size`` caps each ``getReceivedEdocList`` answer.

    Safe by default: ``max_clock_skew`` (seconds; ``None`` turns it off) refuses signed
    timestamps further than that from the hub's clock; a request that changes state
    (``sendEdoc``, ``updateStatus``, ``registerAgency``, ``deleteAgency``) takes effect once
    per signature, a replay getting the first answer (``replay_entries`` bounds the cache);
    ``check_from`` refuses a ``from`` the sending system is not registered for; a connection
    idle for ``idle_timeout`` seconds is closed; an upload over ``max_upload_bytes`` is
    refused (413).

    Use it as a context manager (a background thread), or call :meth:`serve_forever`.
    """

    def __init__(
        self,
        data: str | os.PathLike[str],
        agencies: Iterable[HubAgency],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        page_size: int = 1000,
        max_clock_skew: float | None = 300.0,
        check_from: bool = True,
        idle_timeout: float | None = 30.0,
        replay_entries: int = 100_000,
        max_upload_bytes: int = 2 << 30,
        seed: int | None = None,
    ) -> None:
        self.data = Path(data)
        self.agencies: dict[str, HubAgency] = {}
        self._routes: dict[str, str] = {}
        for agency in agencies:
            if agency.system_id in self.agencies:
                raise ValueError(f"system id {agency.system_id!r} is configured twice")
            self.agencies[agency.system_id] = agency
            for organ in agency.organ_ids:
                if self._routes.setdefault(organ, agency.system_id) != agency.system_id:
                    raise ValueError(f"OrganId {organ!r} is served by two systems")
        self.host = host
        self.port = port
        self.page_size = page_size
        self.max_clock_skew = (
            dt.timedelta(seconds=max_clock_skew) if max_clock_skew is not None else None
        )
        self.check_from = check_from
        self.max_upload_bytes = max_upload_bytes
        self.idle_timeout = idle_timeout
        self.replays = ReplayCache(self.max_clock_skew, max_entries=replay_entries)
        self.store = HubStore(self.data)
        self._faults = FaultPlanner(faults or Faults(), seed)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self.requests: collections.Counter[str] = collections.Counter()
        """How many requests each operation got (faulty ones included), for tests."""
        self.fetched: collections.Counter[str] = collections.Counter()
        """How many times each delivery was fetched (getEdoc), by docId: the conformance
        kit's check that a receiver stored what it acknowledged."""

    def __repr__(self) -> str:
        return f"HubServer(url={self.url!r}, agencies={sorted(self.agencies)!r})"

    # -- configuration used by the handler ----------------------------------------------

    @property
    def faults(self) -> Faults:
        """The random faults in force; assign a new :class:`Faults` to change them."""
        return self._faults.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self._faults.faults = value

    def inject(
        self,
        kind: FaultKind,
        *,
        operation: str | None = None,
        times: int = 1,
        seconds: float = 0.0,
    ) -> None:
        """Apply a fault to the next ``times`` requests (of ``operation``, or any).

        ``kind`` is ``delay`` (sleep ``seconds`` first), ``error`` (HTTP 503), ``drop``
        (close without answering), ``lost_reply`` (do it, then close without answering) or
        ``duplicate`` (deliver a sent package twice).
        """
        self._faults.inject(kind, operation=operation, times=times, seconds=seconds)

    def clear_faults(self) -> None:
        self._faults.clear()

    def _secret_for(self, system_id: str) -> Secret | None:
        agency = self.agencies.get(system_id)
        return agency.secret if agency is not None else None

    def system_for(self, organ_id: str) -> str | None:
        """The system that receives for ``organ_id`` (configured, or by registerAgency)."""
        if organ_id in self._routes:
            return self._routes[organ_id]
        if organ_id in self.agencies:
            return organ_id
        record = self.store.registered.get(organ_id)
        return record.get("systemId") if record is not None else None

    def may_send_as(self, system_id: str, organ_id: str) -> bool:
        """Whether ``system_id`` is registered for the OrganId ``organ_id`` (or is it)."""
        return (
            not self.check_from or organ_id == system_id or self.system_for(organ_id) == system_id
        )

    def routes(self) -> Mapping[str, str]:
        return dict(self._routes)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._conn_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def bind(self) -> _HTTPServer:
        """Open the listening socket now (so :attr:`url` has the port); idempotent."""
        if self._httpd is None:
            self.store.open()
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            _HTTPServer.address_family = family
            try:
                httpd = _HTTPServer((self.host, self.port), Handler)
            except BaseException:
                self.store.close()
                raise
            httpd.hub = self
            self.port = httpd.server_address[1]
            self._httpd = httpd
            log.debug("local hub on %s for %s", self.url, ", ".join(sorted(self.agencies)))
        return self._httpd

    def start(self) -> Self:
        """Serve in a background thread; returns at once."""
        httpd = self.bind()
        if self._thread is None:
            self._thread = threading.Thread(
                target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                name=f"edoc-hub-{self.port}",
            )  # fmt: skip
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` (from another thread) or Ctrl-C."""
        httpd = self.bind()
        try:
            httpd.serve_forever(poll_interval=0.2)
        finally:
            self._close()

    def stop(self) -> None:
        """Stop serving, cut every open connection (as a crash would), release the data folder.

        A stopped server is not started again: make a new one on the same folder (and
        port) to restart.
        """
        if self._httpd is None:
            return
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._close()

    def _close(self) -> None:
        with self._conn_lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._httpd is not None:
            self._httpd.server_close()
            self._httpd = None
        self.store.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
