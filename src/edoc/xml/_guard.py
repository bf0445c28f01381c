"""The parser's refusal rules, written once.

Three front ends tokenise a package: the streaming lxml pass (:mod:`edoc.xml._events`),
the small-package fast path (:mod:`edoc.xml._small`) and the verifier's expat pass
(:mod:`edoc.signing._verify_pass`). Each calls these functions for every rule below, so a
limit or a refusal is changed here and nowhere else, and ``edoc.read``, ``validate()`` and
``verify()`` refuse the same input with the same error (``tests/test_front_ends_agree.py``):

* a DOCTYPE (and so every entity declaration): :class:`ForbiddenXMLError`;
* UTF-16, or an XML declaration naming an encoding other than UTF-8: :class:`ParseError`;
* every :class:`edoc.Limits` field: :class:`LimitExceededError` naming the field, the value
  seen and the maximum (attributes count namespace declarations too).

Each ``check_*`` returns nothing when the value is within its limit and raises otherwise;
where the error names an element, ``parent`` (a node with a ``path``) is only read then.
The fast path calls them once per document on the largest value it saw and, on a refusal,
leaves the document to the streaming pass, which raises the error at its place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NoReturn, Protocol

from edoc.errors import ForbiddenXMLError, LimitExceededError, ParseError
from edoc.limits import Limits

__all__ = [
    "DOCTYPE",
    "HEAD_BYTES",
    "check_attachment_bytes",
    "check_attachments",
    "check_attributes",
    "check_bytes",
    "check_depth",
    "check_elements",
    "check_encoding",
    "check_head",
    "check_text",
    "refuse_doctype",
]

DOCTYPE = b"<!DOCTYPE"
"""What a document type declaration starts with (a byte scan for it is a fast pre-check)."""
HEAD_BYTES = 512
"""How much of the input :func:`check_head` needs to see."""
_UTF8 = ("utf-8", "utf8")
_DECL = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


class _Located(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def local(self) -> str: ...


def _local(name: str) -> str:
    """The local name of a Clark name (``{uri}local``) or a qualified one (``p:local``)."""
    return name.rpartition("}")[2].rpartition(":")[2]


def refuse_doctype(*, line: int | None = None, source: str | None = None) -> NoReturn:
    raise ForbiddenXMLError(
        "DOCTYPE is not allowed in an edXML package (DTDs and entities are refused)",
        line=line,
        source=source,
    )


def check_head(head: bytes, source: str | None) -> None:
    """The first :data:`HEAD_BYTES` of the input: no UTF-16 byte-order mark, and no XML
    declaration naming another encoding (libxml2 and expat would honour it)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError("the package is UTF-16; edoc reads UTF-8 only", line=1, source=source)
    m = _DECL.match(head)
    if m:
        check_encoding(m.group(1).decode("ascii"), line=1, source=source)


def check_encoding(encoding: str | None, *, line: int | None, source: str | None) -> None:
    """The encoding an XML declaration names (``None``: it names none) is UTF-8."""
    if encoding is not None and encoding.lower() not in _UTF8:
        raise ParseError(
            f"the package declares encoding {encoding!r}; edoc reads UTF-8 only",
            line=line,
            source=source,
        )


def check_bytes(total: int, limits: Limits, source: str | None) -> None:
    """``total`` bytes of the input read so far."""
    if total > limits.max_bytes:
        raise LimitExceededError(
            "package larger than Limits.max_bytes",
            limit="max_bytes",
            value=total,
            maximum=limits.max_bytes,
            source=source,
        )


def check_elements(count: int, limits: Limits) -> None:
    """``count`` elements started so far."""
    if count > limits.max_elements:
        raise LimitExceededError(
            "too many elements", limit="max_elements", value=count, maximum=limits.max_elements
        )


def check_depth(depth: int, limits: Limits, parent: _Located | None) -> None:
    """An element at nesting ``depth`` (the root is 1), inside ``parent``."""
    if depth > limits.max_depth:
        raise LimitExceededError(
            "elements nested too deeply",
            limit="max_depth",
            value=depth,
            maximum=limits.max_depth,
            path=parent.path if parent is not None else None,
        )


def check_attributes(
    count: int,
    limits: Limits,
    name: str,
    parent: _Located | None = None,
    *,
    line: Callable[[], int | None] | None = None,
    source: str | None = None,
) -> None:
    """Element ``name`` (as the tokeniser gives it: Clark or qualified) with ``count``
    attributes and namespace declarations; located by its ``parent`` (the element path)
    or, where there is no node, by ``line()`` (called only to refuse)."""
    if count > limits.max_attributes:
        name = _local(name)
        path = None if line is not None else (parent.path if parent else "") + "/" + name
        raise LimitExceededError(
            f"{name} has more attributes and namespace declarations than Limits.max_attributes",
            limit="max_attributes",
            value=count,
            maximum=limits.max_attributes,
            path=path,
            line=line() if line is not None else None,
            source=source,
        )


def check_text(size: int, limits: Limits, node: _Located) -> None:
    """One run of text of ``size`` characters in element ``node``, outside attachment
    content."""
    if size > limits.max_text_bytes:
        raise LimitExceededError(
            f"text of {node.local} longer than Limits.max_text_bytes",
            limit="max_text_bytes",
            value=size,
            maximum=limits.max_text_bytes,
            path=node.path,
        )


def check_attachments(count: int, limits: Limits, node: _Located | None) -> None:
    """``count`` attachments so far, the last one's content at ``node``."""
    if count > limits.max_attachments:
        raise LimitExceededError(
            "too many attachments",
            limit="max_attachments",
            value=count,
            maximum=limits.max_attachments,
            path=node.path if node is not None else None,
        )


def check_attachment_bytes(size: int, limits: Limits, node: _Located) -> None:
    """One attachment's content at ``node``, ``size`` bytes once decoded (so far)."""
    if size > limits.max_attachment_bytes:
        raise LimitExceededError(
            "attachment larger than Limits.max_attachment_bytes",
            limit="max_attachment_bytes",
            value=size,
            maximum=limits.max_attachment_bytes,
            path=node.path,
        )
