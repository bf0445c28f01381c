"""Base64, written once: the encoder, the strict decoder and the strict canonical decoder.

pybase64 (SIMD) does the work when installed, binascii otherwise. :func:`decode_strict`
is the streaming attachment decoder's and the hub answer's (one chunk at a time, each a
multiple of 4 characters); :func:`decode_canonical` is for every value that must have one
encoding (digests, signature values, certificates, XAdES fields): stray bits, excess
padding and data after padding are refused. Callers wrap the ``ValueError`` in their own
error type and reason.
"""

from __future__ import annotations

import binascii
from types import ModuleType
from typing import cast

_pyb: ModuleType | None
try:
    import pybase64 as _pyb
except ImportError:  # pragma: no cover - pybase64 is a dependency; kept for odd platforms
    _pyb = None

__all__ = ["Base64Error", "decode_canonical", "decode_strict", "encode"]


class Base64Error(ValueError):
    """Text that is not base64 (``canonical`` is true when it decodes but is not the one
    canonical encoding of its bytes). ``str()`` is ``"not valid base64"`` or
    ``"not canonical base64"``, meant to follow the name of the value."""

    def __init__(self, message: str, *, canonical: bool) -> None:
        super().__init__(message)
        self.canonical = canonical


def encode(data: bytes) -> bytes:
    """Standard base64, no line breaks."""
    if _pyb is not None:
        return cast(bytes, _pyb.b64encode(data))
    return binascii.b2a_base64(data, newline=False)


def decode_strict(data: str | bytes | memoryview) -> bytes:
    """Decode standard base64 whose length is a multiple of 4; raise ``ValueError`` on any
    character outside the alphabet or misplaced padding (stray bits are not checked)."""
    if _pyb is not None:
        try:
            return cast(bytes, _pyb.b64decode(data, validate=True))
        except (ValueError, TypeError) as exc:  # binascii.Error is a ValueError
            raise ValueError(str(exc)) from None
    try:
        return binascii.a2b_base64(data, strict_mode=True)
    except ValueError as exc:  # binascii.Error, or a str that is not ASCII
        raise ValueError(str(exc)) from None


def decode_canonical(compact: str) -> bytes:
    """Decode ``compact`` (white space already removed by the caller, by its own rule) and
    check that re-encoding gives the same text, so one value has one encoding."""
    try:  # binascii, not pybase64: these values are small, and its errors are the wording
        raw = binascii.a2b_base64(compact, strict_mode=True)
    except ValueError:  # binascii.Error, or a str that is not ASCII
        raise Base64Error("not valid base64", canonical=False) from None
    if encode(raw) != compact.encode("ascii"):
        raise Base64Error("not canonical base64", canonical=True)
    return raw
