"""Strict canonical base64, written once: every reader that must refuse non-canonical
encodings (stray bits, excess padding, data after padding) decodes through here and wraps
:class:`Base64Error` in its own error type and reason."""

from __future__ import annotations

import base64
import binascii

__all__ = ["Base64Error", "decode_canonical"]


class Base64Error(ValueError):
    """Text that is not base64 (``canonical`` is true when it decodes but is not the one
    canonical encoding of its bytes). ``str()`` is ``"not valid base64"`` or
    ``"not canonical base64"``, meant to follow the name of the value."""

    def __init__(self, message: str, *, canonical: bool) -> None:
        super().__init__(message)
        self.canonical = canonical


def decode_canonical(compact: str) -> bytes:
    """Decode ``compact`` (white space already removed by the caller, by its own rule) and
    check that re-encoding gives the same text, so one value has one encoding."""
    try:
        raw = binascii.a2b_base64(compact, strict_mode=True)
    except (binascii.Error, ValueError):
        raise Base64Error("not valid base64", canonical=False) from None
    if base64.b64encode(raw).decode("ascii") != compact:
        raise Base64Error("not canonical base64", canonical=True)
    return raw
