"""``edoc send``, ``edoc receive`` (hub, AMQP or folder; ``edoc.toml``) and ``edoc hub serve``."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from edoc._x509 import load_certificate_b64
from edoc.errors import (
    InputError,
    InvalidSignatureError,
    TransportError,
    UntrustedCertificateError,
    ValidationError,
)
from edoc.xml import read

__all__ = ["hub_group", "receive_command", "send_command"]


def _secret(var: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise InputError(f"the environment variable {var} (the hub secret) is not set or empty")
    return value


def _client_options(fn: Any) -> Any:
    options = [
        click.option(
            "--config",
            type=click.Path(dir_okay=False, path_type=Path),
            envvar="EDOC_CONFIG",
            help="An edoc.toml with a [transport] table (env EDOC_CONFIG; default: the "
            "nearest edoc.toml in this folder or a parent). Options and environment "
            "variables override it.",
        ),
        click.option(
            "--url",
            "--endpoint",
            "url",
            help="The transport: the hub's base URL, amqp(s)://user@host/vhost or dir:FOLDER "
            "(env EDOC_TRANSPORT_URL or EDOC_HUB_ENDPOINT).",
        ),
        click.option(
            "--system-id",
            help="This system's id on the hub, or its queue's id on AMQP "
            "(env EDOC_SYSTEM_ID or EDOC_HUB_SYSTEM_ID).",
        ),
        click.option(
            "--secret-env",
            metavar="VAR",
            help="The environment variable holding the hub secret or AMQP password "
            "(never an option; default EDOC_HUB_SECRET).",
        ),
        click.option("--timeout", type=float, help="Seconds (default 30)."),
        click.option(
            "--retries",
            type=click.IntRange(0),
            help="Retries of a transient failure (connection, timeout, HTTP 5xx; default 3).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _settings(**given: Any) -> Any:
    """Settings from the options, the environment and ``--config``, ``EDOC_CONFIG`` or the
    nearest ``edoc.toml`` (this folder, then its parents)."""
    from edoc.transport.config import find_config, load_config

    config = given.pop("config") or find_config()
    return load_config(config, **given)


@contextlib.contextmanager
def _naming(settings: Any) -> Iterator[None]:
    """Transport errors name the hub, broker or folder they are about (never a secret)."""
    try:
        yield
    except TransportError as exc:
        from edoc.transport.config import redact_url

        where = redact_url(settings.url)
        message = getattr(exc, "message", None)
        if isinstance(message, str) and where not in message:
            exc.message = f"{message} ({settings.type} {where})"  # type: ignore[attr-defined]
        raise


def _check_before_send(package: Path) -> None:
    """Refuse a package that is invalid, or whose signature no longer holds (tampered)."""
    from edoc.signing.trust import TrustStore
    from edoc.signing.verifier import VerifyPolicy, verify
    from edoc.validation import Severity, validate

    pkg = read(package)  # unreadable input: ParseError, exit 4
    report = validate(package)
    if report.fails(Severity.ERROR):
        first = report.best()
        why = f"{first.rule} {first.message}" if first is not None else "unreadable"
        raise ValidationError(
            f"{package} was not sent: it fails validation ({len(report.errors) or 1} error(s); "
            f"first: {why}); see edoc validate {package}, or pass --no-check"
        )
    signature = getattr(pkg, "signature", None)  # status packages carry none
    if signature is None or not signature.certificates:
        return
    certificates = [c for c in map(load_certificate_b64, signature.certificates) if c is not None]
    if not certificates:
        return
    try:  # the package's own certificate, pinned: this checks the bytes, not the trust
        verify(package, trust=TrustStore(certificates), policy=VerifyPolicy.legacy())
    except UntrustedCertificateError:
        return  # whether the signer is trusted is the receiver's decision
    except InvalidSignatureError as exc:
        raise InvalidSignatureError(
            f"{package} was not sent: its signature does not hold ({exc}); "
            "sign it again, or pass --no-check",
            reason=exc.reason,
        ) from None


# -- edoc send ----------------------------------------------------------------------------


def _describe(package: Path) -> tuple[str, str, tuple[str, ...]]:
    """(kind, sender OrganId, recipient OrganIds) of a package, read (and so checked) by edoc."""
    from edoc.model import EdocPackage

    pkg = read(package)
    if isinstance(pkg, EdocPackage):
        to = tuple(dict.fromkeys(o.organ_id.value for o in pkg.header.to))
        return "edoc", pkg.header.from_.organ_id.value, to
    return "status", pkg.from_.organ_id.value, (pkg.response_for.organ_id.value,)


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
    help="Recipient OrganId (repeat). Default: the hub routes by the package's To list; "
    "AMQP reads it from the package.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the receipt as JSON.")
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Validate PACKAGE, and verify its signature if it has one, before sending; "
    "an invalid or tampered package is not sent (exit 1 or 3).",
)
def send_command(
    package: Path,
    config: Path | None,
    url: str | None,
    system_id: str | None,
    secret_env: str | None,
    timeout: float | None,
    retries: int | None,
    kind: str,
    sender: str | None,
    recipients: tuple[str, ...],
    as_json: bool,
    check: bool,
) -> None:
    """Send PACKAGE through the configured transport (the hub's sendEdoc, AMQP or a folder)."""
    from edoc.transport import Outgoing

    settings = _settings(config=config, url=url, system_id=system_id, secret_env=secret_env,
                         timeout=timeout, retries=retries)  # fmt: skip
    if not package.is_file():
        raise InputError(f"{package} is not a file")
    if check:
        _check_before_send(package)
    needs_to = settings.type == "amqp" and not recipients
    if kind == "auto" or sender is None or needs_to:
        read_kind, read_sender, read_to = _describe(package)
        kind = read_kind if kind == "auto" else kind
        sender = sender or read_sender
        recipients = read_to if needs_to else recipients
    out = Outgoing(payload=package, kind=kind, to=recipients, sender=sender)  # type: ignore[arg-type]
    with _naming(settings), settings.open() as transport:
        receipt = transport.send(out)
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
    help="The folder packages are stored in, with its .edoc-received.jsonl log "
    "(default: inbox from the configuration, env EDOC_INBOX).",
)
@click.option("--loop", is_flag=True, help="Keep polling until interrupted (Ctrl-C).")
@click.option("--interval", type=float, help="Seconds between polls (default 10).")
@click.option("--max", "max_messages", type=click.IntRange(1), help="Stop after this many.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per package.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="AMQP: run this many competing worker processes on the queue, sharing the folder "
    "(each package stored once, handed out once).",
)
@click.option(
    "--shared",
    is_flag=True,
    help="AMQP: the folder is shared with workers elsewhere (other machines); implied by "
    "--workers above 1.",
)
def receive_command(
    config: Path | None,
    url: str | None,
    system_id: str | None,
    secret_env: str | None,
    timeout: float | None,
    retries: int | None,
    into: Path | None,
    loop: bool,
    interval: float | None,
    max_messages: int | None,
    as_json: bool,
    workers: int,
    shared: bool,
) -> None:
    """Receive waiting packages into a folder and acknowledge each once it is stored.

    Each package is written to a temporary file in the folder, flushed to disk and renamed
    before the peer is told "done"; a package delivered twice is stored once.
    """
    settings = _settings(
        config=config, url=url, system_id=system_id, secret_env=secret_env,
        timeout=timeout, retries=retries, inbox=into, interval=interval,
    )  # fmt: skip
    if settings.inbox is None:
        raise InputError("no inbox: pass --into, set inbox in edoc.toml or EDOC_INBOX")
    if (workers > 1 or shared) and settings.type != "amqp":
        raise InputError(f"--workers and --shared are for AMQP, not for {settings.type}")
    if workers > 1 and max_messages is not None:
        raise InputError("--max counts the packages of one worker: use it without --workers")
    if workers == 1:
        _receive(settings, loop=loop, max_messages=max_messages, as_json=as_json, shared=shared)
        return
    _run_workers(settings, workers, loop=loop, as_json=as_json)


def _receive(
    settings: Any, *, loop: bool, max_messages: int | None, as_json: bool, shared: bool
) -> None:
    """One receiver: store, acknowledge and print each package; poll again with ``loop``."""
    count = 0
    with _naming(settings), settings.open(shared=shared) as transport:
        try:
            while True:
                left = None if max_messages is None else max_messages - count
                got = 0
                try:
                    for incoming in transport.receive(max_messages=left):
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
                    click.echo(f"edoc: {exc}; polling again in {settings.interval:g} s", err=True)
                count += got
                if not loop or (max_messages is not None and count >= max_messages):
                    break
                if not got:
                    time.sleep(settings.interval)
        except KeyboardInterrupt:
            click.echo(f"edoc: stopped after {count} package(s)", err=True)


def _worker(settings: Any, loop: bool, as_json: bool) -> None:
    """One worker process of ``--workers``: errors end it as they end the command."""
    try:
        _receive(settings, loop=loop, max_messages=None, as_json=as_json, shared=True)
    except Exception as exc:
        from edoc.cli._exit import fail

        fail(exc)


def _run_workers(settings: Any, workers: int, *, loop: bool, as_json: bool) -> None:
    """Start ``workers`` processes on one queue and one shared folder; wait for them all."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # no state shared by fork, on any system
    processes = [
        context.Process(target=_worker, args=(settings, loop, as_json), name=f"edoc-worker-{n}")
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join()
    except KeyboardInterrupt:  # the workers got the same Ctrl-C: let them finish their ack
        for process in processes:
            process.join()
    failed = [p.exitcode for p in processes if p.exitcode]
    if failed:
        click.echo(f"edoc: {len(failed)} of {workers} workers failed", err=True)
        sys.exit(failed[0] if failed[0] > 0 else 1)


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


def _secret_from(where: str, system: str) -> str:
    """The secret that ``env:VAR`` or ``file:PATH`` names; a literal one is refused."""
    if where.startswith("env:"):
        return _secret(where[4:])
    if where.startswith("file:"):
        path = Path(where[5:])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the secret file {path}: {exc}") from None
        if not lines or not lines[0].strip():
            raise InputError(f"the secret file {path} is empty")
        return lines[0].strip()
    raise click.UsageError(
        f"--agency {system}=…: give the secret as env:VAR or file:PATH; a literal secret "
        "on the command line shows in the process list (not shown here)"
    )


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
    metavar="SYSTEMID=env:VAR|file:PATH",
    help="An agency system and where its secret is (repeat): an environment variable or a "
    "file's first line. A literal secret is refused (it would show in the process list).",
)
@click.option(
    "--route",
    "routes",
    multiple=True,
    metavar="ORGANID=SYSTEMID",
    help="Deliver packages for ORGANID to SYSTEMID (repeat). A system id is its own route.",
)
@click.option("--page-size", type=click.IntRange(1), default=1000, show_default=True)
@click.option(
    "--max-clock-skew",
    type=click.FloatRange(0),
    default=300.0,
    show_default=True,
    help="Refuse signed timestamps further off than this (s); 0 turns the check off.",
)
@click.option(
    "--allow-any-from",
    is_flag=True,
    help="Accept a sendEdoc whose from the sending system is not registered for.",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(0, min_open=True),
    default=30.0,
    show_default=True,
    help="Close a connection idle this long (s).",
)
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
    max_clock_skew: float,
    allow_any_from: bool,
    idle_timeout: float,
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
    for system, where in _pairs(agencies, "--agency SYSTEMID=env:VAR|file:PATH"):
        secret = _secret_from(where, system)
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
        max_clock_skew=max_clock_skew or None,
        check_from=not allow_any_from,
        idle_timeout=idle_timeout,
    )
    try:
        server.bind()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise TransportError(
            f"cannot listen on {host}:{port}: another program uses that port "
            "(pick another with --port, or --port 0 for any free one)"
        ) from None
    click.echo(
        f"edoc hub: serving on {server.url} for {', '.join(sorted(server.agencies))}; "
        f"data in {data}; Ctrl-C stops",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("edoc hub: stopped", err=True)
