"""Canonical XML 1.0 (inclusive and exclusive, without comments) over streamed events.

The serializer is fed resolved start/end/text/PI events and writes canonical bytes to a
callback, so a document is digested in one pass, whatever its size. It implements what an
enveloped-signature Reference over a whole document needs: every node in the node-set, the
output parent of an element being its parent. A subtree (``SignedInfo``) is canonicalised
by replaying its captured events with the in-scope namespaces of its apex and, in C14N 1.0,
the ``xml:*`` attributes its ancestors carry (C14N 1.0 §2.4).

Every element costs what it declares and carries, never what is already in scope: the
namespaces in force (in the document and in the output) are a :class:`Scope`, a stack of
deltas, so a deep tower of declarations above many elements stays linear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

__all__ = ["XML_NS", "Attr", "Canonicalizer", "Scope", "declarations", "resolve"]

XML_NS = "http://www.w3.org/XML/1998/namespace"

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"}
)

Attr = tuple[str, str, str]
"""(namespace URI or "", qualified name as written, value) of an ordinary attribute."""


def declarations(attributes: Mapping[str, str]) -> dict[str, str]:
    """The namespace declarations among an expat start tag's attributes (names as written):
    prefix, ``""`` for the default, to URI."""
    return {k[6:] if k.startswith("xmlns:") else "": v for k, v in attributes.items()
            if k == "xmlns" or k.startswith("xmlns:")}  # fmt: skip


def resolve(qname: str, scope: Mapping[str, str], *, attribute: bool = False) -> str | None:
    """Clark name of an element (or, ``attribute``, of an attribute: an unprefixed one is
    in no namespace) written ``qname`` where ``scope`` is in force; ``None`` if its prefix is
    not declared."""
    prefix, sep, local = qname.partition(":")
    if not sep:
        if attribute:
            return qname
        uri = scope.get("", "")
        return f"{{{uri}}}{qname}" if uri else qname
    uri = scope.get(prefix, "")
    return f"{{{uri}}}{local}" if uri else None


class Scope:
    """Bindings in force (namespace prefix to URI, or ``xml:*`` name to value) as a stack of
    deltas: :meth:`push` applies an element's own bindings, :meth:`pop` undoes them. Each
    costs the bindings it changes; :attr:`map` is the live view, never copied."""

    __slots__ = ("_undo", "map")

    def __init__(self, base: Mapping[str, str] | None = None) -> None:
        self.map: dict[str, str] = dict(base) if base else {}
        self._undo: list[tuple[tuple[str, str | None], ...]] = []

    def push(self, changes: Mapping[str, str]) -> None:
        if not changes:
            self._undo.append(())
            return
        m = self.map
        self._undo.append(tuple((k, m.get(k)) for k in changes))
        m.update(changes)

    def pop(self) -> None:
        m = self.map
        for key, old in self._undo.pop():
            if old is None:
                del m[key]
            else:
                m[key] = old


class Canonicalizer:
    """Writes the canonical form of the events it is given (C14N 1.0 or exclusive C14N 1.0).

    The first element it is given is the apex of the node-set (the document element, or
    the root of a subtree being replayed); every later element's output parent is its
    parent.
    """

    def __init__(self, out: Callable[[bytes], None], *, exclusive: bool) -> None:
        self.out = out
        self.exclusive = exclusive
        self._rendered = Scope()
        """The namespace declarations in force in the *output*."""
        self._depth = 0
        self._after_root = False

    def start(
        self,
        qname: str,
        decls: Mapping[str, str],
        attrs: Iterable[Attr],
        scope: Mapping[str, str],
        *,
        inherited: Iterable[Attr] = (),
    ) -> None:
        """An element: its name as written, the namespace declarations it makes (prefix ->
        URI, ``""`` for the default), its ordinary attributes, and the namespaces in scope on
        it (``decls`` applied; only read). ``inherited``: the ``xml:*`` attributes of the
        apex's ancestors, nearest first; C14N 1.0 renders those the apex does not carry."""
        rendered = self._rendered.map
        attr_list = list(attrs)
        candidates: Iterable[tuple[str, str]]
        if self.exclusive:
            used = {qname.partition(":")[0] if ":" in qname else ""}
            used.update(q.partition(":")[0] for _, q, _ in attr_list if ":" in q)
            candidates = [(p, scope.get(p, "")) for p in used]
        elif self._depth == 0:  # the apex: every namespace in scope
            candidates = scope.items()
            own = {q for _, q, _ in attr_list}
            for a in inherited:
                if a[1] not in own:
                    own.add(a[1])
                    attr_list.append(a)
        else:  # its parent rendered every other one already
            candidates = decls.items()
        emitted: dict[str, str] = {}
        for prefix, uri in candidates:
            if prefix:
                if prefix == "xml" or uri == "" or rendered.get(prefix) == uri:
                    continue
            elif rendered.get("", "") == uri:
                continue  # xmlns="" only undoes a default the output declared
            emitted[prefix] = uri
        parts = [f"<{qname}"]
        for prefix in sorted(emitted):
            name = f"xmlns:{prefix}" if prefix else "xmlns"
            parts.append(f' {name}="{emitted[prefix].translate(_ATTR)}"')
        for _uri, q, value in sorted(attr_list, key=lambda a: (a[0], a[1].rpartition(":")[2])):
            parts.append(f' {q}="{value.translate(_ATTR)}"')
        parts.append(">")
        self.out("".join(parts).encode("utf-8"))
        self._rendered.push(emitted)
        self._depth += 1

    def end(self, qname: str) -> None:
        self._rendered.pop()
        self._depth -= 1
        self.out(f"</{qname}>".encode())
        if self._depth == 0:
            self._after_root = True

    def text(self, data: str) -> None:
        if self._depth == 0:
            return  # white space outside the root element is not in the node-set
        if "&" in data or "<" in data or ">" in data or "\r" in data:
            data = data.translate(_TEXT)
        self.out(data.encode("utf-8"))

    def pi(self, target: str, data: str) -> None:
        body = f"<?{target} {data}?>" if data else f"<?{target}?>"
        if self._depth == 0:
            body = "\n" + body if self._after_root else body + "\n"
        self.out(body.encode("utf-8"))
