"""The suite: what a vector is, the suite version, and how vectors are made into files.

A vector is made from the suite seed when it is needed (nothing but the generator is
stored). Its bytes depend only on the seed, its id and the recipient, except for signed
vectors, whose key and certificates are made afresh each run (see :mod:`._pki`).
"""

from __future__ import annotations

import enum
import fnmatch
import hashlib
import io
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import attrs

from edoc._files import atomic_write
from edoc.conformance._packages import Seeded
from edoc.conformance._pki import TestPki
from edoc.model import Package
from edoc.signing.signer import sign_package
from edoc.xml import write

__all__ = [
    "SUITE_VERSION",
    "Category",
    "Expect",
    "Made",
    "Signed",
    "Vector",
    "Workshop",
    "select",
]

SUITE_VERSION = "2026.2"
"""Changes whenever a vector is added, removed or changes meaning; stored in every report."""


class Category(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    HOSTILE = "hostile"


class Expect(enum.Enum):
    """What a correct system does with the vector."""

    ACCEPT = "accept"
    REJECT = "reject"
    WARN = "warn"
    """Accept it (the interop profile allows it) but report the rule; optional."""


@attrs.frozen
class Signed:
    """A package the workshop writes signed with the run's test key (``key``: rsa or ec)."""

    package: Package
    key: str = "rsa"
    edit: Callable[[bytes], bytes] | None = None
    """Bytes-level change made after signing (tampering, wrapping)."""


Made = bytes | Package | Signed
"""What a generator returns: raw bytes, a package to write, or a package to sign."""


@attrs.frozen(kw_only=True)
class Vector:
    """One test case of the suite."""

    id: str
    category: Category
    title: str
    expect: Expect
    make: Callable[[Seeded], Made] = attrs.field(eq=False, repr=False)
    rule: str | None = None
    """The validation rule id it tests (``edoc rules``), when there is one."""
    clause: str | None = None
    """The part of the standard or of the hostile-input catalogue it tests."""
    required: bool = True
    kind: str = "edoc"
    """``edoc`` or ``status``: the hub ``messagetype`` it travels as."""
    mode: str = "validate"
    """``validate`` (structure and rules) or ``verify`` (also the signature, with the
    kit's test CA as the only trust anchor)."""
    tags: tuple[str, ...] = ()
    """``business``, ``change`` (revocation, update, replacement), ``status``, ``signed``,
    ``signature`` (verify mode), ``attachments``, ``large``."""

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "category": self.category.value,
            "title": self.title,
            "expect": self.expect.value,
            "rule": self.rule,
            "clause": self.clause,
            "required": self.required,
            "kind": self.kind,
            "mode": self.mode,
            "tags": list(self.tags),
        }


def select(vectors: Sequence[Vector], only: Iterable[str] = ()) -> list[Vector]:
    """Vectors whose id, category, rule or tag matches one of the ``only`` patterns
    (shell wildcards); all when ``only`` is empty. Unknown patterns raise ``ValueError``."""
    patterns = [p for p in only if p]
    if not patterns:
        return list(vectors)
    out = []
    for v in vectors:
        keys = [v.id, v.category.value, v.rule or "", *v.tags]
        if any(fnmatch.fnmatchcase(k, p) for p in patterns for k in keys):
            out.append(v)
    matched = {
        p
        for p in patterns
        for v in out
        if any(fnmatch.fnmatchcase(k, p) for k in (v.id, v.category.value, v.rule or "", *v.tags))
    }
    missing = [p for p in patterns if p not in matched]
    if missing:
        raise ValueError(f"--only {', '.join(missing)} matches no vector")
    return out


def serial(vector_id: str) -> int:
    """The vector's document number (CodeNumber): 7 digits from its id, the same in every
    run (the suite checks they are unique)."""
    return 1_000_000 + int(hashlib.sha256(vector_id.encode()).hexdigest()[:12], 16) % 9_000_000


class Workshop:
    """Makes vectors into files for one run: seed, recipient, test PKI.

    The files go to ``<folder>/seed-<seed>``, emptied first: files of an earlier run (signed
    by another run's key, or a hub's old queue) are never reused.
    """

    def __init__(
        self, folder: str | os.PathLike[str], *, seed: int, to: str = "000.00.00.H41"
    ) -> None:
        self.folder = Path(folder) / f"seed-{seed}"
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        self.seed = seed
        self.to = to
        self.pki = TestPki(self.folder / "pki")

    def seeded(self, vector: Vector) -> Seeded:
        return Seeded(seed=self.seed, vector_id=vector.id, serial=serial(vector.id), to=self.to)

    def path(self, vector: Vector) -> Path:
        """The vector's file, made now when it is not there yet."""
        target = self.folder / f"{vector.id}.edxml"
        if target.exists():
            return target
        made = vector.make(self.seeded(vector))
        if isinstance(made, bytes):
            with atomic_write(target, durable=False) as out:
                out.write(made)
        elif isinstance(made, Signed):
            key = self.pki.key(made.key)
            if made.edit is None:
                sign_package(made.package, target, key=key, durable=False)
            else:
                buf = io.BytesIO()
                sign_package(made.package, buf, key=key)
                with atomic_write(target, durable=False) as out:
                    out.write(made.edit(buf.getvalue()))
        else:
            write(made, target, durable=False)
        return target
