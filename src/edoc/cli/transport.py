"""``edoc send``, ``edoc receive`` and ``edoc hub serve``: the hub client and the local hub."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from edoc.errors import InputError, TransportError

__all__ = ["hub_group", "receive_command", "send_command"]


def _secret(var: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise InputError(f"the environment variable {var} (the hub secret) is not set or empty")
    return value


def _hub_transport() -> Any:
    """The HubTransport class, or an InputError naming the extra to install."""
    try:
        from edoc.transport.hub import HubTransport
    except ImportError as exc:
        raise InputError(f"{exc}") from None
    return HubTransport


def _client_options(fn: Any) -> Any:
    options = [
        click.option(
            "--endpoint",
            envvar="EDOC_HUB_ENDPOINT",
            required=True,
            help="The hub's base URL (env EDOC_HUB_ENDPOINT).",
        ),
        click.option(
            "--system-id",
            envvar="EDOC_HUB_SYSTEM_ID",
            required=True,
            help="This system's id on the hub (env EDOC_HUB_SYSTEM_ID).",
        ),
        click.option(
            "--secret-env",
            metavar="VAR",
            default="EDOC_HUB_SECRET",
            show_default=True,
            help="The environment variable holding the hub secret (never an option).",
        ),
        click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds."),
        click.option(
            "--retries",
            type=click.IntRange(0),
            default=3,
            show_default=True,
            help="Retries of a transient failure (connection, timeout, HTTP 5xx).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


# -- edoc send ----------------------------------------------------------------------------


def _describe(package: Path) -> tuple[str, str]:
    """(kind, sender OrganId) of a package, read with edoc's reader (which also checks it)."""
    from edoc.model import EdocPackage
    from edoc.xml import read

    pkg = read(package)
    if isinstance(pkg, EdocPackage):
        return "edoc", pkg.header.from_.organ_id.value
    return "status", pkg.from_.organ_id.value


@click.command("send")
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path))
@_client_options
@click.option(
    "--kind",
    type=click.Choice(["auto", "edoc", "status"]),
    default="auto",
    show_default=True,
    help="The hub's messagetype; auto reads the package to tell.",
)
@click.option(
    "--from", "sender", metavar="ORGANID", help="Sender OrganId (default: the package's From)."
)
@click.option(
    "--to",
    "recipients",
    metavar="ORGANID",
    multiple=True,
    help="Recipient OrganId (repeat). Default: the hub routes by the package's To list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the receipt as JSON.")
def send_command(
    package: Path,
    endpoint: str,
    system_id: str,
    secret_env: str,
    timeout: float,
    retries: int,
    kind: str,
    sender: str | None,
    recipients: tuple[str, ...],
    as_json: bool,
) -> None:
    """Send PACKAGE to the national hub (sendEdoc)."""
    from edoc.transport import Outgoing

    HubTransport = _hub_transport()
    if not package.is_file():
        raise InputError(f"{package} is not a file")
    if kind == "auto" or sender is None:
        read_kind, read_sender = _describe(package)
        kind = read_kind if kind == "auto" else kind
        sender = sender or read_sender
    out = Outgoing(payload=package, kind=kind, to=recipients, sender=sender)  # type: ignore[arg-type]
    with HubTransport(
        endpoint, system_id, _secret(secret_env), timeout=timeout, retries=retries
    ) as hub:
        receipt = hub.send(out)
    if as_json:
        data: dict[str, object] = {"doc_id": receipt.doc_id, "kind": kind}
        data |= {"sha256": receipt.sha256}
        data |= {"size": receipt.size, "transport": receipt.transport}
        click.echo(json.dumps(data))
    else:
        click.echo(f"sent {package}  {kind}  DocId {receipt.doc_id}  {receipt.size} bytes  "
                   f"sha256 {receipt.sha256}")  # fmt: skip


# -- edoc receive -------------------------------------------------------------------------


@click.command("receive")
@_client_options
@click.option(
    "--into",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder packages are stored in (with its .edoc-received.jsonl log).",
)
@click.option("--loop", is_flag=True, help="Keep polling until interrupted (Ctrl-C).")
@click.option(
    "--interval", type=float, default=10.0, show_default=True, help="Seconds between polls."
)
@click.option("--max", "max_messages", type=click.IntRange(1), help="Stop after this many.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per package.")
def receive_command(
    endpoint: str,
    system_id: str,
    secret_env: str,
    timeout: float,
    retries: int,
    into: Path,
    loop: bool,
    interval: float,
    max_messages: int | None,
    as_json: bool,
) -> None:
    """Receive waiting packages into a folder and acknowledge each once it is stored.

    Each package is written to a temporary file in the folder, flushed to disk and renamed
    before the hub is told "done"; a package the hub delivers twice is stored once.
    """
    HubTransport = _hub_transport()
    count = 0
    with HubTransport(
        endpoint, system_id, _secret(secret_env), inbox=into, timeout=timeout, retries=retries
    ) as hub:
        try:
            while True:
                left = None if max_messages is None else max_messages - count
                got = 0
                try:
                    for incoming in hub.receive(max_messages=left):
                        incoming.ack()
                        got += 1
                        if as_json:
                            click.echo(json.dumps({
                                "doc_id": incoming.message_id, "kind": incoming.kind,
                                "path": str(incoming.path), "sha256": incoming.sha256,
                                "size": incoming.size, "sender": incoming.sender,
                            }))  # fmt: skip
                        else:
                            click.echo(f"received {incoming.kind}  DocId {incoming.message_id}  "
                                       f"{incoming.path}  sha256 {incoming.sha256}")  # fmt: skip
                except TransportError as exc:
                    if not (loop and getattr(exc, "transient", False)):
                        raise
                    click.echo(f"edoc: {exc}; polling again in {interval:g} s", err=True)
                count += got
                if not loop or (max_messages is not None and count >= max_messages):
                    break
                if not got:
                    time.sleep(interval)
        except KeyboardInterrupt:
            click.echo(f"edoc: stopped after {count} package(s)", err=True)


# -- edoc hub serve -----------------------------------------------------------------------


def _pairs(values: tuple[str, ...], what: str) -> list[tuple[str, str]]:
    out = []
    for value in values:
        key, eq, rest = value.partition("=")
        if not eq or not key or not rest:
            raise click.UsageError(
                f"{what}: a value lacks '=' or a part (not shown: it may be secret)"
            )
        out.append((key, rest))
    return out


@click.group("hub")
def hub_group() -> None:
    """A local national hub, for developing and testing against."""


@hub_group.command("serve")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder the hub keeps its packages in (kept across restarts).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--agency",
    "agencies",
    multiple=True,
    required=True,
    metavar="SYSTEMID=SECRET",
    help="An agency system and its secret (repeat). SECRET may be env:VAR to read a variable.",
)
@click.option(
    "--route",
    "routes",
    multiple=True,
    metavar="ORGANID=SYSTEMID",
    help="Deliver packages for ORGANID to SYSTEMID (repeat). A system id is its own route.",
)
@click.option("--page-size", type=click.IntRange(1), default=1000, show_default=True)
@click.option("--max-clock-skew", type=float, help="Refuse signed timestamps further off (s).")
@click.option("--fault-delay", type=float, default=0.0, help="Seconds before every answer.")
@click.option("--fault-error-rate", type=click.FloatRange(0, 1), default=0.0, help="HTTP 503.")
@click.option("--fault-drop-rate", type=click.FloatRange(0, 1), default=0.0, help="No answer.")
@click.option(
    "--fault-lost-reply-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Do the work, then close without answering.",
)
@click.option(
    "--fault-duplicate-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Deliver a package twice.",
)
@click.option("--quiet", is_flag=True, help="Do not log each request on stderr.")
def serve_command(
    data: Path,
    host: str,
    port: int,
    agencies: tuple[str, ...],
    routes: tuple[str, ...],
    page_size: int,
    max_clock_skew: float | None,
    fault_delay: float,
    fault_error_rate: float,
    fault_drop_rate: float,
    fault_lost_reply_rate: float,
    fault_duplicate_rate: float,
    quiet: bool,
) -> None:
    """Run a local national hub (same API and header HMAC) until Ctrl-C."""
    from edoc.transport.hub_server import Faults, HubAgency, HubServer

    organs: dict[str, list[str]] = {}
    for organ, system in _pairs(routes, "--route ORGANID=SYSTEMID"):
        organs.setdefault(system, []).append(organ)
    configured = []
    for system, secret in _pairs(agencies, "--agency SYSTEMID=SECRET"):
        if secret.startswith("env:"):
            secret = _secret(secret[4:])
        configured.append(
            HubAgency(system_id=system, secret=secret, organ_ids=organs.pop(system, ()))
        )
    if organs:
        raise click.UsageError(f"--route names unknown systems: {', '.join(sorted(organs))}")
    if not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("edoc hub: %(message)s"))
        hub_log = logging.getLogger("edoc.hub")
        hub_log.addHandler(handler)
        hub_log.setLevel(logging.INFO)
    faults = Faults(
        delay=fault_delay,
        error_rate=fault_error_rate,
        drop_rate=fault_drop_rate,
        lost_reply_rate=fault_lost_reply_rate,
        duplicate_rate=fault_duplicate_rate,
    )
    server = HubServer(
        data,
        configured,
        host=host,
        port=port,
        faults=faults,
        page_size=page_size,
        max_clock_skew=max_clock_skew,
    )
    server.bind()
    click.echo(
        f"edoc hub: serving on {server.url} for {', '.join(sorted(server.agencies))}; "
        f"data in {data}; Ctrl-C stops",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("edoc hub: stopped", err=True)
