"""No secret in logs, reprs, error messages, tracebacks or the hub's data folder."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from edoc.transport import HubTransport
from edoc.transport._hub_auth import Secret
from edoc.transport.hub_server import HubServer

from ._support import A_SECRET, A_SYSTEM, ALL_SECRETS, B_SYSTEM


def assert_clean(text: str) -> None:
    for secret in ALL_SECRETS:
        assert secret not in text


def test_no_secret_anywhere(
    hub: HubServer,
    client: Callable[..., Any],
    new_package: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
    hub_data: Path,
) -> None:
    caplog.set_level(logging.DEBUG)  # edoc, httpx, httpcore: everything
    a, b = client(A_SYSTEM), client(B_SYSTEM)
    errors: list[BaseException] = []
    a.send(new_package())
    hub.inject("error", operation="getReceivedEdocList")
    hub.inject("drop", operation="getEdoc")
    for item in b.receive():
        item.ack()
    for bad in (client(A_SYSTEM, secret="wrong-" + A_SECRET, retries=0),
                client(A_SYSTEM, timeout=0.2, retries=0)):  # fmt: skip
        hub.inject("delay", seconds=0.5)
        try:
            bad.list_agencies()
        except Exception as exc:
            errors.append(exc)
    assert len(errors) == 2
    texts = [caplog.text, repr(a), repr(b), repr(hub), str(hub.agencies), repr(Secret(A_SECRET))]
    texts += [f"{Secret(A_SECRET)}", f"{Secret(A_SECRET)!s}"]
    for err in errors:
        texts += [str(err), repr(err), "".join(traceback.format_exception(err))]
    assert caplog.text  # something was logged
    for text in texts:
        assert_clean(text)
    for path in hub_data.rglob("*"):
        if path.is_file():
            assert_clean(path.read_bytes().decode("utf-8", "replace"))
    for path in Path(b.inbox).rglob("*"):
        if path.is_file():
            assert_clean(path.read_bytes().decode("utf-8", "replace"))


def test_secret_object() -> None:
    s = Secret("abc")
    assert s.reveal() == b"abc"
    assert s == Secret(b"abc")
    assert "abc" not in repr(s) + str(s) + f"{s}"
    with pytest.raises(ValueError, match="empty"):
        Secret("")


def test_bad_secret_message_does_not_echo_it(hub: HubServer) -> None:
    with pytest.raises(Exception) as info:  # noqa: PT011 - checking the text only
        HubTransport(hub.url, A_SYSTEM, 12345)  # type: ignore[arg-type]
    assert "12345" not in str(info.value)
