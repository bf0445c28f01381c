"""PKCS#11 URIs (RFC 7512) and PINs that never show: the parts of
:mod:`edoc.signing.pkcs11` that need no token library."""

from __future__ import annotations

import getpass
import logging
import os
import re
import stat
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, final

import attrs

from edoc.errors import TokenError

if TYPE_CHECKING:
    pass


log = logging.getLogger(__name__)

MODULE_ENV = "EDOC_PKCS11_MODULE"
"""The environment variable naming the PKCS#11 module when neither the URI nor the
caller does."""

_INSTALL = "pip install 'edoc-edxml[pkcs11]'"


# ---------------------------------------------------------------------------------------
# PINs
# ---------------------------------------------------------------------------------------


@final
class Pin:
    """A PIN that does not show itself: ``repr``, ``str`` and ``format`` give only its source.

    It cannot be pickled. :meth:`reveal` is for the one call that hands it to the token.
    """

    __slots__ = ("_source", "_value")

    def __init__(self, value: str | bytes, *, source: str = "the caller") -> None:
        if isinstance(value, bytes):
            text = value.decode("utf-8", "replace")
            if "\ufffd" in text:
                del value, text  # no frame of the traceback keeps the PIN
                raise TokenError(f"the PIN from {source} is not UTF-8", reason="pin-source")
            value = text
        if not isinstance(value, str):
            raise TypeError("a PIN is a str or bytes")
        if not value:
            raise TokenError(f"the PIN from {source} is empty", reason="pin-source")
        self._value = value
        self._source = source

    @property
    def source(self) -> str:
        """Where the PIN came from (``environment variable EDOC_PIN``, ``file pin.txt`` ...)."""
        return self._source

    def reveal(self) -> str:
        """The PIN itself: pass it straight to the token, never to a log or a message."""
        return self._value

    def __repr__(self) -> str:
        return f"<Pin from {self._source}: ***>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("a Pin cannot be pickled")


PinSource = Pin | str | Callable[[], Pin | str]
"""A PIN, or a function that returns one, called only if the token asks for a PIN."""


def pin_from_env(name: str) -> Pin:
    """The PIN held by the environment variable ``name`` (never echoed)."""
    value = os.environ.get(name)
    if value is None:
        raise TokenError(f"the environment variable {name} is not set", reason="pin-source")
    return Pin(value, source=f"environment variable {name}")


def pin_from_file(path: str | os.PathLike[str]) -> Pin:
    """The PIN in a file: its first line, without the line ending. A file that others may
    read is used, with a warning."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise TokenError(
            f"cannot read the PIN file {p}: {exc.strerror}", reason="pin-source"
        ) from None
    except UnicodeDecodeError:
        raise TokenError(f"the PIN file {p} is not UTF-8 text", reason="pin-source") from None
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning("the PIN file %s can be read by other users (chmod 600 it)", p)
    return Pin(text.splitlines()[0] if text else "", source=f"file {p}")


def pin_from_prompt(prompt: str = "PIN: ") -> Pin:
    """Ask for the PIN on the terminal, without echo."""
    return Pin(getpass.getpass(prompt), source="the terminal")


# ---------------------------------------------------------------------------------------
# RFC 7512 URIs
# ---------------------------------------------------------------------------------------

_PATH_ATTRS = (
    "token", "manufacturer", "serial", "model", "library-manufacturer",
    "library-description", "library-version", "object", "type", "id",
    "slot-manufacturer", "slot-description", "slot-id",
)  # fmt: skip
_QUERY_ATTRS = ("pin-source", "pin-value", "module-name", "module-path")
_TYPES = ("private", "public", "cert", "secret-key", "data")
_PIN_VALUE = re.compile(r"[:;?&]pin-value=", re.IGNORECASE)
# What RFC 7512 lets a path / query attribute value hold without percent-encoding.
_SAFE_PATH = ":[]@!$'()*+,=-._~"
_SAFE_QUERY = _SAFE_PATH + "/?|"


@attrs.frozen(kw_only=True)
class Pkcs11Uri:
    """An RFC 7512 ``pkcs11:`` URI: which module, token and key (``object``/``id``).

    A ``pin-value`` is refused (it would end up in shell history and logs); a
    ``pin-source`` (a file) is read when no PIN is passed.
    """

    path: tuple[tuple[str, str | bytes], ...] = ()
    """The path attributes in order: ``id`` is bytes, the rest text."""
    module_path: str | None = None
    pin_source: str | None = None

    def get(self, name: str) -> str | None:
        """A path attribute's value; ``id`` percent-encoded, as in the URI."""
        for key, value in self.path:
            if key == name:
                return value if isinstance(value, str) else "".join(f"%{b:02x}" for b in value)
        return None

    @property
    def id(self) -> bytes | None:
        return next((v for k, v in self.path if k == "id" and isinstance(v, bytes)), None)

    @classmethod
    def parse(cls, text: str) -> Pkcs11Uri:
        """Parse a URI. Messages name attributes, never values (a value could be a PIN)."""
        if _PIN_VALUE.search(text):
            del text  # not even a traceback's frame locals keep it
            raise TokenError(
                "edoc does not take a PIN inside the URI (pin-value): it would be kept in "
                "shell history and logs; pass it from an environment variable or a file "
                "(pin_from_env, pin_from_file, --pin-env, --pin-file)",
                reason="uri",
            )
        scheme, colon, rest = text.partition(":")
        if not colon or scheme.lower() != "pkcs11":
            raise TokenError("a token key is named by a URI that starts with pkcs11:", reason="uri")
        path_part, _, query_part = rest.partition("?")
        path: list[tuple[str, str | bytes]] = []
        query: dict[str, str] = {}
        for part, allowed, sep in ((path_part, _PATH_ATTRS, ";"), (query_part, _QUERY_ATTRS, "&")):
            seen: set[str] = set()
            for item in filter(None, part.split(sep)):
                name, eq, raw = item.partition("=")
                name = name.lower()
                if not eq or name not in allowed:
                    if name.startswith("x-"):
                        continue  # vendor attributes: RFC 7512 lets a consumer ignore them
                    where = "path" if sep == ";" else "query"
                    raise TokenError(
                        f"unknown or misplaced pkcs11: URI {where} attribute {name!r}", reason="uri"
                    )
                if name in seen:
                    raise TokenError(f"the pkcs11: URI repeats {name!r}", reason="uri")
                seen.add(name)
                data = urllib.parse.unquote_to_bytes(raw)
                if name == "id":
                    path.append((name, data))
                    continue
                try:
                    value = data.decode("utf-8")
                except UnicodeDecodeError:
                    raise TokenError(f"the URI's {name!r} is not UTF-8", reason="uri") from None
                if name == "slot-id" and not value.isdigit():
                    raise TokenError("the URI's 'slot-id' is not a number", reason="uri")
                if name == "type" and value not in _TYPES:
                    raise TokenError(f"the URI's 'type' is not one of {_TYPES}", reason="uri")
                if sep == ";":
                    path.append((name, value))
                else:
                    query[name] = value
        if "module-name" in query:
            raise TokenError(
                "module-name is not supported: give the module's file with module-path=",
                reason="uri",
            )
        return cls(
            path=tuple(path),
            module_path=query.get("module-path"),
            pin_source=query.get("pin-source"),
        )

    def __str__(self) -> str:
        text = "pkcs11:" + ";".join(
            f"{k}={urllib.parse.quote(v, safe=_SAFE_PATH)}" for k, v in self.path
        )
        query = [("module-path", self.module_path), ("pin-source", self.pin_source)]
        q = "&".join(
            f"{k}={urllib.parse.quote(v, safe=_SAFE_QUERY)}" for k, v in query if v is not None
        )
        return f"{text}?{q}" if q else text

    def describe_key(self) -> str:
        parts = [f"{k}={self.get(k)}" for k in ("object", "id") if self.get(k) is not None]
        return " ".join(parts) or "(any)"
