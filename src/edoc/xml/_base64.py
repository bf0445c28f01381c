"""Base64 in chunks: pybase64 (SIMD) when installed, binascii otherwise."""

from __future__ import annotations

import binascii
from types import ModuleType
from typing import cast

_pyb: ModuleType | None
try:
    import pybase64 as _pyb
except ImportError:  # pragma: no cover - pybase64 is a dependency; kept for odd platforms
    _pyb = None

__all__ = ["decode_strict", "encode"]


def encode(data: bytes) -> bytes:
    """Standard base64, no line breaks."""
    if _pyb is not None:
        return cast(bytes, _pyb.b64encode(data))
    return binascii.b2a_base64(data, newline=False)


def decode_strict(data: str | bytes | memoryview) -> bytes:
    """Decode standard base64 whose length is a multiple of 4; raise ``ValueError`` on any
    character outside the alphabet or misplaced padding."""
    if _pyb is not None:
        try:
            return cast(bytes, _pyb.b64decode(data, validate=True))
        except (ValueError, TypeError) as exc:  # binascii.Error is a ValueError
            raise ValueError(str(exc)) from None
    try:
        return binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None
