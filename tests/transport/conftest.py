"""Fixtures for the transport tests: a real local hub on loopback, packages on disk."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edoc.transport.hub_server import HubServer

from ._rabbit import Rabbit, server_script
from ._support import (
    A_ORGAN,
    A_SECRET,
    A_SYSTEM,
    B_ORGAN,
    B_SECRET,
    B_SYSTEM,
    C_SECRET,
    C_SYSTEM,
    agencies,
    write_package,
)

collect_ignore_glob: list[str] = []
if importlib.util.find_spec("httpx") is None:  # the hub client needs edoc-edxml[http]
    collect_ignore_glob += ["test_hub*.py", "test_secrets.py", "test_cli_transport.py"]
if importlib.util.find_spec("pika") is None:  # the AMQP transport needs edoc-edxml[amqp]
    collect_ignore_glob += ["test_amqp*.py"]


def pytest_report_header() -> list[str]:
    lines = []
    if importlib.util.find_spec("httpx") is None:
        lines.append("httpx is not installed: hub client tests not collected (edoc-edxml[http])")
    if importlib.util.find_spec("pika") is None:
        lines.append("pika is not installed: the AMQP tests are not collected (edoc-edxml[amqp])")
    return lines


@pytest.fixture(scope="session")
def rabbit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rabbit]:
    """A real RabbitMQ node on loopback for the whole session (it takes seconds to start)."""
    script = server_script()
    if script is None:
        pytest.skip("rabbitmq-server is not installed (Debian package rabbitmq-server)")
    node = Rabbit(tmp_path_factory.mktemp("rabbitmq"), script)
    try:
        node.start()
        yield node
    finally:
        node.close()


@pytest.fixture
def broker(rabbit: Rabbit) -> Rabbit:
    """The session's broker, started again if an earlier test left it stopped."""
    rabbit.start()
    return rabbit


@pytest.fixture
def amqp(broker: Rabbit, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Make AmqpTransports on the broker, under a prefix of this test's own; closed at the end."""
    from edoc.transport.amqp import AmqpTransport

    prefix = f"t{uuid.uuid4().hex[:10]}"
    made: list[Any] = []

    def make(system: str, **kwargs: Any) -> Any:
        kwargs.setdefault("inbox", tmp_path / f"inbox-{system}")
        kwargs.setdefault("prefix", prefix)
        kwargs.setdefault("timeout", 5.0)
        kwargs.setdefault("backoff", 0.05)
        kwargs.setdefault("idle_timeout", 0.3)
        t = AmqpTransport(kwargs.pop("url", broker.url), system, **kwargs)
        made.append(t)
        return t

    make.prefix = prefix  # type: ignore[attr-defined]
    yield make
    for t in made:
        t.close()


@pytest.fixture
def new_package(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1_000_000))

    def make(**kwargs: Any) -> Path:
        n = next(counter)
        kwargs.setdefault("number", str(1000 + n))
        return write_package(tmp_path / f"pkg-{n}.edxml", **kwargs)

    return make


@pytest.fixture
def hub_data(tmp_path: Path) -> Path:
    return tmp_path / "hubdata"


@pytest.fixture
def hub(hub_data: Path) -> Iterator[HubServer]:
    server = HubServer(hub_data, agencies(), seed=1)
    with server:
        yield server


@pytest.fixture
def client(hub: HubServer, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Make HubTransports against the fixture hub; all closed at the end."""
    from edoc.transport import HubTransport

    made: list[Any] = []
    secrets = {A_SYSTEM: A_SECRET, B_SYSTEM: B_SECRET, C_SYSTEM: C_SECRET}
    organs = {A_SYSTEM: A_ORGAN, B_SYSTEM: B_ORGAN}

    def make(system: str, **kwargs: Any) -> Any:
        kwargs.setdefault("inbox", tmp_path / f"inbox-{system}")
        kwargs.setdefault("timeout", 5.0)
        kwargs.setdefault("backoff", 0.01)
        kwargs.setdefault("organ_id", organs.get(system))
        kwargs.setdefault("secret", secrets[system])
        t = HubTransport(hub.url, system, **kwargs)
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()
