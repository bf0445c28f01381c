"""Fixtures for the transport tests: a real local hub on loopback, packages on disk."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edoc.transport.hub_server import HubServer

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

if importlib.util.find_spec("httpx") is None:  # the hub client needs edoc[http]
    collect_ignore_glob = ["test_hub*.py", "test_secrets.py", "test_cli_transport.py"]


def pytest_report_header() -> list[str]:
    if importlib.util.find_spec("httpx") is None:
        return ["httpx is not installed: the hub client tests are not collected (edoc[http])"]
    return []


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
