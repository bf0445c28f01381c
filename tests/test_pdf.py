"""The signatures inside PDF attachments (edoc.pdf), on PDFs signed in this run by pyHanko's
signing side (tests/pdfs.py), with the trust PKI's openssl OCSP responder and CRL server,
and compared with poppler's ``pdfsig``."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

pytest.importorskip("pyhanko", reason="the edoc-edxml[pdf] extra (pyHanko) is not installed")

import edoc
from conftest import make_package
from edoc.errors import PdfError
from edoc.model.attachment import AttachmentContent
from edoc.pdf import PdfChecker, PdfDocument, PdfLimits, is_pdf
from edoc.signing import load_pem, sign_package
from edoc.signing.report import Indication, SubIndication
from edoc.validation import PdfRules, validate
from pdfs import blank_pdf, make_pdfs
from pki_trust import OPENSSL, TrustPKI, serving_pki

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed (Debian openssl)")
PDFSIG = shutil.which("pdfsig")
P, F, U = Indication.TOTAL_PASSED, Indication.TOTAL_FAILED, Indication.INDETERMINATE
S = SubIndication


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrustPKI]:
    with serving_pki(tmp_path_factory.mktemp("pdf-pki")) as p:
        yield p


@pytest.fixture(scope="module")
def pdfs(pki: TrustPKI) -> dict[str, Path]:
    return make_pdfs(pki, pki.dir)


@pytest.fixture(scope="module")
def checker(pki: TrustPKI) -> PdfChecker:
    return PdfChecker(edoc.Verifier(edoc.TrustStore.from_pem(pki.root)))


def _check(checker: PdfChecker, path: Path) -> PdfDocument:
    return checker.check(edoc.Attachment.from_path(path))


# Per file: (field, kind, indication, sub-indication, reason, coverage, modification), in
# file order. Written from how each file was made (tests/pdfs.py), not from edoc's output.
Row = tuple[str, str, Indication, SubIndication | None, str | None, str, str]
EXPECTED: dict[str, list[Row]] = {
    "unsigned": [],
    "intact": [("Signer", "signature", P, None, None, "entire-file", "none")],
    "modified": [("Signer", "signature", F, S.FORMAT_FAILURE, "pdf-modified", "entire-revision",
                  "other")],
    "twice": [("Signer", "signature", P, None, None, "entire-revision", "form-filling"),
              ("Seal", "signature", P, None, None, "entire-file", "none")],
    "truncated": [("Signer", "signature", F, S.FORMAT_FAILURE, "pdf-coverage", "partial",
                   "other")],
    "foreign": [("Signer", "signature", U, S.NO_CERTIFICATE_CHAIN_FOUND, "untrusted-chain",
                 "entire-file", "none")],
    "revoked": [("Signer", "signature", U, S.REVOKED_NO_POE, "revoked", "entire-file", "none")],
    "stamped": [("Signer", "signature", P, None, None, "entire-revision", "ltv-updates"),
                ("*", "timestamp", P, None, None, "entire-file", "none")],
    "tampered": [("Signer", "signature", F, S.HASH_FAILURE, "pdf-digest-mismatch", "entire-file",
                  "none")],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_pdf_gets_its_verdict(checker: PdfChecker, pdfs: dict[str, Path], name: str) -> None:
    doc = _check(checker, pdfs[name])
    assert doc.error is None
    got = [(s.field if s.kind == "signature" else "*", s.kind, s.indication, s.sub_indication,
            s.reason, s.coverage, s.modification) for s in doc.signatures]  # fmt: skip
    assert got == EXPECTED[name]
    assert doc.signed is (name != "unsigned")
    assert doc.passed is (name in ("intact", "twice", "stamped"))


def test_the_fields_of_a_passed_signature(checker: PdfChecker, pdfs: dict[str, Path],
                                          pki: TrustPKI) -> None:  # fmt: skip
    (sig,) = _check(checker, pdfs["intact"]).signatures
    assert sig.signer is not None
    assert sig.signer.subject == "CN=Văn thư good,O=edoc test PKI,C=VN"
    assert [c.subject.split(",")[0] for c in sig.chain] == [
        "CN=Văn thư good", "CN=edoc test Agency CA", "CN=edoc test Root CA"]  # fmt: skip
    assert sig.sub_filter == "adbe.pkcs7.detached"
    assert sig.digest_algorithm == "sha256"
    assert sig.intact is True
    assert sig.signature_valid is True
    size = pdfs["intact"].stat().st_size
    a, _, c, d = sig.byte_range
    assert (a, c + d) == (0, size)  # from the start to the end of the file
    assert sig.revision == 1  # pyHanko signs in an incremental update of the blank file
    assert sig.revisions_after == 0
    assert sig.validation_time_source == "claimed"
    assert sig.claimed_signing_time is not None
    assert [(e.status, e.source) for e in sig.revocation] == [("good", "ocsp"), ("good", "ocsp")]
    assert sig.revocation[0].location == f"http://127.0.0.1:{pki.ocsp_port}"
    data = sig.to_dict()
    assert data["indication"] == "TOTAL_PASSED"
    assert data["coverage"] == "entire-file"
    json.dumps(data)


def test_signed_twice_and_time_stamped(checker: PdfChecker, pdfs: dict[str, Path]) -> None:
    signer, seal = _check(checker, pdfs["twice"]).signatures
    assert seal.signer is not None
    assert seal.signer.subject.startswith("CN=Con dấu UBND tỉnh Nghệ An")
    assert (signer.revision, signer.revisions_after) == (1, 1)
    assert signer.modification_detail == "fields changed: Seal"
    assert any("updated after this signature (form-filling)" in f for f in signer.findings)
    assert [e.source for e in seal.revocation] == ["crl"]  # the seal names a CRL only
    sig, stamp = _check(checker, pdfs["stamped"]).signatures
    assert sig.validation_time_source == "time-stamp"
    assert sig.timestamp_time is not None
    assert stamp.timestamp_time is not None
    assert sig.timestamp_time <= stamp.timestamp_time
    assert stamp.signer is not None
    assert stamp.signer.subject.startswith("CN=edoc test PDF TSA")


def test_a_truncated_byte_range_is_a_valid_signature_over_too_little(
    checker: PdfChecker, pdfs: dict[str, Path]
) -> None:
    (sig,) = _check(checker, pdfs["truncated"]).signatures
    assert (sig.intact, sig.signature_valid) == (True, True)
    *_, c, d = sig.byte_range
    assert c + d == pdfs["truncated"].stat().st_size - 40


def test_without_a_verifier_only_integrity_is_checked(pdfs: dict[str, Path]) -> None:
    (sig,) = _check(PdfChecker(None), pdfs["intact"]).signatures
    assert (sig.indication, sig.sub_indication, sig.reason) == (
        U,
        S.NO_CERTIFICATE_CHAIN_FOUND,
        "no-trust-store",
    )
    assert sig.chain == ()
    assert sig.fetches == ()


# --- pdfsig, the second checker ---------------------------------------------------------

# pdfsig's words per signature: (Signature Validation, whole document signed?)
PDFSIG_EXPECTED = {
    "intact": [("Signature is Valid.", True)],
    "modified": [("Signature is Valid.", False)],
    "twice": [("Signature is Valid.", False), ("Signature is Valid.", True)],
    "truncated": [("Signature is Valid.", False)],
    "foreign": [("Signature is Valid.", True)],
    "revoked": [("Signature is Valid.", True)],
    "tampered": [("Digest Mismatch.", True)],
}


def _pdfsig(path: Path) -> list[tuple[str, bool]]:
    assert PDFSIG is not None
    out = subprocess.run([PDFSIG, "-nocert", str(path)], capture_output=True, text=True,
                         timeout=60, check=False).stdout  # fmt: skip
    found = []
    for block in re.split(r"\nSignature #\d+:\n", out)[1:]:
        verdict = re.search(r"Signature Validation: (.*)", block)
        assert verdict is not None, block
        found.append((verdict.group(1).strip(), "- Total document signed" in block))
    return found


@pytest.mark.skipif(PDFSIG is None, reason="pdfsig is not installed (Debian poppler-utils)")
@pytest.mark.parametrize("name", sorted(PDFSIG_EXPECTED))
def test_pdfsig_agrees(checker: PdfChecker, pdfs: dict[str, Path], name: str) -> None:
    theirs = _pdfsig(pdfs[name])
    assert theirs == PDFSIG_EXPECTED[name]
    ours = _check(checker, pdfs[name]).signatures
    for (words, whole), sig in zip(theirs, ours, strict=True):
        assert (words == "Signature is Valid.") is (sig.intact and sig.signature_valid)
        assert whole is (sig.coverage == "entire-file")


@pytest.mark.skipif(PDFSIG is None, reason="pdfsig is not installed (Debian poppler-utils)")
def test_pdfsig_sees_no_signature_in_the_unsigned_pdf(pdfs: dict[str, Path]) -> None:
    r = subprocess.run([str(PDFSIG), str(pdfs["unsigned"])], capture_output=True, text=True,
                       timeout=60, check=False)  # fmt: skip
    assert "does not contain any signatures" in r.stdout + r.stderr


# --- in the envelope's verification and in validate ---------------------------------------


@pytest.fixture(scope="module")
def package(pki: TrustPKI, pdfs: dict[str, Path]) -> Path:
    out = pki.dir / "with-pdfs.edxml"
    pkg = make_package(**{"qd.pdf": pdfs["twice"].read_bytes(),
                          "pl.pdf": pdfs["tampered"].read_bytes(),
                          "bb.pdf": pdfs["unsigned"].read_bytes(),
                          "note.txt": b"%PDF-1.4 not really"})  # fmt: skip
    sign_package(pkg, out, key=load_pem(pki.signer("good")))
    return out


def test_verifier_reports_the_documents(pki: TrustPKI, package: Path) -> None:
    result = edoc.Verifier(edoc.TrustStore.from_pem(pki.root)).verify(package)
    assert result.indication is P
    docs = {d.attachment: d for d in result.documents}
    assert sorted(docs) == ["bb.pdf", "pl.pdf", "qd.pdf"]  # note.txt has no PDF trailer
    assert docs["qd.pdf"].passed
    assert [s.field for s in docs["qd.pdf"].signatures] == ["Signer", "Seal"]
    assert [s.sub_indication for s in docs["pl.pdf"].signatures] == [S.HASH_FAILURE]
    assert not docs["bb.pdf"].signed
    off = edoc.Verifier(edoc.TrustStore.from_pem(pki.root), pdf=False).verify(package)
    assert off.documents == ()


def _cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edoc", *map(str, args)], capture_output=True,
                          text=True, check=False, timeout=120)  # fmt: skip


def test_verify_command(pki: TrustPKI, package: Path) -> None:
    r = _cli("verify", package, "--trust", pki.root, "--format", "json")
    assert r.returncode == 3, r.stderr  # the envelope passes, pl.pdf's signature is broken
    data = json.loads(r.stdout)
    assert data["indication"] == "TOTAL_PASSED"
    assert [d["attachment"] for d in data["documents"]] == ["qd.pdf", "pl.pdf", "bb.pdf"]
    assert data["documents"][1]["signatures"][0]["reason"] == "pdf-digest-mismatch"
    assert "a PDF attachment's signature is TOTAL_FAILED" in r.stderr
    r = _cli("verify", package, "--trust", pki.root, "--no-pdf")
    assert r.returncode == 0, r.stderr
    assert "documents:" not in r.stdout
    r = _cli("verify", package, "--trust", pki.root, "--revocation", "none")
    assert "document 'pl.pdf'" in r.stdout
    assert "TOTAL_FAILED / HASH_FAILURE" in r.stdout


def _pkg_with(*files: tuple[str, bytes]) -> bytes:
    return edoc.to_bytes(make_package(**dict(files)))


def _rules(report: edoc.validation.Report) -> list[tuple[str, str]]:
    pdf = [f for f in report.findings if f.rule.startswith("EDX-PDF")]
    return sorted((f.rule, f.severity.value) for f in pdf)


def test_validate_rules(pki: TrustPKI, pdfs: dict[str, Path]) -> None:
    unsigned = _pkg_with(("a.pdf", pdfs["unsigned"].read_bytes()))
    assert _rules(validate(unsigned)) == [("EDX-PDF-001", "warning")]
    assert _rules(validate(unsigned, pdf=PdfRules(require_signed=True))) == [
        ("EDX-PDF-001", "error")
    ]
    assert _rules(validate(unsigned, pdf=PdfRules(enabled=False))) == []
    broken = _pkg_with(("a.pdf", pdfs["tampered"].read_bytes()),
                       ("b.pdf", pdfs["modified"].read_bytes()),
                       ("c.pdf", pdfs["truncated"].read_bytes()))  # fmt: skip
    assert _rules(validate(broken)) == [("EDX-PDF-002", "error")] * 3
    trust = edoc.TrustStore.from_pem(pki.root)
    signed = _pkg_with(("a.pdf", pdfs["intact"].read_bytes()),
                       ("b.pdf", pdfs["foreign"].read_bytes()))  # fmt: skip
    assert _rules(validate(signed)) == []  # no trust store: the chains are not judged
    from edoc.conformance._pdf import signed_pdf

    selfsigned = _pkg_with(("k.pdf", signed_pdf()))
    assert _rules(validate(selfsigned)) == [("EDX-PDF-003", "warning")]
    assert _rules(validate(signed, pdf=PdfRules(trust=trust))) == [("EDX-PDF-003", "error")]
    messages = [f.message for f in validate(signed, pdf=PdfRules(trust=trust)).findings]
    assert any("'b.pdf'" in m and "does not chain" in m for m in messages)


def test_validate_command(pki: TrustPKI, pdfs: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "unsigned.edxml"
    path.write_bytes(_pkg_with(("a.pdf", pdfs["unsigned"].read_bytes())))
    assert _cli("validate", path).returncode == 0
    r = _cli("validate", path, "--require-signed-pdf")
    assert r.returncode == 1
    assert "EDX-PDF-001" in r.stdout
    foreign = tmp_path / "foreign.edxml"
    foreign.write_bytes(_pkg_with(("a.pdf", pdfs["foreign"].read_bytes())))
    r = _cli("validate", foreign, "--pdf-trust", pki.root, "--format", "json")
    assert r.returncode == 1
    assert "EDX-PDF-003" in r.stdout


# --- hostile PDFs, limits, streaming, the missing extra -----------------------------------


def _hostile() -> dict[str, bytes]:
    base = blank_pdf()
    bomb = zlib.compress(b"\0" * (300 * 1024 * 1024), 9)
    nested = b"[" * 100_000 + b"]" * 100_000
    return {
        # startxref points into the middle of nowhere; the xref table is garbage
        "bad-xref": base[: base.rindex(b"startxref")] + b"startxref\n123456789\n%%EOF\n",
        "garbage-xref": base.replace(b"xref\n0 ", b"xref\n0 99999999999 "),
        # a cross-reference stream that inflates to 300 MB
        "xref-stream-bomb": _xref_bomb(bomb),
        # an object stream that inflates to 100 MB (the same with 1 MB reads: below)
        "object-stream-bomb": objstm_pdf(100 * 1024 * 1024),
        # arrays nested 100 000 deep, and a page tree whose kid is itself
        "nested": _trailer_doc(b"<< /Type /Catalog /Pages 2 0 R /X " + nested + b" >>",
                               b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"),
        "cycle": _trailer_doc(b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>",
                              b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
                              b"<< /FT /Sig /T (S) /Kids [3 0 R] /V 3 0 R /Parent 3 0 R >>"),
        "signature-garbage": _trailer_doc(
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>",
            b"<< /FT /Sig /T (S) /V << /Type /Sig /ByteRange [0 1 2 3] /Contents <3082> >> >>"),
    }  # fmt: skip


def objstm_pdf(padding: int) -> bytes:
    """The catalog inside an object stream whose data inflates to ``padding`` bytes more,
    found through a cross-reference stream."""
    data = b"1 0 << /Type /Catalog /Pages 3 0 R >>" + b" " * padding
    comp = zlib.compress(data, 9)
    out = bytearray(b"%PDF-1.7\n")
    off2 = len(out)
    out += (b"2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % len(comp) + comp + b"\nendstream\nendobj\n")  # fmt: skip
    off3 = len(out)
    out += b"3 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    off4 = len(out)
    entries = [(0, 0, 65535), (2, 2, 0), (1, off2, 0), (1, off3, 0), (1, off4, 0)]
    rows = b"".join(bytes([t]) + a.to_bytes(4, "big") + b.to_bytes(2, "big")
                    for t, a, b in entries)  # fmt: skip
    out += (b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
            % len(rows) + rows + b"\nendstream\nendobj\n")  # fmt: skip
    out += b"startxref\n%d\n%%%%EOF\n" % off4
    return bytes(out)


def _trailer_doc(*objects: bytes) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)  # fmt: skip
    return bytes(out)


def _xref_bomb(compressed: bytes) -> bytes:
    """The file's only cross-reference section is a stream that inflates without end."""
    out = bytearray(b"%PDF-1.7\n")
    at = len(out)
    out += (
        b"1 0 obj\n<< /Type /XRef /Size 2 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n" % len(compressed) + compressed + b"\nendstream\nendobj\n"
    )
    out += b"startxref\n%d\n%%%%EOF\n" % at
    return bytes(out)


def test_hostile_pdfs_are_errors_and_the_rest_is_checked(
    checker: PdfChecker, pdfs: dict[str, Path], pki: TrustPKI
) -> None:
    hostile = _hostile()
    atts = [edoc.Attachment.from_bytes(data, name=f"{n}.pdf") for n, data in hostile.items()]
    atts.append(edoc.Attachment.from_path(pdfs["intact"]))
    docs = checker.check_all(atts)
    assert [d.attachment for d in docs] == [*(f"{n}.pdf" for n in hostile), "intact.pdf"]
    by = {d.attachment.removesuffix(".pdf"): d for d in docs}
    for name in ("bad-xref", "xref-stream-bomb", "object-stream-bomb", "nested"):
        assert by[name].error_reason == "pdf-malformed", (name, by[name])
        assert by[name].signatures == ()
    # pyHanko's lenient reader rebuilds a broken xref table: a readable, unsigned PDF.
    assert by["garbage-xref"].error_reason in (None, "pdf-malformed")
    assert by["garbage-xref"].signatures == ()
    # A signature field that cannot be read is that signature's failure, typed, not a crash.
    for name in ("cycle", "signature-garbage"):
        d = by[name]
        assert d.error_reason == "pdf-malformed" or [s.reason for s in d.signatures] == [
            "pdf-format"
        ], (name, d)
    assert "PdfDecodeLimitError" in (by["object-stream-bomb"].error or "")
    assert by["intact"].passed
    assert all(d.seconds < 30 for d in docs)
    # The control: the same object stream with 1 MB of padding is read (unsigned, no error).
    control = checker.check(edoc.Attachment.from_bytes(objstm_pdf(1024 * 1024), name="c.pdf"))
    assert (control.error, control.signed) == (None, False)


def test_limits(pdfs: dict[str, Path]) -> None:
    att = edoc.Attachment.from_path(pdfs["intact"])
    small = PdfChecker(None, limits=PdfLimits(max_bytes=1000)).check(att)
    assert small.error_reason == "pdf-too-large"
    late = PdfChecker(None, limits=PdfLimits(max_seconds=0)).check(att)
    assert late.error_reason == "pdf-timeout"
    few = PdfChecker(None, limits=PdfLimits(max_signatures=1)).check(
        edoc.Attachment.from_path(pdfs["twice"])
    )
    assert few.error_reason == "pdf-too-large"
    assert len(few.signatures) == 1


class _Counting(AttachmentContent):
    """A file whose reads are recorded: the largest one must stay far below the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.largest = 0

    def open(self) -> BinaryIO:
        outer = self

        class Stream(io.FileIO):
            def read(self, size: int = -1) -> bytes:  # type: ignore[override]
                data = super().read(size)
                outer.largest = max(outer.largest, len(data))
                return data

            def readinto(self, buffer: object) -> int:
                n = super().readinto(buffer)  # type: ignore[arg-type]
                outer.largest = max(outer.largest, n or 0)
                return n or 0

        return Stream(self.path, "rb")

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def test_the_pdf_is_read_in_pieces(pki: TrustPKI, tmp_path: Path) -> None:
    from pdfs import _load, _signer, sign_pdf

    key, chain = _load(pki.signer("good"))
    big = tmp_path / "big.pdf"
    big.write_bytes(sign_pdf(blank_pdf(pad=8 * 1024 * 1024), _signer(key, chain[0], chain[1:]),
                             "Signer"))  # fmt: skip
    content = _Counting(big)
    att = edoc.Attachment(name="big.pdf", content_type="application/pdf", content=content)
    (sig,) = PdfChecker(None).check(att).signatures
    assert sig.intact is True
    assert 0 < content.largest <= 1024 * 1024 < big.stat().st_size // 8


def test_is_pdf_reads_the_content_not_the_name() -> None:
    assert is_pdf(edoc.Attachment.from_bytes(blank_pdf(), name="x.docx"))
    assert not is_pdf(edoc.Attachment.from_bytes(b"%PDF-1.4 body", name="qd.pdf"))
    assert not is_pdf(edoc.Attachment.from_bytes(b"%PDF-1.4 body\n%%EOF\n", name="qd.pdf"))


def test_without_the_extra(monkeypatch: pytest.MonkeyPatch, pki: TrustPKI, package: Path) -> None:
    from edoc.pdf import _pyhanko

    monkeypatch.setitem(sys.modules, "pyhanko.pdf_utils.reader", None)
    monkeypatch.setattr(_pyhanko, "_BACKEND", [])  # forget that it was imported
    trust = edoc.TrustStore.from_pem(pki.root)
    with pytest.raises(PdfError, match=r"pip install 'edoc-edxml\[pdf\]'") as info:
        edoc.Verifier(trust, pdf=True)
    assert info.value.reason == "pdf-backend"
    result = edoc.Verifier(trust, revocation="none").verify(package)
    assert result.passed
    assert {d.error_reason for d in result.documents} == {"pdf-backend"}
    data = _pkg_with(("a.pdf", blank_pdf()))
    assert _rules(validate(data)) == []  # not asked for: silent
    assert _rules(validate(data, pdf=PdfRules(require_signed=True))) == [("EDX-PDF-004", "error")]
