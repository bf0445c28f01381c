"""``edoc send``, ``edoc receive`` and ``edoc hub serve``, driven in process and as a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import edoc
from edoc.cli import _Group
from edoc.cli.transport import hub_group, receive_command, send_command
from edoc.transport import HubTransport
from edoc.transport.hub_server import HubServer

from ._support import A_ORGAN, A_SECRET, A_SYSTEM, B_ORGAN, B_SECRET, B_SYSTEM


@click.group(cls=_Group)
def cli() -> None:
    """The commands as cli/__init__.py registers them (same exit-code table)."""


cli.add_command(send_command)
cli.add_command(receive_command)
cli.add_command(hub_group)


def run(*args: str, secret: str | None = None, **env: str) -> Any:
    environ = {"EDOC_HUB_SECRET": secret} if secret else {}
    environ.update(env)
    return CliRunner().invoke(cli, list(args), env=environ, catch_exceptions=False)


def test_send_then_receive(
    hub: HubServer, new_package: Callable[..., Path], tmp_path: Path
) -> None:
    package = new_package()
    sent = run("send", str(package), "--endpoint", hub.url, "--system-id", A_SYSTEM, "--json",
               secret=A_SECRET)  # fmt: skip
    assert sent.exit_code == 0, sent.output
    receipt = json.loads(sent.output)
    assert receipt["kind"] == "edoc"
    assert receipt["size"] == package.stat().st_size
    [entry] = hub.store.sent.values()
    assert entry.from_organ == A_ORGAN  # read from the package's From

    into = tmp_path / "inbox"
    got = run("receive", "--into", str(into), "--json", secret=B_SECRET,
              EDOC_HUB_ENDPOINT=hub.url, EDOC_HUB_SYSTEM_ID=B_SYSTEM)  # fmt: skip
    assert got.exit_code == 0, got.output
    [line] = got.output.splitlines()
    item = json.loads(line)
    assert Path(item["path"]).read_bytes() == package.read_bytes()
    assert item["sha256"] == receipt["sha256"]
    assert {d.status for d in hub.store.deliveries.values()} == {"done"}

    # A status reply: the kind is read from the package.
    pkg = edoc.read(item["path"])
    assert isinstance(pkg, edoc.EdocPackage)
    edoc.write(
        edoc.StatusPackage.reply_to(pkg, code=edoc.StatusCode.ACCEPTED), tmp_path / "s.edxml"
    )
    reply = run("send", str(tmp_path / "s.edxml"), "--endpoint", hub.url, "--system-id", B_SYSTEM,
                secret=B_SECRET)  # fmt: skip
    assert reply.exit_code == 0, reply.output
    assert reply.output.startswith(f"sent {tmp_path / 's.edxml'}  status  DocId ")
    status = [s for s in hub.store.sent.values() if s.message_type == "status"]
    assert [s.from_organ for s in status] == [B_ORGAN]


def test_receive_loop_stops_at_max(
    hub: HubServer, client: Callable[..., Any], new_package: Callable[..., Path], tmp_path: Path
) -> None:
    a = client(A_SYSTEM)
    for _ in range(3):
        a.send(new_package())
    got = run("receive", "--endpoint", hub.url, "--system-id", B_SYSTEM, "--into",
              str(tmp_path / "in"), "--loop", "--interval", "0.05", "--max", "3",
              secret=B_SECRET)  # fmt: skip
    assert got.exit_code == 0, got.output
    assert len(got.output.splitlines()) == 3


def test_exit_codes(hub: HubServer, new_package: Callable[..., Path]) -> None:
    package = str(new_package())
    common = ("--endpoint", hub.url, "--system-id", A_SYSTEM)
    no_secret = run("send", package, *common)
    assert no_secret.exit_code == 1
    assert "EDOC_HUB_SECRET" in no_secret.output
    wrong = run("send", package, *common, "--retries", "0", secret="wrong")
    assert wrong.exit_code == 5
    assert "refused the credentials" in wrong.output
    assert "wrong" not in wrong.output.replace("refused", "")
    missing = run("send", "nope.edxml", *common, secret=A_SECRET)
    assert missing.exit_code == 1
    not_edxml = Path(package).with_name("bad.edxml")
    not_edxml.write_text("<x/>")
    unreadable = run("send", str(not_edxml), *common, secret=A_SECRET)
    assert unreadable.exit_code == 4
    routed = run("send", str(not_edxml), *common, "--kind", "edoc", "--from", A_ORGAN, "--to",
                 "000.00.00.Z99", "--retries", "0", "--no-check", secret=A_SECRET)  # fmt: skip
    assert routed.exit_code == 5
    assert "unknown recipient" in routed.output


def test_secret_from_another_variable(hub: HubServer, new_package: Callable[..., Path]) -> None:
    result = run("send", str(new_package()), "--endpoint", hub.url, "--system-id", A_SYSTEM,
                 "--secret-env", "MY_SECRET", MY_SECRET=A_SECRET)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert A_SECRET not in result.output


def test_hub_serve_as_a_process(tmp_path: Path) -> None:
    code = "from edoc.cli.transport import hub_group; hub_group()"
    env = {**os.environ, "B_SECRET": B_SECRET, "PYTHONFAULTHANDLER": "1"}
    secret_file = tmp_path / "a.secret"
    secret_file.write_text(A_SECRET + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--data", str(tmp_path / "data"), "--port", "0",
         "--agency", f"{A_SYSTEM}=file:{secret_file}", "--agency", f"{B_SYSTEM}=env:B_SECRET",
         "--route", f"{A_ORGAN}={A_SYSTEM}", "--route", f"{B_ORGAN}={B_SYSTEM}"],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        while line and "serving on" not in line:
            line = proc.stderr.readline()
        assert "serving on http://127.0.0.1:" in line, line
        url = line.split("serving on ")[1].split()[0]
        with HubTransport(url, B_SYSTEM, B_SECRET) as t:
            codes = {a["code"] for a in t.list_agencies()}
        assert codes == {A_ORGAN, B_ORGAN}
        cmdline = Path(f"/proc/{proc.pid}/cmdline")
        if cmdline.exists():  # what `ps` shows every user
            assert A_SECRET not in cmdline.read_text()
            assert B_SECRET not in cmdline.read_text()
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # intermittent (issue 20): keep every thread's stack
            proc.send_signal(signal.SIGABRT)  # faulthandler prints them to stderr
            _, err = proc.communicate(timeout=10)
            pytest.fail(f"edoc hub serve did not stop on SIGINT within 10 s; its stacks:\n{err}")
        assert proc.returncode == 0
        assert "stopped" in err
        assert "POST /getAgenciesList" in err  # requests are logged
        assert A_SECRET not in err
        assert B_SECRET not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_hub_serve_refuses_bad_options(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["hub", "serve", "--data", str(tmp_path), "--agency", "nosecret"])
    assert result.exit_code == 2
    result = runner.invoke(cli, ["hub", "serve", "--data", str(tmp_path), "--agency", "a=env:S",
                                 "--route", "x=b"], env={"S": "s3cr3t-x"})  # fmt: skip
    assert result.exit_code == 2
    assert "unknown systems" in result.output


def test_hub_serve_refuses_a_literal_secret(tmp_path: Path) -> None:
    """A secret on the command line shows in every user's `ps`: refused, and not echoed."""
    result = CliRunner().invoke(
        cli, ["hub", "serve", "--data", str(tmp_path), "--agency", "vxp.a=s3cr3t-literal"]
    )
    assert result.exit_code == 2
    assert "env:VAR or file:PATH" in result.output
    assert "s3cr3t-literal" not in result.output
    assert not (tmp_path / "blobs").exists()  # refused before the hub started
