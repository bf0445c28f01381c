"""The sender target: the vendor's system sends to the kit's hub; every arrival is judged,
and the kit answers each document with status 01 then 03 or 02."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from edoc.conformance import Workshop, build_suite, select
from edoc.conformance.results import Status
from edoc.conformance.sender import run_sender

pytest.importorskip("httpx")
from edoc.transport import Outgoing
from edoc.transport.hub import HubTransport

SYSTEM = "vendor-sender"
SECRET = "bi-mat-ben-gui"


def test_arrivals_are_validated_and_answered(tmp_path: Path) -> None:
    shop = Workshop(tmp_path / "work", seed=9)
    good, bad = select(build_suite("quick"), ["valid-new", "invalid-EDX-HDR-002"])
    answers: list[str] = []
    threads: list[threading.Thread] = []

    def vendor(url: str) -> None:
        def work() -> None:
            with HubTransport(url, SYSTEM, SECRET, organ_id="000.00.00.G22",
                              inbox=tmp_path / "in", retries=0) as hub:  # fmt: skip
                hub.send(Outgoing(payload=shop.path(good), to=("000.00.00.H41",)))
                hub.send(Outgoing(payload=shop.path(bad), to=("000.00.00.H41",)))
                for _ in range(100):  # the kit's answers come back as status packages
                    for item in hub.receive():
                        from edoc import read

                        answers.append(read(item.path).status_code.value)  # type: ignore[union-attr]
                        item.ack()
                    if len(answers) >= 4:
                        return
                    threading.Event().wait(0.05)

        threads.append(threading.Thread(target=work, daemon=True))
        threads[0].start()

    results = run_sender(tmp_path / "kit", system_id=SYSTEM, secret=SECRET,
                         recipients=["000.00.00.H41"], count=2, duration=30, linger=3,
                         on_ready=vendor)  # fmt: skip
    threads[0].join(10)
    assert [(r.id, r.status) for r in results] == [("sent-001", Status.PASS),
                                                   ("sent-002", Status.FAIL)]  # fmt: skip
    assert results[1].actual == "invalid (EDX-HDR-002)"
    assert "EDX-HDR-002" in results[1].detail
    assert sorted(answers) == ["01", "01", "02", "03"]


def test_nothing_sent_means_no_results(tmp_path: Path) -> None:
    results = run_sender(tmp_path, system_id=SYSTEM, secret=SECRET, recipients=["000.00.00.H41"],
                         duration=0.3)  # fmt: skip
    assert results == []


def test_signed_arrivals_are_verified_against_the_trust_anchors(tmp_path: Path) -> None:
    shop = Workshop(tmp_path / "work", seed=9)
    wanted = ["valid-signed-ec", "hostile-signature-tampered"]
    signed, tampered = select(build_suite("quick"), wanted)

    def vendor(url: str) -> None:
        with HubTransport(url, SYSTEM, SECRET, organ_id="000.00.00.G22", retries=0) as hub:
            hub.send(Outgoing(payload=shop.path(signed), to=("000.00.00.H41",)))
            hub.send(Outgoing(payload=shop.path(tampered), to=("000.00.00.H41",)))

    results = run_sender(tmp_path / "kit", system_id=SYSTEM, secret=SECRET,
                         recipients=["000.00.00.H41"], count=2, duration=30, linger=0,
                         trust=shop.pki.ca_path, require_signature=True,
                         on_ready=vendor)  # fmt: skip
    assert [(r.status, r.actual) for r in results] == [
        (Status.PASS, "valid"), (Status.FAIL, "signature does not verify"),
    ]  # fmt: skip


def test_a_code_number_with_a_slash_is_judged_and_answered(tmp_path: Path) -> None:
    """Issue 17 class 9: the kit named its answer files after the CodeNumber and crashed
    (FileNotFoundError) on ``12/2026``."""
    import attrs

    from edoc import Code, read, write
    from edoc.conformance._packages import Seeded, base_package

    pkg = base_package(Seeded(seed=1, vector_id="x", serial=1, to="000.00.00.H41"))
    code = Code(number="12/2026", notation="VPCP-TTĐT")
    pkg = attrs.evolve(pkg, header=attrs.evolve(pkg.header, code=code, document_id=None))
    slashed = tmp_path / "slashed.edxml"
    write(pkg, slashed)
    answers: list[str] = []

    def vendor(url: str) -> None:
        def work() -> None:
            with HubTransport(url, SYSTEM, SECRET, organ_id="000.00.00.G22",
                              inbox=tmp_path / "in", retries=0) as hub:  # fmt: skip
                hub.send(Outgoing(payload=slashed, to=("000.00.00.H41",)))
                for _ in range(100):
                    for item in hub.receive():
                        status = read(item.path)
                        answers.append(status.status_code.value)  # type: ignore[union-attr]
                        assert status.response_for.code == "12/2026/VPCP-TTĐT"  # type: ignore[union-attr]
                        item.ack()
                    if len(answers) >= 2:
                        return
                    threading.Event().wait(0.05)

        threading.Thread(target=work, daemon=True).start()

    results = run_sender(tmp_path / "kit", system_id=SYSTEM, secret=SECRET,
                         recipients=["000.00.00.H41"], count=1, duration=30, linger=2,
                         on_ready=vendor)  # fmt: skip
    assert [r.id for r in results] == ["sent-001"]
    assert (results[0].status, results[0].actual) == (Status.PASS, "valid")
    assert answers == ["01", "03"]
