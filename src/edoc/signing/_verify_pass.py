"""The verifier's one expat pass: names as written, the captured Signature subtree, the
node tree, attachments, and the bulk base64 bypass. See :mod:`edoc.signing.verifier`."""

from __future__ import annotations

import pyexpat
from typing import TYPE_CHECKING, Any, BinaryIO

from edoc._hashing import ParallelHash
from edoc.errors import DisallowedAlgorithmError, ParseError, SignatureProfileError, shorten
from edoc.limits import Limits
from edoc.signing._c14n import XML_NS, Attr, Canonicalizer, Scope
from edoc.signing._signed_info import reference_info
from edoc.signing.algorithms import CanonicalizationMethod
from edoc.xml import names as n
from edoc.xml.parsed import Target as _Target
from edoc.xml.parsed import guard as _guard

if TYPE_CHECKING:
    from edoc.signing.verifier import VerifyPolicy

_CHUNK = 256 * 1024
_XML_CLARK = f"{{{XML_NS}}}"


class _Captured:
    """The Signature subtree's events, kept to read and canonicalise SignedInfo.

    A start event is ``("start", qname, tag, declarations, attributes, c14n attributes)``:
    each element keeps only the namespaces it declares; :meth:`replay` rebuilds what is in
    scope from :attr:`outer_scope` on the way down.
    """

    def __init__(self, outer_scope: dict[str, str], outer_xml: list[Attr]) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.objects: list[int] = []
        """Event indices of the Signature's own ``Object`` children (not in :meth:`elements`)."""
        self.outer_scope = outer_scope
        """The namespaces in scope on the Signature."""
        self.outer_xml = outer_xml
        """The ``xml:*`` attributes in force on the Signature's parent, nearest first."""

    def elements(self, ns: str) -> list[tuple[int, str, dict[str, str], str, int]]:
        """(event index, local name, attributes, text, depth) of every element outside the
        Signature's own Objects, in order. One pass: each element's direct text is gathered
        while its events go by."""
        found: list[tuple[int, str, dict[str, str], list[str], int]] = []
        stack: list[list[str] | None] = []  # per open element: its text parts (None: skipped)
        skipping = 0  # the depth of the Object being skipped
        self.objects = []
        prefix = f"{{{ns}}}"
        for i, ev in enumerate(self.events):
            kind = ev[0]
            if kind == "text":
                top = stack[-1] if stack else None
                if top is not None:
                    top.append(ev[1])
            elif kind == "end":
                if skipping == len(stack):
                    skipping = 0
                stack.pop()
            elif kind == "start":
                depth = len(stack) + 1
                if skipping:
                    stack.append(None)
                elif depth == 2 and ev[2] == f"{{{n.DSIG_NS}}}Object" and ns == n.DSIG_NS:
                    self.objects.append(i)
                    skipping = depth
                    stack.append(None)
                elif ev[2].startswith(prefix):
                    parts: list[str] = []
                    stack.append(parts)
                    found.append((i, ev[2][len(prefix) :], ev[4], parts, depth))
                else:
                    raise SignatureProfileError(
                        f"foreign element {shorten(ev[2])} inside Signature", reason="profile"
                    )
        return [(i, local, attrib, "".join(parts), d) for i, local, attrib, parts, d in found]

    def replay(self, start: int, c14n: Canonicalizer) -> None:
        """Canonicalise the element whose start event is ``events[start]``, as the apex of a
        node-set: with every namespace in scope on it and the ``xml:*`` attributes of its
        ancestors (which C14N 1.0 renders, and exclusive C14N does not)."""
        scope = Scope(self.outer_scope)
        xml = Scope()
        events = self.events
        for i in range(start):  # the apex's ancestors inside the Signature
            ev = events[i]
            if ev[0] == "start":
                scope.push(ev[3])
                xml.push({q: v for u, q, v in ev[5] if u == XML_NS})
            elif ev[0] == "end":
                scope.pop()
                xml.pop()
        inherited = [(XML_NS, q, v) for q, v in xml.map.items()]
        inherited += [a for a in self.outer_xml if a[1] not in xml.map]
        depth = 0
        for i in range(start, len(events)):
            ev = events[i]
            if ev[0] == "start":
                scope.push(ev[3])
                c14n.start(ev[1], ev[3], ev[5], scope.map, inherited=inherited)
                depth += 1
            elif ev[0] == "end":
                c14n.end(ev[1])
                scope.pop()
                depth -= 1
                if depth == 0:
                    return
            elif ev[0] == "text":
                c14n.text(ev[1])
            elif ev[0] == "pi":
                c14n.pi(ev[1], ev[2])


class _Pass:
    """The expat handlers: namespaces, canonical digest, node tree, signature capture."""

    def __init__(
        self, policy: VerifyPolicy, limits: Limits, spool_dir: str | None, source: str
    ) -> None:
        self.policy = policy
        self.source = source
        self.target = _Target(limits, 1 << 20, spool_dir)
        self.lines: dict[int, int] = {}
        self.scope = Scope({"xml": XML_NS})
        self.tags: list[str] = []
        self.buffers = {"exc": bytearray(), "inc": bytearray()}
        self.c14n: dict[str, Canonicalizer] = {
            "exc": Canonicalizer(self.buffers["exc"].extend, exclusive=True),
            "inc": Canonicalizer(self.buffers["inc"].extend, exclusive=False),
        }
        self.hasher: ParallelHash | None = None
        self.signature: _Captured | None = None
        self.signature_ns: str | None = None
        self.signature_depth = 0  # > 0 while inside the Signature
        self.signature_done = False
        self.after_signature_in_header = False
        self.parser: Any = None
        self.bulk_ok = False
        """True inside an attachment's ContentTransferEncoded once the digest is chosen: its
        plain base64 text may then bypass expat (see :func:`_parse`)."""
        self.line_offset = 0
        self.namespace_errors: list[tuple[int, str]] = []
        """(line, message) for each undeclared prefix, as the reader's tree parser reports."""
        self.ids: set[str] = set()
        """Id attributes in the package outside the Signature (a #id must not match one)."""

    # -- errors -------------------------------------------------------------------
    def line(self) -> int | None:
        if self.parser is None:
            return None
        return int(self.parser.CurrentLineNumber) + self.line_offset

    def profile(self, message: str) -> SignatureProfileError:
        line = self.line()
        return SignatureProfileError(f"{message} (line {line})", reason="profile")

    # -- expat handlers -------------------------------------------------------------
    def doctype(self, *_: object) -> None:
        _guard.refuse_doctype(line=self.line(), source=self.source)

    def xml_decl(self, version: str | None, encoding: str | None, standalone: int) -> None:
        _guard.check_encoding(encoding, line=self.line(), source=self.source)

    def _resolve(self, qname: str, scope: dict[str, str], *, owner: str | None = None) -> str:
        """Clark name of an element (``owner`` None) or of an attribute of ``owner``. An
        undeclared prefix is recorded, as libxml2 words it, and dropped, as lxml drops it:
        the reader then reads the name as it does on its own path (docs/reading.md)."""
        prefix, sep, local = qname.partition(":")
        if not sep:
            if owner is not None:
                return qname
            uri = scope.get("", "")
            return f"{{{uri}}}{qname}" if uri else qname
        uri = scope.get(prefix, "")
        if not uri:
            where = f"on {local}" if owner is None else f"for {local} on {owner.rpartition(':')[2]}"
            self.namespace_errors.append(
                (self.line() or 0, f"Namespace prefix {prefix} {where} is not defined")
            )
            return local
        return f"{{{uri}}}{local}"

    def start(self, qname: str, attributes: dict[str, str]) -> None:
        _guard.check_attributes(  # expat reports xmlns* as attributes: all are counted
            len(attributes), self.target.limits, qname, line=self.line, source=self.source,
        )  # fmt: skip
        decls = {k[6:] if k.startswith("xmlns:") else "": v for k, v in attributes.items()
                 if k == "xmlns" or k.startswith("xmlns:")}  # fmt: skip
        self.scope.push(decls)
        scope = self.scope.map
        tag = self._resolve(qname, scope)
        attrs_c14n: list[Attr] = []
        attrib: dict[str, str] = {}
        for k, v in attributes.items():
            if k == "xmlns" or k.startswith("xmlns:"):
                continue
            clark = self._resolve(k, scope, owner=qname)
            attrib[clark] = v
            attrs_c14n.append((clark[1:].partition("}")[0] if clark[0] == "{" else "", k, v))
        parent = self.tags[-1] if self.tags else None
        self.tags.append(tag)
        is_signature = tag == n.q(n.SIGNATURE, n.DSIG_NS) or (
            tag == n.q(n.SIGNATURE) and parent == n.q(n.HEADER)
        )
        if self.signature_depth == 0 and is_signature:
            self._signature_start(tag, parent)
        elif self.signature_depth == 0 and tag.startswith(f"{{{n.DSIG_NS}}}"):
            raise self.profile(f"xmldsig element {qname} outside the Signature")
        if self.signature_depth:
            self.signature_depth += 1
            assert self.signature is not None
            self.signature.events.append(("start", qname, tag, decls, attrib, attrs_c14n))
            return  # the Signature is not part of the package model or of the digest
        for id_name in ("Id", "ID", "id"):
            if id_name in attrib:
                self.ids.add(attrib[id_name])
        if self.after_signature_in_header and parent == n.q(n.HEADER):
            raise self.profile("the Signature is not the last child of edXMLHeader")
        self.target.start(tag, attrib)
        self.lines[self.target.count - 1] = self.line() or 0
        for c in self.c14n.values():
            c.start(qname, decls, attrs_c14n, scope)
        self.bulk_ok = (
            self.hasher is not None
            and self.target.decoder is not None
            and tag == n.q(n.CONTENT_TRANSFER_ENCODED)
        )

    def _signature_start(self, tag: str, parent: str | None) -> None:
        if self.signature_done:
            raise self.profile("a second Signature")
        if parent != n.q(n.HEADER):
            raise self.profile("the Signature is not in edXMLHeader")
        ns = tag[1:].partition("}")[0]
        if ns == n.NS and not self.policy.edxml_dialect:
            raise DisallowedAlgorithmError(
                "the Signature is in the edXML namespace (the reference SDK's form); "
                "verify with VerifyPolicy.legacy() to accept it",
                reason="edxml-dialect",
            )
        self.signature = _Captured(dict(self.scope.map), self._xml_in_force())
        self.signature_ns = ns
        self.signature_depth = 1

    def _xml_in_force(self) -> list[Attr]:
        """The ``xml:*`` attributes of the open elements, nearest first (C14N 1.0 renders
        them on an apex below): one walk up, once per Signature."""
        seen: dict[str, Attr] = {}
        for node in reversed(self.target.stack):
            for key, value in node.attrib.items():
                if key.startswith(_XML_CLARK):
                    qname = "xml:" + key[len(_XML_CLARK) :]
                    seen.setdefault(qname, (XML_NS, qname, value))
        return list(seen.values())

    def end(self, qname: str) -> None:
        tag = self.tags.pop()
        self.scope.pop()
        if self.signature_depth:
            assert self.signature is not None
            self.signature.events.append(("end", qname))
            self.signature_depth -= 1
            if self.signature_depth == 1:  # the Signature element itself just closed
                self.signature_depth = 0
                self.signature_done = True
                self.after_signature_in_header = True
                self._choose_digest()
            return
        if tag == n.q(n.HEADER):
            self.after_signature_in_header = False
        self.bulk_ok = False
        self.target.end(tag)
        for c in self.c14n.values():
            c.end(qname)

    def bulk(self, content: bytes) -> None:
        """Plain base64 text of an attachment, read without expat: no markup, no ``&``, no
        CR and no ``>`` in it, so its canonical form is the bytes themselves."""
        self.target.data(content.decode("ascii"))
        self.digest_out(content)
        if b"\n" in content:  # memchr first: counting scans 20x slower, and base64 is one line
            self.line_offset += content.count(b"\n")

    def data(self, text: str) -> None:
        if self.signature_depth:
            assert self.signature is not None
            self.signature.events.append(("text", text))
            return
        self.target.data(text)
        for c in self.c14n.values():
            c.text(text)

    def pi(self, target: str, data: str) -> None:
        if self.signature_depth:
            assert self.signature is not None
            self.signature.events.append(("pi", target, data))
            return
        for c in self.c14n.values():
            c.pi(target, data)

    # -- the Reference --------------------------------------------------------------
    def _choose_digest(self) -> None:
        """Read the Reference's transforms; keep one canonicaliser, feed it to the hash."""
        info = reference_info(self.signature, self.signature_ns, self.policy)  # type: ignore[arg-type]
        kind = "exc" if info.reference_c14n is CanonicalizationMethod.EXC_C14N else "inc"
        self.info = info
        self.hasher = ParallelHash(info.digest.hash_name)
        self.hasher.update(bytes(self.buffers[kind]))
        chosen = self.c14n[kind]
        chosen.out = self.digest_out = self.hasher.update
        self.c14n = {kind: chosen}
        self.buffers = {}


def _canonical(sig: _Captured, index: int, method: CanonicalizationMethod) -> bytes:
    out = bytearray()
    exclusive = method is CanonicalizationMethod.EXC_C14N
    sig.replay(index, Canonicalizer(out.extend, exclusive=exclusive))
    return bytes(out)


def _parse(stream: BinaryIO, run: _Pass, limits: Limits) -> None:
    p = pyexpat.ParserCreate()
    run.parser = p
    p.buffer_text = True
    p.buffer_size = _CHUNK
    p.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = run.doctype
    p.EntityDeclHandler = run.doctype
    p.XmlDeclHandler = run.xml_decl
    p.StartElementHandler = run.start
    p.EndElementHandler = run.end
    p.CharacterDataHandler = run.data
    p.ProcessingInstructionHandler = run.pi
    total = 0
    first = True
    quiet_tail = False  # the last chunk fed to expat ended in plain text
    try:
        while chunk := stream.read(_CHUNK):
            if first:
                _guard.check_head(chunk[: _guard.HEAD_BYTES], run.source)
            first = False
            total += len(chunk)
            _guard.check_bytes(total, limits, run.source)
            if run.bulk_ok and quiet_tail:
                chunk = _bypass(run, chunk)
                if not chunk:
                    continue
            p.Parse(chunk, False)
            tail = chunk[chunk.rfind(b">") + 1 :]
            quiet_tail = b"<" not in tail and b"&" not in tail and b"\r" not in tail
        p.Parse(b"", True)
        run.target.shutdown()
    except pyexpat.ExpatError as exc:
        raise ParseError(
            f"not well-formed XML: {pyexpat.ErrorString(exc.code)}",
            line=exc.lineno, column=exc.offset + 1, source=run.source,
        ) from None  # fmt: skip
    if run.signature is not None and not run.signature_done:
        raise run.profile("the Signature is not closed")


_NOT_PLAIN = (b"&", b"\r", b">")


def _bypass(run: _Pass, chunk: bytes) -> bytes:
    """Hand an attachment's plain base64 straight to the digest and the decoder.

    expat tokenises about 4x slower than base64 and SHA-256 run, so the bulk of an
    attachment skips it when that is provably equivalent: expat's last event was the start
    of a ContentTransferEncoded inside an Attachment, the previous chunk ended in plain text,
    and the bytes up to the next ``<`` hold no ``&``, CR or ``>`` (the only characters whose
    canonical form differs from the bytes) and are ASCII. Anything else goes to expat as
    usual. Returns what expat must still parse.
    """
    end = chunk.find(b"<")
    content = chunk if end < 0 else chunk[:end]
    if any(c in content for c in _NOT_PLAIN) or not content.isascii():
        return chunk
    run.bulk(content)
    return b"" if end < 0 else chunk[end:]
