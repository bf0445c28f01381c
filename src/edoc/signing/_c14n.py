"""Canonical XML 1.0 (inclusive and exclusive, without comments) over streamed events.

The serializer is fed resolved start/end/text/PI events and writes canonical bytes to a
callback, so a document is digested in one pass, whatever its size. It implements what an
enveloped-signature Reference over a whole document needs: every node in the node-set, the
output parent of an element being its parent. A subtree (``SignedInfo``) is canonicalised
by replaying its captured events with the in-scope namespaces of its apex.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

__all__ = ["Attr", "Canonicalizer"]

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"}
)

Attr = tuple[str, str, str]
"""(namespace URI or "", qualified name as written, value) of an ordinary attribute."""


class Canonicalizer:
    """Writes the canonical form of the events it is given (C14N 1.0 or exclusive C14N 1.0)."""

    def __init__(self, out: Callable[[bytes], None], *, exclusive: bool) -> None:
        self.out = out
        self.exclusive = exclusive
        # For each open element: the namespace declarations in force in the *output*.
        self._rendered: list[dict[str, str]] = [{}]
        self._depth = 0
        self._after_root = False

    def start(
        self,
        qname: str,
        in_scope: dict[str, str],
        attrs: Iterable[Attr],
        *,
        apex_extra: dict[str, str] | None = None,
    ) -> None:
        """An element: its name as written, the namespaces in scope on it (prefix -> URI,
        ``""`` for the default), its ordinary attributes."""
        rendered_above = self._rendered[-1]
        attr_list = list(attrs)
        if self.exclusive:
            used = {qname.partition(":")[0] if ":" in qname else ""}
            used.update(q.partition(":")[0] for _, q, _ in attr_list if ":" in q)
            candidates = {p: in_scope.get(p, "") for p in used if p != "xml"}
        else:
            candidates = {p: u for p, u in in_scope.items() if p != "xml"}
            if apex_extra:
                candidates.update(apex_extra)
            if "" not in candidates and rendered_above.get("", ""):
                candidates[""] = ""
        decls = []
        rendered = dict(rendered_above)
        for prefix, uri in candidates.items():
            if prefix == "" and uri == "" and rendered_above.get("", "") == "":
                continue  # xmlns="" only undoes a default the output declared
            if rendered_above.get(prefix) == uri:
                continue
            if prefix != "" and uri == "":
                continue
            decls.append((prefix, uri))
            rendered[prefix] = uri
        decls.sort()
        parts = [f"<{qname}"]
        for prefix, uri in decls:
            name = f"xmlns:{prefix}" if prefix else "xmlns"
            parts.append(f' {name}="{uri.translate(_ATTR)}"')
        for _uri, q, value in sorted(attr_list, key=lambda a: (a[0], a[1].rpartition(":")[2])):
            parts.append(f' {q}="{value.translate(_ATTR)}"')
        parts.append(">")
        self.out("".join(parts).encode("utf-8"))
        self._rendered.append(rendered)
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
