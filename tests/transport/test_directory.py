"""DirectoryTransport: atomic drops, complete files only, exactly one claimant per file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from edoc.errors import SourceError
from edoc.transport import DirectoryTransport, Outcome, Outgoing
from edoc.transport.errors import StorageError, TransportClosedError, UnknownMessageError


def pair(tmp_path: Path) -> tuple[DirectoryTransport, DirectoryTransport]:
    """A sender whose outbox is the receiver's inbox."""
    receiver = DirectoryTransport(tmp_path / "b")
    sender = DirectoryTransport(tmp_path / "a", outbox=receiver.inbox)
    return sender, receiver


def test_send_receive_done(tmp_path: Path) -> None:
    sender, receiver = pair(tmp_path)
    source = tmp_path / "p.edxml"
    source.write_bytes(b"<edXML/>" * 100)
    receipt = sender.send(source)
    assert receipt.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert receipt.size == 800
    assert receipt.transport == "directory"
    [item] = receiver.receive()
    assert item.message_id == receipt.doc_id
    assert item.kind == "edoc"
    assert item.path.read_bytes() == source.read_bytes()
    assert item.path.name.endswith(".claimed")
    item.ack()
    assert not item.path.exists()
    moved = receiver.processed / f"{receipt.doc_id}.edxml"
    assert moved.read_bytes() == source.read_bytes()
    marker = json.loads((receiver.processed / f"{receipt.doc_id}.edxml.done").read_text())
    assert marker["outcome"] == "done"
    assert marker["sha256"] == receipt.sha256
    assert list(receiver.receive()) == []
    assert os.listdir(receiver.inbox) == []


def test_fail_goes_to_failed(tmp_path: Path) -> None:
    sender, receiver = pair(tmp_path)
    receipt = sender.send(Outgoing(payload=io.BytesIO(b"status"), kind="status"))
    [item] = receiver.receive()
    assert item.kind == "status"
    receiver.acknowledge(item.message_id, Outcome.FAIL)
    assert (receiver.failed / f"{receipt.doc_id}.status.edxml").read_bytes() == b"status"
    assert (receiver.failed / f"{receipt.doc_id}.status.edxml.failed").exists()
    with pytest.raises(UnknownMessageError):
        receiver.acknowledge(item.message_id, Outcome.DONE)


def test_only_complete_files_are_received(tmp_path: Path) -> None:
    receiver = DirectoryTransport(tmp_path)
    (receiver.inbox / ".x.edxml.abc.part").write_bytes(b"half")  # edoc's temporary name
    (receiver.inbox / "y.edxml.part").write_bytes(b"half")
    (receiver.inbox / ".hidden.edxml").write_bytes(b"half")
    (receiver.inbox / "notes.txt").write_bytes(b"other")
    assert list(receiver.receive()) == []
    (receiver.inbox / "z.edxml").write_bytes(b"whole")
    assert [i.message_id for i in receiver.receive()] == ["z"]


def test_min_age_waits_for_writers_that_do_not_rename(tmp_path: Path) -> None:
    receiver = DirectoryTransport(tmp_path, min_age=60)
    fresh = receiver.inbox / "fresh.edxml"
    fresh.write_bytes(b"still being written?")
    assert list(receiver.receive()) == []
    old = time.time() - 120
    os.utime(fresh, (old, old))
    assert len(list(receiver.receive())) == 1


def test_close_puts_unacknowledged_claims_back(tmp_path: Path) -> None:
    sender, receiver = pair(tmp_path)
    sender.send(io.BytesIO(b"x"))
    [item] = receiver.receive()
    receiver.close()
    with pytest.raises(TransportClosedError):
        list(receiver.receive())
    again = DirectoryTransport(tmp_path / "b")
    [item2] = again.receive()
    assert item2.message_id == item.message_id


def test_claims_of_dead_processes_are_released(tmp_path: Path) -> None:
    receiver = DirectoryTransport(tmp_path)
    (receiver.inbox / "m.edxml").write_bytes(b"m")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    other = DirectoryTransport(tmp_path)
    other._pid = pid  # as if another process, now gone, had claimed it
    [claimed] = other.receive()
    assert claimed.path.exists()
    assert list(receiver.receive()) != []  # released and claimed again


def test_missing_payload_is_the_callers_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        DirectoryTransport(tmp_path).send(tmp_path / "nope.edxml")


def test_unwritable_outbox_is_a_storage_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_bytes(b"")
    t = DirectoryTransport(tmp_path, outbox=blocked / "sub", create=False)
    with pytest.raises(StorageError) as info:
        t.send(io.BytesIO(b"x"))
    assert isinstance(info.value, OSError)


WORKER = textwrap.dedent(
    """
    import os, sys, time
    from edoc.transport import DirectoryTransport
    root, out = sys.argv[1], sys.argv[2]
    t = DirectoryTransport(root)
    open(out + ".ready", "w").close()
    while not os.path.exists(os.path.join(root, "go")):  # start together
        time.sleep(0.01)
    idle = 0
    with open(out, "w") as log:
        while idle < 5:
            got = 0
            for item in t.receive():
                log.write(item.message_id + "\\n")
                log.flush()
                item.ack()
                got += 1
            idle = 0 if got else idle + 1
            if not got:
                time.sleep(0.05)
    """
)


def test_two_processes_share_one_inbox(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    sender = DirectoryTransport(tmp_path / "s", outbox=root / "inbox")
    sent = {sender.send(io.BytesIO(f"package {i}".encode())).doc_id for i in range(300)}
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    outs = [tmp_path / f"got-{n}.txt" for n in range(2)]
    procs = [subprocess.Popen([sys.executable, str(script), str(root), str(out)]) for out in outs]
    deadline = time.monotonic() + 60
    while not all(Path(f"{out}.ready").exists() for out in outs):
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.01)
    (root / "go").touch()
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    got = [out.read_text().split() for out in outs]
    assert all(got), "both processes should have taken some"
    assert len(got[0]) + len(got[1]) == len(sent)  # nobody got a file twice
    assert set(got[0]) | set(got[1]) == sent  # and every file was delivered
    assert not set(got[0]) & set(got[1])
    processed = DirectoryTransport(root).processed
    assert len(list(processed.glob("*.edxml"))) == 300
    assert len(list(processed.glob("*.edxml.done"))) == 300
    assert os.listdir(root / "inbox") == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs symlinks and named pipes (POSIX)")
def test_only_regular_files_are_received(tmp_path: Path) -> None:
    """A link to another account's file, a named pipe and a folder named *.edxml are skipped
    and left in place; receive neither follows, nor blocks, nor stops."""
    receiver = DirectoryTransport(tmp_path / "b")
    secret = tmp_path / "other-account.txt"
    secret.write_text("not yours")
    (receiver.inbox / "1-link.edxml").symlink_to(secret)
    os.mkfifo(receiver.inbox / "2-pipe.edxml")
    (receiver.inbox / "3-folder.edxml").mkdir()
    (receiver.inbox / "4-dangling.edxml").symlink_to(tmp_path / "missing")
    (receiver.inbox / "5-real.edxml").write_bytes(b"<edXML/>")
    started = time.monotonic()
    got = list(receiver.receive())
    assert time.monotonic() - started < 5
    assert [m.message_id for m in got] == ["5-real"]
    assert got[0].path.read_bytes() == b"<edXML/>"
    left = sorted(p.name for p in receiver.inbox.iterdir() if not p.name.startswith("."))
    assert left == ["1-link.edxml", "2-pipe.edxml", "3-folder.edxml", "4-dangling.edxml"]
    got[0].ack(Outcome.DONE)
    assert secret.read_text() == "not yours"


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="needs O_NOFOLLOW (POSIX)")
def test_a_link_swapped_in_after_the_check_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's type is checked on the opened descriptor, not only by name."""
    receiver = DirectoryTransport(tmp_path / "b")
    secret = tmp_path / "other-account.txt"
    secret.write_text("not yours")
    (receiver.inbox / "x.edxml").write_bytes(b"<edXML/>")
    real_rename = os.rename

    def rename_then_swap(src: object, dst: object) -> None:
        real_rename(src, dst)  # type: ignore[arg-type]
        if str(dst).endswith(".claimed"):
            os.unlink(dst)  # type: ignore[arg-type]
            os.symlink(secret, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "rename", rename_then_swap)
    assert list(receiver.receive()) == []
