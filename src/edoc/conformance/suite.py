"""The whole suite, assembled: valid, invalid and hostile vectors, in that order."""

from __future__ import annotations

from edoc.conformance._hostile import hostile_vectors
from edoc.conformance._invalid import invalid_vectors
from edoc.conformance._valid import valid_vectors
from edoc.conformance.vectors import Vector, serial

__all__ = ["SIZES", "build_suite"]

SIZES = {
    "full": {"many": 200, "large": 64 * 1024 * 1024},
    "quick": {"many": 20, "large": 1024 * 1024},
}
"""Attachment counts and sizes: ``full`` for vendors, ``quick`` for a fast check (and CI)."""


def build_suite(size: str = "full") -> list[Vector]:
    """Every vector of the suite; ``size`` picks the ``many``/``large`` figures of SIZES."""
    figures = SIZES[size]
    vectors = [
        *valid_vectors(many=figures["many"], large=figures["large"]),
        *invalid_vectors(),
        *hostile_vectors(),
    ]
    seen: dict[int, str] = {}
    for v in vectors:
        other = seen.setdefault(serial(v.id), v.id)
        if other != v.id:
            raise ValueError(f"conformance suite: vectors {other} and {v.id} share a number")
    return vectors
