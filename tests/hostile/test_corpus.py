"""Run every corpus case: the exact error (or finding, or the documented acceptance), a
message naming what was refused, no hang, no network, nothing written outside its folder,
no partial file, and, for signature cases refused early, no public-key operation."""

from __future__ import annotations

import contextlib
import importlib.util
import re
import resource
import shutil
import signal
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import edoc
from conftest import VECTORS, read_edoc
from edoc.errors import EdocError
from edoc.limits import Limits
from edoc.signing import verifier
from edoc.signing.verifier import VerifyPolicy, verify
from edoc.validation import validate

from ._build import MARKER, Canary, Ctx
from ._case import Accepted, Case, Flagged, Refused
from .corpus import CASES, EXTRA_CLASSES
from .corpus_bounded import rabbit_available
from .corpus_transport import HostileHub

SPEC = VECTORS.parent / "spec" / "hostile-inputs.md"
_RANK = {"note": 0, "warning": 1, "error": 2}


@pytest.fixture(scope="session")
def ctx(pki: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ctx]:
    canary = Canary()
    c = Ctx(pki=pki, canary=canary, root=tmp_path_factory.mktemp("corpus"))
    c.vectors = VECTORS if VECTORS.is_dir() else None  # type: ignore[attr-defined]
    c._hub = None  # type: ignore[attr-defined]
    yield c
    canary.close()
    if c._hub is not None:  # type: ignore[attr-defined]
        c._hub.close()  # type: ignore[attr-defined]


def _hub(ctx: Ctx) -> HostileHub:
    if ctx._hub is None:  # type: ignore[attr-defined]
        ctx._hub = HostileHub()  # type: ignore[attr-defined]
    return ctx._hub  # type: ignore[attr-defined, no-any-return]


Ctx.hostile_hub = property(_hub)


@contextlib.contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    def hang(*_: object) -> None:
        raise TimeoutError(f"the case did not finish within {seconds} s")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(case: Case, ctx: Ctx, made: Any) -> Any:
    extra: Any = None
    if isinstance(made, tuple):
        made, extra = made
    ctx.last_input = made  # type: ignore[attr-defined]
    limits = extra if isinstance(extra, Limits) else None
    spool = ctx.work / "spool"
    if case.op == "call":
        return made()
    if case.op == "read":
        return edoc.read(made, limits=limits, spool_dir=spool)
    if case.op == "validate":
        return validate(made, limits=limits, spool_dir=spool, profile="interop")
    if case.op == "verify":
        trust = ctx.own_trust if extra == "own" else ctx.trust
        policy = VerifyPolicy.legacy() if extra == "legacy" else None
        return verify(made, trust=trust, policy=policy, limits=limits, spool_dir=spool)
    if case.op == "extract":
        from edoc.cli import inspect  # the command's own code, without its exit-code wrapper

        src = ctx.work / "in.edxml"
        src.write_bytes(made)
        assert inspect.callback is not None
        inspect.callback(package=src, as_json=False, extract=ctx.work / "dest", force=False)
        return len(read_edoc(src).attachments)
    raise AssertionError(case.op)


def _params() -> list[Any]:
    return [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow else []) for c in CASES]


@pytest.mark.parametrize("case", _params())
def test_case(case: Case, ctx: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if "vectors" in case.needs and ctx.vectors is None:  # type: ignore[attr-defined]
        pytest.skip(f"the shared vectors are not at {VECTORS}")
    if "xmlsec1" in case.needs and shutil.which("xmlsec1") is None:
        pytest.skip("xmlsec1 is not installed (Debian xmlsec1)")
    if "httpx" in case.needs and importlib.util.find_spec("httpx") is None:
        pytest.skip("httpx is not installed (edoc-edxml[http])")
    if "faketime" in case.needs and shutil.which("faketime") is None:
        pytest.skip("faketime is not installed (Debian faketime)")
    if "rabbitmq" in case.needs and not rabbit_available():
        pytest.skip("the case needs pika (edoc-edxml[amqp]) and rabbitmq-server (Debian package)")
    work = ctx.work = tmp_path / "work"
    for sub in ("spool", "tmp", "dest"):
        (work / sub).mkdir(parents=True)
    ctx.victim = tmp_path / "victim.txt"
    ctx.victim.write_text("victim")
    monkeypatch.setattr(tempfile, "tempdir", str(work / "tmp"))
    monkeypatch.chdir(work)
    made = case.make(ctx)

    crypto: list[object] = []
    real_check = verifier._check_signature  # type: ignore[attr-defined]
    monkeypatch.setattr(verifier, "_check_signature", lambda *a: crypto.append(a) or real_check(*a))  # type: ignore[func-returns-value]
    outside: list[object] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost"):
            outside.append(address)
            raise OSError(f"the corpus forbids connecting to {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    hits = len(ctx.canary.hits)
    rss = _rss_mb()
    error: EdocError | None = None
    result: Any = None
    with _alarm(case.timeout):
        try:
            result = _run(case, ctx, made)
        except EdocError as exc:
            error = exc
    grew = _rss_mb() - rss

    expect = case.expect
    if isinstance(expect, Refused):
        assert error is not None, f"{case.name} was not refused: {type(result).__name__}"
        assert type(error) is expect.error, f"{type(error).__name__}: {error}"
        assert re.search(expect.match, str(error)), f"message does not name it: {error}"
        if expect.reason is not None:
            assert getattr(error, "reason", None) == expect.reason, error
        if expect.limit is not None:
            assert getattr(error, "limit", None) == expect.limit, error
        assert MARKER not in str(error)
        assert "s3cr3t" not in str(error)
    else:
        assert error is None, f"{case.name}: {type(error).__name__}: {error}"
        if isinstance(expect, Flagged):
            hit = [f for f in result.findings if f.rule == expect.rule
                   and _RANK[f.severity.value] >= _RANK[expect.severity]]  # fmt: skip
            assert hit, [(f.rule, f.severity.value, f.message) for f in result.findings]
            assert any(re.search(expect.match, f.message) for f in hit), [f.message for f in hit]
            assert all(MARKER not in f.message for f in result.findings)
        else:
            assert isinstance(expect, Accepted)
            expect.check(result, ctx)
    if case.before_crypto:
        assert crypto == [], "a public-key operation ran before the refusal"
    assert len(ctx.canary.hits) == hits, f"the canary was contacted: {ctx.canary.hits[hits:]}"
    assert outside == [], f"a connection left the machine: {outside}"
    if case.max_rss_mb is not None:
        assert grew < case.max_rss_mb, f"peak RSS grew by {grew:.0f} MB"
    assert ctx.victim.read_text() == "victim"
    partial = [p for p in work.rglob("*") if p.name.endswith(".part") or p.name.startswith(".edoc")]
    assert partial == [], f"partial files left: {partial}"
    if error is not None:
        left = [p for d in ("spool", "tmp") for p in (work / d).iterdir()]
        assert left == [], f"temporary files left after the refusal: {left}"
        dest = [p for p in (work / "dest").iterdir() if not p.is_symlink()]
        assert dest == [], f"files extracted although the package was refused: {dest}"


def test_every_class_of_the_spec_is_covered() -> None:
    if not SPEC.is_file():
        pytest.skip(f"the hostile-input catalogue is not at {SPEC}")
    ids = set(re.findall(r"^\*\*([A-Z]\d+)\. ", SPEC.read_text(), re.M))
    assert len(ids) == 62, sorted(ids)
    assert ids.isdisjoint(EXTRA_CLASSES), "a class of ours is now in the catalogue"
    ids |= set(EXTRA_CLASSES)
    covered = {c.id for c in CASES}
    assert ids - covered == set(), f"classes with no case: {sorted(ids - covered)}"
    assert covered - ids == set(), f"cases for unknown classes: {sorted(covered - ids)}"


def test_case_names_are_unique() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
