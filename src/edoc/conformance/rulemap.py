"""A vendor's rule map: the suite's rule ids mapped to the codes the vendor's product prints.

The file is TOML or JSON (by its suffix: ``.toml``, else JSON), one key per suite rule, each
a code or a list of codes, for example in TOML::

    "EDX-HDR-001" = ["N.MessageHeader.To"]
    XSD = "fails to validate"

A vector whose rule is mapped passes ``--match-rule`` when the product's output contains one
of those codes (or the suite's own id), as written: case-sensitive, anywhere in the output.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from edoc.errors import InputError

__all__ = ["RuleMap", "load_rule_map"]

RuleMap = Mapping[str, tuple[str, ...]]
"""Suite rule id -> the product's codes for it."""

_MAX_BYTES = 1 << 20


def load_rule_map(path: str | os.PathLike[str], known: set[str]) -> RuleMap:
    """Read and check a rule map; InputError names the problem (unknown rule, bad value)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"rule map {p}: cannot read it ({exc.strerror})") from None
    if len(raw) > _MAX_BYTES:
        raise InputError(f"rule map {p}: larger than {_MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text) if p.suffix.lower() == ".toml" else json.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        kind = "TOML" if p.suffix.lower() == ".toml" else "JSON"
        raise InputError(f"rule map {p}: not {kind} ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"rule map {p}: must map suite rule ids to codes")
    out: dict[str, tuple[str, ...]] = {}
    for rule, codes in data.items():
        if rule not in known:
            raise InputError(f"rule map {p}: {rule!r} is not a rule of the suite (edoc rules)")
        values = [codes] if isinstance(codes, str) else codes
        if not isinstance(values, list) or not all(isinstance(c, str) and c for c in values):
            raise InputError(f"rule map {p}: {rule} must be a code or a list of codes")
        out[rule] = tuple(values)
    return out
