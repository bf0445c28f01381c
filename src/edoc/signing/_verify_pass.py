"""The verifier's one expat pass: names as written, the captured Signature subtree, the
node tree, attachments, and the bulk base64 bypass. See :mod:`edoc.signing.verifier`."""

from __future__ import annotations

import hashlib
import pyexpat
from typing import TYPE_CHECKING, Any, BinaryIO

from edoc.errors import (
    DisallowedAlgorithmError,
    InvalidSignatureError,
    ParseError,
    SignatureProfileError,
)
from edoc.limits import Limits
from edoc.signing._c14n import XML_NS, Attr, Canonicalizer, Scope, declarations, resolve
from edoc.signing._captured import Captured, End, Event, Pi, Start, Text, replay
from edoc.signing._signed_info import reference_info
from edoc.signing.algorithms import CanonicalizationMethod
from edoc.xml import names as n
from edoc.xml.parsed import Target as _Target
from edoc.xml.parsed import guard as _guard

if TYPE_CHECKING:
    from edoc.signing.verifier import VerifyPolicy

_CHUNK = 256 * 1024
_PIECE = 16 * 1024  # expat's feed outside bulk text: little base64 goes through it
_XML_CLARK = f"{{{XML_NS}}}"
_DSIG = f"{{{n.DSIG_NS}}}"
_SIGNATURE = n.q(n.SIGNATURE, n.DSIG_NS)
_EDXML_SIGNATURE = n.q(n.SIGNATURE)
_HEADER = n.q(n.HEADER)
_CTE = n.q(n.CONTENT_TRANSFER_ENCODED)


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
        self.early: list[Event] | None = []
        """The package's events before the Signature, kept until its Reference names the
        canonicalisation (then replayed once into :attr:`c14n`)."""
        self.c14n: Canonicalizer | None = None
        self.hasher: Any = None  # hashlib's, once the Reference's DigestMethod is read
        self.digested = 0
        """Bytes of canonical form hashed so far."""
        self.canonical = bytearray()
        """The canonicaliser's output not hashed yet (see :meth:`flush`)."""
        self.signature: Captured | None = None
        self.signature_ns: str | None = None
        self.signature_depth = 0  # > 0 while inside the Signature
        self.signature_done = False
        self.after_signature_in_header = False
        self.parser: Any = None
        self.bulk_ok = False
        """True inside an attachment's ContentTransferEncoded once the digest is chosen: its
        plain base64 text may then bypass expat (see :func:`_parse`)."""
        self.bulk_from = 0
        """expat's byte index of that ContentTransferEncoded's start tag."""
        self.fed = 0
        """Bytes given to expat so far (bypassed bytes are not)."""
        self.line_offset = 0
        self.namespace_errors: list[tuple[int, str]] = []
        """(line, message) for each undeclared prefix, as the reader's tree parser reports."""
        self.ids: set[str] = set()
        """Id attributes in the package outside the Signature (a #id must not match one)."""
        self.refused: InvalidSignatureError | None = None
        """The Signature's refusal, raised once the whole document has parsed: a document
        that is not well-formed further on is refused as such, as ``edoc.read`` refuses it."""

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
        clark = resolve(qname, scope, attribute=owner is not None)
        if clark is not None:
            return clark
        prefix, _, local = qname.partition(":")
        where = f"on {local}" if owner is None else f"for {local} on {owner.rpartition(':')[2]}"
        self.namespace_errors.append(
            (self.line() or 0, f"Namespace prefix {prefix} {where} is not defined")
        )
        return local

    def start(self, qname: str, attributes: dict[str, str]) -> None:
        _guard.check_attributes(  # expat reports xmlns* as attributes: all are counted
            len(attributes), self.target.limits, qname, line=self.line, source=self.source,
        )  # fmt: skip
        decls = declarations(attributes)
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
        is_signature = tag == _SIGNATURE or (tag == _EDXML_SIGNATURE and parent == _HEADER)
        if self.signature_depth == 0 and is_signature:
            self._signature_start(tag, parent)
        elif self.signature_depth == 0 and tag.startswith(_DSIG):
            raise self.profile(f"xmldsig element {qname} outside the Signature")
        if self.signature_depth:
            self.signature_depth += 1
            assert self.signature is not None
            self.signature.events.append(Start(qname, tag, decls, attrib, attrs_c14n))
            return  # the Signature is not part of the package model or of the digest
        if attrib:
            for id_name in ("Id", "ID", "id"):
                if id_name in attrib:
                    self.ids.add(attrib[id_name])
        if self.after_signature_in_header and parent == _HEADER:
            raise self.profile("the Signature is not the last child of edXMLHeader")
        self.target.start(tag, attrib)
        self.lines[self.target.count - 1] = self.line() or 0
        if self.c14n is not None:
            self.c14n.start(qname, decls, attrs_c14n, scope)
        else:
            assert self.early is not None
            self.early.append(Start(qname, tag, decls, attrib, attrs_c14n))
        self.bulk_ok = self.hasher is not None and self.target.decoder is not None and tag == _CTE
        if self.bulk_ok:
            self.bulk_from = self.parser.CurrentByteIndex

    def _signature_start(self, tag: str, parent: str | None) -> None:
        if self.signature_done:
            raise self.profile("a second Signature")
        if parent != _HEADER:
            raise self.profile("the Signature is not in edXMLHeader")
        ns = tag[1:].partition("}")[0]
        if ns == n.NS and not self.policy.edxml_dialect:
            raise DisallowedAlgorithmError(
                "the Signature is in the edXML namespace (the reference SDK's form); "
                "verify with VerifyPolicy.legacy() to accept it",
                reason="edxml-dialect",
            )
        self.signature = Captured(dict(self.scope.map), self._xml_in_force())
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
            self.signature.events.append(End(qname))
            self.signature_depth -= 1
            if self.signature_depth == 1:  # the Signature element itself just closed
                self.signature_depth = 0
                self.signature_done = True
                self.after_signature_in_header = True
                self._choose_digest()
            return
        if tag == _HEADER:
            self.after_signature_in_header = False
        self.bulk_ok = False
        self.target.end(tag)
        if self.c14n is not None:
            self.c14n.end(qname)
        else:
            assert self.early is not None
            self.early.append(End(qname))

    def bulk(self, content: memoryview) -> bool:
        """Base64 of an attachment, read without expat: digested and decoded as it is, if it
        holds the base64 alphabet only (its canonical form is then the bytes themselves).
        False, having done nothing, for anything else."""
        assert self.target.decoder is not None
        if not self.target.decoder.feed_plain(content):
            return False
        self.digest(content)
        return True

    def bulk_text(self, content: bytes) -> None:
        """Plain text of an attachment, read without expat: no markup, no ``&``, no CR and no
        ``>`` in it, so its canonical form is the bytes themselves (wrapped base64)."""
        self.target.data(content.decode("ascii"))
        self.digest(content)
        if b"\n" in content:  # memchr first: counting scans 20x slower, and base64 is one line
            self.line_offset += content.count(b"\n")

    def data(self, text: str) -> None:
        if self.signature_depth:
            assert self.signature is not None
            self.signature.events.append(Text(text))
            return
        self.target.data(text)
        if self.c14n is not None:
            self.c14n.text(text)
        else:
            assert self.early is not None
            self.early.append(Text(text))

    def pi(self, target: str, data: str) -> None:
        if self.signature_depth:
            assert self.signature is not None
            self.signature.events.append(Pi(target, data))
            return
        if self.c14n is not None:
            self.c14n.pi(target, data)
        else:
            assert self.early is not None
            self.early.append(Pi(target, data))

    # -- the Reference --------------------------------------------------------------
    def _choose_digest(self) -> None:
        """Read the Reference's transforms; canonicalise what came before into the hash."""
        assert self.signature is not None
        assert self.signature_ns is not None
        try:
            info = reference_info(self.signature, self.signature_ns, self.policy)
        except InvalidSignatureError as exc:
            self.refused = exc  # read on, hashing nothing, to the end of the document
            self.hasher = hashlib.sha256()
            self.c14n = _Discard(lambda _: None, exclusive=True)
            self.early = None
            return
        self.info = info
        self.hasher = hashlib.new(info.digest.hash_name)
        exclusive = info.reference_c14n is CanonicalizationMethod.EXC_C14N
        self.c14n = Canonicalizer(self.canonical.extend, exclusive=exclusive)
        assert self.early is not None
        replay(self.early, 0, self.c14n, Scope({"xml": XML_NS}))
        self.early = None

    def digest(self, data: bytes | bytearray | memoryview) -> None:
        """Hash canonical bytes (in this thread: a second one costs more CPU than it saves)."""
        self.flush()
        self.digested += len(data)
        self.hasher.update(data)

    def flush(self) -> None:
        """Hash what the canonicaliser wrote: once per expat feed, not once per event."""
        if self.canonical:
            self.digested += len(self.canonical)
            self.hasher.update(self.canonical)
            del self.canonical[:]


class _Discard(Canonicalizer):
    """Canonicalises nothing: the rest of a document whose Signature is already refused."""

    def start(self, *_: Any, **__: Any) -> None:
        pass

    def end(self, qname: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass

    def pi(self, target: str, data: str) -> None:
        pass


def _canonical(sig: Captured, index: int, method: CanonicalizationMethod) -> bytes:
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
            quiet_tail = _feed(p, run, chunk, quiet_tail)
        p.Parse(b"", True)
        run.flush()
        run.target.shutdown()
    except pyexpat.ExpatError as exc:
        raise ParseError(
            f"not well-formed XML: {pyexpat.ErrorString(exc.code)}",
            line=exc.lineno, column=exc.offset + 1, source=run.source,
        ) from None  # fmt: skip
    if run.refused is not None:
        raise run.refused
    if run.signature is not None and not run.signature_done:
        raise run.profile("the Signature is not closed")


_NOT_PLAIN = (b"&", b"\r", b">")
_HELD = (b"&", b"\r", b"]")  # what expat may hold back at the end of a feed


def _feed(p: Any, run: _Pass, chunk: bytes, quiet: bool) -> bool:
    """Parse one chunk; return whether expat then stands in an attachment's text with
    nothing held back (its next bytes may then bypass it, see :func:`_bypass`).

    Outside such text expat gets :data:`_PIECE` bytes at a time, so that the base64 after a
    ContentTransferEncoded start tag goes through it for at most that long. Once a bypass is
    refused, the rest of the chunk goes to expat in one feed (each attempt scans ahead).
    """
    size = len(chunk)
    view = memoryview(chunk)
    pos = 0
    may_bypass = True
    while pos < size:
        if quiet and may_bypass and run.bulk_ok:
            stop = _bypass(run, chunk, view, pos)
            if stop < 0:
                may_bypass = False
            else:  # up to markup (expat goes on from its '<') or to the end of the chunk
                pos, quiet = stop, stop == size
            continue
        end = min(size, pos + _PIECE) if may_bypass else size
        fed = run.fed
        p.Parse(view[pos:end], False)
        run.fed += end - pos
        run.flush()
        quiet = _in_text(run, chunk, pos, end, quiet, fed)
        pos = end
    return quiet


def _in_text(run: _Pass, chunk: bytes, start: int, end: int, quiet: bool, fed: int) -> bool:
    """After expat parsed ``chunk[start:end]`` (its bytes from index ``fed`` on): whether it
    stands in the text of the bulk ContentTransferEncoded with nothing held back. True only
    if the last ``<`` is that element's start tag (or there is none and expat stood there
    before), and no ``&``, CR or ``]`` follows it (expat holds those back)."""
    lt = chunk.rfind(b"<", start, end)
    if lt >= 0:
        if not run.bulk_ok or lt - start != run.bulk_from - fed:
            return False
        start = lt
    elif not quiet:
        return False
    return all(chunk.find(c, start, end) < 0 for c in _HELD) and chunk[start:end].isascii()


def _bypass(run: _Pass, chunk: bytes, view: memoryview, pos: int) -> int:
    """Hand an attachment's plain base64 straight to the digest and the decoder; return
    where expat must go on, or -1 if these bytes must go through expat.

    expat tokenises about 4x slower than base64 and SHA-256 run, so the bulk of an
    attachment skips it when that is provably equivalent: expat stands in the text of a
    ContentTransferEncoded inside an Attachment with nothing held back (:func:`_in_text`),
    and the bytes up to the next ``<`` are base64 only (decoded and digested as they are,
    :meth:`_Pass.bulk`), or else hold no ``&``, CR or ``>`` (the only characters whose
    canonical form differs from the bytes) and are ASCII. Anything else goes to expat.
    """
    end = chunk.find(b"<", pos)
    stop = len(chunk) if end < 0 else end
    if stop == pos or run.bulk(view[pos:stop]):
        return stop
    content = chunk[pos:stop]
    if any(c in content for c in _NOT_PLAIN) or not content.isascii():
        return -1
    run.bulk_text(content)
    return stop
