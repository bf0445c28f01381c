"""Transport throughput on loopback: edoc's AMQP and hub transports beside raw pika / httpx.

    .venv/bin/python benchmarks/bench_transport.py [--sizes 10K,1M] [--count N] [--json FILE]

For each package size, N files of random bytes are moved four ways, in the same run:

    amqp send     AmqpTransport.send (persistent, mandatory, confirmed) of each file
    raw pika      read the file, basic_publish with the same properties on a confirm channel
    amqp receive  AmqpTransport.receive: store each body (fsync, rename, log) and ack
    raw pika      consume with manual ack (basic_ack each), the body kept in memory only
    hub send      HubTransport.send (octet-stream body, file + CRLF, signed hash-file)
    raw httpx     the same POST (file read whole) with headers signed in this file
    hub receive   HubTransport.receive (list, getEdoc decoded into the inbox, fsync) + ack
    raw + fsync   the same consumer, storing each body as edoc does (write, fsync, rename,
                  fsync of the folder) before its ack: row "recv+fs", beside edoc's receive
    raw httpx     getReceivedEdocList, getEdoc (JSON + base64 decode, written, no fsync),
                  updateStatus done

The broker is Debian's rabbitmq-server, started on loopback for the run (the tests' helper,
tests/transport/_rabbit.py), or --amqp-url; the hub is ``edoc hub serve`` in a separate
process. Each size runs --repeat rounds (default 3) and the best time of each side counts.
Ratios are edoc time / raw time (1.0 = no overhead). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _harness import HERE, MiB, parse_size, revision, size_label

sys.path.insert(0, str(HERE.parent / "tests" / "transport"))

A, B = "000.00.00.G22", "000.00.00.H41"
A_SECRET, B_SECRET = "bench-secret-a", "bench-secret-b"


def timed(work: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    n = work()
    return time.perf_counter() - start, n


# -- AMQP -----------------------------------------------------------------------------------


def amqp_rows(url: str, files: list[Path], work: Path) -> list[dict[str, Any]]:
    import pika

    from edoc.transport import Outgoing
    from edoc.transport.amqp import AmqpTransport

    prefix = f"bench{uuid.uuid4().hex[:6]}"
    sender = AmqpTransport(url, A, prefix=prefix)
    receiver = AmqpTransport(url, B, prefix=prefix, inbox=work / "amqp-inbox", idle_timeout=1.0)

    sender.queue_depths()  # connected and declared before the clock starts, as raw pika is
    receiver.queue_depths()

    def edoc_send() -> int:
        for f in files:
            sender.send(Outgoing(payload=f, to=[B]))
        return len(files)

    def edoc_receive() -> int:
        n = 0
        while n < len(files):
            for incoming in receiver.receive(max_messages=len(files) - n):
                incoming.ack()
                n += 1
        return n

    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    raw_queue = f"{prefix}.raw"
    channel.queue_declare(raw_queue, durable=True)
    channel.confirm_delivery()
    channel.basic_qos(prefetch_count=100)

    def raw_send(queue: str = raw_queue) -> int:
        for f in files:
            body = f.read_bytes()
            sha = hashlib.sha256(body).hexdigest()
            props = pika.BasicProperties(
                delivery_mode=2, message_id=uuid.uuid4().hex,
                content_type="application/octet-stream", headers={"edoc-sha256": sha},
            )  # fmt: skip
            channel.basic_publish("", queue, body, props, mandatory=True)
        return len(files)

    def raw_receive(queue: str = raw_queue, store: Path | None = None) -> int:
        n = 0
        for method, _, body in channel.consume(queue, inactivity_timeout=1.0):
            if method is None:
                continue
            if store is not None:  # what storing durably costs: write, fsync, rename, fsync dir
                tmp = store / f".{n}.part"
                with tmp.open("wb") as out:
                    out.write(body)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, store / f"{n}.edxml")
                fd = os.open(store, os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
            channel.basic_ack(method.delivery_tag)
            n += 1
            if n == len(files):
                break
        channel.cancel()
        return n

    stored = work / "raw-stored"
    stored.mkdir()
    channel.queue_declare(raw_queue + ".2", durable=True)
    raw_send(raw_queue + ".2")  # (not timed) the messages the storing consumer takes

    def raw_receive_store() -> int:
        return raw_receive(raw_queue + ".2", stored)

    rows = []
    try:
        for op, mine, raw in (
            ("send", edoc_send, raw_send),
            ("receive", edoc_receive, raw_receive),
        ):
            t_edoc, n1 = timed(mine)
            t_raw, n2 = timed(raw)
            assert n1 == n2 == len(files)
            rows.append({"transport": "amqp", "op": op, "edoc_s": t_edoc, "raw_s": t_raw})
        t_store, n3 = timed(raw_receive_store)
        assert n3 == len(files)
        rows.append({"transport": "amqp", "op": "recv+fs", "edoc_s": rows[-1]["edoc_s"],
                     "raw_s": t_store})  # fmt: skip
    finally:
        sender.close()
        receiver.close()
        connection.close()
    return rows


# -- hub --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sign(params: dict[str, str], system: str, secret: str, content_type: str) -> dict[str, str]:
    """The hub's header signing (edxml-reference §7.3), written here, not edoc's."""
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=7)))
    stamp = now.strftime("%d%m%YT%H%M%S") + f"+{now.microsecond // 1000:04d}"
    entries = {**params, "systemid": system, "timestamp": stamp, "Content-Type": content_type}
    prefixed = {"XroadVnpt-" + k: v for k, v in entries.items()}
    sign_header = json.dumps(prefixed, ensure_ascii=False, separators=(",", ":"))
    mac = hmac.new(secret.encode(), sign_header.encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type, **prefixed,
        "XroadVnpt-sign-header-key": ";".join(entries), "XroadVnpt-sign-header": sign_header,
        "XroadVnpt-hash-header": mac, "XroadVnpt-version": "3.0.201608",
    }  # fmt: skip


def hub_rows(files: list[Path], work: Path) -> list[dict[str, Any]]:
    import httpx

    from edoc.transport import HubTransport, Outgoing

    port = _free_port()
    env = {**os.environ, "A_SECRET": A_SECRET, "B_SECRET": B_SECRET}
    server = subprocess.Popen(
        [sys.executable, "-c", "from edoc.cli import main; main()", "hub", "serve",
         "--data", str(work / "hubdata"), "--port", str(port), "--quiet",
         "--agency", "vxp.a=env:A_SECRET", "--agency", "vxp.b=env:B_SECRET",
         "--route", f"{A}=vxp.a", "--route", f"{B}=vxp.b"],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert server.stderr is not None
    while "serving on" not in server.stderr.readline():
        if server.poll() is not None:
            raise SystemExit("edoc hub serve did not start")
    url = f"http://127.0.0.1:{port}"
    sender = HubTransport(url, "vxp.a", A_SECRET, organ_id=A)
    receiver = HubTransport(url, "vxp.b", B_SECRET, inbox=work / "hub-inbox")
    client = httpx.Client(base_url=url, timeout=60)
    raw_inbox = work / "raw-inbox"
    raw_inbox.mkdir()

    def edoc_send() -> int:
        for f in files:
            sender.send(Outgoing(payload=f, to=[B]))
        return len(files)

    def edoc_receive() -> int:  # the first half of what waits: edoc's own sends
        n = 0
        for incoming in receiver.receive(max_messages=len(files)):
            incoming.ack()
            n += 1
        return n

    def raw_send() -> int:
        for f in files:
            data = f.read_bytes()
            params = {"servicetype": "eDoc", "messagetype": "edoc", "from": A, "to": f'["{B}"]',
                      "hash-file": hashlib.sha256(data).hexdigest()}  # fmt: skip
            headers = _sign(params, "vxp.a", A_SECRET, "application/octet-stream")
            r = client.post("/sendEdoc", headers=headers, content=data + b"\r\n")
            assert r.json()["status"] == "OK", r.text
        return len(files)

    def raw_call(op: str, params: dict[str, str]) -> Any:
        r = client.post("/" + op, headers=_sign(params, "vxp.b", B_SECRET, "application/json"))
        body = r.json()
        assert body["status"] == "OK", body
        return body

    def raw_receive() -> int:
        listing = raw_call("getReceivedEdocList", {"servicetype": "eDoc", "messagetype": "edoc"})
        n = 0
        for entry in listing["data"]:
            doc = raw_call("getEdoc", {"docId": entry["docId"]})
            (raw_inbox / f"{entry['docId']}.edxml").write_bytes(base64.b64decode(doc["data"]))
            raw_call("updateStatus", {"docId": entry["docId"], "status": "done"})
            n += 1
        return n

    rows = []
    try:
        # Sends first (edoc's, then raw), then each receive takes its half of what waits.
        t_edoc, _ = timed(edoc_send)
        t_raw, _ = timed(raw_send)
        rows.append({"transport": "hub", "op": "send", "edoc_s": t_edoc, "raw_s": t_raw})
        t_edoc, n1 = timed(edoc_receive)
        t_raw, n2 = timed(raw_receive)
        assert n1 == n2 == len(files), (n1, n2)
        rows.append({"transport": "hub", "op": "receive", "edoc_s": t_edoc, "raw_s": t_raw})
    finally:
        sender.close()
        receiver.close()
        client.close()
        server.terminate()
        server.wait()
    return rows


# -- the run ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10K,1M", help="package sizes (default 10K,1M)")
    parser.add_argument("--count", type=int, help="packages per size (default: 100 MiB "
                        "worth, at most 500, at least 20)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best time counts")
    parser.add_argument("--amqp-url", help="use this broker instead of starting one")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-transport-", dir=None) as tmp:
        base = Path(tmp)
        rabbit = None
        url = args.amqp_url
        if url is None:
            from _rabbit import Rabbit, server_script

            script = server_script()
            if script is None:
                raise SystemExit("rabbitmq-server is not installed; pass --amqp-url")
            rabbit = Rabbit(base / "rabbitmq", script)
            rabbit.start()
            url = rabbit.url
        try:
            for size in sizes:
                count = args.count or max(20, min(500, (100 * MiB) // size))
                work = base / size_label(size)
                (work / "out").mkdir(parents=True)
                files = []
                for i in range(count):
                    path = work / "out" / f"p{i}.edxml"
                    path.write_bytes(os.urandom(size))
                    files.append(path)
                best: dict[tuple[str, str], dict[str, Any]] = {}
                for round_ in range(args.repeat):  # best of N: the machine may be shared
                    here = work / f"round-{round_}"
                    here.mkdir()
                    for row in (*amqp_rows(url, files, here), *hub_rows(files, here)):
                        key = (row["transport"], row["op"])
                        kept = best.setdefault(key, row | {"size": size, "count": count})
                        kept["edoc_s"] = min(kept["edoc_s"], row["edoc_s"])
                        kept["raw_s"] = min(kept["raw_s"], row["raw_s"])
                        kept.setdefault("runs", []).append([row["edoc_s"], row["raw_s"]])
                rows += best.values()
        finally:
            if rabbit is not None:
                rabbit.close()
    print(f"edoc transports on loopback ({revision()}); best of {args.repeat} rounds; "
          "ratio = edoc time / raw time")  # fmt: skip
    print(f"{'transport':<9} {'op':<8} {'size':>5} {'n':>4} {'edoc pkg/s':>10} {'MiB/s':>7} "
          f"{'raw pkg/s':>10} {'MiB/s':>7} {'ratio':>6}")  # fmt: skip
    for r in rows:
        mib = r["size"] * r["count"] / MiB
        print(f"{r['transport']:<9} {r['op']:<8} {size_label(r['size']):>5} {r['count']:>4} "
              f"{r['count'] / r['edoc_s']:>10.1f} {mib / r['edoc_s']:>7.1f} "
              f"{r['count'] / r['raw_s']:>10.1f} {mib / r['raw_s']:>7.1f} "
              f"{r['edoc_s'] / r['raw_s']:>6.2f}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
