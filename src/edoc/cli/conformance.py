"""``edoc conformance``: list the suite, run it against a vendor's system, render reports."""

from __future__ import annotations

import contextlib
import enum
import json
import os
import secrets
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from edoc.conformance import SIZES, SUITE_VERSION, Vector, Workshop, build_suite, select
from edoc.conformance.results import Progress, Result, Run, Status, Verdict, new_run, now
from edoc.errors import EdocError, InputError

__all__ = ["ConformanceExit", "conformance_group"]


class ConformanceExit(enum.IntEnum):
    """The exit codes of ``edoc conformance run`` and ``report`` (docs/conformance.md)."""

    PASS = 0
    """Every required vector ran and passed."""
    FAILED = 1
    """The product failed at least one required vector."""
    SETUP = 2
    """The run could not be made: bad options, a command that cannot be run, a hub that
    cannot start, a file that cannot be read. Nothing is said about the product."""
    INCOMPLETE = 3
    """No required vector failed, but some were skipped (e.g. the signature vectors
    without ``--verify-cmd``): not a pass."""


_EXIT_FOR = {Verdict.PASS: ConformanceExit.PASS, Verdict.FAIL: ConformanceExit.FAILED,
             Verdict.INCOMPLETE: ConformanceExit.INCOMPLETE}  # fmt: skip


class _Group(click.Group):
    """Errors of the run's setup (edoc's own errors, OS errors) exit SETUP, never FAILED."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # the reader of stdout went away (`| head`): edoc's main group handles it
        except (EdocError, OSError) as exc:
            click.echo(f"edoc conformance: setup error: {exc}", err=True)
            sys.exit(int(ConformanceExit.SETUP))


@click.group("conformance", cls=_Group)
def conformance_group() -> None:
    """A conformance kit: run the edXML suite against your own product (docs/conformance.md).

    Exit codes of run and report: 0 pass, 1 the product failed a required vector,
    2 setup error (bad options, command not found), 3 incomplete (required vectors skipped).
    """


def _vectors(size: str, only: tuple[str, ...]) -> list[Vector]:
    try:
        return select(build_suite(size), only)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@conformance_group.command("list")
@click.option("--size", type=click.Choice(sorted(SIZES)), default="full", show_default=True)
@click.option("--only", multiple=True, help="Vector id, category, rule id or tag (wildcards).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document with every vector.")
def list_command(size: str, only: tuple[str, ...], as_json: bool) -> None:
    """List the suite's vectors: id, category, expected outcome, rule, required."""
    vectors = _vectors(size, only)
    if as_json:
        doc = {"suite_version": SUITE_VERSION, "vectors": [v.to_dict() for v in vectors]}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    click.echo(f"edoc conformance suite {SUITE_VERSION}: {len(vectors)} vectors")
    for v in vectors:
        need = "required" if v.required else "optional"
        mode = " (signature)" if v.mode == "verify" else ""
        click.echo(
            f"{v.id:38} {v.category.value:8} {v.expect.value:7} {need:9} "
            f"{v.rule or '-':28} {v.title}{mode}"
        )


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Progress | None]:
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label="conformance", file=sys.stderr) as bar:

        def update(done: int, _total: int, result: Result) -> None:
            bar.label = f"{result.id[:30]:30} {result.status.value}"
            bar.update(1)

        yield update


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--seed", type=int, help="The suite seed (default: a new one, printed)."),
        click.option("--only", multiple=True,
                     help="Run only vectors whose id, category, rule or tag matches (repeat)."),
        click.option("--size", type=click.Choice(sorted(SIZES)), default="full",
                     show_default=True, help="quick: smaller 'many' and 'large' vectors."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0,
                     show_default=True, help="Seconds each vector may take."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the results (JSON, edoc.conformance/1) here."),
        click.option("--work", type=click.Path(file_okay=False, path_type=Path),
                     help="Keep the vector files in DIR/seed-N, replaced each run."),
    ]  # fmt: skip
    for option in reversed(options):
        fn = option(fn)
    return fn


_VERDICT_TEXT = {
    Verdict.PASS: "PASS: every required vector passed",
    Verdict.FAIL: "FAIL: the product failed required vectors",
    Verdict.INCOMPLETE: "INCOMPLETE: required vectors were skipped, so this is not a pass",
}


def summary_lines(run: Run) -> list[str]:
    """What a run prints: each failure with its reason, the skips grouped by reason, a
    table per category, the totals and the verdict with its exit code."""
    lines = []
    for r in run.results:
        if r.status is Status.FAIL:
            need = "required" if r.required else "optional"
            lines.append(f"FAIL {r.id} ({r.category}, {need}): {r.reason or r.actual}")
    skips: dict[str, list[Result]] = {}
    for r in run.results:
        if r.status is Status.SKIP:
            skips.setdefault(r.reason or "skipped", []).append(r)
    for reason, results in skips.items():
        required = sum(r.required for r in results)
        ids = ", ".join(r.id for r in results[:3]) + (", …" if len(results) > 3 else "")
        lines.append(f"SKIP {len(results)} vector(s), {required} required ({ids}): {reason}")
    head = ("category", "total", "passed", "failed", "skipped", "req-failed", "req-skipped")
    keys = ("total", "passed", "failed", "skipped", "required_failed", "required_skipped")
    rows = [head] + [(c, *(str(n[k]) for k in keys)) for c, n in run.categories.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    for row in rows:
        cells = [v.rjust(w) for v, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join([row[0].ljust(widths[0]), *cells]))
    s = run.summary
    lines.append(
        f"suite {run.suite_version}, seed {run.seed}, target {run.target}: "
        f"{s['passed']} passed, {s['failed']} failed ({s['required_failed']} required), "
        f"{s['skipped']} skipped ({s['required_skipped']} required), of {s['total']}"
    )
    code = _EXIT_FOR[run.verdict]
    lines.append(f"verdict {_VERDICT_TEXT[run.verdict]} (exit {int(code)})")
    return lines


def _finish(run: Run, output: Path | None) -> None:
    for line in summary_lines(run):
        click.echo(line.rstrip())
    if output is not None:
        run.save(output)
        click.echo(f"results written to {output}")
    sys.exit(int(_EXIT_FOR[run.verdict]))


def _replay(target: str, options: list[str | None]) -> str:
    """The run's own command line (without --only, --work and -o): the reports add
    ``--only ID --work DIR`` to replay one vector."""
    args = ["edoc", "conformance", "run", target, *[a for a in options if a is not None]]
    return shlex.join(args)


@contextlib.contextmanager
def _workshop(work: Path | None, seed: int, to: str) -> Iterator[Workshop]:
    if work is not None:
        yield Workshop(work, seed=seed, to=to)
        return
    with tempfile.TemporaryDirectory(prefix="edoc-conformance-") as tmp:
        yield Workshop(tmp, seed=seed, to=to)


def _start(seed: int | None) -> int:
    seed = secrets.randbelow(2**31) if seed is None else seed
    click.echo(f"edoc conformance suite {SUITE_VERSION}, seed {seed}", err=True)
    return seed


@conformance_group.group("run")
def run_group() -> None:
    """Run the suite against a validator, a receiving system or a sending system."""


@run_group.command("validator")
@_common
@click.option("--cmd", required=True, help='The validator command, e.g. "their-validator {file}".')
@click.option("--verify-cmd", help="The command for signature vectors ({file}, {ca}).")
@click.option("--match-rule", is_flag=True, help="A rejection must name the vector's rule id.")
@click.option(
    "--rule-map",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML or JSON: suite rule id -> your product's codes (implies --match-rule).",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True)
def validator_command(
    seed: int | None, only: tuple[str, ...], size: str, timeout: float, output: Path | None,
    work: Path | None, cmd: str, verify_cmd: str | None, match_rule: bool,
    rule_map: Path | None, jobs: int,
) -> None:  # fmt: skip
    """Judge a validator by its exit code (0 accepts, anything else rejects)."""
    from edoc.conformance.rulemap import load_rule_map
    from edoc.conformance.validator import check_command, run_validator, split_template
    from edoc.validation import RULES

    vectors = _vectors(size, only)
    codes = load_rule_map(rule_map, set(RULES)) if rule_map is not None else None
    for template in (cmd, verify_cmd):
        if template is not None:
            check_command(split_template(template))
    seed = _start(seed)
    started = now()
    with _workshop(work, seed, "000.00.00.H41") as shop, _progress(len(vectors)) as progress:
        results = run_validator(
            vectors, shop, cmd=cmd, verify_cmd=verify_cmd, match_rule=match_rule,
            rule_map=codes, timeout=timeout, jobs=jobs, progress=progress,
        )  # fmt: skip
    replay = _replay("validator", [
        "--cmd", cmd, *(("--verify-cmd", verify_cmd) if verify_cmd else ()),
        "--match-rule" if match_rule else None,
        *(("--rule-map", str(rule_map)) if rule_map else ()),
        "--seed", str(seed), "--size", size, "--timeout", f"{timeout:g}",
    ])  # fmt: skip
    options = {"cmd": cmd, "verify_cmd": verify_cmd, "match_rule": match_rule or bool(codes),
               "rule_map": str(rule_map) if rule_map else None,
               "rule_map_codes": {k: list(v) for k, v in (codes or {}).items()},
               "timeout": timeout, "only": list(only), "replay": replay}  # fmt: skip
    _finish(new_run("validator", seed=seed, size=size, options=options, results=results,
                    started=started), output)  # fmt: skip


_SECRET_ENV = "EDOC_HUB_SECRET"  # noqa: S105 - the variable's name, not a secret


def _secret_from(var: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise InputError(f"the environment variable {var} (the system's hub secret) is empty")
    return value


def _hub_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--hub-host", default="127.0.0.1", show_default=True),
        click.option("--hub-port", type=click.IntRange(0, 65535), default=8080,
                     show_default=True, help="The port the kit's hub listens on."),
        click.option("--system-id", help="Your system's id at the hub (default: --agency)."),
        click.option("--secret-env", default=_SECRET_ENV, show_default=True,
                     help="The environment variable holding your system's hub secret."),
    ]  # fmt: skip
    for option in reversed(options):
        fn = option(fn)
    return fn


@run_group.command("receiver")
@_common
@_hub_options
@click.option("--agency", required=True, help="The OrganId your receiving system serves.")
@click.option("--signatures", is_flag=True, help="Also deliver the signature vectors.")
def receiver_command(
    seed: int | None, only: tuple[str, ...], size: str, timeout: float, output: Path | None,
    work: Path | None, hub_host: str, hub_port: int, system_id: str | None, secret_env: str,
    agency: str, signatures: bool,
) -> None:  # fmt: skip
    """Play the hub: deliver every vector to AGENCY, expect status 01 then 03 or 02."""
    from edoc.conformance.receiver import run_receiver

    vectors = _vectors(size, only)
    secret = _secret_from(secret_env)
    seed = _start(seed)
    started = now()
    with _workshop(work, seed, agency) as shop, _progress(len(vectors)) as progress:
        results = run_receiver(
            vectors, shop, agency=agency, system_id=system_id or agency, secret=secret,
            host=hub_host, port=hub_port, timeout=timeout, signatures=signatures,
            progress=progress,
            on_ready=lambda url: click.echo(f"the kit's hub is listening on {url}", err=True),
        )  # fmt: skip
    replay = f"{secret_env}=... " + _replay("receiver", [
        "--agency", agency, *(("--system-id", system_id) if system_id else ()),
        "--hub-host", hub_host, "--hub-port", str(hub_port),
        *(("--secret-env", secret_env) if secret_env != _SECRET_ENV else ()),
        "--signatures" if signatures else None,
        "--seed", str(seed), "--size", size, "--timeout", f"{timeout:g}",
    ])  # fmt: skip
    options = {"agency": agency, "system_id": system_id or agency, "hub_port": hub_port,
               "timeout": timeout, "signatures": signatures, "only": list(only),
               "replay": replay}  # fmt: skip
    _finish(new_run("receiver", seed=seed, size=size, options=options, results=results,
                    started=started), output)  # fmt: skip


@run_group.command("sender")
@_hub_options
@click.option(
    "--recipient",
    "recipients",
    multiple=True,
    default=("000.00.00.H41",),
    show_default=True,
    help="An OrganId the kit receives for (repeat).",
)
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many packages.")
@click.option(
    "--duration",
    type=click.FloatRange(min=0.1),
    default=300.0,
    show_default=True,
    help="Stop after this many seconds.",
)
@click.option(
    "--trust",
    "trust",
    type=click.Path(exists=True, path_type=Path),
    help="CA certificates (PEM) your signatures chain to: signed packages are verified.",
)
@click.option("--require-signature", is_flag=True, help="An unsigned package fails.")
@click.option(
    "--linger",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Seconds the hub stays up after the last package (to fetch the answers).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def sender_command(
    hub_host: str, hub_port: int, system_id: str | None, secret_env: str,
    recipients: tuple[str, ...], count: int | None, duration: float, trust: Path | None,
    require_signature: bool, linger: float, output: Path | None,
) -> None:  # fmt: skip
    """Play the hub: validate in full every package your system sends to it."""
    from edoc.conformance.sender import run_sender

    if system_id is None:
        raise click.UsageError("the sender target needs --system-id (your sending system's id)")
    sender_id = system_id
    secret = _secret_from(secret_env)
    click.echo(f"edoc conformance suite {SUITE_VERSION} (sender target: no seed)", err=True)
    started = now()
    with tempfile.TemporaryDirectory(prefix="edoc-conformance-") as tmp:
        results = run_sender(
            Path(tmp), system_id=sender_id, secret=secret, recipients=recipients,
            host=hub_host, port=hub_port, count=count, duration=duration, trust=trust,
            require_signature=require_signature, linger=linger,
            on_ready=lambda url: click.echo(f"the kit's hub is listening on {url}", err=True),
        )  # fmt: skip
    options = {
        "system_id": sender_id, "recipients": list(recipients), "hub_port": hub_port,
        "count": count, "duration": duration, "require_signature": require_signature,
    }  # fmt: skip
    _finish(new_run("sender", seed=0, size="-", options=options, results=results,
                    started=started), output)  # fmt: skip


@conformance_group.command("report")
@click.argument("results", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path))
def report_command(results: Path, html_path: Path | None, junit_path: Path | None) -> None:
    """Render RESULTS (from `run -o`) as a self-contained HTML page and/or JUnit XML."""
    from edoc._files import atomic_write
    from edoc.conformance.report import to_html, to_junit

    if html_path is None and junit_path is None:
        raise click.UsageError("give --html and/or --junit")
    run = Run.load(results)
    for path, render in ((html_path, to_html), (junit_path, to_junit)):
        if path is not None:
            with atomic_write(path) as out:
                out.write(render(run).encode("utf-8"))
            click.echo(f"wrote {path}")
    sys.exit(int(_EXIT_FOR[run.verdict]))
