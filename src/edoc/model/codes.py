"""Code lists of the standard, as enums whose values are the wire values."""

from __future__ import annotations

import enum

__all__ = ["BusinessDocType", "Priority", "StatusCode", "SteeringType"]


class BusinessDocType(enum.IntEnum):
    """``Bussiness/BussinessDocType``: what the package does to a document."""

    NEW = 0
    """Văn bản điện tử mới: a new document."""
    REVOCATION = 1
    """Thu hồi: revokes an earlier document (``ResponseFor`` names it)."""
    UPDATE = 2
    """Cập nhật: updates an earlier document (``BusinessDocumentInfo``)."""
    REPLACEMENT = 3
    """Thay thế: replaces earlier documents (``ReplacementInfoList``)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self.name}: {self.value}>"


class SteeringType(enum.IntEnum):
    """``SteeringType``: whether the document is a steering document."""

    NONE = 0
    """Không phải văn bản chỉ đạo."""
    STEERING = 1
    """Văn bản chỉ đạo."""
    STEERING_REPORT = 2
    """Báo cáo kết quả thực hiện chỉ đạo."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self.name}: {self.value}>"


class Priority(enum.IntEnum):
    """``OtherInfo/Priority``: urgency (*độ khẩn*). Meanings inferred; see docs/decisions.md."""

    NORMAL = 0
    """Thường."""
    URGENT = 1
    """Khẩn."""
    VERY_URGENT = 2
    """Thượng khẩn."""
    EXPRESS = 3
    """Hỏa tốc."""
    EXPRESS_TIMED = 4
    """Hỏa tốc hẹn giờ (pre-2020 mark)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self.name}: {self.value}>"


class StatusCode(enum.Enum):
    """``StatusCode`` of a status package: where the document stands at the recipient.

    Values are the two-digit wire strings. ``meaning_vi`` is the reference SDK's sample
    description, ``meaning_en`` an English rendering.
    """

    RECEIVED = "01"
    REJECTED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    PROCESSING = "05"
    COMPLETED = "06"
    RETRIEVAL_REQUESTED = "13"
    CHANGE_ACCEPTED = "15"
    CHANGE_REJECTED = "16"

    @property
    def meaning_vi(self) -> str:
        """The Vietnamese meaning, as the reference SDK's samples word it."""
        return _MEANINGS[self][0]

    @property
    def meaning_en(self) -> str:
        """The meaning in English."""
        return _MEANINGS[self][1]

    @property
    def sent_by_sender(self) -> bool:
        """True for the one code the original sender sends (13, retrieval request)."""
        return self is StatusCode.RETRIEVAL_REQUESTED

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self.name}: {self.value!r}>"


_MEANINGS: dict[StatusCode, tuple[str, str]] = {
    StatusCode.RECEIVED: (
        "Đã đến - Phần mềm QLVB đã nhận nhưng văn thư chưa xử lý",
        "arrived: received by the software, not yet handled by the clerk",
    ),
    StatusCode.REJECTED: ("Từ chối không tiếp nhận văn bản điện tử", "rejected, not accepted"),
    StatusCode.ACCEPTED: (
        "Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị",
        "accepted and entered in the incoming register",
    ),
    StatusCode.ASSIGNED: ("Phân công xử lý", "assigned for handling"),
    StatusCode.PROCESSING: ("Đang xử lý văn bản đến", "being processed"),
    StatusCode.COMPLETED: ("Hoàn thành xử lý", "handling completed"),
    StatusCode.RETRIEVAL_REQUESTED: (
        "Yêu cầu lấy lại văn bản điện tử kèm lý do",
        "the sender asks to retrieve or cancel the document, with a reason",
    ),
    StatusCode.CHANGE_ACCEPTED: (
        "Đồng ý yêu cầu cập nhật, lấy lại",
        "the recipient agrees to the update or retrieval",
    ),
    StatusCode.CHANGE_REJECTED: (
        "Từ chối yêu cầu cập nhật, lấy lại",
        "the recipient refuses the update or retrieval",
    ),
}
