"""Field helpers shared by the model classes: converters and validators that name the field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, TypeVar

import attrs

from edoc.errors import IdentifierError, InputError, shorten
from edoc.ids import DocumentId, OrganId

T = TypeVar("T")

# Characters XML 1.0 cannot carry at all (not even as character references).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def check_text(owner: str, name: str, value: str) -> None:
    if not isinstance(value, str):
        raise InputError(f"{owner}.{name} must be str, not {type(value).__name__}")
    if m := _ILLEGAL.search(value):
        raise InputError(
            f"{owner}.{name} contains U+{ord(m.group()):04X}, which XML cannot carry: "
            f"{shorten(value)!r}"
        )


def _owner(instance: object) -> str:
    return type(instance).__name__


def text(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """Validator: required, non-empty text that XML can carry."""
    check_text(_owner(instance), attribute.name, value)
    if not value:
        raise InputError(f"{_owner(instance)}.{attribute.name} must not be empty")


def opt_text(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """Validator: optional text that XML can carry."""
    if value is not None:
        check_text(_owner(instance), attribute.name, value)


def empty_to_none(value: str | None) -> str | None:
    """Converter: the standard omits empty elements, so ``""`` means absent."""
    return value or None


def text_tuple(instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for item in value:
        check_text(_owner(instance), attribute.name, item)


def to_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)):
        raise InputError(f"expected a sequence, not {type(value).__name__} {shorten(str(value))!r}")
    return tuple(value)


def to_organ_id(value: OrganId | str) -> OrganId:
    return value if isinstance(value, OrganId) else OrganId(value)


def _named_organ_id(value: OrganId | str, self_: object, field: attrs.Attribute[Any]) -> OrganId:
    try:
        return to_organ_id(value)
    except IdentifierError as exc:
        raise IdentifierError(f"{type(self_).__name__}.{field.name}: {exc}") from None


organ_id_field = attrs.Converter(_named_organ_id, takes_self=True, takes_field=True)
"""``to_organ_id`` for an attrs field: an error names the class and the field."""


def to_organ_ids(value: Iterable[OrganId | str]) -> tuple[OrganId, ...]:
    return tuple(to_organ_id(v) for v in to_tuple(value))


def to_opt_organ_id(value: OrganId | str | None) -> OrganId | None:
    return None if value is None or value == "" else to_organ_id(value)


def to_document_id(value: DocumentId | str) -> DocumentId:
    return value if isinstance(value, DocumentId) else DocumentId(value)


def to_opt_document_id(value: DocumentId | str | None) -> DocumentId | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, DocumentId) else DocumentId(value)


def to_timestamp(value: dt.datetime) -> dt.datetime:
    """Converter: aware datetimes only, to the second (the wire's resolution)."""
    if not isinstance(value, dt.datetime):
        raise InputError(f"expected a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError("timestamps must be timezone-aware, e.g. datetime.now(edoc.VN_TZ)")
    return value.replace(microsecond=0)


def to_opt_timestamp(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else to_timestamp(value)


def non_negative(instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{_owner(instance)}.{attribute.name} must be an int >= 0, not {value!r}")


def instance_of(*types: type) -> Any:
    """Validator: like attrs' instance_of, raising InputError that names the field."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, types):
            names = " or ".join(t.__name__ for t in types)
            raise InputError(
                f"{_owner(instance)}.{attribute.name} must be {names}, not {type(value).__name__}"
            )

    return check


def items_of(*types: type) -> Any:
    """Validator: every item of a tuple is one of ``types``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: tuple[object, ...]) -> None:
        for item in value:
            if not isinstance(item, types):
                names = " or ".join(t.__name__ for t in types)
                raise InputError(
                    f"{_owner(instance)}.{attribute.name} items must be {names}, "
                    f"not {type(item).__name__}"
                )

    return check
