"""What every ``edoc`` command shares: colour, stdin ``-``, reader limits, overwrite refusals."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, BinaryIO

import attrs
import click

from edoc.errors import OutputExistsError
from edoc.limits import Limits

__all__ = [
    "STDIN",
    "color_for",
    "color_option",
    "input_source",
    "lang_option",
    "language",
    "limits_option",
    "parse_limits",
    "replace_hint",
]

STDIN = "-"
"""The argument that means standard input."""

_COLOR_MODES = ("auto", "always", "never")


def color_for(stream: IO[Any], mode: str | None = None) -> bool:
    """Whether to colour ``stream``: ``--color always|never`` > ``NO_COLOR`` > ``FORCE_COLOR``
    > a terminal (https://no-color.org, https://force-color.org)."""
    if mode is None:
        ctx = click.get_current_context(silent=True)
        mode = ctx.find_root().params.get("color") if ctx is not None else None
    if mode == "always":
        return True
    if mode == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty: Callable[[], bool] | None = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def color_option(fn: Any) -> Any:
    return click.option(
        "--color",
        type=click.Choice(_COLOR_MODES),
        default="auto",
        show_default=True,
        help="Colour the output: auto (a terminal, unless NO_COLOR is set or FORCE_COLOR is), "
        "always or never.",
    )(fn)


def language() -> str:
    """The output language: ``edoc --lang`` > ``LC_ALL`` > ``LC_MESSAGES`` > ``LANG``
    (``vi…`` gives Vietnamese, anything else English)."""
    ctx = click.get_current_context(silent=True)
    chosen = ctx.find_root().params.get("lang") if ctx is not None else None
    if chosen:
        return str(chosen)
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


def lang_option(fn: Any) -> Any:
    return click.option(
        "--lang",
        type=click.Choice(["en", "vi"]),
        default=None,
        help="The language of reports: en or vi (default: from LC_ALL, LC_MESSAGES or LANG; "
        "vi_VN.UTF-8 gives Vietnamese).",
    )(fn)


def input_source(arg: str | Path) -> Path | BinaryIO:
    """A package argument: ``-`` is standard input, anything else a path."""
    if isinstance(arg, str) and arg == STDIN:
        return sys.stdin.buffer
    return Path(arg)


def parse_limits(values: tuple[str, ...]) -> Limits | None:
    """``--limit NAME=N`` values (``max_bytes=4GiB`` style suffixes allowed) as :class:`Limits`."""
    if not values:
        return None
    names = [f.name for f in attrs.fields(Limits)]
    given: dict[str, int] = {}
    for value in values:
        name, eq, number = value.partition("=")
        name = name.strip().replace("-", "_")
        if not name.startswith("max_"):
            name = "max_" + name
        if not eq or name not in names:
            raise click.BadParameter(
                f"{value!r}: expected NAME=N with NAME one of {', '.join(names)}",
                param_hint="--limit",
            )
        given[name] = _size(number.strip(), value)
    try:
        return Limits(**given)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--limit") from None


_UNITS = {"": 1, "k": 1000, "kib": 1024, "m": 10**6, "mib": 1 << 20, "g": 10**9, "gib": 1 << 30}


def _size(text: str, whole: str) -> int:
    digits = text.rstrip("kKmMgGiIbB")
    unit = text[len(digits) :].lower().removesuffix("b") or ""
    unit = {"ki": "kib", "mi": "mib", "gi": "gib"}.get(unit, unit)
    try:
        return int(digits.replace("_", "")) * _UNITS[unit]
    except (ValueError, KeyError):
        raise click.BadParameter(f"{whole!r}: not a whole number", param_hint="--limit") from None


def limits_option(fn: Any) -> Any:
    return click.option(
        "--limit",
        "limits",
        multiple=True,
        metavar="NAME=N",
        help="Raise a reader limit (repeat), e.g. max_bytes=4GiB or max_attachments=5000; "
        "names as in edoc.Limits (docs/reading.md).",
    )(fn)


def replace_hint(exc: OutputExistsError) -> str:
    """The CLI's wording of an output that exists."""
    return f"{exc.path} exists; pass --force to replace it"
