"""The exit codes of every ``edoc`` command, in one table (documented in docs/cli.md)."""

from __future__ import annotations

import enum

from edoc import errors

__all__ = ["ExitCode", "exit_code_for"]


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
    INTERNAL = 70
    """A bug in edoc (EX_SOFTWARE): please report it."""


# Most specific first.
_TABLE: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (errors.ParseError, ExitCode.UNREADABLE),
    (errors.SourceError, ExitCode.UNREADABLE),
    (errors.ValidationError, ExitCode.INVALID),
    (errors.SignatureError, ExitCode.SIGNATURE),
    (errors.TransportError, ExitCode.TRANSPORT),
    (errors.InputError, ExitCode.INVALID),
    (OSError, ExitCode.UNREADABLE),
)


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an exception that ended a command."""
    for cls, code in _TABLE:
        if isinstance(exc, cls):
            return code
    return ExitCode.INTERNAL
