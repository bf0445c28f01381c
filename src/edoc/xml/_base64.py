"""Kept for old imports: base64 lives in :mod:`edoc._base64` (one module for all of edoc)."""

from edoc._base64 import decode_strict, encode

__all__ = ["decode_strict", "encode"]
