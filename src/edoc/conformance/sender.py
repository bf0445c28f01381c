"""The ``sender`` target: the kit plays the hub; the vendor's system sends it packages.

Every arrival is validated in full (interop profile; with ``trust``, a signed package's
signature is verified too; with ``require_signature`` an unsigned one fails). The kit
acknowledges each delivery and answers each document as a receiver would: status 01,
then 03 when it passed or 02 when it did not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from edoc.conformance._hubside import KitHub
from edoc.conformance.results import Progress, Result, Status
from edoc.errors import EdocError
from edoc.model import EdocPackage, StatusCode, StatusPackage
from edoc.transport.hub_server import HubAgency
from edoc.validation import validate
from edoc.xml import read, write

__all__ = ["check_arrival", "run_sender"]


def check_arrival(
    path: Path, *, trust: Path | None, require_signature: bool
) -> tuple[bool, str, str]:
    """(passed, what happened, detail) for one package as it arrived."""
    report = validate(path, require_signature=require_signature)
    rules = sorted({f.rule for f in report.findings})
    if not report.ok:
        errors = "; ".join(f"{f.rule}: {f.message}" for f in report.errors)
        return False, f"invalid ({', '.join(sorted({f.rule for f in report.errors}))})", errors
    if trust is not None and report.kind is not None:
        from edoc.signing.trust import TrustStore
        from edoc.signing.verifier import verify

        try:
            pkg = read(path)
            if isinstance(pkg, EdocPackage) and pkg.signature is not None:
                store = TrustStore.from_dir(trust) if trust.is_dir() else TrustStore.from_pem(trust)
                verify(path, trust=store)
        except EdocError as exc:
            return False, "signature does not verify", str(exc)
    notes = f"valid; warnings {', '.join(rules)}" if rules else "valid"
    return True, notes, ""


def run_sender(
    folder: Path,
    *,
    system_id: str,
    secret: str,
    recipients: Sequence[str],
    host: str = "127.0.0.1",
    port: int = 0,
    count: int | None = None,
    duration: float = 300.0,
    trust: Path | None = None,
    require_signature: bool = False,
    poll: float = 0.1,
    answer: bool = True,
    linger: float = 2.0,
    progress: Progress | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> list[Result]:
    """Receive for ``recipients`` until ``count`` packages or ``duration`` seconds, then
    keep the hub up ``linger`` seconds more for the sender to fetch the kit's answers."""
    vendor = HubAgency(system_id=system_id, secret=secret)
    hub = KitHub(folder / "hub", vendor=vendor, kit_organs=recipients, host=host, port=port)
    results: list[Result] = []
    start = time.monotonic()
    try:
        if on_ready is not None:
            on_ready(hub.url)
        while time.monotonic() - start < duration and (count is None or len(results) < count):
            for delivery, path in hub.arrivals():
                t0 = time.monotonic()
                passed, actual, detail = check_arrival(
                    path, trust=trust, require_signature=require_signature
                )
                hub.settle(delivery, "done" if passed else "fail")
                if answer and delivery.message_type == "edoc":
                    _answer(hub, folder, path, passed, system_id)
                result = Result(
                    id=f"sent-{len(results) + 1:03d}", category="sent",
                    title=f"{delivery.message_type} package {delivery.sender_doc_id} "
                          f"from {delivery.from_organ} to {delivery.to_organ}",
                    expect="accept", rule=None, clause="the whole suite of rules",
                    required=True, status=Status.PASS if passed else Status.FAIL,
                    actual=actual, detail=detail, seconds=time.monotonic() - t0,
                )  # fmt: skip
                results.append(result)
                if progress is not None:
                    progress(len(results), count or 0, result)
            time.sleep(poll)
        if results:
            time.sleep(linger)  # the sender may still be fetching the kit's answers
    finally:
        hub.stop()
    return results


def _answer(hub: KitHub, folder: Path, path: Path, passed: bool, system_id: str) -> None:
    """Status 01, then 03 or 02, back to the sender (when its package can be read)."""
    try:
        pkg = read(path)
    except EdocError:
        return
    if not isinstance(pkg, EdocPackage) or not pkg.header.to:
        return
    for code in (StatusCode.RECEIVED, StatusCode.ACCEPTED if passed else StatusCode.REJECTED):
        status = StatusPackage.reply_to(pkg, code=code, from_=pkg.header.to[0])
        number = pkg.header.code.number if pkg.header.code is not None else None
        out = folder / f"answer-{number or 'x'}-{code.value}.edxml"
        try:
            write(status, out, durable=False)
        except EdocError:
            return
        hub.deliver(out, kind="status", to_organ=str(pkg.header.from_.organ_id),
                    to_system=system_id)  # fmt: skip
