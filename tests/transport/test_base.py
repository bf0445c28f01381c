"""The transport values and the MockTransport."""

from __future__ import annotations

import io
from pathlib import Path

import attrs
import pytest

import edoc.transport as transport
from edoc.errors import EdocError, InputError, TransportError
from edoc.transport import Incoming, MockTransport, Outcome, Outgoing, Receipt, Transport
from edoc.transport.errors import (
    AuthenticationError,
    ConnectError,
    RejectedError,
    StorageError,
    TransportClosedError,
    TransportTimeout,
    UnknownMessageError,
)


def receipt_for(out: Outgoing) -> Receipt:
    return Receipt(doc_id="m-1", sha256="0" * 64, transport="mock", size=0)


def test_values_are_frozen() -> None:
    r = Receipt(doc_id="d", sha256="0" * 64, transport="hub", size=1)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        r.doc_id = "x"  # type: ignore[misc]
    i = Incoming(message_id="m", kind="edoc", path="x.edxml", sha256="0", size=0)
    assert i.path == Path("x.edxml")
    with pytest.raises(InputError, match=r"^Incoming\.kind must be 'edoc' or 'status'"):
        Incoming(message_id="m", kind="other", path="x", sha256="0", size=0)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^Outgoing\.kind must be"):
        Outgoing(payload="x", kind="edocs")  # type: ignore[arg-type]
    assert Outgoing(payload="x", to="000.00.00.H41").to == ("000.00.00.H41",)
    assert Outgoing.of("x") == Outgoing(payload="x")


def test_outcome_values_are_the_hubs() -> None:
    assert Outcome("done") is Outcome.DONE
    assert Outcome("fail") is Outcome.FAIL


def test_mock_transport() -> None:
    incoming = [Incoming(message_id=f"m{n}", kind="edoc", path="p", sha256="0", size=0)
                for n in range(3)]  # fmt: skip
    with MockTransport(receipt_for, incoming=incoming) as t:
        assert isinstance(t, Transport)
        assert t.send(io.BytesIO(b"x")).doc_id == "m-1"
        assert t.send(Outgoing(payload="p", kind="status")).doc_id == "m-1"
        assert [o.kind for o in t.sent] == ["edoc", "status"]
        first, second = t.receive(max_messages=2)
        first.ack()
        second.ack("fail")
        assert t.acknowledged == {"m0": Outcome.DONE, "m1": Outcome.FAIL}
        with pytest.raises(UnknownMessageError):
            first.ack()
        assert [i.message_id for i in t.receive()] == ["m2"]
    with pytest.raises(TransportClosedError):
        t.send("x")


def test_unbound_incoming_cannot_ack() -> None:
    with pytest.raises(TransportError):
        Incoming(message_id="m", kind="edoc", path="p", sha256="0", size=0).ack()


def test_handler_errors_pass_through() -> None:
    def refuse(out: Outgoing) -> Receipt:
        raise RejectedError("no", status=400, code="E", detail="d" * 500)

    with MockTransport(refuse) as t, pytest.raises(RejectedError) as info:
        t.send("x")
    assert info.value.status == 400
    assert len(info.value.detail or "") <= 200


def test_error_hierarchy() -> None:
    for cls in (ConnectError, TransportTimeout, AuthenticationError, RejectedError,
                StorageError, UnknownMessageError, TransportClosedError):  # fmt: skip
        assert issubclass(cls, TransportError)
        assert issubclass(cls, EdocError)
    assert issubclass(ConnectError, ConnectionError)
    assert issubclass(TransportTimeout, TimeoutError)
    assert issubclass(UnknownMessageError, LookupError)
    err = ConnectError("cannot connect", transport="hub", message_id="d1")
    assert (err.transport, err.message_id, str(err)) == ("hub", "d1", "cannot connect")
    # Never a builtin's name: "TimeoutError"/"ConnectionError" are not shadowed.
    assert not hasattr(transport.errors, "TimeoutError")
    assert not hasattr(transport.errors, "ConnectionError")


def test_hub_transport_is_lazy() -> None:
    pytest.importorskip("httpx")
    from edoc.transport.hub import HubTransport

    assert transport.HubTransport is HubTransport
    with pytest.raises(AttributeError):
        transport.Nothing  # noqa: B018


def test_missing_httpx_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "httpx", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "edoc.transport.hub", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'edoc-edxml\[http\]'"):
        transport.HubTransport  # noqa: B018
