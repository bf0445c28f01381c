"""Agency codes (``OrganId``) and document identifiers (``DocumentId``).

Both keep their wire text exactly as given, so that reading and writing never changes a
package; their structure is parsed on demand. The hub does not validate codes and real
packages carry codes in neither official format (``vxp.saas.03``, ``01.02.G22``), so the
reader accepts any non-empty text and :attr:`OrganId.scheme` tells what it is; use
:meth:`OrganId.parse` to insist on a valid code.
"""

from __future__ import annotations

import datetime as dt
import enum
import re

import attrs

from edoc.errors import IdentifierError, shorten
from edoc.formats import format_date, parse_date

__all__ = ["DocumentId", "OrganId", "OrganIdScheme"]

_QCVN_2016 = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}", re.ASCII)
_QD20_2020 = re.compile(r"(?=[0-9A-Z.]{3,35}\Z)[A-K]\d{2}(?:\.[0-9A-Z]+)*", re.ASCII)
_DOCUMENT_ID = re.compile(r"([^,]+),(\d{4}/\d{2}/\d{2}),([^/]+)/(.+)", re.DOTALL | re.ASCII)


class OrganIdScheme(enum.Enum):
    """Which format an agency code follows."""

    QCVN_102_2016 = "qcvn-102-2016"
    """``V1V2V3.Z1Z2.Y1Y2.MX1X2``, level 1 last: ``000.00.00.G22``."""
    QD_20_2020 = "qd-20-2020"
    """QĐ 20/2020/QĐ-TTg Art. 4, level 1 first: ``H26.107``."""
    UNKNOWN = "unknown"
    """Neither: seen on the hub (``vxp.saas.03``), reported by validation."""


def _text(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise IdentifierError(f"{attribute.name} must be non-empty text, not {value!r}")


@attrs.frozen
class OrganId:
    """An agency identifier code, e.g. ``OrganId("000.00.00.G22")`` (Văn phòng Chính phủ)."""

    value: str = attrs.field(validator=_text)

    @classmethod
    def parse(cls, text: str) -> OrganId:
        """Return the code, or raise :class:`IdentifierError` unless it follows a known format."""
        code = cls(text)
        if code.scheme is OrganIdScheme.UNKNOWN:
            raise IdentifierError(
                f"agency code {shorten(text)!r} follows neither QCVN 102:2016 "
                "(000.00.00.G22) nor QĐ 20/2020 (H26.107)"
            )
        return code

    @property
    def scheme(self) -> OrganIdScheme:
        """The format the code follows."""
        if _QCVN_2016.fullmatch(self.value):
            return OrganIdScheme.QCVN_102_2016
        if _QD20_2020.fullmatch(self.value):
            return OrganIdScheme.QD_20_2020
        return OrganIdScheme.UNKNOWN

    @property
    def level1(self) -> str | None:
        """The level-1 group (``G22``), or ``None`` for a code in no known format."""
        scheme = self.scheme
        if scheme is OrganIdScheme.QCVN_102_2016:
            return self.value.rsplit(".", 1)[1]
        if scheme is OrganIdScheme.QD_20_2020:
            return self.value.split(".", 1)[0]
        return None

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class DocumentId:
    """A document identifier: ``<issuer OrganId>,<yyyy/MM/dd>,<CodeNumber>/<CodeNotation>``.

    The hub also carries opaque identifiers (bare UUIDs); those are kept as they are and
    :attr:`is_structured` is false. Build a structured one with :meth:`build`.
    """

    value: str = attrs.field(validator=_text)

    @classmethod
    def build(
        cls, organ_id: OrganId | str, date: dt.date, number: str, notation: str
    ) -> DocumentId:
        """Compose the standard form from its parts."""
        return cls(f"{organ_id},{format_date(date)},{number}/{notation}")

    @classmethod
    def parse(cls, text: str) -> DocumentId:
        """Return the identifier, or raise :class:`IdentifierError` unless it is structured."""
        doc_id = cls(text)
        if not doc_id.is_structured:
            raise IdentifierError(
                f"DocumentId {shorten(text)!r} is not OrganId,yyyy/MM/dd,Number/Notation"
            )
        return doc_id

    def _parts(self) -> tuple[str, dt.date, str, str] | None:
        m = _DOCUMENT_ID.fullmatch(self.value)
        if not m:
            return None
        try:
            date, _ = parse_date(m.group(2))
        except ValueError:
            return None
        return m.group(1), date, m.group(3), m.group(4)

    @property
    def is_structured(self) -> bool:
        """True when the value follows the standard form with a real calendar date."""
        return self._parts() is not None

    @property
    def organ_id(self) -> OrganId | None:
        """The issuing agency's code, for a structured identifier."""
        parts = self._parts()
        return OrganId(parts[0]) if parts else None

    @property
    def promulgation_date(self) -> dt.date | None:
        """The promulgation date, for a structured identifier."""
        parts = self._parts()
        return parts[1] if parts else None

    @property
    def code(self) -> str | None:
        """``Number/Notation``, for a structured identifier."""
        parts = self._parts()
        return f"{parts[2]}/{parts[3]}" if parts else None

    def __str__(self) -> str:
        return self.value
