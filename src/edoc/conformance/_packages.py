"""Building blocks of the suite's packages: a seeded base package, seeded attachment bytes
generated on the fly, a test PKI made per run, and byte-level edits for invalid packages."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any, BinaryIO

import attrs

from edoc.formats import VN_TZ
from edoc.model import (
    Attachment,
    Business,
    Code,
    DocumentType,
    EdocPackage,
    MessageHeader,
    Organization,
    PromulgationInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
)
from edoc.model.attachment import AttachmentContent
from edoc.xml import to_bytes

__all__ = [
    "KIT_ORGAN",
    "Seeded",
    "SeededContent",
    "base_package",
    "cut",
    "reply",
    "sub",
]

KIT_ORGAN = "000.00.00.G22"
"""The OrganId every package of the suite comes from (the kit's own agency)."""

_SUBJECTS = (
    "V/v kết nối, liên thông phần mềm quản lý văn bản",
    "V/v triển khai Nghị định về văn thư",
    "Báo cáo tình hình thực hiện nhiệm vụ quý",
    "V/v tăng cường bảo đảm an toàn thông tin mạng",
    "Thông báo kết luận của Thủ tướng Chính phủ",
)
_PLACES = ("Hà Nội", "Đà Nẵng", "Thành phố Hồ Chí Minh", "Nghệ An", "Cần Thơ")


@attrs.frozen
class Seeded:
    """What a vector's generator gets: its own random stream, a serial and the recipient.

    ``rng`` is seeded with the suite seed and the vector id, so one vector's bytes do not
    depend on which other vectors run.
    """

    seed: int
    vector_id: str
    serial: int
    to: str

    @property
    def rng(self) -> random.Random:
        return random.Random(f"{self.seed}:{self.vector_id}")  # noqa: S311 - repeatable, not secret


class _SeededStream(io.RawIOBase):
    """``size`` pseudo-random bytes from ``seed``, made as they are read (constant memory)."""

    def __init__(self, seed: str, size: int, head: bytes) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - repeatable test bytes
        self._left = size
        self._head = head[:size]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        n = min(len(buffer), self._left, 1 << 20)
        if self._head:
            chunk, self._head = self._head[:n], self._head[n:]
        else:
            chunk = self._rng.randbytes(n)
        buffer[: len(chunk)] = chunk
        self._left -= len(chunk)
        return len(chunk)


class SeededContent(AttachmentContent):
    """Attachment content generated from a seed each time it is opened (large attachments
    never sit in memory or on disk before writing). ``head`` starts it (a file magic)."""

    def __init__(self, seed: str, size: int, head: bytes = b"%PDF-1.7\n") -> None:
        self._seed = seed
        self._size = size
        self._head = head

    def open(self) -> BinaryIO:
        return io.BufferedReader(_SeededStream(self._seed, self._size, self._head))

    @property
    def size(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"SeededContent(<{self._size} bytes>)"


def base_package(s: Seeded, *, attachments: list[Attachment] | None = None) -> EdocPackage:
    """A valid new-document package from the kit to ``s.to``, numbered ``s.serial``.

    The default attachment is ``qd.pdf`` holding ``%PDF-1.4 body`` (base64
    ``JVBERi0xLjQgYm9keQ==``): the invalid vectors edit those exact bytes.
    """
    rng = s.rng
    header = MessageHeader(
        from_=Organization(organ_id=KIT_ORGAN, organ_name="Văn phòng Chính phủ"),
        to=[Organization(organ_id=s.to, organ_name="Cơ quan nhận")],
        code=Code(number=str(s.serial), notation="VPCP-TTĐT"),
        promulgation_info=PromulgationInfo(
            place=rng.choice(_PLACES), promulgation_date=dt.date(2015, 9, 30)
        ),
        document_type=DocumentType(type_code=1, type_name="Công văn"),
        subject=rng.choice(_SUBJECTS),
    )
    trace = TraceHeaderList(
        business=Business(doc_reason="Văn bản điện tử mới"),
        trace_headers=[
            TraceHeader(
                organ_id=KIT_ORGAN, timestamp=dt.datetime(2015, 9, 30, 10, 15, tzinfo=VN_TZ)
            )
        ],
    )
    if attachments is None:
        attachments = [Attachment.from_bytes(b"%PDF-1.4 body", name="qd.pdf")]
    return EdocPackage(header=header, trace=trace, attachments=attachments)


def reply(pkg: EdocPackage, code: StatusCode = StatusCode.ACCEPTED) -> StatusPackage:
    """A status package answering ``pkg`` with ``code`` at a fixed time."""
    return StatusPackage.reply_to(
        pkg, code=code, timestamp=dt.datetime(2015, 10, 1, 8, 0, tzinfo=VN_TZ)
    )


def header(pkg: EdocPackage, **changes: Any) -> EdocPackage:
    """``pkg`` with header fields changed."""
    return attrs.evolve(pkg, header=attrs.evolve(pkg.header, **changes))


def business(pkg: EdocPackage, **changes: Any) -> EdocPackage:
    """``pkg`` with Business fields changed."""
    assert pkg.trace.business is not None
    trace = attrs.evolve(pkg.trace, business=attrs.evolve(pkg.trace.business, **changes))
    return attrs.evolve(pkg, trace=trace)


def sub(data: bytes, old: str, new: str, count: int = 1) -> bytes:
    """``data`` with ``old`` replaced; ``old`` must be there (a generator bug otherwise)."""
    if old.encode() not in data:
        raise AssertionError(f"conformance generator: {old!r} not in the base package")
    return data.replace(old.encode(), new.encode(), count)


def cut(data: bytes, start: str, end: str) -> bytes:
    """``data`` without the span from ``start`` to the end of ``end``."""
    i = data.index(start.encode())
    j = data.index(end.encode(), i) + len(end)
    return data[:i] + data[j:]


def b(pkg: EdocPackage | StatusPackage) -> bytes:
    return to_bytes(pkg)
