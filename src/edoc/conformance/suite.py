"""The whole suite, assembled: valid, invalid and hostile vectors, in that order."""

from __future__ import annotations

from edoc.conformance._hostile import hostile_vectors
from edoc.conformance._invalid import invalid_vectors
from edoc.conformance._valid import valid_vectors
from edoc.conformance.vectors import Vector

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
    seen: set[str] = set()
    for v in vectors:
        if v.id in seen:
            raise ValueError(f"conformance suite: vector id {v.id} appears twice")
        seen.add(v.id)
    return vectors
