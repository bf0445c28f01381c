"""The ``edoc`` command: a thin shell over the library. Exit codes: docs/cli.md."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from edoc import errors
from edoc.builder import load_toml, wrap_like_reference
from edoc.cli._common import (
    color_option,
    input_source,
    lang_option,
    limits_option,
    parse_limits,
)
from edoc.cli._exit import ExitCode, fail
from edoc.cli._render import to_dict, to_text
from edoc.cli.conformance import conformance_group
from edoc.cli.reply import reply_command
from edoc.cli.sign import sign_command
from edoc.cli.transport import hub_group, receive_command, send_command
from edoc.cli.validate import rules_command, validate_command
from edoc.cli.verify import verify_command
from edoc.model import EdocPackage
from edoc.xml import read, write

__all__ = ["ExitCode", "main"]


def _quiet_broken_pipe() -> None:
    """The reader of stdout went away (``edoc … | head``): stop without a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout without a descriptor
        pass
    sys.exit(int(ExitCode.BROKEN_PIPE))


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:
            fail(exc)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="edoc-edxml", prog_name="edoc")
@color_option
@lang_option
def main(color: str, lang: str | None) -> None:
    """Build, read and check edXML document packages (QCVN 102:2016/BTTTT)."""


def _progress_bar(label: str) -> Any:
    """A progress callback on stderr when it is a terminal; otherwise none."""
    if not sys.stderr.isatty():
        return None, None
    bar = click.progressbar(length=1, label=label, file=sys.stderr)
    state = {"done": 0}

    def progress(done: int, total: int | None) -> None:
        if total:
            bar.length = total
        bar.update(done - state["done"])
        state["done"] = done

    return bar, progress


@main.command()
@click.argument("description", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The .edxml file to write (written atomically).",
)
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option(
    "--wrap",
    type=click.Choice(["none", "reference"]),
    default="none",
    show_default=True,
    help="'reference' wraps attachments in a ZIP as the reference SDK's builder does "
    "(every extension but pdf, doc, docx, xsl, xslx, zip), for receivers that expect it.",
)
@click.option(
    "--content-types",
    type=click.Choice(["standard", "reference"]),
    default="standard",
    show_default=True,
    help="'reference' writes the reference SDK's literal content types.",
)
@click.option(
    "--allow-outside",
    is_flag=True,
    help="Embed attachment paths outside DESCRIPTION's folder (absolute or ../).",
)
def build(
    description: Path, output: Path, force: bool, wrap: str, content_types: str,
    allow_outside: bool,
) -> None:  # fmt: skip
    """Build a package from a TOML DESCRIPTION (see docs/build-toml.md)."""
    pkg = load_toml(description, allow_outside=allow_outside)
    if wrap == "reference":
        pkg = wrap_like_reference(pkg)
    bar, progress = _progress_bar("writing attachments")
    try:
        result = write(
            pkg,
            output,
            overwrite=force,
            content_types=content_types,  # type: ignore[arg-type]
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.render_finish()
    click.echo(f"{result.path}  {result.size} bytes  sha256 {result.sha256}")


@main.command()
@click.argument("package", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON description (edoc.inspect/1).")
@click.option(
    "--extract",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save the attachments into this folder (created if needed).",
)
@click.option("--force", is_flag=True, help="With --extract: replace files that exist.")
@click.option(
    "--keep-zip",
    is_flag=True,
    help="With --extract: save a reference-builder ZIP wrapping as it is, not the file in it.",
)
@limits_option
def inspect(
    package: str | Path, as_json: bool, extract: Path | None, force: bool,
    keep_zip: bool = False, limits: tuple[str, ...] = (),
) -> None:  # fmt: skip
    """Show what PACKAGE (a file, or - for standard input) holds; optionally extract its
    attachments.

    A package is shown whenever it can be read, with what was tolerated or missing listed
    as deviations. Broken attachments (not base64) are listed, never extracted. An
    attachment in the reference builder's ZIP wrapping is extracted unpacked (the file
    inside, under its real name) unless --keep-zip."""
    pkg = read(input_source(package), limits=parse_limits(limits))
    saved: list[str] = []
    skipped: list[str] = []
    if extract is not None and isinstance(pkg, EdocPackage):
        extract.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        for wire in pkg.attachments:
            from edoc._files import safe_filename

            if wire.broken is not None:
                skipped.append(f"{wire.content_id} {wire.name}: broken ({wire.broken})")
                continue
            att = (None if keep_zip else wire.unwrap()) or wire

            name = safe_filename(att.name)
            stem, dot, ext = name.rpartition(".")
            k = 1
            while name.lower() in used:
                k += 1
                name = f"{stem} ({k}).{ext}" if dot else f"{ext} ({k})"
            used.add(name.lower())
            try:
                saved.append(str(att.save(extract, name=name, overwrite=force)))
            except errors.InputError as exc:
                raise errors.InputError(f"{exc}; nothing more was extracted") from exc
    if as_json:
        data = to_dict(pkg)
        if extract is not None:
            data["extracted"] = saved
            data["not_extracted"] = skipped
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(to_text(pkg))
        for path in saved:
            click.echo(f"extracted       {path}")
        for why in skipped:
            click.echo(f"not extracted   {why}")


main.add_command(reply_command)
main.add_command(validate_command)
main.add_command(rules_command)
main.add_command(sign_command)
main.add_command(verify_command)
main.add_command(send_command)
main.add_command(receive_command)
main.add_command(hub_group)
main.add_command(conformance_group)
