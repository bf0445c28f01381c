"""``open_transport(url)``: pick the transport class by the URL's scheme."""

from __future__ import annotations

import importlib.metadata
import urllib.parse
from pathlib import Path
from typing import Any

from edoc.errors import InputError, shorten
from edoc.transport.base import Transport

__all__ = ["ENTRY_POINT_GROUP", "open_transport"]

ENTRY_POINT_GROUP = "edoc.transports"
"""Third-party transports register a class here under their URL scheme (e.g. ``sftp``)."""


def _directory(url: str, parsed: urllib.parse.SplitResult, options: dict[str, Any]) -> Transport:
    from edoc.transport.directory import DirectoryTransport

    if parsed.netloc not in ("", "localhost"):
        raise InputError(f"a dir: URL names a local folder, not a host: {shorten(url)!r}")
    path = urllib.parse.unquote(parsed.path) or "."
    return DirectoryTransport(Path(path), **options)


def _hub(url: str, parsed: urllib.parse.SplitResult, options: dict[str, Any]) -> Transport:
    from edoc.transport import __getattr__ as lazy

    hub_class = lazy("HubTransport")
    return hub_class(url, **options)  # type: ignore[no-any-return]


def _amqp(url: str, parsed: urllib.parse.SplitResult, options: dict[str, Any]) -> Transport:
    from edoc.transport.amqp import AmqpTransport

    return AmqpTransport(url, **options)


_BUILT_IN = {"dir": _directory, "http": _hub, "https": _hub, "amqp": _amqp, "amqps": _amqp}


def open_transport(url: str, **options: Any) -> Transport:
    """The transport for ``url``, configured with ``options``:

    * ``dir:///var/edoc`` or ``dir:relative/folder``: :class:`DirectoryTransport`;
    * ``https://hub.example`` (or ``http://`` on a local hub): :class:`HubTransport`, with
      ``system_id=`` and ``secret=`` in ``options`` (needs ``edoc-edxml[http]``);
    * ``amqp://user:password@host/vhost`` (or ``amqps://``): :class:`AmqpTransport`, with
      ``system_id=`` in ``options`` (needs ``edoc-edxml[amqp]``);
    * any other scheme registered by a package under the ``edoc.transports`` entry-point
      group: that class, built with ``cls.from_url(url, **options)`` when it has one.
    """
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    if scheme in _BUILT_IN:
        return _BUILT_IN[scheme](url, parsed, options)
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == scheme:
            cls = entry.load()
            factory = getattr(cls, "from_url", None)
            transport = factory(url, **options) if factory is not None else cls(url, **options)
            if not isinstance(transport, Transport):
                raise InputError(f"the {scheme!r} entry point did not give an edoc Transport")
            return transport
    known = sorted(
        {*_BUILT_IN, *(e.name for e in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))}
    )
    raise InputError(f"no transport for {shorten(url)!r}: known schemes are {', '.join(known)}")
