"""Fixtures of the conformance kit's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance._kit import SEED
from edoc.conformance import Vector, Workshop, build_suite


@pytest.fixture
def workshop(tmp_path: Path) -> Workshop:
    return Workshop(tmp_path / "work", seed=SEED)


@pytest.fixture(scope="session")
def quick_suite() -> list[Vector]:
    return build_suite("quick")
