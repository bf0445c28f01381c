# ruff: noqa: E501  (one case per line reads best)
"""Groups A (parser: P1-P13) and F (resources: R1-R8) of hostile-inputs.md."""

from __future__ import annotations

import gzip
from typing import Any

import edoc
from edoc.errors import ForbiddenXMLError, LimitExceededError, ParseError
from edoc.limits import Limits

from ._build import MARKER, ChunkStream, Ctx, rep, repeated, sample
from ._case import Accepted, Case, Flagged, Refused

_ROOT = b"<edXML "
_SUBJ = b"<edXML:Subject>"
SUBJECT = sample().header.subject
_DTD = Refused(ForbiddenXMLError, "DOCTYPE")
_NOT_UTF8 = Refused(ParseError, "UTF-8 only")


def doctype(data: bytes, subset: str, ref: str = "&x;") -> bytes:
    return rep(
        rep(data, _ROOT, f"<!DOCTYPE edXML [{subset}]>\n<edXML "), _SUBJ, _SUBJ.decode() + ref
    )


def _laughs(data: bytes) -> bytes:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return doctype(data, f'<!ENTITY l0 "lol">{lol}', "&l9;")


def _quadratic(data: bytes) -> bytes:
    return doctype(data, f'<!ENTITY a "{"x" * 50_000}">', "&a;" * 50_000)


def _xxe(ctx: Ctx, data: bytes) -> bytes:
    return doctype(
        data,
        f'<!ENTITY x SYSTEM "file://{ctx.marker_file}"><!ENTITY y SYSTEM "{ctx.canary.url}/y">',
        "&x;&y;",
    )


def _same_subject(result: Any, ctx: Ctx) -> None:
    pkg = getattr(result, "package", result)
    assert pkg.header.subject == SUBJECT, pkg.header.subject
    assert pkg.header.code.number == "7816"
    assert [a.content_id for a in pkg.attachments] == ["cid:1"]
    assert [a.name for a in pkg.attachments] == ["qd.pdf"]


def _nothing_fetched(result: Any, ctx: Ctx) -> None:
    assert ctx.canary.hits == []


_SAME = Accepted(
    _same_subject, "the model is built from text with comments excised and pieces joined"
)


def _foreign_subject(result: Any, ctx: Ctx) -> None:
    """The Subject outside the edXML namespace is not read as the Subject: it is reported as
    unknown and the Subject as missing (the package is still read: issue 15)."""
    assert result.header.subject is None
    codes = [d.code for d in result.deviations]
    assert codes == ["EDX-READ-UNKNOWN", "EDX-READ-MISSING"], codes


def _fullwidth_date_not_a_date(result: Any, ctx: Ctx) -> None:
    assert result.header.promulgation_info.promulgation_date is None
    (d,) = [d for d in result.deviations if d.code == "EDX-READ-VALUE"]
    assert "PromulgationDate" in d.message


def _inside(data: bytes, where: bytes, value: str, insert: str) -> bytes:
    """Put ``insert`` in the middle of ``value`` inside element ``where``."""
    mid = len(value) // 2
    return rep(data, where + value.encode(), where + (value[:mid] + insert + value[mid:]).encode())


def _deep(levels: int) -> Any:
    return lambda c: rep(
        c.unsigned, b"<edXML:OtherInfo>", b"<edXML:OtherInfo>" + b"<x>" * levels + b"</x>" * levels
    )


def _big_package(total: int, limits: Limits | None = None) -> Any:
    """A package whose one comment-separated filler is ``total`` bytes, streamed."""
    head, tail = sample_parts()
    return lambda c: (ChunkStream(repeated(head, b"<!---->", total, tail)), limits)


def sample_parts() -> tuple[bytes, bytes]:
    data = edoc.to_bytes(sample())
    i = data.index(b"</edXML:OtherInfo>")
    return data[:i], data[i:]


def _attributes(n: int) -> Any:
    attrs = "".join(f' a{i}="v"' for i in range(n))
    return lambda c: rep(c.unsigned, _SUBJ, f"<edXML:Subject{attrs}>")


def _namespaces(n: int) -> Any:
    decls = "".join(f' xmlns:p{i}="urn:p{i}"' for i in range(n))
    return lambda c: rep(c.signed, _SUBJ, f"<edXML:Subject{decls}>")


def _gz(ctx: Ctx) -> Any:
    p = ctx.work / "p.edxml.gz"
    p.write_bytes(gzip.compress(ctx.unsigned))
    return p


CASES = [
    # -- A. Parser ------------------------------------------------------------------------
    Case(
        "P1",
        "internal-subset-read",
        "DOCTYPE with an internal entity, unsigned",
        "read",
        lambda c: doctype(c.unsigned, '<!ENTITY x "y">'),
        _DTD,
    ),
    Case(
        "P1",
        "internal-subset-verify",
        "DOCTYPE with an internal entity, signed: refused before crypto",
        "verify",
        lambda c: doctype(c.signed, '<!ENTITY x "y">'),
        _DTD,
        before_crypto=True,
        differential=True,
    ),
    Case(
        "P1",
        "default-attribute",
        "DOCTYPE declaring a default Id attribute",
        "verify",
        lambda c: rep(c.signed, _ROOT, '<!DOCTYPE edXML [<!ATTLIST edXML Id ID "e">]>\n<edXML '),
        _DTD,
        before_crypto=True,
    ),
    Case(
        "P2",
        "file-and-network-read",
        "external entities: a local file with a marker and the canary",
        "read",
        lambda c: _xxe(c, c.unsigned),
        _DTD,
    ),
    Case(
        "P2",
        "file-and-network-verify",
        "the same in a signed package",
        "verify",
        lambda c: _xxe(c, c.signed),
        _DTD,
        before_crypto=True,
    ),
    Case(
        "P2",
        "file-and-network-validate",
        "the same through validate",
        "validate",
        lambda c: _xxe(c, c.unsigned),
        Flagged("EDX-XML-001", "DOCTYPE"),
    ),
    Case(
        "P3",
        "parameter-entity",
        "a parameter entity fetching an external DTD",
        "read",
        lambda c: rep(
            c.unsigned,
            _ROOT,
            f'<!DOCTYPE edXML [<!ENTITY % p SYSTEM "{c.canary.url}/x.dtd"> %p;]>\n<edXML ',
        ),
        _DTD,
    ),
    Case(
        "P3",
        "parameter-entity-verify",
        "the same, signed",
        "verify",
        lambda c: rep(
            c.signed,
            _ROOT,
            f'<!DOCTYPE edXML [<!ENTITY % p SYSTEM "{c.canary.url}/x.dtd"> %p;]>\n<edXML ',
        ),
        _DTD,
        before_crypto=True,
    ),
    Case(
        "P4",
        "billion-laughs",
        "nine levels of tenfold entities",
        "read",
        lambda c: _laughs(c.unsigned),
        _DTD,
        timeout=2,
        max_rss_mb=50,
    ),
    Case(
        "P4",
        "billion-laughs-verify",
        "the same, signed",
        "verify",
        lambda c: _laughs(c.signed),
        _DTD,
        timeout=2,
        max_rss_mb=50,
        before_crypto=True,
    ),
    Case(
        "P5",
        "quadratic",
        "one 50 kB entity referenced 50,000 times",
        "read",
        lambda c: _quadratic(c.unsigned),
        _DTD,
        timeout=2,
        max_rss_mb=50,
    ),
    Case(
        "P5",
        "quadratic-verify",
        "the same, signed",
        "verify",
        lambda c: _quadratic(c.signed),
        _DTD,
        timeout=2,
        max_rss_mb=50,
        before_crypto=True,
    ),
    Case(
        "P6",
        "external-dtd",
        "a SYSTEM DTD on the canary",
        "read",
        lambda c: rep(
            c.unsigned, _ROOT, f'<!DOCTYPE edXML SYSTEM "{c.canary.url}/x.dtd">\n<edXML '
        ),
        _DTD,
    ),
    Case(
        "P6",
        "xinclude",
        "xi:include pointing at the canary: never processed, refused by the schema",
        "validate",
        lambda c: rep(
            c.unsigned,
            _SUBJ,
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{c.canary.url}/x"/>'
            + _SUBJ.decode(),
        ),
        Flagged("EDX-READ-UNKNOWN", "XInclude}include", severity="warning"),
    ),
    Case(
        "P6",
        "stylesheet-pi",
        "an xml-stylesheet PI on the canary: ignored",
        "read",
        lambda c: rep(
            c.unsigned,
            _ROOT,
            f'<?xml-stylesheet type="text/xsl" href="{c.canary.url}/s.xsl"?>\n<edXML ',
        ),
        Accepted(_nothing_fetched, "processing instructions are never acted on"),
    ),
    Case(
        "P6",
        "schema-location",
        "xsi:schemaLocation on the canary: validation uses the bundled XSDs only",
        "validate",
        lambda c: rep(
            c.unsigned,
            _ROOT,
            f'<edXML xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x {c.canary.url}/x.xsd" ',
        ),
        Accepted(_nothing_fetched, "validation loads only edoc's bundled schemas"),
    ),
    Case(
        "P7",
        "comment-in-subject",
        "a comment inside signed Subject",
        "verify",
        lambda c: _inside(c.signed, _SUBJ, SUBJECT, "<!--x-->"),
        _SAME,
    ),  # type: ignore[arg-type]
    Case(
        "P7",
        "comment-in-code-number",
        "a comment inside signed CodeNumber",
        "verify",
        lambda c: _inside(c.signed, b"<edXML:CodeNumber>", "7816", "<!--x-->"),
        _SAME,
    ),
    Case(
        "P7",
        "comment-in-content-id",
        "a comment inside the attachment's ContentId",
        "verify",
        lambda c: _inside(c.signed, b"<ContentId>", "cid:1", "<!--x-->"),
        _SAME,
    ),
    Case(
        "P7",
        "comment-in-attachment-name",
        "a comment inside AttachmentName",
        "verify",
        lambda c: _inside(c.signed, b"<AttachmentName>", "qd.pdf", "<!--x-->"),
        _SAME,
    ),
    Case(
        "P7",
        "comment-in-digest-value",
        "a comment inside DigestValue (outside c14n without comments)",
        "verify",
        lambda c: rep(c.signed, b"<DigestValue>", b"<DigestValue><!--x-->"),
        _SAME,
        differential=True,
    ),
    Case(
        "P7",
        "pi-in-subject",
        "a PI inside signed Subject: c14n keeps PIs, so the digest breaks",
        "verify",
        lambda c: _inside(c.signed, _SUBJ, SUBJECT, "<?x y?>"),
        Refused(
            edoc.errors.DigestMismatchError, "changed after it was signed", reason="digest-mismatch"
        ),
        differential=True,
    ),  # type: ignore[arg-type]
    Case(
        "P7",
        "pi-in-digest-value",
        "a PI inside DigestValue: SignedInfo's canonical form changes",
        "verify",
        lambda c: rep(c.signed, b"<DigestValue>", b"<DigestValue><?x y?>"),
        Refused(
            edoc.errors.InvalidSignatureError,
            "SignatureValue does not verify",
            reason="signature-value",
        ),
        differential=True,
    ),
    Case(
        "P7",
        "comment-read",
        "comments and PIs inside text, unsigned read",
        "read",
        lambda c: _inside(
            _inside(c.unsigned, _SUBJ, SUBJECT, "<!--x--><?p q?>"),
            b"<edXML:CodeNumber>",
            "7816",
            "<!--y-->",
        ),
        _SAME,
    ),  # type: ignore[arg-type]
    Case(
        "P8",
        "cdata-subject",
        "Subject rewritten as CDATA: same infoset, still verifies",
        "verify",
        lambda c: rep(
            c.signed, _SUBJ + SUBJECT.encode(), _SUBJ + b"<![CDATA[" + SUBJECT.encode() + b"]]>"
        ),
        _SAME,
        differential=True,
    ),  # type: ignore[union-attr]
    Case(
        "P8",
        "cdata-digest-value",
        "DigestValue as CDATA",
        "verify",
        lambda c: rep(
            rep(c.signed, b"<DigestValue>", b"<DigestValue><![CDATA["),
            b"</DigestValue>",
            b"]]></DigestValue>",
        ),
        _SAME,
        differential=True,
    ),
    Case(
        "P8",
        "character-references",
        "character references for letters of CodeNumber",
        "verify",
        lambda c: rep(c.signed, b"<edXML:CodeNumber>7816", b"<edXML:CodeNumber>&#x37;8&#49;6"),
        _SAME,
        differential=True,
    ),
    Case(
        "P9",
        "latin1-declared",
        "UTF-8 bytes declared ISO-8859-1",
        "read",
        lambda c: rep(c.unsigned, b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
        _NOT_UTF8,
    ),
    Case(
        "P9",
        "utf16-bom",
        "UTF-16LE with a BOM",
        "read",
        lambda c: (
            c.unsigned.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
        ),
        Refused(ParseError, "UTF-16; edoc reads UTF-8 only"),
    ),
    Case(
        "P9",
        "windows-1258",
        "encoding=windows-1258 (legacy Vietnamese)",
        "read",
        lambda c: rep(c.unsigned, b'encoding="UTF-8"', b'encoding="windows-1258"'),
        _NOT_UTF8,
    ),
    Case(
        "P9",
        "latin1-verify",
        "a signed package declared ISO-8859-1",
        "verify",
        lambda c: rep(c.signed, b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
        _NOT_UTF8,
        before_crypto=True,
    ),
    Case(
        "P10",
        "nul",
        "a NUL byte in Subject",
        "read",
        lambda c: rep(c.unsigned, _SUBJ, _SUBJ + b"\x00"),
        Refused(ParseError, "not well-formed"),
    ),
    Case(
        "P10",
        "c0-control",
        "a C0 control (U+0001) as a character reference",
        "read",
        lambda c: rep(c.unsigned, _SUBJ, _SUBJ + b"&#1;"),
        Refused(ParseError, "not well-formed"),
    ),
    Case(
        "P10",
        "lone-surrogate",
        "a lone surrogate in CESU-8 bytes",
        "read",
        lambda c: rep(c.unsigned, _SUBJ, _SUBJ + b"\xed\xa0\x80"),
        Refused(ParseError, "not well-formed"),
    ),
    Case(
        "P10",
        "truncated",
        "the document cut in half",
        "read",
        lambda c: c.unsigned[: len(c.unsigned) // 2],
        Refused(ParseError, "not well-formed"),
    ),
    Case(
        "P10",
        "second-root",
        "a second root element",
        "read",
        lambda c: c.unsigned + b"<edXML/>",
        Refused(ParseError, "not well-formed"),
    ),
    Case(
        "P10",
        "trailing-garbage",
        "text after the root",
        "verify",
        lambda c: c.signed + b"garbage",
        Refused(ParseError, "not well-formed"),
        before_crypto=True,
    ),
    Case(
        "P11",
        "edxml-namespace-signature",
        "the Signature in the edXML namespace instead of xmldsig",
        "verify",
        lambda c: rep(
            c.signed,
            b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"',
            b'<Signature xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"',
        ),
        Refused(edoc.errors.DisallowedAlgorithmError, "edXML namespace", reason="edxml-dialect"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "P11",
        "prefix-redefined",
        "xmlns:edXML redefined on Subject",
        "read",
        lambda c: rep(c.unsigned, _SUBJ, b'<edXML:Subject xmlns:edXML="urn:evil">'),
        Accepted(
            _foreign_subject,
            "lookups are by {namespace}local: urn:evil's Subject is foreign, the Subject missing",
        ),
    ),
    Case(
        "P11",
        "prefix-redefined-verify",
        "the same in a signed package",
        "verify",
        lambda c: rep(c.signed, _SUBJ, b'<edXML:Subject xmlns:edXML="urn:evil">'),
        Refused(
            edoc.errors.DigestMismatchError, "changed after it was signed", reason="digest-mismatch"
        ),
        differential=True,
    ),
    Case(
        "P11",
        "default-undeclared",
        'Subject in no namespace via xmlns=""',
        "read",
        lambda c: rep(
            rep(c.unsigned, _SUBJ, b'<Subject xmlns="">'), b"</edXML:Subject>", b"</Subject>"
        ),
        Accepted(_foreign_subject, "an element in no namespace is never matched by its local name"),
    ),
    Case(
        "P11",
        "foreign-same-local-name",
        "a Subject in a foreign namespace before the real one",
        "validate",
        lambda c: rep(c.unsigned, _SUBJ, b'<x:Subject xmlns:x="urn:evil">Evil</x:Subject>' + _SUBJ),
        Flagged("EDX-READ-UNKNOWN", r"\{urn:evil\}Subject", severity="warning"),
    ),
    Case(
        "P12",
        "two-headers",
        "a second edXMLHeader",
        "read",
        lambda c: rep(
            c.unsigned, b"</edXML:edXMLHeader>", b"</edXML:edXMLHeader><edXML:edXMLHeader/>"
        ),
        Refused(ParseError, "2 edXMLHeader"),
    ),
    Case(
        "P12",
        "two-manifests",
        "a second edXMLManifest",
        "read",
        lambda c: rep(
            c.unsigned,
            b"</edXML:edXMLBody>",
            b'<edXML:edXMLManifest version="1.0"/></edXML:edXMLBody>',
        ),
        Refused(ParseError, "more than one manifest"),
    ),
    Case(
        "P12",
        "two-document-ids",
        "a second DocumentId",
        "read",
        lambda c: rep(
            c.unsigned,
            b"<edXML:DocumentId>",
            b"<edXML:DocumentId>X</edXML:DocumentId><edXML:DocumentId>",
        ),
        Refused(ParseError, "2 DocumentId"),
    ),
    Case(
        "P12",
        "two-from",
        "a second From (also in tests/test_reader_hardening.py for Subject, Code, PromulgationInfo)",
        "validate",
        lambda c: rep(
            c.unsigned,
            b"<edXML:From>",
            b"<edXML:From><edXML:OrganId>000.00.00.A01</edXML:OrganId></edXML:From><edXML:From>",
        ),
        Flagged("EDX-MODEL-001", "2 From elements"),
    ),
    Case(
        "P13",
        "fullwidth-agency-code",
        "From/OrganId with fullwidth digits",
        "validate",
        lambda c: rep(
            c.unsigned, b"<edXML:OrganId>000.00.00.G22", "<edXML:OrganId>000.00.00.G２２".encode()
        ),
        Flagged("EDX-ID-001", "G２２", severity="warning"),
    ),
    Case(
        "P13",
        "cyrillic-agency-code",
        "To/OrganId with a Cyrillic Н",
        "validate",
        lambda c: rep(
            c.unsigned, b"<edXML:OrganId>000.00.00.H41", "<edXML:OrganId>000.00.00.Н41".encode()
        ),
        Flagged("EDX-ID-001", "Н41", severity="warning"),
    ),
    Case(
        "P13",
        "bidi-override",
        "U+202E in Subject",
        "validate",
        lambda c: rep(c.unsigned, _SUBJ, "<edXML:Subject>\u202e".encode()),
        Flagged("EDX-TXT-001", "U\\+202E", severity="warning"),
    ),
    Case(
        "P13",
        "fullwidth-date",
        "a DocumentId date in fullwidth digits",
        "read",
        lambda c: rep(
            c.unsigned, b"<edXML:PromulgationDate>2015", "<edXML:PromulgationDate>２015".encode()
        ),
        Accepted(
            _fullwidth_date_not_a_date,
            "ASCII digits only: the date is read as absent with EDX-READ-VALUE, an error",
        ),
    ),
    # -- F. Resources ---------------------------------------------------------------------
    Case(
        "R1",
        "cap-plus-one",
        "max_bytes + 1 bytes",
        "read",
        lambda c: (c.unsigned, Limits(max_bytes=len(c.unsigned) - 1)),
        Refused(LimitExceededError, "larger than Limits.max_bytes", limit="max_bytes"),
    ),
    Case(
        "R1",
        "cap-plus-one-verify",
        "the same for verify",
        "verify",
        lambda c: (c.signed, Limits(max_bytes=len(c.signed) - 1)),
        Refused(LimitExceededError, "larger than Limits.max_bytes", limit="max_bytes"),
        before_crypto=True,
    ),
    Case(
        "R1",
        "stream-64MiB",
        "a 64 MiB stream against a 16 MiB cap: read stops at the cap",
        "read",
        _big_package(64 << 20, Limits(max_bytes=16 << 20)),
        Refused(LimitExceededError, "larger than Limits.max_bytes", limit="max_bytes"),
        max_rss_mb=64,
    ),
    Case(
        "R1",
        "2GiB-default-limits",
        "a 2 GiB + 1 MiB generated stream against the default limits",
        "read",
        _big_package((2 << 30) + (1 << 20)),
        Refused(LimitExceededError, "larger than Limits.max_bytes", limit="max_bytes"),
        slow=True,
        timeout=300,
        max_rss_mb=64,
    ),
    Case(
        "R1",
        "2GiB-default-limits-verify",
        "the same through verify",
        "verify",
        _big_package((2 << 30) + (1 << 20)),
        Refused(LimitExceededError, "larger than Limits.max_bytes", limit="max_bytes"),
        slow=True,
        timeout=300,
        max_rss_mb=64,
    ),
    Case(
        "R2",
        "depth-65",
        "65 nested elements inside OtherInfo",
        "read",
        _deep(65),
        Refused(LimitExceededError, "nested too deeply", limit="max_depth"),
    ),
    Case(
        "R2",
        "depth-3000",
        "3000 nested elements",
        "read",
        _deep(3000),
        Refused(LimitExceededError, "nested too deeply", limit="max_depth"),
    ),
    Case(
        "R2",
        "depth-3000-verify",
        "3000 nested elements, verify",
        "verify",
        lambda c: rep(
            c.signed, b"<edXML:OtherInfo>", b"<edXML:OtherInfo>" + b"<x>" * 3000 + b"</x>" * 3000
        ),
        Refused(LimitExceededError, "nested too deeply", limit="max_depth"),
        before_crypto=True,
    ),
    Case(
        "R3",
        "200k-attributes",
        "200,000 attributes on Subject",
        "read",
        _attributes(200_000),
        Refused(LimitExceededError, "Subject has more attributes", limit="max_attributes"),
        max_rss_mb=200,
    ),
    Case(
        "R3",
        "200k-attributes-verify",
        "the same, verify",
        "verify",
        lambda c: rep(
            c.signed, _SUBJ, "<edXML:Subject" + "".join(f' a{i}="v"' for i in range(200_000)) + ">"
        ),
        Refused(LimitExceededError, "attributes", limit="max_attributes"),
        before_crypto=True,
        max_rss_mb=200,
    ),
    Case(
        "R3",
        "10k-namespaces",
        "10,000 xmlns:pN declarations (stress exclusive c14n)",
        "verify",
        _namespaces(10_000),
        Refused(LimitExceededError, "namespace declarations", limit="max_attributes"),
        before_crypto=True,
    ),
    Case(
        "R3",
        "element-bomb",
        "100,001 elements",
        "read",
        lambda c: (
            rep(c.unsigned, b"<edXML:OtherInfo>", b"<edXML:OtherInfo>" + b"<x/>" * 100_001),
            None,
        ),
        Refused(LimitExceededError, "too many elements", limit="max_elements"),
    ),
    Case(
        "R4",
        "20MB-subject",
        "a 20 MB Subject",
        "read",
        lambda c: rep(c.unsigned, _SUBJ, _SUBJ + b"x" * (20 << 20)),
        Refused(LimitExceededError, "text of Subject longer", limit="max_text_bytes"),
    ),
    Case(
        "R4",
        "20MB-subject-verify",
        "the same, verify",
        "verify",
        lambda c: rep(c.signed, _SUBJ, _SUBJ + b"x" * (20 << 20)),
        Refused(LimitExceededError, "text of Subject longer", limit="max_text_bytes"),
        before_crypto=True,
    ),
    Case(
        "R5",
        "31-references",
        "31 References in SignedInfo",
        "verify",
        lambda c: rep(
            c.signed,
            b"</SignedInfo>",
            b'<Reference URI=""><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AAAA</DigestValue></Reference>'
            * 30
            + b"</SignedInfo>",
        ),
        Refused(edoc.errors.SignatureProfileError, "31 Reference", reason="profile"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "R5",
        "6-transforms",
        "six Transforms",
        "verify",
        lambda c: rep(
            c.signed,
            b"</Transforms>",
            b'<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></Transform>' * 4
            + b"</Transforms>",
        ),
        Refused(edoc.errors.SignatureProfileError, "transforms must be", reason="profile"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "R5",
        "two-signatures-in-sequence",
        "a second Signature (cap 1)",
        "verify",
        lambda c: rep(
            c.signed,
            b"</Signature>",
            b"</Signature>"
            + c.signed[slice(c.signed.index(b"<Signature "), c.signed.index(b"</Signature>") + 12)],
        ),
        Refused(edoc.errors.SignatureProfileError, "second Signature", reason="profile"),
        before_crypto=True,
        differential=True,
    ),
    Case(
        "R6",
        "bad-signature-value-large",
        "a 64 MiB package with a corrupted SignatureValue: refused with the signature-value reason",
        "verify",
        lambda c: _large_bad_sig(c),
        Refused(
            edoc.errors.InvalidSignatureError,
            "SignatureValue does not verify",
            reason="signature-value",
        ),
        slow=True,
        timeout=60,
    ),
    Case(
        "R7",
        "1MB-pattern-field",
        "a 1,000,000-character OrganId matched by the XSD pattern",
        "validate",
        lambda c: rep(
            c.unsigned,
            b"<edXML:OrganId>000.00.00.G22",
            b"<edXML:OrganId>000.00.00.G22" + b"9" * 1_000_000,
        ),
        Flagged("EDX-ID-001", "agency code", severity="warning"),
        timeout=10,
    ),
    Case(
        "R8",
        "gzip-path",
        "a .edxml.gz handed to read(path): never decompressed",
        "read",
        _gz,
        Refused(ParseError, "not well-formed"),
    ),
]


def _large_bad_sig(c: Ctx) -> bytes:
    pkg = edoc.EdocPackage(
        header=sample().header,
        attachments=[edoc.Attachment.from_bytes(bytes(48 << 20), name="big.bin")],
    )
    data = c.sign(pkg)
    i = data.index(b"<SignatureValue>") + len(b"<SignatureValue>")
    return data[:i] + (b"B" if data[i : i + 1] == b"A" else b"A") + data[i + 1 :]


__all__ = ["CASES", "MARKER"]
