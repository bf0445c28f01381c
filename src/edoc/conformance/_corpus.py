# ruff: noqa: E501  (a table of clauses reads best unwrapped)
"""The hostile section built from the project's corpus (tests/hostile), shipped as a
snapshot (``corpus.zip``: an index, the inputs and the CA certificates of the signed ones).

``tests/conformance/export_corpus.py`` writes the snapshot; each case keeps the corpus's
own expected outcome: refused or flagged as an error -> reject (required), flagged as a
warning -> warn (optional), accepted by design -> accept (optional: a stricter product may
refuse a hostile input that the standard allows).
"""

from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path
from typing import Any

from edoc.conformance._packages import Seeded
from edoc.conformance.clauses import INTEROP
from edoc.conformance.vectors import Category, Expect, Made, Vector

__all__ = ["CORPUS_FORMAT", "SNAPSHOT", "corpus_ca", "corpus_vectors"]

CORPUS_FORMAT = "edoc.conformance.corpus/1"
SNAPSHOT = Path(__file__).with_name("corpus.zip")

# The corpus's class groups (the letter of a class id) -> the clause its vectors rest on.
_CLAUSES = {
    "P": f"XML 1.0 (well-formed, UTF-8, QCVN 102:2016); refusing what a parser attack needs: {INTEROP}",
    "R": f"{INTEROP}: size, depth and count limits a receiver can raise",
    "S": f"XML-DSig core validation (what the Reference covers); the pinned signature profile: {INTEROP}",
    "C": "TT 15/2025/TT-BKHCN annex (RSA of 2048 bits or more, ECDSA of 256 or more, SHA-256 or "
         "stronger; certificates per RFC 5280)",
    "F": f"QCVN 102:2016 AttachmentEncoded; safe names and sizes: {INTEROP}",
}  # fmt: skip


@functools.cache
def _index() -> dict[str, Any]:
    if not SNAPSHOT.is_file():
        return {"cases": []}
    with zipfile.ZipFile(SNAPSHOT) as z:
        index: dict[str, Any] = json.loads(z.read("index.json"))
    if index.get("format") != CORPUS_FORMAT:
        raise RuntimeError(f"{SNAPSHOT.name}: not a {CORPUS_FORMAT} snapshot")
    return index


def _read(name: str) -> bytes:
    with zipfile.ZipFile(SNAPSHOT) as z:
        return z.read(name)


def corpus_ca(trust: str) -> bytes:
    """The CA certificate (PEM) the snapshot's signed cases of ``trust`` chain to."""
    return _read(f"ca/{trust}.pem")


def _vector(entry: dict[str, Any]) -> Vector:
    outcome = entry["outcome"]
    if outcome == "accepted":
        expect, required = Expect.ACCEPT, False
    elif outcome == "flagged" and entry.get("severity") != "error":
        expect, required = Expect.WARN, False
    else:
        expect, required = Expect.REJECT, True
    verify = entry["op"] == "verify"

    def make(_: Seeded, file: str = entry["file"]) -> Made:
        return _read(file)

    return Vector(
        id=f"hostile-corpus-{entry['name']}", category=Category.HOSTILE,
        title=f"corpus {entry['class']}: {entry['description']}", expect=expect, make=make,
        rule=entry.get("rule"), clause=_CLAUSES.get(entry["class"][0], INTEROP),
        required=required, mode="verify" if verify else "validate",
        tags=("corpus", "signature") if verify else ("corpus",),
        ca=entry.get("trust"),
    )  # fmt: skip


def corpus_vectors() -> list[Vector]:
    """One vector per case of the snapshot, in the corpus's order."""
    return [_vector(e) for e in _index()["cases"]]
