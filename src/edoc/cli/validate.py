"""``edoc validate`` and ``edoc rules``: thin shells over :mod:`edoc.validation`."""

from __future__ import annotations

import fnmatch
import functools
import glob
import os
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click

from edoc._files import atomic_write
from edoc.cli._common import STDIN, color_for, language, limits_option, parse_limits
from edoc.cli._exit import ExitCode
from edoc.errors import InputError, PdfError, SourceError
from edoc.limits import Limits
from edoc.validation import PROFILES, PdfRules, Report, Severity, validate
from edoc.validation.catalog import render_catalog

__all__ = ["expand_paths", "rules_command", "validate_command"]

_PATTERN_CHARS = set("*?[")


def _excluded(path: Path, patterns: Sequence[str]) -> bool:
    text = path.as_posix()
    return any(
        fnmatch.fnmatchcase(text, p) or fnmatch.fnmatchcase(path.name, p)
        or fnmatch.fnmatchcase(text, f"*/{p}") or fnmatch.fnmatchcase(text, f"{p}/*")
        or fnmatch.fnmatchcase(text, f"*/{p}/*")
        for p in patterns
    )  # fmt: skip


def expand_paths(args: Sequence[str], exclude: Sequence[str] = ()) -> list[Path]:
    """Files as given; folders searched recursively for ``*.edxml``; quoted globs expanded.

    Order is kept, duplicates dropped; a name that matches nothing raises SourceError.
    Paths matching an ``exclude`` pattern (a glob on the path, a name or a folder) are
    dropped; when nothing is left, that is a SourceError too (a job that globbed nothing
    must not pass).
    """
    out: dict[Path, None] = {}
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            out.update(dict.fromkeys(sorted(path.rglob("*.edxml"))))
        elif path.exists():
            out[path] = None
        elif _PATTERN_CHARS & set(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                raise SourceError(f"{arg}: no file matches")
            out.update(dict.fromkeys(Path(m) for m in matches if Path(m).is_file()))
        else:
            raise SourceError(f"{arg}: no such file or folder")
    files = [p for p in out if not _excluded(p, exclude)]
    if not files:
        left = f" once --exclude {' '.join(exclude)} is applied" if exclude and out else ""
        raise SourceError(f"no package found in {' '.join(args)}{left}")
    return files


@functools.lru_cache(maxsize=4)
def _pdf_rules(require_signed: bool, trust: tuple[str, ...]) -> PdfRules:
    from edoc.signing.trust import TrustStore

    store = TrustStore.from_pem(*trust) if trust else None
    return PdfRules(require_signed=require_signed, trust=store)


_Job = tuple[str, str, bool, Limits | None, bool, tuple[str, ...]]


def _one(args: _Job) -> tuple[Report, float]:
    """One file's report and the seconds it took (JUnit's ``time``)."""
    path, profile, require_signature, limits, require_signed_pdf, pdf_trust = args
    pdf = _pdf_rules(require_signed_pdf, pdf_trust)
    start = time.perf_counter()
    report = validate(path, profile=profile, require_signature=require_signature,
                      limits=limits, pdf=pdf)  # fmt: skip
    return report, time.perf_counter() - start


def _run(
    paths: list[Path], profile: str, require_signature: bool, jobs: int, limits: Limits | None,
    require_signed_pdf: bool = False, pdf_trust: tuple[str, ...] = (),
) -> Iterator[tuple[Report, float]]:  # fmt: skip
    work = [(str(p), profile, require_signature, limits, require_signed_pdf, pdf_trust)
            for p in paths]  # fmt: skip
    if jobs <= 1 or len(work) < 4:
        yield from map(_one, work)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_one, work, chunksize=max(1, len(work) // (jobs * 8)))


def exit_code(reports: Sequence[Report], fail_on: Severity) -> ExitCode:
    """4 when any input was unreadable, else 1 when any finding reaches ``fail_on``, else 0."""
    if any(not r.readable for r in reports):
        return ExitCode.UNREADABLE
    if any(r.fails(fail_on) for r in reports):
        return ExitCode.INVALID
    return ExitCode.OK


@click.command("validate")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default="interop",
    show_default=True,
    help="interop: accept real-world variants as warnings; strict: the standard as written.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit", "sarif"]),
    default="text",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report here (atomically) instead of stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="The least severity that makes the run fail (exit 1).",
)
@click.option("--require-signature", is_flag=True, help="An unsigned package is an error.")
@click.option(
    "--require-signed-pdf", is_flag=True, help="A PDF attachment with no signature is an error."
)
@click.option(
    "--pdf-trust",
    "pdf_trust",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A PEM file of trust anchors for the PDF signers: an untrusted one is then an error.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel processes (default: all cores).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Leave out paths matching GLOB (a path, a file name or a folder name; repeat).",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Text format: print only the files that fail, and nothing when all pass.",
)
@limits_option
def validate_command(
    paths: tuple[str, ...], profile: str, fmt: str, output: Path | None, fail_on: str,
    require_signature: bool, require_signed_pdf: bool, pdf_trust: tuple[Path, ...],
    jobs: int | None, exclude: tuple[str, ...], quiet: bool, limits: tuple[str, ...],
) -> None:  # fmt: skip
    """Validate PATHS (files, folders searched for *.edxml, globs, or - for standard input).

    Exit codes: 0 valid; 1 findings at or above --fail-on; 2 usage; 4 unreadable input or
    no package found.
    """
    from edoc.validation.render import render

    limit_values = parse_limits(limits)
    if require_signed_pdf or pdf_trust:
        from edoc.pdf._pyhanko import require_backend

        try:
            require_backend()
        except PdfError as exc:
            raise click.UsageError(str(exc)) from None
    trust = tuple(str(p) for p in pdf_trust)
    if trust:
        try:
            pdf = _pdf_rules(require_signed_pdf, trust)
        except InputError as exc:
            raise click.BadParameter(str(exc), param_hint="--pdf-trust") from None
    else:
        pdf = _pdf_rules(require_signed_pdf, ())
    if STDIN in paths:
        if len(paths) > 1:
            raise click.UsageError("- (standard input) cannot be mixed with other paths")
        start = time.perf_counter()
        timed = [(validate(sys.stdin.buffer, profile=profile, require_signature=require_signature,
                           limits=limit_values, pdf=pdf), time.perf_counter() - start)]  # fmt: skip
    else:
        files = expand_paths(paths, exclude)
        jobs = jobs or os.cpu_count() or 1
        run = _run(files, profile, require_signature, jobs, limit_values, require_signed_pdf, trust)
        if sys.stderr.isatty() and len(files) > 1 and not quiet:  # a bar for people; not in CI
            with click.progressbar(
                run, length=len(files), label="validating", file=sys.stderr
            ) as bar:
                timed = list(bar)
        else:
            timed = list(run)
    reports = [report for report, _ in timed]
    color = fmt == "text" and output is None and color_for(sys.stdout)
    severity = Severity(fail_on)
    text = render(reports, profile, fmt, color=color, only_failing=severity if quiet else None,
                  times=[took for _, took in timed], lang=language())  # fmt: skip
    if output is not None:
        with atomic_write(output) as out:
            out.write(text.encode("utf-8"))
    elif text:
        click.echo(text, nl=not text.endswith("\n"), color=color)
    sys.exit(int(exit_code(reports, severity)))


@click.command("rules")
def rules_command() -> None:
    """Print the catalogue of validation rules (Markdown, as in docs/rules.md)."""
    click.echo(render_catalog(), nl=False)
