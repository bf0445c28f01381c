"""Helpers of the conformance kit's tests: command templates for the fixture validators."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

VALIDATORS = Path(__file__).parent / "validators"
SEED = 20261123


def script_cmd(name: str) -> str:
    """The validator command template running the fixture script ``name``."""
    return f"{sys.executable} {VALIDATORS / name} {{file}}"


def edoc_cmd(*args: str) -> str:
    """A command template running this venv's ``edoc`` console script."""
    edoc = shutil.which("edoc", path=str(Path(sys.executable).parent))
    assert edoc is not None, "the edoc console script is not installed in this venv"
    return " ".join([edoc, *args])
