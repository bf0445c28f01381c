"""One competing worker for the cluster test, run as its own process (so it can be killed).

    python -m tests.transport._cluster_worker CONFIG.json

It receives the queue into the shared inbox. The "application" checks each stored file is
complete, appends the package key to its own ``accepted`` file, then acknowledges. With
``crash_after`` K it kills itself (SIGKILL) on its K-th package, after the transport stored
and handed it out and before the application accepted or acknowledged it. It stops once
the ``stop`` file exists and a receive found nothing. Its counters go to ``counts``.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

from edoc.transport.amqp import AmqpTransport


def main(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    with (
        Path(config["accepted"]).open("a", buffering=1, encoding="utf-8") as accepted,
        Path(config["problems"]).open("a", buffering=1, encoding="utf-8") as problems,
    ):
        work(config, accepted, problems)


def work(config: dict[str, Any], accepted: TextIO, problems: TextIO) -> None:
    counts_file = Path(config["counts"])
    stop = Path(config["stop"])
    crash_after = int(config.get("crash_after") or 0)
    handled = 0
    transport = AmqpTransport(
        config["urls"], config["system_id"], inbox=config["inbox"], prefix=config["prefix"],
        shared=True, timeout=5.0, retries=100, backoff=0.1, max_backoff=1.0,
        idle_timeout=0.5, prefetch=config.get("prefetch", 50),
    )  # fmt: skip
    with transport:
        while True:
            got = 0
            for incoming in transport.receive(max_messages=500):
                got += 1
                handled += 1
                data = incoming.path.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                if len(data) != incoming.size or sha != incoming.sha256:
                    problems.write(f"incomplete {incoming.message_id}\n")
                if crash_after and handled == crash_after:
                    _save(counts_file, transport.counts)
                    os.kill(os.getpid(), signal.SIGKILL)  # between store and ack
                accepted.write(incoming.message_id + "\n")
                incoming.ack()
                if handled % 200 == 0:
                    _save(counts_file, transport.counts)
            if not got and stop.exists():
                break
    _save(counts_file, transport.counts)


def _save(path: Path, counts: object) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dict(counts)))  # type: ignore[call-overload]
    os.replace(tmp, path)


if __name__ == "__main__":
    main(sys.argv[1])
