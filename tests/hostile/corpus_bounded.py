# ruff: noqa: E501  (one case per line reads best)
"""Issue 17, classes 4, 6, 7 and 9: bounded hub answers (list, status, ack), files in a shared
folder, the one file-name sanitiser, build paths, AMQP identity, a killed run's spool files."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

import attrs

import edoc
from edoc.errors import InputError

from ._build import Ctx, sample
from ._case import Accepted, Case, Refused
from .corpus_transport import _te

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "new-document.toml"
RESERVED_NAMES = ["COM0.pdf", "com\u00b9.pdf", "LPT\u00b3", "lpt0.txt", "CONIN$", "CONOUT$.log", "CON .txt",
                  "invoice\u202efdp.exe", "a\u200bb\u200d.pdf", "\u2066x\u2069\ufeff.doc", "x\u2028y.pdf"]  # fmt: skip
_DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{d}{i}" for d in ("COM", "LPT") for i in "0123456789\u00b9\u00b2\u00b3"
}


def _list(mode: str, **options: Any) -> Any:
    def make(c: Ctx) -> Any:
        from edoc.transport import HubTransport

        def run() -> Any:
            c.hostile_hub.mode = mode
            options.setdefault("timeout", 2.0)
            with HubTransport(
                c.hostile_hub.url, "vxp.saas.a", "s3cr3t-hub-Q", retries=0, **options
            ) as t:
                return t.list_received()

        return run

    return make


def _bad_entries(c: Ctx) -> Any:
    from edoc.transport import HubTransport

    def run() -> Any:
        c.hostile_hub.mode = "bad-entries"
        with HubTransport(
            c.hostile_hub.url,
            "vxp.saas.a",
            "s3cr3t-hub-Q",
            retries=0,
            timeout=2.0,
            inbox=c.work.parent / "inbox",
        ) as t:
            got = [(m.message_id, m.path.read_bytes()) for m in t.receive()]
            return got, list(t.skipped)

    return run


def _good_one_received(result: Any, c: Ctx) -> None:
    got, skipped = result
    assert got == [("good-1", b"<edXML/>")], got
    assert len([s for s in skipped if s.kind == "edoc"]) == 3, skipped


def _folder(kind: str) -> Any:
    def make(c: Ctx) -> Any:
        from edoc.transport import DirectoryTransport

        def run() -> Any:
            t = DirectoryTransport(c.work / "box")
            target = t.inbox / f"{kind}.edxml"
            if kind == "symlink":
                target.symlink_to(c.victim)  # another account's file
            elif kind == "fifo":
                os.mkfifo(target)
            else:
                target.mkdir()
            (t.inbox / "z-real.edxml").write_bytes(b"<edXML/>")
            with t:
                return [(m.message_id, m.path.read_bytes()) for m in t.receive()]

        return run

    return make


def _only_the_real_file(result: Any, c: Ctx) -> None:
    assert result == [("z-real", b"<edXML/>")], result


def _outside(path_of: Any) -> Any:
    def make(c: Ctx) -> Any:
        from edoc.builder import package_from_mapping

        def run() -> Any:
            folder = c.work / "desc"
            folder.mkdir()
            data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
            data["attachments"] = [{"path": path_of(c)}]
            return package_from_mapping(data, base_dir=folder)

        return run

    return make


def _reserved_extracted(result: Any, c: Ctx) -> None:
    names = [p.name for p in (c.work / "dest").iterdir()]
    assert len(names) == len(RESERVED_NAMES), names
    for name in names:
        assert name.split(".", 1)[0].rstrip(" ").upper() not in _DEVICES, name
        assert not [ch for ch in name if unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp")], (
            ascii(name)
        )


_BROKER: list[Any] = []


def rabbit_available() -> bool:
    import importlib.util

    from transport._rabbit import server_script

    return importlib.util.find_spec("pika") is not None and server_script() is not None


def _broker(c: Ctx) -> Any:
    """One RabbitMQ node for the corpus session (the transport tests' own fixture code)."""
    if not _BROKER:
        import atexit

        from transport._rabbit import Rabbit, server_script

        script = server_script()
        assert script is not None, "the case needs rabbitmq-server"
        node = Rabbit(c.root / "rabbitmq", script)
        atexit.register(node.close)
        node.start()
        _BROKER.append(node)
    return _BROKER[0]


def _amqp_junk_under_real_id(c: Ctx) -> Any:
    import uuid

    import pika

    from edoc.transport.amqp import AmqpTransport

    url = _broker(c).url  # started before the case's alarm and network guard

    def run() -> Any:
        prefix = f"h{uuid.uuid4().hex[:8]}"
        real = edoc.to_bytes(sample())
        with AmqpTransport(
            url,
            "000.00.00.H41",
            inbox=c.work.parent / "amqp-inbox",
            prefix=prefix,
            idle_timeout=0.3,
        ) as b:
            b.queue_depths()  # declares the queues
            conn = pika.BlockingConnection(pika.URLParameters(url))
            try:
                channel = conn.channel()
                props = pika.BasicProperties(
                    delivery_mode=2, message_id="m-1", headers={"edoc-from": "000.00.00.G22"}
                )
                channel.basic_publish(prefix, "000.00.00.H41", b"junk from a co-recipient", props)
                for m in b.receive():
                    m.ack("fail")  # the application refuses the junk
                channel.basic_publish(prefix, "000.00.00.H41", real, props)
                received = list(b.receive())
                got = [(m.path.read_bytes(), m.sender) for m in received]
                for m in received:
                    m.ack("done")
                dead = b.queue_depths()[1]
            finally:
                conn.close()
        return got, real, dead

    return run


def _real_one_received(result: Any, c: Ctx) -> None:
    got, real, dead = result
    assert got == [(real, "000.00.00.G22")], [g[1] for g in got]
    assert dead == 1, "only the junk is dead-lettered"


def _stale_spool(c: Ctx) -> Any:
    def run() -> Any:
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
        ).stdout.strip()
        spool = Path(tempfile.gettempdir())
        left = spool / f"edoc-{dead}-killedrun.bin"  # what a SIGKILLed validate left
        left.write_bytes(b"x" * 100)
        old = time.time() - 7200
        os.utime(left, (old, old))
        big = attrs.evolve(
            sample(),
            attachments=[
                edoc.Attachment.from_bytes(b"%PDF-1.4 " + os.urandom(2 << 20), name="big.pdf")
            ],
        )
        from edoc.validation import validate

        validate(edoc.to_bytes(big))  # spools into the same folder: the next run
        return left

    return run


def _gone(left: Any, c: Ctx) -> None:
    assert not Path(left).exists(), "the killed run's spool file is still there"


CASES = [
    Case(
        "T1",
        "list-gzip-bomb",
        "getReceivedEdocList answered 64 MiB of JSON gzipped to 64 KiB; max_answer_bytes 1 MiB",
        "call",
        _list("gzip-bomb", max_answer_bytes=1 << 20),
        Refused(_te("TransportLimitError"), "bytes decompressed"),
        max_rss_mb=48,
        needs=("httpx",),
    ),
    Case(
        "T1",
        "list-oversized",
        "getReceivedEdocList answered 256 MiB, chunked; max_answer_bytes 1 MiB",
        "call",
        _list("oversized", max_answer_bytes=1 << 20),
        Refused(_te("TransportLimitError"), "bytes on the wire"),
        max_rss_mb=48,
        needs=("httpx",),
    ),
    Case(
        "T2",
        "list-trickle",
        "getReceivedEdocList trickled one byte every 0.2 s; timeout 1 s bounds the whole call",
        "call",
        _list("trickle", timeout=1.0),
        Refused(_te("TransportTimeout"), "longer than timeout"),
        timeout=10,
        needs=("httpx",),
    ),
    Case(
        "T3",
        "list-deep-nesting",
        "a list answer nested 100,000 deep: no RecursionError",
        "call",
        _list("deep"),
        Refused(_te("ProtocolError"), "nests deeper than 32"),
        needs=("httpx",),
    ),
    Case(
        "T3",
        "list-duplicate-status",
        'getReceivedEdocList answered {"status":"FAIL","status":"OK"}: not last-wins',
        "call",
        _list("dup-status"),
        Refused(_te("ProtocolError"), "'status' twice"),
        needs=("httpx",),
    ),
    Case(
        "T6",
        "hub-bad-entry",
        "a listed docId with CRLF, one that is a list, an entry that is a number, then a good one",
        "call",
        _bad_entries,
        Accepted(
            _good_one_received,
            "bad entries are skipped and reported (HubTransport.skipped); receive goes on",
        ),
        needs=("httpx",),
    ),
    Case(
        "T6",
        "amqp-junk-under-real-message-id",
        "a co-recipient publishes junk under message id m-1, the receiver fails it, then the real package arrives under m-1",
        "call",
        _amqp_junk_under_real_id,
        Accepted(
            _real_one_received,
            "idempotency is keyed on the package (From, DocumentId, SHA-256), never on the publisher's message id",
        ),
        timeout=60,
        needs=("rabbitmq",),
    ),
    Case(
        "F1",
        "folder-symlink",
        "a symlink named *.edxml in the folder inbox, pointing at another account's file",
        "call",
        _folder("symlink"),
        Accepted(
            _only_the_real_file, "regular files only, opened with O_NOFOLLOW and checked with fstat"
        ),
    ),
    Case(
        "F1",
        "folder-fifo",
        "a named pipe named *.edxml in the folder inbox",
        "call",
        _folder("fifo"),
        Accepted(_only_the_real_file, "opened with O_NONBLOCK: skipped, never blocks"),
        timeout=10,
    ),
    Case(
        "F1",
        "folder-directory",
        "a folder named *.edxml in the folder inbox",
        "call",
        _folder("directory"),
        Accepted(_only_the_real_file, "skipped; receive goes on"),
    ),
    Case(
        "F1",
        "build-absolute-path",
        "a build description attaching an absolute path",
        "call",
        _outside(lambda c: str(c.victim)),
        Refused(InputError, "is absolute"),
    ),
    Case(
        "F1",
        "build-parent-path",
        "a build description attaching ../../victim.txt",
        "call",
        _outside(lambda c: "../../victim.txt"),
        Refused(InputError, "leads outside the TOML file's folder"),
    ),
    Case(
        "F2",
        "reserved-and-invisible-names",
        "attachments named COM0, COM¹, LPT³, LPT0, CONIN$, CONOUT$, with bidi and zero-width characters",
        "extract",
        lambda c: edoc.to_bytes(
            attrs.evolve(
                sample(),
                attachments=[
                    edoc.Attachment.from_bytes(
                        b"%PDF-1.4 x", name=n, content_type="application/pdf"
                    )
                    for n in RESERVED_NAMES
                ],
            )
        ),
        Accepted(
            _reserved_extracted,
            "the one sanitiser prefixes every Windows device name and replaces invisible characters",
        ),
    ),
    Case(
        "F7",
        "stale-spool-after-sigkill",
        "a spool file left by a SIGKILLed validate (dead pid, two hours old)",
        "call",
        _stale_spool,
        Accepted(_gone, "the next run removes edoc's own stale spool files, never a live run's"),
    ),
]

__all__ = ["CASES"]
