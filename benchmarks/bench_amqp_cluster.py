"""Competing consumers on a 3-node RabbitMQ cluster: edoc workers beside raw pika workers.

    .venv/bin/python benchmarks/bench_amqp_cluster.py [--count 2000] [--workers 1,2,3]
        [--big 1G] [--json FILE]

A 3-node cluster is started on loopback (tests/transport/_rabbit.py, as the cluster test
does) and a quorum queue made on it. For each worker count W, in the same run:

    send       W processes publish --count real packages: AmqpTransport.send (persistent,
               mandatory, confirmed one by one) beside raw pika basic_publish with the
               same properties on a confirm channel
    receive    the queue holds --count packages; W processes drain it into one shared
               folder: AmqpTransport(shared=True).receive + ack, beside raw pika workers
               that do the same broker work and the same fsyncs per package (the body:
               temporary file, fsync, rename, fsync of the folder; an outcome marker:
               fsync, link, fsync of the folder), then basic_ack

Ratios are raw time / edoc time for throughput (1.0 = no overhead; edoc's extra work is
reading each package for its key and the claim files). Then the memory of a --big
package sent and received by reference (claim check): the peak RSS (VmHWM) of the sending
and the receiving process beside a process that only copies and hashes the same file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from _harness import HERE, MiB, parse_size, revision, size_label

sys.path.insert(0, str(HERE.parent / "tests" / "transport"))

A, B = "000.00.00.G22", "000.00.00.H41"


def _vmhwm_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _packages(folder: Path, n: int, tag: str) -> list[Path]:
    from _support import write_package

    template = write_package(folder / "template.edxml", number="7816").read_bytes()
    paths = []
    for i in range(n):
        path = folder / f"{tag}-{i}.edxml"
        path.write_bytes(template.replace(b"7816", f"{tag}{i}".encode()))
        paths.append(path)
    return paths


# -- children -------------------------------------------------------------------------------


def _edoc_send(urls: list[str], prefix: str, paths: list[str], out: Any) -> None:
    from edoc.transport import Outgoing
    from edoc.transport.amqp import AmqpTransport

    with AmqpTransport(urls, A, prefix=prefix) as t:
        t.queue_depths()
        start = time.perf_counter()
        for p in paths:
            t.send(Outgoing(payload=p, to=[B]))
        out.put((start, time.perf_counter()))


def _raw_send(urls: list[str], prefix: str, paths: list[str], out: Any) -> None:
    import pika

    connection = pika.BlockingConnection([pika.URLParameters(u) for u in urls])
    channel = connection.channel()
    channel.confirm_delivery()
    start = time.perf_counter()
    for p in paths:
        body = Path(p).read_bytes()
        props = pika.BasicProperties(
            delivery_mode=2, message_id=uuid.uuid4().hex, content_type="application/octet-stream",
            type="edoc", app_id="edoc", timestamp=int(time.time()),
            headers={"edoc-kind": "edoc", "edoc-sha256": hashlib.sha256(body).hexdigest(),
                     "edoc-from": A},
        )  # fmt: skip
        channel.basic_publish(prefix, B, body, props, mandatory=True)
    out.put((start, time.perf_counter()))
    connection.close()


def _edoc_receive(urls: list[str], prefix: str, inbox: str, out: Any) -> None:
    from edoc.transport.amqp import AmqpTransport

    first = last = 0.0
    n = 0
    with AmqpTransport(urls, B, prefix=prefix, inbox=inbox, shared=True, idle_timeout=1.0) as t:
        for incoming in t.receive():
            first = first or time.perf_counter()
            incoming.ack()
            last = time.perf_counter()
            n += 1
    out.put((first, last, n))


def _raw_receive(urls: list[str], prefix: str, inbox: str, out: Any) -> None:
    import pika

    folder = Path(inbox)
    marks = folder / ".marks"
    marks.mkdir(exist_ok=True)
    connection = pika.BlockingConnection([pika.URLParameters(u) for u in urls])
    channel = connection.channel()
    channel.basic_qos(prefetch_count=100)
    first = last = 0.0
    n = 0
    dir_fd, marks_fd = os.open(folder, os.O_RDONLY), os.open(marks, os.O_RDONLY)
    for method, _props, body in channel.consume(f"{prefix}.{B}", inactivity_timeout=1.0):
        if method is None:
            break
        first = first or time.perf_counter()
        sha = hashlib.sha256(body).hexdigest()
        tmp = folder / f".{sha}.part"
        with open(tmp, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / f"{sha}.edxml")
        os.fsync(dir_fd)
        mark = marks / f".{sha}.part"
        with open(mark, "wb") as f:
            f.write(b'{"state": "done"}')
            f.flush()
            os.fsync(f.fileno())
        os.link(mark, marks / f"{sha}.settled")
        os.unlink(mark)
        os.fsync(marks_fd)
        channel.basic_ack(method.delivery_tag)
        last = time.perf_counter()
        n += 1
    connection.close()
    out.put((first, last, n))


def _run(target: Any, args_for: list[tuple[Any, ...]]) -> list[Any]:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, out)) for args in args_for]
    for p in procs:
        p.start()
    results = [out.get(timeout=900) for _ in procs]
    for p in procs:
        p.join()
    return results


def _fill(urls: list[str], prefix: str, paths: list[Path]) -> None:
    _run(_raw_send, [(urls, prefix, [str(p) for p in paths])])


def _declare(urls: list[str], prefix: str, inbox: Path) -> None:
    from edoc.transport.amqp import AmqpTransport

    with AmqpTransport(urls, B, prefix=prefix, inbox=inbox) as t:
        t.queue_depths()  # the quorum queues


def _throughput(results: list[Any], total: int) -> float:
    if len(results[0]) == 2:
        start, end = min(r[0] for r in results), max(r[1] for r in results)
    else:
        assert sum(r[2] for r in results) == total, results
        start, end = min(r[0] for r in results if r[0]), max(r[1] for r in results)
    return total / (end - start)


# -- memory by reference ---------------------------------------------------------------------


def _big_send(urls: list[str], prefix: str, path: str, store: str, out: Any) -> None:
    from edoc.transport import Outgoing
    from edoc.transport.amqp import AmqpTransport

    with AmqpTransport(urls, A, prefix=prefix, claim_store=store) as t:
        start = time.perf_counter()
        t.send(Outgoing(payload=path, to=[B]))
        out.put((time.perf_counter() - start, _vmhwm_mib()))


def _big_receive(urls: list[str], prefix: str, inbox: str, store: str, out: Any) -> None:
    from edoc.transport.amqp import AmqpTransport

    with AmqpTransport(urls, B, prefix=prefix, inbox=inbox, claim_store=store) as t:
        start = time.perf_counter()
        [incoming] = list(t.receive())
        incoming.ack()
        out.put((time.perf_counter() - start, _vmhwm_mib()))


def _copy_hash(path: str, target: str, out: Any) -> None:
    start = time.perf_counter()
    digest = hashlib.sha256()
    with open(path, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(MiB):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    out.put((time.perf_counter() - start, _vmhwm_mib()))


def _big_package(folder: Path, size: int) -> Path:
    from _support import write_package

    import edoc

    raw = folder / "attachment.bin"
    with raw.open("wb") as f:
        for _ in range(size // MiB):
            f.write(os.urandom(MiB))
    small = write_package(folder / "small.edxml")
    pkg = edoc.read(small)
    big = pkg.__class__(header=pkg.header, attachments=[edoc.Attachment.from_path(raw)])
    path = folder / "big.edxml"
    edoc.write(big, path)
    raw.unlink()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--big", type=parse_size, default=parse_size("1G"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from _rabbit import Cluster, server_script

    script = server_script()
    if script is None:
        sys.exit("rabbitmq-server is not installed")
    (HERE / ".work").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-amqp-cluster-", dir=HERE / ".work"))
    cluster = Cluster(work / "cluster", script)
    rows: list[dict[str, Any]] = []
    try:
        t0 = time.perf_counter()
        cluster.start()
        print(f"3-node cluster up in {time.perf_counter() - t0:.0f} s; revision {revision()}")
        urls = cluster.urls
        for w in [int(x) for x in args.workers.split(",")]:
            row: dict[str, Any] = {"workers": w}
            for side in ("edoc", "raw"):
                prefix = f"b{uuid.uuid4().hex[:8]}"
                pkgs = work / f"pkgs-{prefix}"
                pkgs.mkdir()
                paths = _packages(pkgs, args.count, prefix)
                inbox = work / f"inbox-{prefix}"
                _declare(urls, prefix, inbox)
                parts = [[str(p) for p in paths[k::w]] for k in range(w)]
                sender = _edoc_send if side == "edoc" else _raw_send
                row[f"{side}_send"] = _throughput(
                    _run(sender, [(urls, prefix, part) for part in parts]), args.count
                )
                receiver = _edoc_receive if side == "edoc" else _raw_receive
                inbox.mkdir(exist_ok=True)
                row[f"{side}_receive"] = _throughput(
                    _run(receiver, [(urls, prefix, str(inbox))] * w), args.count
                )
            rows.append(row)
            print(f"{w} worker(s): send edoc {row['edoc_send']:.0f}/s raw {row['raw_send']:.0f}/s "
                  f"(edoc/raw {row['edoc_send'] / row['raw_send']:.2f}); receive edoc "
                  f"{row['edoc_receive']:.0f}/s raw {row['raw_receive']:.0f}/s (edoc/raw "
                  f"{row['edoc_receive'] / row['raw_receive']:.2f})", flush=True)  # fmt: skip
        big: dict[str, Any] = {}
        if args.big:
            folder = work / "big"
            folder.mkdir()
            path = _big_package(folder, args.big)
            prefix = f"b{uuid.uuid4().hex[:8]}"
            store, inbox = folder / "store", folder / "inbox"
            _declare(urls, prefix, inbox)
            [(ts, ms)] = _run(_big_send, [(urls, prefix, str(path), str(store))])
            [(tr, mr)] = _run(_big_receive, [(urls, prefix, str(inbox), str(store))])
            [(tc, mc)] = _run(_copy_hash, [(str(path), str(folder / "copy"))])
            big = {"size": path.stat().st_size, "send_s": ts, "send_mib": ms, "receive_s": tr,
                   "receive_mib": mr, "copy_s": tc, "copy_mib": mc}  # fmt: skip
            print(f"{size_label(args.big)} package by reference ({path.stat().st_size / MiB:.0f} "
                  f"MiB file): send {ts:.1f} s, peak RSS {ms:.0f} MiB; receive {tr:.1f} s, "
                  f"peak RSS {mr:.0f} MiB; copy+hash peer {tc:.1f} s, {mc:.0f} MiB "
                  f"(send/peer {ms / mc:.1f}x, receive/peer {mr / mc:.1f}x memory)")  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps({"rows": rows, "big": big}, indent=2))
    finally:
        cluster.close()
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
