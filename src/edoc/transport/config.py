"""Transport settings from ``edoc.toml``, environment variables and options, in one place.

Precedence, highest first: an explicit value (a command-line option, or a keyword
argument of :func:`load_config`) > an environment variable > the ``[transport]`` table
of the file > the default. Without a file named by the caller or ``EDOC_CONFIG``,
:func:`find_config` looks for ``edoc.toml`` in the current folder, then in each parent.
Secrets are never read from the file: it names the variable that holds the secret
(``secret_env``), and the value stays out of every repr and message.

::

    [transport]
    url = "https://hub.example.gov.vn"   # or amqp://user@host/vhost, or dir:/var/edoc
    system_id = "vxp.saas.a"             # the agency's system id (AMQP: its queue's id)
    organ_id = "000.00.00.G22"           # the sender's OrganId, if not the system id
    secret_env = "EDOC_HUB_SECRET"       # hub secret, or AMQP password when the URL has none
    inbox = "inbox"                      # where received packages are stored (relative
                                         # to this file's folder, as outbox is)
    outbox = "../agency-b/inbox"         # dir: only: the folder sent packages are dropped in
    timeout = 30                         # seconds
    retries = 3                          # retries of a transient failure
    interval = 10                        # seconds between polls of `edoc receive --loop`
    claim_store = "/mnt/shared/edoc-claims"  # AMQP: large packages travel through this folder

An AMQP ``url`` may name the nodes of a cluster, separated by commas
(``amqp://edoc@mq1/%2F,amqp://edoc@mq2/%2F``); the secret is given to each.
"""

from __future__ import annotations

import os
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from edoc.errors import InputError, shorten
from edoc.transport.base import Transport

__all__ = [
    "CONFIG_NAME",
    "ENVIRONMENT",
    "TransportConfig",
    "find_config",
    "load_config",
    "redact_url",
]

CONFIG_NAME = "edoc.toml"
"""The file :func:`find_config` looks for."""

ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "url": ("EDOC_TRANSPORT_URL", "EDOC_HUB_ENDPOINT"),
    "type": ("EDOC_TRANSPORT_TYPE",),
    "system_id": ("EDOC_SYSTEM_ID", "EDOC_HUB_SYSTEM_ID"),
    "organ_id": ("EDOC_ORGAN_ID",),
    "secret_env": ("EDOC_SECRET_ENV",),
    "inbox": ("EDOC_INBOX",),
    "outbox": ("EDOC_OUTBOX",),
    "timeout": ("EDOC_TIMEOUT",),
    "retries": ("EDOC_RETRIES",),
    "interval": ("EDOC_INTERVAL",),
    "claim_store": ("EDOC_CLAIM_STORE",),
}
"""Each setting's environment variables, the first set one wins."""

_TYPES = {"http": "hub", "https": "hub", "amqp": "amqp", "amqps": "amqp", "dir": "dir"}
_FLOATS = ("timeout", "interval")


@attrs.frozen(kw_only=True)
class TransportConfig:
    """Resolved transport settings (no secret inside: :meth:`secret` reads it when needed)."""

    url: str = attrs.field(repr=lambda url: repr(redact_url(url)))
    type: str
    system_id: str | None = None
    organ_id: str | None = None
    secret_env: str = "EDOC_HUB_SECRET"  # noqa: S105 - a variable's name, not a secret
    inbox: Path | None = None
    outbox: Path | None = None
    """The folder transport only: where :meth:`Transport.send` drops packages."""
    timeout: float = 30.0
    retries: int = 3
    interval: float = 10.0
    claim_store: Path | None = None
    """AMQP only: the folder large packages travel through by reference (claim check)."""
    source: Path | None = None
    """The file the settings came from, if any."""

    def secret(self, environ: Mapping[str, str] | None = None) -> str:
        """The secret from the variable :attr:`secret_env` names; an error if unset."""
        value = (os.environ if environ is None else environ).get(self.secret_env)
        if not value:
            raise InputError(
                f"the environment variable {self.secret_env} (the secret) is not set or empty"
            )
        return value

    def open(
        self, *, inbox: str | os.PathLike[str] | None = None, shared: bool = False
    ) -> Transport:
        """The transport these settings describe (``inbox`` overrides :attr:`inbox`;
        ``shared``: AMQP workers share the inbox)."""
        from edoc.transport._open import open_transport

        folder = Path(inbox) if inbox is not None else self.inbox
        if self.type == "dir":
            return open_transport(self.url, into=folder, outbox=self.outbox)
        if self.outbox is not None:
            raise InputError(
                f"outbox is a setting of the folder transport (dir:), not of {self.type}"
            )
        if self.type != "amqp" and (shared or self.claim_store is not None):
            raise InputError(f"claim_store and shared are AMQP settings, not {self.type} ones")
        if not self.system_id:
            raise InputError("no system id: set system_id in edoc.toml, EDOC_SYSTEM_ID or "
                             "--system-id")  # fmt: skip
        options: dict[str, Any] = {
            "system_id": self.system_id, "organ_id": self.organ_id, "inbox": folder,
            "timeout": self.timeout, "retries": self.retries,
        }  # fmt: skip
        if self.type == "hub":
            return open_transport(self.url, secret=self.secret(), **options)
        options.update(shared=shared, claim_store=self.claim_store)
        return open_transport(self._amqp_url(), **options)

    def _amqp_url(self) -> str:
        """The URL (each node's, for a cluster) with the secret put in where it has none."""
        urls = []
        for url in re.split(r",\s*(?=amqps?://)", self.url.strip(), flags=re.IGNORECASE):
            parts = urllib.parse.urlsplit(url)
            if parts.password is None and parts.username:
                password = urllib.parse.quote(self.secret(), safe="")
                netloc = f"{parts.username}:{password}@{parts.netloc.rpartition('@')[2]}"
                url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
            urls.append(url)
        return ",".join(urls)


def redact_url(url: str) -> str:
    """``url`` with its password (and any secret query value) replaced, for messages."""
    from edoc.transport._amqp_link import redact_url as redact

    return redact(url)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise InputError(f"cannot read the configuration {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} is not valid TOML: {exc}") from None
    table = data.get("transport", {})
    if not isinstance(table, dict):
        raise InputError(f"{path}: [transport] must be a table")
    if "secret" in table or "password" in table:
        raise InputError(
            f"{path}: secrets do not belong in the file; put the secret in an environment "
            "variable and name it with secret_env"
        )
    unknown = sorted(set(table) - set(ENVIRONMENT))
    if unknown:
        raise InputError(
            f"{path}: unknown [transport] setting(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(ENVIRONMENT)}"
        )
    for name in ("inbox", "outbox", "claim_store"):
        if isinstance(table.get(name), str):
            table[name] = str(path.resolve().parent / table[name])
    return table


def find_config(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest ``edoc.toml``: in ``start`` (the current folder by default) or a parent."""
    folder = Path(start if start is not None else Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / CONFIG_NAME
        if path.is_file():
            return path
    return None


def _typed(name: str, value: Any, where: str) -> Any:
    try:
        if name in _FLOATS:
            return float(value)
        if name == "retries":
            number = int(value)
            if number < 0:
                raise ValueError(number)
            return number
    except (TypeError, ValueError):
        raise InputError(f"{where}: {name} must be a number, not {shorten(str(value))!r}") from None
    if not isinstance(value, (str, os.PathLike)):
        raise InputError(f"{where}: {name} must be a string")
    return str(value)


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **explicit: Any,
) -> TransportConfig:
    """Resolve the settings: ``explicit`` (``None`` = not given) > environment > file."""
    env = os.environ if environ is None else environ
    source = Path(path) if path is not None else None
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if source is not None:
        layers.append((str(source), _read_file(source)))
    from_env = {}
    for name, variables in ENVIRONMENT.items():
        for variable in variables:
            if env.get(variable):
                from_env[name] = env[variable]
                break
    layers.append(("the environment", from_env))
    layers.append(("the options", {k: v for k, v in explicit.items() if v is not None}))
    settings: dict[str, Any] = {}
    for where, layer in layers:
        for name, value in layer.items():
            if name not in ENVIRONMENT:
                raise InputError(f"unknown transport setting {name!r}")
            settings[name] = _typed(name, value, where)
    url = settings.get("url")
    if not url:
        raise InputError(
            "no transport URL: set url in edoc.toml ([transport]), EDOC_TRANSPORT_URL or --url"
        )
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    inferred = _TYPES.get(scheme)
    kind = settings.pop("type", None) or inferred
    if kind is None:
        raise InputError(
            f"cannot tell the transport from the URL {redact_url(url)!r}: begin it with "
            "https:// (the hub), amqp:// or amqps:// (AMQP) or dir: (a folder)"
        )
    if kind not in ("hub", "amqp", "dir") or (inferred is not None and kind != inferred):
        raise InputError(
            f"transport type {kind!r} does not fit the URL {redact_url(url)!r} "
            "(hub: http(s)://, amqp: amqp(s)://, dir: dir:)"
        )
    for name in ("inbox", "outbox", "claim_store"):
        if name in settings:
            settings[name] = Path(settings[name])
    return TransportConfig(type=kind, source=source, **settings)
