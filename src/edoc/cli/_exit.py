"""The exit codes of every ``edoc`` command, in one table (documented in docs/cli.md)."""

from __future__ import annotations

import enum
import sys

import click

from edoc import errors
from edoc.cli._common import replace_hint

__all__ = ["ExitCode", "exit_code_for", "fail"]


class ExitCode(enum.IntEnum):
    OK = 0
    INVALID = 1
    """The document breaks the standard (invalid metadata, validation findings)."""
    USAGE = 2
    """Wrong command-line usage (click's own code)."""
    SIGNATURE = 3
    """A signature or trust failure."""
    UNREADABLE = 4
    """Input that cannot be read: a missing file, not XML, not an edXML package."""
    TRANSPORT = 5
    """A transport failure."""
    SETUP = 6
    """edoc is not set up for this: an optional part is not installed (the message says
    what to install)."""
    INTERNAL = 70
    """A bug in edoc (EX_SOFTWARE): please report it."""
    BROKEN_PIPE = 141
    """The reader of standard output went away (a pipe into head, say); nothing more is
    printed, no error either (128 + SIGPIPE, what a shell shows for a command it killed)."""


_EXTRAS = {"httpx": "http", "pika": "amqp", "pkcs11": "pkcs11"}
"""Optional imports and the extra that installs each."""

# Most specific first.
_TABLE: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (errors.MissingDependencyError, ExitCode.SETUP),
    (errors.ParseError, ExitCode.UNREADABLE),
    (errors.SourceError, ExitCode.UNREADABLE),
    (errors.ValidationError, ExitCode.INVALID),
    (errors.SignatureError, ExitCode.SIGNATURE),
    (errors.TransportError, ExitCode.TRANSPORT),
    (errors.InputError, ExitCode.INVALID),
    (OSError, ExitCode.UNREADABLE),
)


def _missing_module(exc: BaseException) -> str | None:
    """The optional module an exception says is missing, if it says so."""
    if isinstance(exc, ModuleNotFoundError) and exc.name in _EXTRAS:
        return exc.name
    if getattr(exc, "reason", None) == "backend":  # TokenError: python-pkcs11 missing
        return "pkcs11"
    return None


def setup_message(exc: BaseException) -> str:
    """What to tell the user about a missing optional part (exit code SETUP)."""
    if isinstance(exc, errors.MissingDependencyError):
        return f"{exc} (a setup problem, not a bug)"
    module = _missing_module(exc)
    extra = _EXTRAS.get(module or "", "")
    return (f"this needs the Python package {module!r}, which is not installed: "
            f"pip install 'edoc-edxml[{extra}]' (a setup problem, not a bug)")  # fmt: skip


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an exception that ended a command."""
    if _missing_module(exc) is not None:
        return ExitCode.SETUP
    for cls, code in _TABLE:
        if isinstance(exc, cls):
            return code
    return ExitCode.INTERNAL


def fail(exc: BaseException) -> None:
    """Tell the user what went wrong, in one line, and exit with the code for it."""
    code = exit_code_for(exc)
    if code is ExitCode.INTERNAL:
        click.echo(f"edoc: internal error ({type(exc).__name__}): {exc}", err=True)
        click.echo("edoc: this is a bug; please report it with the command you ran", err=True)
    elif code is ExitCode.SETUP:
        click.echo(f"edoc: {setup_message(exc)}", err=True)
    elif isinstance(exc, errors.OutputExistsError):
        click.echo(f"edoc: {replace_hint(exc)}", err=True)
    elif isinstance(exc, errors.LimitExceededError):
        name = exc.limit.removeprefix("Limits.")
        click.echo(f"edoc: {exc}; raise it with --limit {name}=N", err=True)
    else:
        click.echo(f"edoc: {exc}", err=True)
    sys.exit(int(code))
