"""Worst-case inputs for each per-element operation, generated at any size.

Each generator takes a scale ``k`` (1, 2, 4, ...) and returns a package about ``k`` times
the size of ``k=1``, shaped so that an operation whose per-element cost grows with
siblings, namespaces in scope, depth or findings costs ``k**2`` instead of ``k``.
``tests/test_linear.py`` times two scales of each; ``benchmarks/bench_linear.py`` prints
their time per MB beside an ordinary package's.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import edoc
from conftest import make_package
from edoc.signing import FileKey, sign_package

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
ATTACHMENT = b"%PDF-1.4 " + bytes(range(256)) * 4


def unsigned() -> bytes:
    return edoc.to_bytes(make_package(**{"qd.pdf": ATTACHMENT}))


def signed(key: FileKey, *, xades: str | None = None) -> bytes:
    out = io.BytesIO()
    sign_package(make_package(**{"qd.pdf": ATTACHMENT}), out, key=key, xades=xades)  # type: ignore[arg-type]
    return out.getvalue()


def _insert(data: bytes, before: bytes, extra: bytes) -> bytes:
    assert before in data, before
    return data.replace(before, extra + before, 1)


def unknown_siblings(k: int, base: bytes) -> bytes:
    """``4,000 k`` unknown ``Extra`` siblings in MessageHeader: a deviation (with its element
    path) for each; a path that counts same-named siblings costs ``k**2``."""
    return _insert(base, b"</edXML:MessageHeader>", b"<edXML:Extra/>" * (4_000 * k))


def bad_recipients(k: int, base: bytes) -> bytes:
    """``500 k`` ``To`` whose OrganId is malformed: a finding at each ``To``'s path."""
    to = b"<edXML:To><edXML:OrganId>bad id</edXML:OrganId></edXML:To>"
    return _insert(base, b"<edXML:DocumentId>", to * (500 * k))


def namespace_tower(k: int, base: bytes) -> bytes:
    """``2 k`` nested elements (at most 48) each declaring 120 prefixes (and using them in
    attributes), then ``1,000 k`` leaves each declaring one more: the canonicaliser's
    in-scope declarations grow with depth, and rebuilding them per element costs ``k**2``."""
    levels = min(2 * k, 48)
    opening = []
    for level in range(levels):
        decls = "".join(f' xmlns:p{level}x{i}="urn:l{level}:{i}"' for i in range(120))
        uses = "".join(f' p{level}x{i}:a="{i}"' for i in range(120))
        opening.append(f"<edXML:Deep{decls}{uses}>")
    leaves = '<leaf xmlns:z="urn:z"/>' * (1_000 * k)
    tower = "".join(opening) + leaves + "</edXML:Deep>" * levels
    return _insert(base, b"</edXML:OtherInfo>", tower.encode())


def signature_siblings(k: int, base: bytes) -> bytes:
    """``5,000 k`` ``KeyName`` siblings in a signed package's KeyInfo (unsigned, allowed by
    the schema): reading the captured Signature must not rescan its events per element."""
    return _insert(base, b"<X509Data>", b"<KeyName>k</KeyName>" * (5_000 * k))


def xades_text_pieces(k: int, base: bytes) -> bytes:
    """``60,000 k`` text pieces split by processing instructions inside a XAdES
    QualifyingProperties (not covered by any digest): joining them must not be ``k**2``."""
    return _insert(base, b"<xades:SignedProperties", b"a<?p?>" * (60_000 * k))


def recipients(k: int, base: bytes) -> bytes:
    """``1,000 k`` valid ``To`` (the writer's and the mapper's loops over them)."""
    to = b"<edXML:To><edXML:OrganId>000.00.00.H41</edXML:OrganId></edXML:To>"
    return _insert(base, b"<edXML:DocumentId>", to * (1_000 * k))


@dataclass(frozen=True)
class WorstCase:
    name: str
    op: str
    """``read``, ``validate``, ``verify``, or ``write`` (the package read first, untimed)."""
    make: Callable[[int, bytes], bytes]
    base: str
    """``unsigned``, ``signed`` or ``xades``: what ``make`` edits."""


WORST_CASES = (
    WorstCase("unknown-siblings-read", "read", unknown_siblings, "unsigned"),
    WorstCase("unknown-siblings-validate", "validate", unknown_siblings, "unsigned"),
    WorstCase("bad-recipients-validate", "validate", bad_recipients, "unsigned"),
    WorstCase("namespace-tower-verify", "verify", namespace_tower, "signed"),
    WorstCase("signature-siblings-verify", "verify", signature_siblings, "signed"),
    WorstCase("xades-text-pieces-verify", "verify", xades_text_pieces, "xades"),
    WorstCase("recipients-read", "read", recipients, "unsigned"),
    WorstCase("recipients-write", "write", recipients, "unsigned"),
)
