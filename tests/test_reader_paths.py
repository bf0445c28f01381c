"""The one-parse path for small documents and the streaming path agree on every input.

``parse_document`` takes the fast path (edoc.xml._small) for documents up to 1 MiB and
falls back to the streaming path on anything unusual. These tests parse the same bytes
both ways and compare the whole result, or the error, field by field.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

import edoc
from conftest import VECTORS, make_package
from edoc.errors import EdocError
from edoc.limits import Limits
from edoc.model import BrokenContent
from edoc.xml import _small
from edoc.xml._events import Node, ParsedDocument, parse_events


def _streaming(data: bytes, limits: Limits) -> ParsedDocument:
    return parse_events(
        io.BytesIO(data), limits=limits, source="<bytes>", memory_threshold=1 << 20, spool_dir=None
    )


def _shape(node: Node) -> tuple[object, ...]:
    content: object = None
    if isinstance(node.content, BrokenContent):
        content = ("broken", node.content.reason)
    elif node.content is not None:
        with node.content.open() as f:
            content = f.read()
    return (
        node.tag,
        node.attrib,
        node.index,
        node.text,
        content,
        tuple(_shape(c) for c in node.children),
    )


def _outcome(parse, data: bytes, limits: Limits) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    try:
        doc = parse(data, limits)
    except EdocError as exc:
        return ("error", type(exc).__name__, str(exc))
    return ("ok", _shape(doc.root), doc.lines, doc.namespace_errors)


def _fast_or_fallback(data: bytes, limits: Limits) -> ParsedDocument:
    return edoc.xml.reader.parse_document(data, limits=limits)


def _valid() -> bytes:
    return edoc.to_bytes(make_package(**{"a.pdf": b"%PDF-1.4 x", "b.txt": b"hello\n" * 50}))


def _inputs() -> list[tuple[str, bytes]]:
    valid = _valid()
    cases = [
        ("valid", valid),
        ("comment in text", valid.replace(b"V/v k", b"V/v<!-- c --> k")),
        ("cdata", valid.replace(b"V/v k", b"<![CDATA[V/v & ]]> k")),
        ("pi", valid.replace(b"<edXML:Subject>", b"<?pi x?><edXML:Subject>")),
        ("doctype", valid.replace(b"<edXML:edXML", b'<!DOCTYPE x [<!ENTITY a "b">]><edXML:edXML')),
        ("undefined entity", valid.replace(b"V/v", b"&nope;")),
        ("latin-1", valid.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')),
        ("bad base64", valid.replace(b"JVBERi0x", b"JVB!Ri0x")),
        ("element in base64", valid.replace(b"JVBERi0x", b"JVBE<x/>Ri0x")),
        ("undeclared prefix", valid.replace(b"<edXML:Subject>", b"<edXML:Subject><q:w/>")),
        ("truncated", valid[: len(valid) // 2]),
        ("not xml", b"\x00\x01garbage"),
        ("empty", b""),
        ("bom", b"\xef\xbb\xbf" + valid),
        ("mixed text", valid.replace(b"</edXML:From>", b"tail</edXML:From>")),
    ]
    if VECTORS.is_dir():
        cases += [
            (str(p.relative_to(VECTORS)), p.read_bytes())
            for p in sorted(VECTORS.rglob("*"))
            if p.is_file() and p.suffix in (".edxml", ".xml")
        ]
    return cases


@pytest.mark.parametrize(("name", "data"), _inputs(), ids=[n for n, _ in _inputs()])
def test_both_paths_agree(name: str, data: bytes) -> None:
    limits = Limits()
    fast = _outcome(_fast_or_fallback, data, limits)
    slow = _outcome(_streaming, data, limits)
    assert fast == slow


@pytest.mark.parametrize(
    "limits",
    [Limits(max_depth=4), Limits(max_elements=10), Limits(max_text_bytes=10),
     Limits(max_attachments=1), Limits(max_bytes=1000), Limits(max_attachment_bytes=5)],
    ids=["depth", "elements", "text", "attachments", "bytes", "attachment-bytes"],
)  # fmt: skip
def test_both_paths_refuse_the_same_limit(limits: Limits) -> None:
    data = _valid()
    fast = _outcome(_fast_or_fallback, data, limits)
    assert fast[0] == "error"
    assert fast == _outcome(_streaming, data, limits)


def test_valid_small_document_takes_the_fast_path() -> None:
    doc = _small.parse_small(
        _valid(), limits=Limits(), source=None, memory_threshold=1 << 20, spool_dir=None
    )
    assert doc is not None
    assert doc.tree is not None


@pytest.mark.parametrize("name", ["doctype", "latin-1", "undeclared prefix", "element in base64"])
def test_unusual_documents_are_left_to_the_streaming_path(name: str) -> None:
    data = dict(_inputs())[name]
    doc = _small.parse_small(
        data, limits=Limits(), source=None, memory_threshold=1 << 20, spool_dir=None
    )
    assert doc is None


def test_bad_base64_is_read_on_the_fast_path_too() -> None:
    """A broken attachment no longer stops a parse, so the fast path keeps it."""
    data = dict(_inputs())["bad base64"]
    doc = _small.parse_small(
        data, limits=Limits(), source=None, memory_threshold=1 << 20, spool_dir=None
    )
    assert doc is not None
    broken = [n.content for n in doc.iter_nodes() if isinstance(n.content, BrokenContent)]
    assert [b.reason for b in broken] == ["attachment content is not valid base64: character '!'"]


def test_fast_path_leaves_no_spool_file_when_it_gives_up(tmp_path: Path) -> None:
    data = edoc.to_bytes(make_package(**{"a.bin": b"x" * 4000, "b.bin": b"y" * 10}))
    data = data.replace(b"</edXML>", b"<q:w/></edXML>")  # undeclared prefix: gives up
    assert (
        _small.parse_small(
            data, limits=Limits(), source=None, memory_threshold=100, spool_dir=str(tmp_path)
        )
        is None
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("declarations", [0, 3])
def test_both_paths_count_attributes_and_namespace_declarations_alike(declarations: int) -> None:
    decls = "".join(f' xmlns:n{i}="urn:n{i}"' for i in range(declarations))
    data = _valid().replace(b"<edXML:Subject>", f'<edXML:Subject a="1" b="2"{decls}>'.encode())
    for limit in range(1, 7):
        limits = Limits(max_attributes=limit)
        fast = _outcome(_fast_or_fallback, data, limits)
        assert fast == _outcome(_streaming, data, limits), limit
        assert fast[0] == ("error" if limit < 2 + declarations else "ok"), limit


class _NoSeek(io.RawIOBase):
    """A pipe-like stream: readable, not seekable."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        return self._data.readinto(buffer)


@pytest.mark.parametrize("size", [10, 3 << 20])
def test_seekable_and_pipe_like_streams_read_the_same(size: int, tmp_path: Path) -> None:
    """Past 1 MiB the head already read is replayed: by seeking back, or through a wrapper."""
    data = edoc.to_bytes(make_package(**{"big.bin": bytes(range(256)) * (size // 256 + 1)}))
    path = tmp_path / "p.edxml"
    path.write_bytes(data)
    from_path = edoc.read(path)
    with path.open("rb") as f:
        f.read(7)
        f.seek(0)
        from_seekable = edoc.read(f)
    from_pipe = edoc.read(io.BufferedReader(_NoSeek(data)))
    assert from_path == from_seekable == from_pipe
    for got in (from_seekable, from_pipe):
        assert isinstance(got, edoc.EdocPackage)
        with got.attachments[0].open() as fh:
            assert fh.read() == bytes(range(256)) * (size // 256 + 1)
