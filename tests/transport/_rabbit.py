"""A real RabbitMQ broker for the tests: Debian's ``rabbitmq-server``, on loopback, in a tmp dir.

The node runs in the foreground as a child of the tests (its own session, so stopping it
never touches anything else) with its own node name, ports, Mnesia and log folders, Erlang
cookie (``HOME``) and port mapper (``ERL_EPMD_PORT``); no plugins. It can be stopped
gracefully, killed, and started again on the same data folder: durable queues and
persistent messages survive.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

USER = "edoc-test"
PASSWORD = "amqp-pw-5c1e9b77d2"  # a secret the tests look for in logs and reprs

_SCRIPTS = (
    "/usr/lib/rabbitmq/bin/rabbitmq-server",  # Debian: runs as the caller (the sbin wrapper su's)
)


def server_script() -> str | None:
    """The rabbitmq-server start script, or ``None`` when RabbitMQ is not installed."""
    for candidate in _SCRIPTS:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("rabbitmq-server")
    if found and os.geteuid() != 0:
        return found
    return None


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _free_port() -> int:
    """A free port *below* the ephemeral range: the node binds it again after a restart,
    and a client's outgoing connection must not have taken it meanwhile."""
    high = min(_ephemeral_low(), 32768)
    for _ in range(200):
        port = random.randrange(max(1024, high - 12000), high)
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))  # probing all interfaces; the node listens on loopback
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def dead_letters(channel: Any, queue: str, expected: int, timeout: float = 10.0) -> int:
    """The depth of the dead-letter queue ``queue`` once it reaches ``expected`` (or the
    timeout ends): a quorum queue dead-letters asynchronously, a moment after the reject."""
    deadline = time.monotonic() + timeout
    while True:
        count = int(channel.queue_declare(queue, passive=True).method.message_count)
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


class Rabbit:
    """One RabbitMQ node in ``base``; :attr:`url` connects to it."""

    def __init__(
        self,
        base: Path,
        script: str,
        *,
        epmd_port: int | None = None,
        cookie: str | None = None,
        name: str | None = None,
    ) -> None:
        self.base = base
        self.script = script
        self.port = _free_port()
        self.dist_port = _free_port()
        self.epmd_port = epmd_port or _free_port()
        self.node = f"{name or 'edoc-' + uuid.uuid4().hex[:8]}@localhost"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        base.mkdir(parents=True, exist_ok=True)
        if cookie is not None:  # nodes of one cluster (and rabbitmqctl) share the cookie
            path = base / ".erlang.cookie"
            path.write_text(cookie)
            path.chmod(0o400)
        (base / "enabled_plugins").write_text("[].\n")
        (base / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\n"
            f"default_user = {USER}\n"
            f"default_pass = {PASSWORD}\n"
            "disk_free_limit.absolute = 20MB\n"
            "log.console = false\n"
            "log.file.level = warning\n"
        )

    @property
    def url(self) -> str:
        return f"amqp://{USER}:{PASSWORD}@127.0.0.1:{self.port}/%2F"

    def url_with(self, *, password: str | None = None, port: int | None = None) -> str:
        pw = urllib.parse.quote(password if password is not None else PASSWORD, safe="")
        return f"amqp://{USER}:{pw}@127.0.0.1:{port or self.port}/%2F"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        b = self.base
        env.update(
            HOME=str(b),
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            ERL_EPMD_PORT=str(self.epmd_port),
            ERL_EPMD_ADDRESS="127.0.0.1",
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}",
            RABBITMQ_MNESIA_BASE=str(b / "mnesia"),
            RABBITMQ_LOG_BASE=str(b / "log"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(b / "enabled_plugins"),
            RABBITMQ_CONFIG_FILE=str(b / "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(b / "advanced.config"),
            RABBITMQ_CONF_ENV_FILE=str(b / "rabbitmq-env.conf"),
            RABBITMQ_PID_FILE=str(b / "rabbitmq.pid"),
        )
        return env

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 90.0) -> None:
        """Start the node and wait until it accepts AMQP connections."""
        if self.running:
            return
        self.starts += 1
        out = (self.base / f"console-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [self.script],
            env=self._env(),
            cwd=self.base,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + timeout
        while not _port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.base / f"console-{self.starts}.log").read_text(errors="replace")
                self.kill()
                raise RuntimeError(f"rabbitmq-server did not start:\n{log[-3000:]}")
            time.sleep(0.1)

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the node gracefully (SIGTERM: the script runs the orderly shutdown)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self._reap_group()
        self.process = None

    def kill(self) -> None:
        """Kill the node at once (SIGKILL to its whole session), as a crash would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def _reap_group(self) -> None:
        assert self.process is not None
        # The node's own children (erl_child_setup, inet_gethost) end with it; make sure.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def ctl(self, *args: str, timeout: float = 120.0) -> str:
        """Run ``rabbitmqctl -n <this node> ARGS`` (same cookie and port mapper)."""
        ctl = str(Path(self.script).with_name("rabbitmqctl"))
        done = subprocess.run(
            [ctl, "-n", self.node, *args], env=self._env(), cwd=self.base,
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def close(self) -> None:
        """Stop the node and the port mapper it started."""
        self.stop()
        _kill_epmd(self.epmd_port)


def _kill_epmd(port: int) -> None:
    """Stop the port mapper on ``port`` (started by the first node), checking it is gone."""
    epmd = shutil.which("epmd")
    if epmd is None:
        return
    env = dict(os.environ, ERL_EPMD_PORT=str(port))
    for _ in range(20):
        subprocess.run([epmd, "-kill"], env=env, capture_output=True, check=False)
        if not _port_open(port):
            return
        time.sleep(0.25)


class Cluster:
    """Three (``size``) RabbitMQ nodes on loopback joined into one cluster, as
    docs/transports.md "Scaling out" shows: one Erlang cookie and one port mapper, each node
    its own name, AMQP and distribution ports and folders; ``rabbitmqctl join_cluster``."""

    def __init__(self, base: Path, script: str, size: int = 3) -> None:
        cookie = uuid.uuid4().hex.upper()
        epmd = _free_port()
        tag = uuid.uuid4().hex[:6]
        self.nodes = [
            Rabbit(base / f"node{n}", script, epmd_port=epmd, cookie=cookie, name=f"c{tag}-{n}")
            for n in range(size)
        ]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self) -> None:
        first, *others = self.nodes
        for node in self.nodes:
            node.start()
        for node in others:
            node.ctl("stop_app")
            node.ctl("join_cluster", first.node)
            node.ctl("start_app")
        for node in others:  # start_app returns before the listener is back
            deadline = time.monotonic() + 60
            while not _port_open(node.port) and time.monotonic() < deadline:
                time.sleep(0.1)

    def close(self) -> None:
        """Stop (kill, if they do not stop) every node, then the port mapper: always all."""
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.kill()
        _kill_epmd(self.nodes[0].epmd_port)
