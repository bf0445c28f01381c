"""The AMQP 0-9-1 transport (RabbitMQ), over pika. Needs ``pip install 'edoc-edxml[amqp]'``.

* Each agency has a durable queue ``<prefix>.<id>`` (default prefix ``edoc``; the id is
  its OrganId or system id), bound to the durable direct exchange ``<prefix>`` with the
  id as routing key, and a dead-letter queue ``<prefix>.<id>.dead`` behind the direct
  exchange ``<prefix>.dead``. Senders declare the recipient's queues before publishing,
  so nothing is dropped for want of a queue.
* ``send`` publishes a persistent message (``mandatory``, publisher confirms) to each
  recipient and returns the :class:`Receipt` only once the broker has confirmed every
  copy (for a durable queue: written to its disk). Each copy, and each retry after a lost
  connection, carries a fresh AMQP message id: ids say nothing about identity.
* ``receive`` consumes with manual acknowledgement and stores each body in the inbox
  (temporary file, fsync, rename, fsync of the folder) and in the inbox log before it
  hands out the :class:`Incoming`. ``ack("done")`` acknowledges the delivery;
  ``ack("fail")`` rejects it without requeueing, so the broker dead-letters it.
* Receive is idempotent (the inbox log of :mod:`edoc.transport._received`), keyed on what
  the receiver can check itself, never on the publisher's message id or headers: the
  package's key (:func:`package_key`: its sender's OrganId and DocumentId, read from the
  package, and the SHA-256 of its bytes). A package redelivered after a lost connection
  or a restart, or published again, has the same key and is settled as before; junk
  published by a co-recipient under a real package's message id has another key, so it
  can never make the real package dead-letter.
* ``edoc-from``, ``edoc-kind`` and the message properties are the publisher's claims: the
  broker authenticates the connection's user, not who wrote a message (docs/security.md).
  The sender handed out is the package's own From when the package can be read.
* A lost connection (broker restart, network) is reopened with exponential backoff.
* Bodies travel whole: pika frames the body in memory, so a message costs its size in
  memory while it is published or received. ``max_size`` (64 MiB by default, below
  RabbitMQ's 128 MiB ``max_message_size``) refuses larger packages before any work, on
  both sides: a larger delivery is dead-lettered, never stored. With ``claim_store`` (a
  folder both sides mount), a package above ``claim_threshold`` goes there instead and
  the message carries its name and SHA-256 (``edoc.transport._claim_check``): flat
  memory at any size.
* Scaling out: ``url`` may list the nodes of a cluster (failover between them); new
  queues are quorum queues (replicated) unless ``queue_type="classic"``; with
  ``shared=True`` several workers (processes, machines) receive one queue into one
  folder, each package stored once and handed out once
  (``edoc.transport._shared_inbox``).

The URL's password is never logged, shown in a ``repr`` or put in an error message.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, TypeVar

import attrs

from edoc._files import atomic_write
from edoc.errors import InputError, SourceError
from edoc.transport import _claim_check, _received
from edoc.transport._amqp_link import (
    NAME,
    QUEUE_TYPES,
    Link,
    Names,
    QueueType,
    declare,
    map_pika_errors,
    pika,
)
from edoc.transport._amqp_link import redact_url as _redact
from edoc.transport._payload import fsync_dir, hash_file
from edoc.transport._retry import Backoff, retrying
from edoc.transport._shared_inbox import SharedInbox
from edoc.transport.base import Incoming, Kind, Outcome, Outgoing, Payload, Receipt, Transport
from edoc.transport.errors import RejectedError, StorageError, TransportError, UnknownMessageError

__all__ = ["DEFAULT_CLAIM_THRESHOLD", "DEFAULT_MAX_SIZE", "AmqpTransport", "package_key"]

T = TypeVar("T")
log = logging.getLogger("edoc.transport.amqp")
DEFAULT_MAX_SIZE = 64 << 20
DEFAULT_CLAIM_THRESHOLD = 16 << 20
_URL_SPLIT = re.compile(r",\s*(?=amqps?://)", re.IGNORECASE)
_PARKED_RECHECK = 0.2  # seconds between looks at deliveries another worker holds
Tag = tuple[int, int]
"""A delivery: (connection generation, delivery tag)."""


def package_key(body: bytes | Path) -> tuple[str, str | None, Kind | None]:
    """(idempotency key, the package's sender OrganId, its kind) of a package's bytes
    (or of a file, read in one streaming pass).

    The key is ``<From OrganId>|<DocumentId>|sha256:<hex>`` for an edoc package,
    ``<From OrganId>|status:<DocumentId answered>|sha256:<hex>`` for a status package, and
    ``sha256:<hex>`` for bytes that are not a readable package: sender and receiver compute
    it alike, from the bytes alone.
    """
    import edoc  # the reader: imported here, the transports load without it

    sha = hashlib.sha256(body).hexdigest() if isinstance(body, bytes) else hash_file(body)[0]
    try:
        pkg = edoc.read(body)
    except edoc.errors.EdocError:
        return f"sha256:{sha}", None, None
    kind: Kind
    if isinstance(pkg, edoc.StatusPackage):
        organ = str(pkg.from_.organ_id)
        about, kind = f"status:{pkg.response_for.document_id}", "status"
    else:
        organ = str(pkg.header.from_.organ_id)
        about, kind = str(pkg.document_id), "edoc"
    return f"{organ}|{about}|sha256:{sha}", organ, kind


@attrs.define
class _Held:
    """A package handed out and not yet settled, with every delivery that carries it."""

    entry: _received.Entry
    tags: list[Tag]


class AmqpTransport(Transport):
    """Send to and receive from agencies' queues on an AMQP 0-9-1 broker (RabbitMQ).

    ``url`` is an ``amqp://`` or ``amqps://`` URL (``amqp://user:password@host:5672/vhost``),
    or the nodes of a cluster: a list of them, or one string of them separated by commas.
    ``system_id`` is this agency's id (OrganId or system id): :meth:`receive` consumes
    the queue named from it, and it is the default sender. ``organ_id`` overrides the
    sender only. ``inbox`` is the folder packages are stored in. ``timeout`` bounds
    connecting; ``retries``, ``backoff`` and ``max_backoff`` pace reconnecting after a
    lost connection. :meth:`receive` ends after ``idle_timeout`` seconds without a message.
    ``queue_type`` is the type of the queues it declares (``quorum`` or ``classic``; an
    existing queue keeps its own). ``shared`` lets several workers receive into one
    ``inbox`` (``edoc.transport._shared_inbox``); ``stale_claim_after`` is how long a
    package handed out by a worker on another host may go unrefreshed before another
    worker takes it over (``None``: never; workers on this host are checked by process).
    ``claim_store`` and ``claim_threshold``: packages larger than the threshold travel
    through that folder by reference.

    Like pika's blocking connection under it, one transport belongs to one thread.
    """

    name: ClassVar[str] = NAME

    def __init__(
        self,
        url: str | Sequence[str],
        system_id: str,
        *,
        organ_id: str | None = None,
        inbox: str | os.PathLike[str] | None = None,
        prefix: str = "edoc",
        max_size: int = DEFAULT_MAX_SIZE,
        timeout: float = 30.0,
        retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
        idle_timeout: float = 0.5,
        prefetch: int = 100,
        heartbeat: int | None = None,
        queue_type: QueueType = "quorum",
        shared: bool = False,
        stale_claim_after: float | None = None,
        claim_store: str | os.PathLike[str] | None = None,
        claim_threshold: int = DEFAULT_CLAIM_THRESHOLD,
    ) -> None:
        urls = _URL_SPLIT.split(url.strip()) if isinstance(url, str) else list(url)
        for one in urls:
            if not one.lower().startswith(("amqp://", "amqps://")):
                raise InputError(
                    f"an AMQP URL starts with amqp:// or amqps://, not {_redact(one)!r}"
                )
        if max_size < 1:
            raise InputError("max_size must be at least 1 byte")
        if queue_type not in QUEUE_TYPES:
            raise InputError(f"queue_type must be 'quorum' or 'classic', not {queue_type!r}")
        if claim_threshold < 0:
            raise InputError("claim_threshold must be at least 0 bytes")
        self._urls = urls
        self._url = urls[0] if urls else ""
        self.system_id = system_id
        self.organ_id = organ_id or system_id
        self.prefix = prefix
        self.names = Names(prefix, system_id)
        self.inbox = Path(inbox) if inbox is not None else None
        self.max_size = max_size
        self.idle_timeout = idle_timeout
        self.prefetch = prefetch
        self.queue_type: QueueType = queue_type
        self.shared = shared
        self.stale_claim_after = stale_claim_after
        self.claim_store = Path(claim_store) if claim_store is not None else None
        self.claim_threshold = claim_threshold
        self.policy = Backoff(retries=retries, base=backoff, cap=max_backoff)
        self._link = Link(urls, timeout=timeout, heartbeat=heartbeat)
        self._shared: SharedInbox | None = None
        self._parked: list[tuple[Tag, str]] = []
        """Deliveries of packages another live worker holds: settled once it has."""
        self._parked_checked = 0.0
        self.counts: Counter[str] = Counter()
        """What this transport has seen, for figures and monitoring: ``deliveries``,
        ``redelivered`` (the broker's flag), ``settled_again`` (a delivery of a settled
        package), ``parked`` (another worker held it), ``requeued``, ``handed_out``."""
        self._consumer: Iterator[Any] | None = None
        self._consumer_generation = -1
        self._log: _received.ReceivedLog | None = None
        self._pending: dict[str, _Held] = {}
        self._twins: dict[str, list[Tag]] = {}
        """Deliveries of other message ids with the same bytes, settled with this one."""

    def __repr__(self) -> str:
        return f"AmqpTransport(url={self.url!r}, system_id={self.system_id!r})"

    @property
    def url(self) -> str:
        """The broker URL (the nodes' URLs, separated by commas) with passwords masked."""
        return ",".join(_redact(u) for u in self._urls)

    def close(self) -> None:
        """Close the connection: the broker requeues every delivery not yet settled.

        With ``shared``, the packages handed out and not settled are released at once, so
        the worker the broker redelivers them to hands them out.
        """
        if not self._closed:
            self._stop_consuming()
            if self._shared is not None:
                for key in self._shared.held:
                    with contextlib.suppress(OSError):
                        self._shared.release(key)
            self._link.drop()
            if self._log is not None:
                self._log.close()
                self._log = None
        super().close()

    # -- the connection -----------------------------------------------------------------

    def _channel(self) -> Any:
        channel = self._link.open(self.prefetch)
        self._ensure_queues(self.names)
        return channel

    def _ensure_queues(self, names: Names) -> None:
        if names.agency not in self._link.declared:
            with map_pika_errors("declare queues"):
                declare(self._link, names, self.queue_type)
            self._link.declared.add(names.agency)

    def _attempt(self, what: str, work: Callable[[], T]) -> T:
        """``work`` retried with backoff; a failed connection is dropped and reopened."""

        def attempt() -> T:
            try:
                return work()
            except TransportError:
                if not self._link.is_open or getattr(self._link.channel, "is_closed", True):
                    self._link.drop()
                raise

        return retrying(self.policy, f"amqp {what}", attempt)

    # -- send -----------------------------------------------------------------------------

    def _body(self, payload: Payload) -> bytes | _claim_check.Reference:
        """The message body, or (above ``claim_threshold``, with a ``claim_store``) the
        package copied into the store and its reference."""
        limit = self.max_size if self.claim_store is None else self.claim_threshold
        if isinstance(payload, (str, os.PathLike)):
            path = Path(payload)
            try:
                size = path.stat().st_size
                if self.claim_store is not None and size > self.claim_threshold:
                    with path.open("rb") as f:
                        return self._put(f, b"")
                self._check_size(size, path.name)
                return path.read_bytes()
            except OSError as exc:
                raise SourceError(f"cannot read the package {path}: {exc.strerror}") from exc
        data = payload.read(limit + 1)
        if self.claim_store is not None and len(data) > self.claim_threshold:
            return self._put(payload, bytes(data))
        self._check_size(len(data), "the stream")
        return bytes(data)

    def _put(self, source: BinaryIO, prefix: bytes) -> _claim_check.Reference:
        assert self.claim_store is not None
        try:
            return _claim_check.put(self.claim_store, source, prefix)
        except OSError as exc:
            raise StorageError(
                f"cannot write the package into the claim-check store {self.claim_store}: "
                f"{exc.strerror}", transport=NAME,
            ) from exc  # fmt: skip

    def _check_size(self, size: int, what: str) -> None:
        if size > self.max_size:
            raise RejectedError(
                f"{what} is {size} bytes, more than the AMQP transport's limit of "
                f"{self.max_size} bytes (max_size)",
                code="too-large",
                transport=NAME,
            )

    def send(self, payload: Payload | Outgoing) -> Receipt:
        """Publish to each recipient queue; return once the broker confirmed every copy.

        ``Outgoing.to`` must name the recipients (OrganIds or system ids): the transport
        does not read the package. A package larger than ``max_size`` raises
        :class:`RejectedError` (``code="too-large"``) before anything is sent.
        """
        self._check_open()
        out = Outgoing.of(payload)
        if not out.to:
            raise InputError("the AMQP transport needs the recipients: Outgoing(to=[...])")
        recipients = [Names(self.prefix, to) for to in out.to]
        content = self._body(out.payload)
        content_type = "application/octet-stream"
        if isinstance(content, _claim_check.Reference):
            assert self.claim_store is not None
            sha, size = content.sha256, content.size
            key, _, _ = package_key(self.claim_store / content.name)
            body = content.message()
            content_type = _claim_check.CONTENT_TYPE
        else:
            body, sha, size = content, hashlib.sha256(content).hexdigest(), len(content)
            key, _, _ = package_key(body)
        sender = out.sender or self.organ_id
        headers = {"edoc-kind": out.kind, "edoc-sha256": sha, "edoc-from": sender}
        if isinstance(content, _claim_check.Reference):
            headers[_claim_check.HEADER] = "1"
        for names in recipients:

            def publish(names: Names = names) -> None:
                properties = pika().BasicProperties(  # a fresh id for each copy and attempt
                    delivery_mode=2,
                    message_id=uuid.uuid4().hex,
                    content_type=content_type,
                    type=out.kind,
                    app_id="edoc",
                    timestamp=int(time.time()),
                    headers=headers,
                )
                self._link.open(self.prefetch)
                self._ensure_queues(names)
                with map_pika_errors("publish", key):
                    self._link.channel.basic_publish(
                        names.exchange, names.agency, body, properties, mandatory=True
                    )

            self._attempt(f"publish {key}", publish)
        log.info("sent %s %s (%d bytes%s) to %d queue(s)", out.kind, key, size,
                 "" if body is content else ", by reference", len(recipients))  # fmt: skip
        return Receipt(doc_id=key, sha256=sha, transport=NAME, size=size)

    # -- receive ------------------------------------------------------------------------

    def _state_log(self) -> _received.ReceivedLog:
        if self._log is None:
            self._log = _received.open_inbox_log(self.inbox, transport=NAME, owner="AmqpTransport")
        return self._log

    def _shared_inbox(self) -> SharedInbox:
        if self._shared is None:
            if self.inbox is None:
                raise InputError("AmqpTransport needs inbox= (a folder) to receive")
            try:
                self._shared = SharedInbox(self.inbox, stale_after=self.stale_claim_after)
            except OSError as exc:
                raise StorageError(
                    f"cannot use the inbox {self.inbox}: {exc.strerror}", transport=NAME
                ) from exc
        return self._shared

    def _next_delivery(self) -> tuple[Tag, Any, bytes] | None:
        """The next delivery of this agency's queue, or ``None`` after ``idle_timeout``."""

        def work() -> tuple[Tag, Any, bytes] | None:
            self._check_open()  # closed while a receive() was suspended: do not reconnect
            channel = self._channel()
            with map_pika_errors("consume"):
                if self._consumer is None or self._consumer_generation != self._link.generation:
                    self._consumer = channel.consume(
                        self.names.queue, inactivity_timeout=self.idle_timeout
                    )
                    self._consumer_generation = self._link.generation
                method, properties, body = next(self._consumer)
            if method is None:
                return None
            self.counts["deliveries"] += 1
            if method.redelivered:
                self.counts["redelivered"] += 1
            return (self._link.generation, method.delivery_tag), properties, body

        return self._attempt("consume", work)

    def _stop_consuming(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None and self._link.is_open:
            with contextlib.suppress(Exception):
                self._link.channel.cancel()  # prefetched, not handed out: requeued

    def receive(self, *, max_messages: int | None = None) -> Iterator[Incoming]:
        """Yield each waiting package once it is stored in the inbox; end when idle.

        A delivery of a message already settled is settled again (acknowledged, or
        dead-lettered) and not yielded; one of a message still held by the application
        is attached to it. A message stored by an earlier run and not settled is yielded
        again from its stored file. With ``shared``, a delivery of a package another live
        worker holds waits (unacknowledged) until that worker settles it, or is requeued
        if that worker dies.
        """
        self._check_open()
        state = self._shared_inbox() if self.shared else self._state_log()
        count = 0
        try:
            while max_messages is None or count < max_messages:
                self._look_at_parked()
                delivery = self._next_delivery()
                if delivery is None:
                    self._look_at_parked(force=True)
                    return
                item = self._take(state, *delivery)
                if item is not None:
                    count += 1
                    self.counts["handed_out"] += 1
                    yield item
        finally:
            self._stop_consuming()

    def _take(
        self,
        state: _received.ReceivedLog | SharedInbox,
        tag: Tag,
        properties: Any,
        body: bytes,
    ) -> Incoming | None:
        assert self.inbox is not None
        headers = properties.headers or {}
        staged: Path | None = None
        try:
            if _text(headers.get(_claim_check.HEADER)) is not None or (
                properties.content_type == _claim_check.CONTENT_TYPE
            ):
                staged = self._fetch(tag, body)
                if staged is None:
                    return None
                source: bytes | Path = staged
                sha, size = hash_file(staged)
            else:
                if len(body) > self.max_size:
                    log.warning("a delivery of %d bytes is larger than max_size (%d): "
                                "dead-lettered, not stored", len(body), self.max_size)  # fmt: skip
                    self._settle(tag, Outcome.FAIL, None)
                    return None
                source, sha, size = body, hashlib.sha256(body).hexdigest(), len(body)
            return self._take_package(state, tag, headers, source, sha, size)
        finally:
            if staged is not None:
                with contextlib.suppress(FileNotFoundError):
                    staged.unlink()

    def _fetch(self, tag: Tag, body: bytes) -> Path | None:
        """The package a claim-check delivery names, copied and checked; ``None`` (and the
        delivery dead-lettered) when there is none to use."""
        assert self.inbox is not None
        try:
            if self.claim_store is None:
                raise _claim_check.BadReference("a claim check, and no claim_store is set")
            ref = _claim_check.Reference.parse(body)
            self.inbox.mkdir(parents=True, exist_ok=True)
            return _claim_check.fetch(self.claim_store, ref, self.inbox)
        except _claim_check.BadReference as exc:
            log.warning("%s: dead-lettered, not stored", exc)
            self._settle(tag, Outcome.FAIL, None)
            return None
        except OSError as exc:
            raise StorageError(
                f"cannot copy a package from the claim-check store: {exc.strerror}",
                transport=NAME,
            ) from exc

    def _take_package(
        self,
        state: _received.ReceivedLog | SharedInbox,
        tag: Tag,
        headers: dict[str, Any],
        source: bytes | Path,
        sha: str,
        size: int,
    ) -> Incoming | None:
        assert self.inbox is not None
        message_id, organ, read_kind = package_key(source)
        claimed = headers.get("edoc-sha256")
        if isinstance(claimed, bytes):
            claimed = claimed.decode("ascii", "replace")
        if claimed is not None and claimed != sha:
            log.warning("message %s does not match its edoc-sha256 header: dead-lettered",
                        message_id)  # fmt: skip
            self._settle(tag, Outcome.FAIL, message_id)
            return None
        held = self._pending.get(message_id)
        if held is not None:  # redelivered while the application holds it
            held.tags.append(tag)
            return None
        kind: Kind = "status" if _text(headers.get("edoc-kind")) == "status" else "edoc"
        kind = read_kind or kind  # the package's own kind beats the header's claim
        sender = _text(headers.get("edoc-from"))
        if organ is not None and sender != organ:
            if sender is not None:
                log.warning("message %s: edoc-from says %r, the package says %r: the "
                            "package's From is kept", message_id, sender, organ)  # fmt: skip
            sender = organ
        if isinstance(state, SharedInbox):
            entry = self._take_shared(state, tag, message_id, source, sha, size, kind, sender)
            if entry is None:
                return None
        else:
            known = state.get(message_id)
            if known is not None and known.state in ("done", "fail"):
                log.info("message %s delivered again, already %s: settled again", message_id,
                         known.state)  # fmt: skip
                self.counts["settled_again"] += 1
                self._settle(tag, Outcome(known.state), message_id)
                return None
            holder = state.holder_of(sha)
            if holder is not None and holder.doc_id != message_id:
                self._twin(state, holder, message_id, tag, sha, size, headers)
                return None
            if known is not None and known.state == "stored" and self._intact(known):
                entry = known
            else:
                entry = self._store(state, message_id, source, sha, size, kind, sender)
        self._pending[message_id] = _Held(entry, [tag])
        return Incoming(
            message_id=message_id, kind=kind, path=self.inbox / entry.file, sha256=sha,
            size=size, sender=entry.sender, transport=self,
        )  # fmt: skip

    def _take_shared(
        self,
        shared: SharedInbox,
        tag: Tag,
        message_id: str,
        source: bytes | Path,
        sha: str,
        size: int,
        kind: Kind,
        sender: str | None,
    ) -> _received.Entry | None:
        """Claim, then store once, a package several workers may be receiving."""
        try:
            claim = shared.claim(message_id)
            if claim == "held":  # a live worker has it: wait for its outcome
                self._parked.append((tag, message_id))
                self.counts["parked"] += 1
                return None
            if claim == "settled":
                self._settle_as_recorded(shared, tag, message_id)
                return None
            name = _received.file_name(message_id)
            if shared.store(name, source, sha, size):
                log.info("stored %s %s (%d bytes) as %s", kind, message_id, size, name)
        except OSError as exc:
            raise StorageError(
                f"cannot store {message_id} in the shared inbox: {exc.strerror}",
                transport=NAME, message_id=message_id,
            ) from exc  # fmt: skip
        return _received.Entry(
            doc_id=message_id, sha256=sha, size=size, kind=kind, file=name, state="stored",
            sender=sender,
        )  # fmt: skip

    def _settle_as_recorded(self, shared: SharedInbox, tag: Tag, message_id: str) -> None:
        known = shared.settled(message_id)
        outcome = Outcome.FAIL if known is not None and known.state == "fail" else Outcome.DONE
        log.info("message %s delivered again, already %s: settled again", message_id,
                 outcome.value)  # fmt: skip
        self.counts["settled_again"] += 1
        self._settle(tag, outcome, message_id)

    def _look_at_parked(self, *, force: bool = False) -> None:
        """Settle the parked deliveries whose package is settled; requeue those whose
        holder is gone (the worker that gets the redelivery hands it out)."""
        if self._shared is not None:
            self._shared.refresh()
        now = time.monotonic()
        if not self._parked or (not force and now - self._parked_checked < _PARKED_RECHECK):
            return
        self._parked_checked = now
        shared = self._shared_inbox()
        waiting: list[tuple[Tag, str]] = []
        for tag, message_id in self._parked:
            if tag[0] != self._link.generation:
                continue  # its channel is gone: the broker requeued it
            claim = shared.claim(message_id)
            if claim == "settled":
                self._settle_as_recorded(shared, tag, message_id)
            elif claim == "mine":  # its holder died: hand it out through a redelivery
                shared.release(message_id)
                self.counts["requeued"] += 1
                self._requeue(tag, message_id)
            else:
                waiting.append((tag, message_id))
        self._parked = waiting

    def _twin(
        self,
        state: _received.ReceivedLog,
        holder: _received.Entry,
        message_id: str,
        tag: Tag,
        sha: str,
        size: int,
        headers: dict[str, Any],
    ) -> None:
        """A new message id with bytes already stored: settled with (or like) the original."""
        self._record(state, _received.Entry(
            doc_id=message_id, sha256=sha, size=size, kind=_text(headers.get("edoc-kind"))
            or "edoc", file=holder.file, state="duplicate",
            sender=_text(headers.get("edoc-from")), original=holder.doc_id,
        ))  # fmt: skip
        log.info("message %s repeats the bytes of %s: not handed out", message_id, holder.doc_id)
        if holder.state == "done":
            self._settle(tag, Outcome.DONE, message_id)
        else:
            self._twins.setdefault(holder.doc_id, []).append(tag)

    def _intact(self, entry: _received.Entry) -> bool:
        assert self.inbox is not None
        path = self.inbox / entry.file
        with contextlib.suppress(OSError):
            return path.stat().st_size == entry.size and hash_file(path)[0] == entry.sha256
        return False

    def _store(
        self,
        state: _received.ReceivedLog,
        message_id: str,
        source: bytes | Path,
        sha: str,
        size: int,
        kind: Kind,
        sender: str | None,
    ) -> _received.Entry:
        assert self.inbox is not None
        name = _received.file_name(message_id)
        try:
            if isinstance(source, bytes):
                with atomic_write(self.inbox / name) as out:
                    out.write(source)
            else:  # a fetched claim check: complete and fsynced already
                os.replace(source, self.inbox / name)
            fsync_dir(self.inbox)
        except OSError as exc:
            raise StorageError(
                f"cannot store {name}: {exc.strerror}", transport=NAME, message_id=message_id
            ) from exc
        entry = _received.Entry(
            doc_id=message_id, sha256=sha, size=size, kind=kind, file=name,
            state="stored", sender=sender,
        )  # fmt: skip
        # The file itself is durable already. A "stored" line lost in a crash only means the
        # redelivered message is stored again; "done"/"fail" lines are always fsynced first.
        self._record(state, entry, durable=False)
        log.info("stored %s %s (%d bytes) as %s", kind, message_id, size, name)
        return entry

    def _record(
        self, state: _received.ReceivedLog, entry: _received.Entry, *, durable: bool = True
    ) -> None:
        try:
            state.record(entry, durable=durable)
        except OSError as exc:
            raise StorageError(
                f"cannot write the inbox log: {exc.strerror}",
                transport=NAME,
                message_id=entry.doc_id,
            ) from exc

    # -- acknowledge ----------------------------------------------------------------------

    def _settle(self, tag: Tag, outcome: Outcome, message_id: str | None) -> None:
        """Ack (done) or reject without requeue (fail) one delivery, if its channel lives.

        A delivery of an older connection was requeued by the broker when that connection
        closed: it comes back, and the inbox log settles it then.
        """
        generation, delivery_tag = tag
        if generation != self._link.generation or not self._link.is_open:
            return
        try:
            with map_pika_errors("acknowledge", message_id):
                if outcome is Outcome.DONE:
                    self._link.channel.basic_ack(delivery_tag)
                else:
                    self._link.channel.basic_reject(delivery_tag, requeue=False)
        except TransportError as exc:
            self._link.drop()
            log.info("could not settle %s now (%s): settled when redelivered", message_id,
                     type(exc).__name__)  # fmt: skip

    def _requeue(self, tag: Tag, message_id: str) -> None:
        generation, delivery_tag = tag
        if generation != self._link.generation or not self._link.is_open:
            return
        try:
            with map_pika_errors("requeue", message_id):
                self._link.channel.basic_reject(delivery_tag, requeue=True)
        except TransportError:
            self._link.drop()

    def acknowledge(self, message_id: str, outcome: Outcome) -> None:
        """Record the outcome in the inbox log, then ack or dead-letter the delivery.

        If the connection was lost meanwhile the outcome stays recorded: the broker
        delivers the message again and the next :meth:`receive` settles it without
        handing it out.
        """
        self._check_open()
        outcome = Outcome(outcome)
        held = self._pending.get(message_id)
        if held is None:
            raise UnknownMessageError(
                f"message {message_id} was not received here or is already settled",
                transport=NAME,
                message_id=message_id,
            )
        settled = attrs.evolve(held.entry, state="done" if outcome is Outcome.DONE else "fail")
        if self.shared:
            self._settle_shared(settled)
        else:
            self._record(self._state_log(), settled)
        del self._pending[message_id]
        for tag in held.tags:
            self._settle(tag, outcome, message_id)
        for tag in self._twins.pop(message_id, ()):
            self._settle(tag, Outcome.DONE, message_id)  # one dead letter is enough

    def _settle_shared(self, entry: _received.Entry) -> None:
        try:
            won = self._shared_inbox().settle(entry)
        except OSError as exc:
            raise StorageError(
                f"cannot record the outcome in the shared inbox: {exc.strerror}",
                transport=NAME, message_id=entry.doc_id,
            ) from exc  # fmt: skip
        if not won:  # only after a takeover (stale_claim_after) of a live worker's package
            log.warning("message %s was settled by another worker first: its outcome stands",
                        entry.doc_id)  # fmt: skip

    # -- inspection ----------------------------------------------------------------------

    def queue_depths(self) -> tuple[int, int]:
        """(messages ready in this agency's queue, messages in its dead-letter queue)."""
        self._check_open()

        def work() -> tuple[int, int]:
            channel = self._channel()
            with map_pika_errors("queue_declare"):
                live = channel.queue_declare(self.names.queue, passive=True)
                dead = channel.queue_declare(self.names.dead_queue, passive=True)
            return int(live.method.message_count), int(dead.method.message_count)

        return self._attempt("queue depths", work)


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return None if value is None else str(value)
