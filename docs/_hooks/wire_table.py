"""Generate docs/reference/wire.md: every model attribute and the wire element edoc writes.

The table is not written by hand. Every field of every model class is filled with a
unique marker value, the package is written with ``edoc.to_bytes``, and each marker is
looked up in the XML, so the wire column is what the writer really does. Clause numbers
and Vietnamese terms come from the attribute docstrings in ``edoc/model``; the other
spellings the reader accepts come from ``edoc.xml.names``.

    python docs/_hooks/wire_table.py > docs/reference/wire.md

``tests/docs/test_wire_table.py`` fails when the committed page differs from this output,
or when a model field is left unfilled here.
"""

from __future__ import annotations

import ast
import base64
import datetime as dt
import enum
import inspect
import itertools
import re
import sys
import types
import typing
from collections.abc import Iterator
from typing import Any

import attrs
from lxml import etree

import edoc
from edoc import model
from edoc.formats import VN_TZ
from edoc.xml import names

# Filled by the reader, not part of what a caller builds.
_READ_ONLY = {"signature", "deviations", "unwrapped_from"}  # set by the reader, not written
_CLAUSE = re.compile(r"\((\d+(?:\.\d+)+(?:[–-]\d+)?|\d+\.\d+)\)")
_TERM = re.compile(r"\*([^*]+)\*")


def _field_docs() -> dict[tuple[str, str], str]:
    """(class name, field name) -> the attribute docstring, read from the model's source."""
    docs: dict[tuple[str, str], str] = {}
    for module in (model.header, model.trace, model.package, model.attachment):
        tree = ast.parse(inspect.getsource(module))
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            body = cls.body
            for stmt, nxt in itertools.pairwise(body):
                if (
                    isinstance(stmt, ast.AnnAssign)
                    and isinstance(stmt.target, ast.Name)
                    and isinstance(nxt, ast.Expr)
                    and isinstance(nxt.value, ast.Constant)
                    and isinstance(nxt.value.value, str)
                ):
                    docs[(cls.name, stmt.target.id)] = " ".join(nxt.value.value.split())
    return docs


class _Filler:
    """Builds model objects whose every leaf holds a unique, findable value."""

    def __init__(self) -> None:
        self.n = 0
        # path, wire text, and the (class, field) chain from the package down to the leaf
        self.leaves: list[tuple[str, str, tuple[tuple[str, str], ...]]] = []

    def _next(self) -> int:
        self.n += 1
        return self.n

    def leaf(self, tp: Any, path: str, chain: tuple[tuple[str, str], ...]) -> Any:
        n = self._next()
        value: Any
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            value = list(tp)[-1]
            text = str(value.value)
        elif tp is bool:
            value, text = True, "true"
        elif tp is int:
            value = 7000 + n
            text = str(value)
        elif tp is dt.datetime:
            value = dt.datetime(2031, 1, 1, 8, 0, tzinfo=VN_TZ) + dt.timedelta(minutes=n)
            text = value.strftime("%Y/%m/%d %H:%M:%S")
        elif tp is dt.date:
            value = dt.date(2030, 1, 1) + dt.timedelta(days=n)
            text = value.strftime("%Y/%m/%d")
        elif tp in (str, edoc.OrganId, edoc.DocumentId):
            text = f"M{n:03d}"
            value = tp(text) if tp is not str else text
        else:
            raise TypeError(f"{path}: no marker for {tp!r}")
        self.leaves.append((path, text, chain))
        return value

    def value(self, tp: Any, path: str, chain: tuple[tuple[str, str], ...]) -> Any:
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            [tp] = [a for a in typing.get_args(tp) if a is not type(None)]
            return self.value(tp, path, chain)
        if origin is tuple:
            return (self.value(typing.get_args(tp)[0], f"{path}[]", chain),)
        if attrs.has(tp) and tp not in (edoc.OrganId, edoc.DocumentId):
            return self.build(tp, path, chain)
        return self.leaf(tp, path, chain)

    def build(self, cls: type, path: str, chain: tuple[tuple[str, str], ...] = ()) -> Any:
        attrs.resolve_types(cls, globalns=vars(sys.modules[cls.__module__]))
        kwargs: dict[str, Any] = {}
        for field in attrs.fields(cls):
            if not field.init or field.name in _READ_ONLY:
                continue
            sub = f"{path}.{field.name}" if path else field.name
            if cls is model.Attachment and field.name == "content":
                kwargs["content"] = model.BytesContent(b"%PDF-1.4 marker")
                text = base64.b64encode(b"%PDF-1.4 marker").decode()
                self.leaves.append((sub, text, (*chain, (cls.__name__, field.name))))
                continue
            link = (*chain, (cls.__name__, field.name))
            kwargs[field.alias or field.name] = self.value(field.type, sub, link)
        return cls(**kwargs)


def _where(xml: bytes) -> dict[str, list[tuple[int, str]]]:
    """Text -> [(document order, element path)] for every element with text."""
    root = etree.fromstring(xml)
    found: dict[str, list[tuple[int, str]]] = {}
    for i, el in enumerate(root.iter()):
        if not isinstance(el.tag, str) or el.text is None or not el.text.strip():
            continue
        parts = []
        node: Any = el
        while node is not None:
            parts.append(etree.QName(node).localname)
            node = node.getparent()
        path = "/".join(reversed(parts[:-1]))  # drop the edXML root
        for prefix in ("edXMLEnvelope/edXMLHeader/", "edXMLEnvelope/", "edXMLBody/"):
            path = path.removeprefix(prefix)
        found.setdefault(el.text.strip(), []).append((i, path))
    return found


def _variants(path: str) -> str:
    seen = []
    for variant, standard in names.SPELLING_VARIANTS.items():
        if standard in path.split("/"):
            seen.append(f"`{variant}`")
    if path.startswith("MessageHeader/") and path.count("/") == 1:
        seen.append("")
    return ", ".join(s for s in seen if s)


def _rows(pkg: Any, filler: _Filler, docs: dict[tuple[str, str], str]) -> Iterator[str]:
    where = _where(edoc.to_bytes(pkg))
    rows = []
    for path, text, chain in filler.leaves:
        hits = where.get(text, [])
        assert hits, f"{path}: its value {text!r} is not on the wire"
        order = min(i for i, _ in hits)
        wire = "<br>".join(f"`{p}`" for _, p in sorted(hits))
        # The clause of the field itself, or else of the nearest enclosing field.
        texts = [docs.get(link, "") for link in reversed(chain)]
        clause = next((m[1] for t in texts if (m := _CLAUSE.search(t))), "—")
        term = ", ".join(f"*{t}*" for t in _TERM.findall(texts[0] if texts else ""))
        also = _variants(" ".join(p for _, p in hits))
        rows.append((order, f"| `{path}` | {wire} | {clause} | {term} | {also} |"))
    for _, row in sorted(rows):
        yield row


def _check_complete(obj: Any, path: str = "") -> Iterator[str]:
    """Paths of fields the filler left empty (a new field it does not know yet)."""
    for field in attrs.fields(type(obj)):
        if field.name in _READ_ONLY or not field.init:
            continue
        value = getattr(obj, field.name)
        sub = f"{path}.{field.name}" if path else field.name
        if value is None or value == ():
            yield sub
        for item in value if isinstance(value, tuple) else (value,):
            if attrs.has(type(item)):
                yield from _check_complete(item, sub)


HEAD = """\
# Element-by-element mapping: model and wire

<!-- Generated by docs/_hooks/wire_table.py; tests/docs/test_wire_table.py checks it. -->

Each row is one attribute of edoc's model and the element (or elements) `edoc.write`
puts its value in. The table is generated: every attribute gets a unique value, the
package is written, and each value is found in the output, so the wire column is what
the writer does, in the order it writes. Paths start under `edXMLHeader` (header and
trace) or `edXMLBody` (manifest); attachments are `AttachmentEncoded/...`.

- **Clause**: the QCVN 102:2016 table number as third-party code mirrors it
  (edxml-reference §2.3), from the attribute's docstring; "—" where none is known.
- **Term**: the Vietnamese term the docstring gives.
- **Also read**: other spellings real systems write, which the reader accepts and records
  as `EDX-READ-SPELLING` ([Reading](../reading.md)). edoc always writes the first.

Written for every package: `edXML` > `edXMLEnvelope` > `edXMLHeader` > `MessageHeader`,
`TraceHeaderList`, then `edXMLBody` > `edXMLManifest` and `AttachmentEncoded`. The
reader also accepts `Manifest` for `edXMLManifest` and a `Status` wrapper for a status
package's `MessageHeader`. [Model and wire](../model.md) explains the write order and
the choices behind it; [Glossary](../glossary.md) translates the terms.
"""


def render() -> str:
    docs = _field_docs()
    out = [HEAD]
    for title, cls in (
        ("Edoc package", model.EdocPackage),
        ("Status package", model.StatusPackage),
    ):
        filler = _Filler()
        pkg = filler.build(cls, "")
        empty = list(_check_complete(pkg))
        assert not empty, f"the generator left these fields empty: {empty}"
        out.append(f"\n## {title} (`{cls.__name__}`)\n")
        out.append("| Model | Wire | Clause | Term | Also read |")
        out.append("|---|---|---|---|---|")
        out.extend(_rows(pkg, filler, docs))
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
