"""open_transport picks the transport by URL scheme, including third-party entry points."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edoc.errors import InputError
from edoc.transport import DirectoryTransport, MockTransport, open_transport
from edoc.transport.base import Receipt


def test_dir_urls_open_a_folder_transport(tmp_path: Path) -> None:
    t = open_transport(f"dir://{tmp_path}/drop")
    assert isinstance(t, DirectoryTransport)
    assert t.root == tmp_path / "drop"
    with pytest.raises(InputError, match="local folder"):
        open_transport("dir://remote-host/x")


def test_https_urls_open_the_hub_client(tmp_path: Path) -> None:
    pytest.importorskip("httpx")
    from edoc.transport import HubTransport

    t = open_transport(
        "https://hub.example.vn/", system_id="vxp.test", secret="s3cr3t-value", inbox=tmp_path
    )
    assert isinstance(t, HubTransport)
    assert t.endpoint == "https://hub.example.vn"
    assert "s3cr3t-value" not in repr(t)
    t.close()


class _Custom(MockTransport):
    @classmethod
    def from_url(cls, url: str, **options: Any) -> _Custom:
        obj = cls(lambda message: Receipt(doc_id="1", sha256="0" * 64, transport="custom", size=0))
        obj.url = url  # type: ignore[attr-defined]
        return obj


def test_third_party_schemes_come_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = importlib.metadata.EntryPoint(
        name="custom", value=f"{__name__}:_Custom", group="edoc.transports"
    )

    def entry_points(*, group: str) -> Iterator[importlib.metadata.EntryPoint]:
        return iter([entry] if group == "edoc.transports" else [])

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    t = open_transport("custom://queue/agency-a")
    assert isinstance(t, _Custom)
    assert t.url == "custom://queue/agency-a"  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="known schemes are amqp, amqps, custom, dir, http, https"):
        open_transport("sftp://x/y")
