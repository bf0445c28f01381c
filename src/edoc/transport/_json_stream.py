"""JSON answers of the hub: small ones parsed within bounds, ``getEdoc``'s streamed.

:func:`loads_bounded` parses a small answer (a list, a status) already capped in bytes:
nesting deeper than ``max_depth`` and a key repeated in one object are refused with
``ValueError`` before or while parsing (never a ``RecursionError``, never last-wins).

The hub's ``getEdoc`` answers ``{"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data":
"<base64 of the package>"}``. :class:`Base64Member` takes the response in chunks, decodes
``data`` into a sink as it arrives (never holding it whole), and keeps the other top-level
members (small scalars) for the caller. JSON escapes inside the string (``\\/`` as Java's
org.json writes, ``\\u003d`` as Gson writes, ``\\r\\n`` of MIME base64) are honoured.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from edoc._base64 import decode_strict

__all__ = ["MAX_DEPTH", "Base64Member", "loads_bounded", "unique_members"]

MAX_DEPTH = 32
"""How deeply a hub answer may nest arrays and objects (its lists nest two deep)."""

_WS = b" \t\r\n"
_ESCAPE = re.compile(rb'\\(u[0-9a-fA-F]{4}|["\\/bfnrt])')
_SIMPLE = {b'"': b'"', b"\\": b"\\", b"/": b"/", b"b": b"\b", b"f": b"\f", b"n": b"\n",
           b"r": b"\r", b"t": b"\t"}  # fmt: skip
_MAX_OTHER = 1 << 16
_WS_CHARS = (b" ", b"\t", b"\r", b"\n")
_SKIPS_WS = frozenset({"start", "key_or_end", "key", "colon", "value", "after", "done"})


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = bytes(c for c in range(256) if c not in b"[]{}")


def _depth_ok(data: bytes, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth``: strings dropped, then the innermost pairs
    of brackets removed once per level, each pass linear and in C."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    for _ in range(max_depth):
        if not brackets:
            return
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    if brackets:
        raise ValueError(
            f"the JSON answer nests deeper than {max_depth} levels (or its brackets do not pair)"
        )


def unique_members(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """``object_pairs_hook`` refusing a member given twice in one object (never last-wins)."""
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the JSON has the member {key!r} twice in one object")
        out[key] = value
    return out


def loads_bounded(data: bytes, *, max_depth: int = MAX_DEPTH) -> object:
    """``json.loads`` for an untrusted answer: bounded nesting, no duplicate keys."""
    _depth_ok(data, max_depth)
    try:
        return json.loads(data, object_pairs_hook=unique_members)
    except RecursionError:  # pragma: no cover - _depth_ok refuses such input first
        raise ValueError("the JSON answer nests too deeply") from None


def _unescape(match: re.Match[bytes]) -> bytes:
    body = match.group(1)
    if body[:1] == b"u":
        return chr(int(body[1:], 16)).encode("utf-8")
    return _SIMPLE[body]


class _Base64Sink:
    """base64 text in, decoded bytes out to ``write``; whitespace ignored."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write
        self._carry = b""
        self.count = 0

    def feed(self, text: bytes) -> None:
        text = self._carry + text.translate(None, _WS)
        cut = len(text) - len(text) % 4
        self._carry = text[cut:]
        if cut:
            try:
                data = decode_strict(text[:cut])
            except ValueError as exc:
                raise ValueError(f"data is not base64: {exc}") from None
            self.count += len(data)
            self._write(data)

    def close(self) -> None:
        if self._carry:
            raise ValueError("data is not base64: its length is not a multiple of 4")


class Base64Member:
    """Feed a JSON object in chunks; its string member ``key`` is base64-decoded into ``write``."""

    def __init__(
        self, write: Callable[[bytes], object], *, key: str = "data", max_depth: int = MAX_DEPTH
    ) -> None:
        self._sink = _Base64Sink(write)
        self._max_depth = max_depth
        self._key = key
        self._state = "start"
        self._buf = b""  # a key or a small value being collected
        self._carry = b""  # an escape split between chunks, inside the data string
        self._depth = 0
        self._in_str = False
        self._escaped = False
        self._current: str | None = None
        self.members: dict[str, object] = {}
        """Top-level members other than ``key`` (``None`` for arrays and objects)."""
        self.found = False
        """Whether ``key`` held a string (possibly empty)."""

    @property
    def decoded_size(self) -> int:
        return self._sink.count

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes of the response; raise ``ValueError`` if it is not such JSON."""
        pos, n = 0, len(chunk)
        while pos < n:
            state = self._state
            if state == "data":
                pos = self._data(chunk, pos)
                continue
            c = chunk[pos : pos + 1]
            if c in _WS_CHARS and state in _SKIPS_WS:
                pos += 1
                continue
            if state == "start":
                self._expect(c, b"{")
                self._state = "key_or_end"
            elif state in ("key_or_end", "key"):
                if c == b"}" and state == "key_or_end":
                    self._state = "done"
                else:
                    self._expect(c, b'"')
                    self._buf, self._escaped, self._state = b"", False, "key_str"
            elif state in ("key_str", "str"):
                self._small(c)
                if not self._escaped and c == b'"':
                    text = json.loads(b'"' + self._buf + b'"')
                    if state == "key_str":
                        if text in self.members or (text == self._key and self.found):
                            raise ValueError(f"the JSON answer has the member {text!r} twice")
                        self._current, self._state = text, "colon"
                    else:
                        self._store(text)
                    pos += 1
                    continue
                self._escaped = not self._escaped and c == b"\\"
                self._buf += c
            elif state == "colon":
                self._expect(c, b":")
                self._state = "value"
            elif state == "value":
                if c == b'"' and self._current == self._key:
                    self.found = True
                    self._state = "data"
                elif c == b'"':
                    self._buf, self._escaped, self._state = b"", False, "str"
                elif c in (b"{", b"["):
                    self._depth, self._in_str, self._escaped = 1, False, False
                    self._state = "nested"
                else:
                    self._buf, self._state = c, "scalar"
            elif state == "scalar":
                if c in (b",", b"}", b" ", b"\t", b"\r", b"\n"):
                    self._store(json.loads(self._buf))
                    continue  # the delimiter is handled in state "after"
                self._small(c)
                self._buf += c
            elif state == "nested":
                self._nested(c)
            elif state == "after":
                if c == b",":
                    self._state = "key"
                elif c == b"}":
                    self._state = "done"
                else:
                    raise ValueError(f"expected ',' or '}}' in the JSON answer, found {c!r}")
            elif state == "done":
                raise ValueError("text after the end of the JSON answer")
            pos += 1

    def close(self) -> dict[str, object]:
        """End of the response: check it was complete; return the other members."""
        if self._state != "done":
            raise ValueError("the JSON answer ends early")
        return self.members

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _expect(c: bytes, want: bytes) -> None:
        if c != want:
            raise ValueError(f"expected {want.decode()!r} in the JSON answer, found {c!r}")

    def _small(self, c: bytes) -> None:
        if len(self._buf) > _MAX_OTHER:
            raise ValueError("a JSON member other than data is too long")

    def _store(self, value: object) -> None:
        assert self._current is not None
        self.members[self._current] = value
        self._state = "after"

    def _nested(self, c: bytes) -> None:
        if self._in_str:
            if self._escaped:
                self._escaped = False
            elif c == b"\\":
                self._escaped = True
            elif c == b'"':
                self._in_str = False
        elif c == b'"':
            self._in_str = True
        elif c in (b"{", b"["):
            self._depth += 1
            if self._depth >= self._max_depth:  # the answer object itself is one level
                raise ValueError(f"the JSON answer nests deeper than {self._max_depth} levels")
        elif c in (b"}", b"]"):
            self._depth -= 1
            if self._depth == 0:
                self._store(None)

    def _data(self, chunk: bytes, pos: int) -> int:
        """Inside the base64 string: decode up to the closing quote; return the next position."""
        seg = self._carry + chunk[pos:]
        base = pos - len(self._carry)  # chunk index of seg[0] (may be negative)
        self._carry = b""
        start = 0
        while True:
            q = seg.find(b'"', start)
            if q < 0:
                break
            run = 0
            while q - run - 1 >= 0 and seg[q - run - 1] == 0x5C:  # backslashes before the quote
                run += 1
            if run % 2 == 0:
                break
            start = q + 1  # an escaped quote: keep looking
        region = seg if q < 0 else seg[:q]
        if q < 0:
            region, self._carry = self._split_escape(region)
        if b"\\" in region:
            region = region.replace(b"\\/", b"/")
            if b"\\" in region:
                region = _ESCAPE.sub(_unescape, region)
                if b"\\" in region:
                    raise ValueError("a bad escape inside data")
        self._sink.feed(region)
        if q < 0:
            return len(chunk)
        self._sink.close()
        self._state = "after"
        return base + q + 1

    @staticmethod
    def _split_escape(region: bytes) -> tuple[bytes, bytes]:
        """Hold back an escape sequence cut by the chunk boundary."""
        k = region.rfind(b"\\", max(0, len(region) - 6))
        if k < 0:
            return region, b""
        run = 0
        while k - run - 1 >= 0 and region[k - run - 1] == 0x5C:
            run += 1
        if run % 2 == 1:  # the backslash at k is the second of "\\": complete
            return region, b""
        need = 6 if region[k + 1 : k + 2] == b"u" else 2
        if len(region) - k >= need:
            return region, b""
        return region[:k], region[k:]
