"""Resource limits for reading packages from untrusted sources."""

from __future__ import annotations

import attrs

from edoc.errors import InputError

__all__ = ["Limits"]

_MiB = 1024 * 1024
_GiB = 1024 * _MiB


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InputError(f"Limits.{attribute.name} must be a positive int, not {value!r}")


@attrs.frozen(kw_only=True)
class Limits:
    """What a reader accepts before it refuses with :class:`edoc.errors.LimitExceededError`.

    The defaults suit packages on the national hub; raise one field at a time with
    ``attrs.evolve(Limits(), max_bytes=...)`` or ``Limits(max_bytes=...)``.
    """

    max_bytes: int = attrs.field(default=2 * _GiB, validator=_positive)
    """Size of the whole package as read, in bytes."""
    max_depth: int = attrs.field(default=64, validator=_positive)
    """Element nesting depth."""
    max_elements: int = attrs.field(default=100_000, validator=_positive)
    """Number of elements in the document."""
    max_attributes: int = attrs.field(default=256, validator=_positive)
    """Attributes plus namespace declarations on one element."""
    max_text_bytes: int = attrs.field(default=1 * _MiB, validator=_positive)
    """Length of one text value outside attachment content (characters)."""
    max_attachments: int = attrs.field(default=1_000, validator=_positive)
    """Number of attachments."""
    max_attachment_bytes: int = attrs.field(default=2 * _GiB, validator=_positive)
    """Decoded size of one attachment, in bytes."""
