"""The kit as the hub: a local :class:`HubServer` whose store the kit reads and writes
directly (it delivers vectors and sees every answer without a client of its own)."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

from edoc.conformance._packages import KIT_ORGAN
from edoc.transport.hub_server import Delivery, HubAgency, HubServer, Sent, now_text

__all__ = ["KIT_SYSTEM", "KitHub"]

KIT_SYSTEM = "edoc-conformance-kit"
"""The kit's own system id at its hub (it serves the kit's OrganIds)."""


class KitHub:
    """A started hub with the vendor's system and the kit's; stop it with :meth:`stop`."""

    def __init__(
        self, data: Path, *, vendor: HubAgency, kit_organs: Iterable[str] = (KIT_ORGAN,),
        host: str = "127.0.0.1", port: int = 0,
    ) -> None:  # fmt: skip
        kit = HubAgency(system_id=KIT_SYSTEM, secret=secrets.token_hex(16),
                        organ_ids=tuple(kit_organs))  # fmt: skip
        self.vendor = vendor
        # The vendor may send from any of its OrganIds, which the kit is not told: no From check.
        self.server = HubServer(data, [vendor, kit], host=host, port=port, check_from=False)
        self.server.start()
        self._seen: set[str] = set()

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()

    def deliver(self, path: Path, *, kind: str, to_organ: str, to_system: str) -> str:
        """Put the file at ``path`` in ``to_system``'s queue as if the kit had sent it;
        returns the delivery's docId (what the receiver lists and acknowledges)."""
        store = self.server.store
        tmp = store.tmp / f"kit.{secrets.token_hex(8)}.part"
        shutil.copyfile(path, tmp)
        digest = hashlib.sha256()
        with tmp.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        sha = digest.hexdigest()
        store.keep_blob(tmp, sha)
        size = os.path.getsize(store.blob(sha))
        now = now_text()
        delivery = Delivery(
            doc_id=store.new_id(), sender_doc_id=store.new_id(), system_id=to_system,
            to_organ=to_organ, from_organ=KIT_ORGAN, from_system=KIT_SYSTEM,
            message_type=kind, sha256=sha, size=size, created=now, updated=now,
        )  # fmt: skip
        sent = Sent(
            doc_id=delivery.sender_doc_id, from_system=KIT_SYSTEM, from_organ=KIT_ORGAN,
            to=[to_organ], message_type=kind, sha256=sha, size=size, created=now,
            deliveries=[delivery.doc_id],
        )  # fmt: skip
        store.add(sent, [delivery])
        return delivery.doc_id

    def ack_of(self, doc_id: str) -> str:
        """The transport acknowledgement of a delivery: initial, processing, done or fail."""
        delivery = self.server.store.deliveries.get(doc_id)
        return delivery.status if delivery is not None else "unknown"

    def fetched(self, doc_id: str) -> int:
        """How many times the receiver fetched the delivery (getEdoc)."""
        return self.server.fetched[doc_id]

    def arrivals(self) -> list[tuple[Delivery, Path]]:
        """Deliveries to the kit not seen before, in arrival order, with their files."""
        store = self.server.store
        with store.lock:
            new = [d for d in store.deliveries.values()
                   if d.system_id == KIT_SYSTEM and d.doc_id not in self._seen]  # fmt: skip
        self._seen.update(d.doc_id for d in new)
        return [(d, store.blob(d.sha256)) for d in new]

    def settle(self, delivery: Delivery, status: str) -> None:
        """Acknowledge a delivery to the kit (done or fail), as a receiving system would."""
        self.server.store.set_status(delivery, status)
