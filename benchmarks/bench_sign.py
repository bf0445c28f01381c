"""edoc sign/verify time and peak memory, against xmlsec1, signxml and a floor, in one run.

    .venv/bin/python benchmarks/bench_sign.py [--sizes 1M,100M,1G] [--repeat N] [--json FILE]

For each size an attachment of random bytes is generated, an RSA-2048 CA and signer are
generated, and these operations are timed, each in a fresh child process (so its peak RSS
is its own):

    edoc sign       Attachment.from_path + sign_package to a path (one pass, fsync'd)
    floor sign      raw read -> pybase64 encode -> SHA-256 -> write (+ fsync) + one RSA sign
    xmlsec1 sign    xmlsec1 --sign of edoc's unsigned package with a signature template
    signxml sign    parse + XMLSigner (enveloped, into a placeholder in edXMLHeader) + write
    edoc verify     edoc.verify of edoc's signed package, the attachment decoded to a file
    floor verify    read + SHA-256 of the file -> pybase64 decode -> write + one RSA verify
    xmlsec1 verify  xmlsec1 --verify --trusted-pem of edoc's signed package
    signxml verify  XMLVerifier.verify of edoc's signed package

The floor is what any streaming implementation must at least do with the same bytes, on one
thread; the sign floor writes byte for byte the file edoc signed. xmlsec1 runs as a command
(time and memory of its process, via /usr/bin/time); the others are timed inside their child
around the operation only. See benchmarks/README.md.

A child prints one JSON object on stdout; the parent never imports edoc, lxml or
cryptography, so its own memory stays small (it is inherited into the children's
``ru_maxrss`` on Linux).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import (
    CHUNK,
    HERE,
    GiB,
    MiB,
    _file_sha256,
    _FsyncTimer,
    _maxrss_kib,
    _mib,
    _pybase64_simd,
    _unlink,
    _vmhwm_kib,
    envelope_layout,
    generate,
    parse_size,
    revision,
    size_label,
)

COPY_CHUNK = 1 * MiB  # the parent's buffer: small, because children inherit its peak RSS
RATIO_TARGET = 1.3
RSS_TARGET_MIB = 64
RSS_TARGET_FROM = 1 * GiB  # the issue states the memory target at 1 GB
TIME_BIN = "/usr/bin/time"

DSIG = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
# The same template as tests/test_verify.py (exclusive C14N, enveloped + exc-c14n transforms).
TEMPLATE = (
    f'<ds:Signature xmlns:ds="{DSIG}"><ds:SignedInfo>'
    f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/>'
    f'<ds:SignatureMethod Algorithm="{RSA_SHA256}"/>'
    f'<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="{ENVELOPED}"/>'
    f'<ds:Transform Algorithm="{EXC_C14N}"/></ds:Transforms>'
    f'<ds:DigestMethod Algorithm="{SHA256}"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>'
    "<ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data>"
    "</ds:KeyInfo></ds:Signature>"
)
PLACEHOLDER = f'<ds:Signature xmlns:ds="{DSIG}" Id="placeholder"></ds:Signature>'
HEADER_END = b"    </edXML:edXMLHeader>"
# What the floors sign and verify: the size of edoc's SignedInfo (the RSA cost does not depend
# on it; the SHA-256 of 700 bytes is nothing).
SIGNED_INFO = b"<SignedInfo>" + b"x" * 700 + b"</SignedInfo>"

OPS = ("sign", "verify")
IMPLS = ("edoc", "floor", "xmlsec1", "signxml")
PEERS = ("xmlsec1", "signxml")

# --------------------------------------------------------------------------------------
# child side: one operation, measured, reported as JSON on stdout
# --------------------------------------------------------------------------------------


def _measured(base: int, t0: float, c0: float, **extra: Any) -> dict[str, Any]:
    """Closes a measurement: call right after the operation."""
    c1 = time.process_time()
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "cpu_seconds": c1 - c0,  # all threads, user + system
        "baseline_kib": base,
        "peak_kib": _maxrss_kib(),
        "vmhwm_kib": _vmhwm_kib(),
        **extra,
    }


def _header() -> Any:
    import datetime as dt

    import edoc

    return edoc.MessageHeader(
        from_=edoc.Organization(organ_id="000.00.00.G22"),
        to=[edoc.Organization(organ_id="000.00.00.H41")],
        code=edoc.Code(number="7816", notation="VPCP-TTĐT"),
        promulgation_info=edoc.PromulgationInfo(promulgation_date=dt.date(2015, 9, 30)),
        document_type=edoc.DocumentType(type_code=1, type_name="Công văn"),
        subject="V/v benchmark",
    )


def _package(path: str) -> Any:
    import edoc

    return edoc.EdocPackage(
        header=_header(),
        attachments=[edoc.Attachment.from_path(path, content_type="application/pdf")],
    )


def child_pki(a: dict[str, Any]) -> dict[str, Any]:
    """An RSA-2048 CA and signer (the logic of tests/pki.py): ca.pem, key.pem, cert.pem."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        )

    def cert(subject: str, public_key: Any, ca_key: Any, *, ca: bool) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC)
        usage = dict.fromkeys(
            ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"],
            False,
        )  # fmt: skip
        usage.update(
            key_cert_sign=ca, crl_sign=ca, digital_signature=not ca, content_commitment=not ca
        )
        return (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name("edoc benchmark CA"))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(**usage), critical=True)
            .sign(ca_key, hashes.SHA256())
        )

    d = Path(a["dir"])
    pem = serialization.Encoding.PEM
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = cert("edoc benchmark CA", ca_key.public_key(), ca_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = cert("Văn thư benchmark", key.public_key(), ca_key, ca=False)
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (d / "ca.pem").write_bytes(ca.public_bytes(pem))
    (d / "cert.pem").write_bytes(signer.public_bytes(pem))
    (d / "key.pem").write_bytes(key_pem + signer.public_bytes(pem))  # key and its certificate
    return {"ok": True}


def child_unsigned(a: dict[str, Any]) -> dict[str, Any]:
    """edoc's unsigned package: what xmlsec1 and signxml sign (not timed)."""
    import edoc

    result = edoc.write(_package(a["input"]), a["output"])
    return {"bytes_out": result.size}


def child_edoc_sign(a: dict[str, Any]) -> dict[str, Any]:
    from edoc.signing import load_pem, sign_package

    key = load_pem(a["key"])  # before the timing, as the floor loads its key
    fsync = _FsyncTimer()
    os.fsync = fsync  # accounting only; edoc's code is unchanged
    base = _maxrss_kib()
    t0, c0 = time.perf_counter(), time.process_time()
    result = sign_package(_package(a["input"]), a["output"], key=key)
    return _measured(
        base,
        t0,
        c0,
        fsync_seconds=fsync.seconds,
        bytes_out=result.size,
        sha256_out=result.sha256,
    )


def _private_key(path: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    with open(path, "rb") as fh:
        return serialization.load_pem_private_key(fh.read(), password=None)


def child_floor_sign(a: dict[str, Any]) -> dict[str, Any]:
    import pybase64
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    chunk_size = a["chunk"]
    if chunk_size % 3:
        raise SystemExit("the encode chunk must be a multiple of 3")
    key = _private_key(a["key"])
    # edoc's envelope around the base64 (its signature block included), copied from its
    # signed package: the floor writes the very same bytes at the same offsets.
    head, tail = bytes.fromhex(a["head"]), bytes.fromhex(a["tail"])
    base = _maxrss_kib()
    t0, c0 = time.perf_counter(), time.process_time()
    sha = hashlib.sha256(head)
    size = len(head)
    with open(a["input"], "rb") as src, open(a["output"], "wb") as out:
        out.write(head)
        while chunk := src.read(chunk_size):
            enc = pybase64.b64encode(chunk)
            sha.update(enc)
            out.write(enc)
            size += len(enc)
        sha.update(tail)
        out.write(tail)
        size += len(tail)
        digest = sha.digest()
        key.sign(SIGNED_INFO + digest, padding.PKCS1v15(), hashes.SHA256())
        out.flush()
        tf = time.perf_counter()
        os.fsync(out.fileno())  # edoc fsyncs (atomic write); so does the floor
        fsync_seconds = time.perf_counter() - tf
    return _measured(
        base, t0, c0, fsync_seconds=fsync_seconds, bytes_out=size, sha256_out=digest.hex()
    )


def child_edoc_verify(a: dict[str, Any]) -> dict[str, Any]:
    import gc

    import edoc
    from edoc.signing.trust import TrustStore
    from edoc.signing.verifier import verify

    trust = TrustStore.from_pem(a["ca"])  # before the timing, as the floor loads its key
    limits = edoc.Limits(
        max_bytes=max(2 * GiB, 2 * a["package_size"]),
        max_attachment_bytes=max(2 * GiB, 2 * a["size"]),
    )
    base = _maxrss_kib()
    t0, c0 = time.perf_counter(), time.process_time()
    result = verify(a["input"], trust=trust, limits=limits, spool_dir=a["spool_dir"])
    out = _measured(base, t0, c0)
    att = result.package.attachments[0]
    out["bytes_out"] = att.size
    out["spooled"] = type(att.content).__name__ == "FileContent"
    if a["check"]:  # outside the timing and after the peak was taken
        out["sha256_out"] = (
            _file_sha256(att.content.path)
            if out["spooled"]
            else hashlib.sha256(att.read_bytes()).hexdigest()
        )
    del att, result  # drop the result: the spool file goes with it
    gc.collect()
    out["spool_left"] = sorted(os.listdir(a["spool_dir"]))
    return out


def child_floor_verify(a: dict[str, Any]) -> dict[str, Any]:
    import pybase64
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    chunk_size = a["chunk"]
    if chunk_size % 4:
        raise SystemExit("the decode chunk must be a multiple of 4")
    key = _private_key(a["key"])
    public = key.public_key()
    signature = key.sign(SIGNED_INFO, padding.PKCS1v15(), hashes.SHA256())
    base = _maxrss_kib()
    t0, c0 = time.perf_counter(), time.process_time()
    sha = hashlib.sha256()
    size = 0
    with open(a["input"], "rb") as src, open(a["output"], "wb") as out:
        # edoc's signed package: read and hash the envelope, decode exactly the base64 run,
        # then read and hash the tail: every byte is read and hashed once.
        sha.update(src.read(a["head_len"]))
        left = a["b64_len"]
        while left:
            chunk = src.read(min(chunk_size, left))
            if not chunk:
                raise SystemExit("the package is shorter than expected")
            left -= len(chunk)
            sha.update(chunk)
            raw = pybase64.b64decode(chunk, validate=True)
            out.write(raw)
            size += len(raw)
        sha.update(src.read())
    sha.digest()
    public.verify(signature, SIGNED_INFO, padding.PKCS1v15(), hashes.SHA256())
    out_ = _measured(base, t0, c0, bytes_out=size)
    if a["check"]:
        out_["sha256_out"] = _file_sha256(a["output"])
    return out_


def child_command(a: dict[str, Any]) -> dict[str, Any]:
    """Runs a command (xmlsec1) as a process: wall time here, memory from /usr/bin/time."""
    import resource

    argv = a["argv"]
    stat = a.get("stat")
    if stat:
        argv = [TIME_BIN, "-f", "%M %U %S %e", "-o", stat, *argv]
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out: dict[str, Any] = {
        "seconds": seconds,  # spawn to exit: process start, library loading, the operation
        "cpu_seconds": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime),
        "returncode": proc.returncode,
        "stderr": proc.stderr[-2000:],
    }
    if stat:
        # GNU time: the child's ru_maxrss (KiB). It includes what the exec'd process inherits
        # from the forked /usr/bin/time (about 2 MiB), not this Python wrapper.
        fields = Path(stat).read_text().strip().splitlines()[-1].split()
        out["peak_kib"] = int(fields[0])
        out["rss_method"] = "/usr/bin/time %M"
    else:
        # Without /usr/bin/time: RUSAGE_CHILDREN's maxrss, which on Linux also counts this
        # wrapper's RSS carried over the fork/exec (a few MiB of Python).
        out["peak_kib"] = r1.ru_maxrss
        out["rss_method"] = "RUSAGE_CHILDREN ru_maxrss of a Python wrapper"
    out["vmhwm_kib"] = None
    return out


def _huge_parser() -> Any:
    from lxml import etree

    # lxml refuses text nodes over 10 MB without huge_tree; the attachment is one text node.
    return etree.XMLParser(huge_tree=True, resolve_entities=False)


def child_signxml_sign(a: dict[str, Any]) -> dict[str, Any]:
    import signxml
    from lxml import etree

    key = _private_key(a["key"])
    cert = Path(a["cert"]).read_text()
    base = _maxrss_kib()
    t0, c0 = time.perf_counter(), time.process_time()
    parser = _huge_parser()
    root = etree.parse(a["input"], parser).getroot()
    signer = signxml.XMLSigner(
        method=signxml.methods.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm=EXC_C14N,
    )
    signer._parser = parser  # signxml re-parses its input; its default parser is not huge
    signed = signer.sign(root, key=key, cert=cert)
    signed.getroottree().write(a["output"], encoding="UTF-8", xml_declaration=True)
    return _measured(base, t0, c0)


def child_signxml_verify(a: dict[str, Any]) -> dict[str, Any]:
    import signxml

    config = signxml.SignatureConfiguration(
        signature_methods=frozenset([signxml.algorithms.SignatureMethod.RSA_SHA256]),
        require_x509=True,
    )
    base = _maxrss_kib()
    t0, c0 = time.perf_counter(), time.process_time()
    with open(a["input"], "rb") as fh:
        data = fh.read()
    result = signxml.XMLVerifier().verify(
        data, ca_pem_file=a["ca"], parser=_huge_parser(), expect_config=config
    )
    out = _measured(base, t0, c0)
    del result, data
    return out


def child_check(a: dict[str, Any]) -> dict[str, Any]:
    """edoc.verify of a peer's signed output (not timed): the peers did the whole job."""
    import edoc
    from edoc.signing.trust import TrustStore
    from edoc.signing.verifier import verify

    limits = edoc.Limits(max_bytes=4 * GiB, max_attachment_bytes=4 * GiB)
    try:
        result = verify(
            a["input"],
            trust=TrustStore.from_pem(a["ca"]),
            limits=limits,
            spool_dir=a["spool_dir"],
        )
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    att = result.package.attachments[0]
    digest = (
        _file_sha256(att.content.path)
        if type(att.content).__name__ == "FileContent"
        else hashlib.sha256(att.read_bytes()).hexdigest()
    )
    return {"ok": True, "sha256_out": digest}


def child_info(_: dict[str, Any]) -> dict[str, Any]:
    from importlib.metadata import version

    import cryptography
    import pybase64
    from cryptography.hazmat.backends.openssl.backend import backend
    from lxml import etree

    import edoc

    return {
        "edoc": edoc.__version__,
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
        "pybase64": pybase64.__version__,
        "pybase64_simd": _pybase64_simd(pybase64),
        "signxml": version("signxml"),
        "cryptography": cryptography.__version__,
        "openssl": backend.openssl_version_text(),
    }


CHILDREN = {
    "pki": child_pki,
    "unsigned": child_unsigned,
    "edoc-sign": child_edoc_sign,
    "floor-sign": child_floor_sign,
    "edoc-verify": child_edoc_verify,
    "floor-verify": child_floor_verify,
    "command": child_command,
    "signxml-sign": child_signxml_sign,
    "signxml-verify": child_signxml_verify,
    "check": child_check,
    "info": child_info,
}

# --------------------------------------------------------------------------------------
# parent side
# --------------------------------------------------------------------------------------


class ChildFailed(Exception):
    pass


def run_child(op: str, args: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", op, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        raise ChildFailed(f"child {op} failed (exit {proc.returncode}): {tail[0][:300]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def xmlsec1_version(xmlsec1: str) -> str:
    try:
        return subprocess.run(
            [xmlsec1, "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine(info: dict[str, Any], xmlsec1: str | None) -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu
            )
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "revision": revision(),
        "nproc": usable,
        "cpu": cpu,
        "memory_gib": round(meminfo_kib("MemTotal") / (1 << 20), 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "xmlsec1": xmlsec1_version(xmlsec1) if xmlsec1 else "not found",
        **info,
    }


def meminfo_kib(field: str) -> int:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


_BUF: list[bytearray] = []


def _buffer() -> memoryview:
    """The parent's one copy buffer (allocated once, in the parent only)."""
    if not _BUF:
        _BUF.append(bytearray(COPY_CHUNK))
    return memoryview(_BUF[0])


def _warm(*paths: Path) -> None:
    """Read a file through once (discarded), so the operation reads it from the page cache."""
    view = _buffer()
    for p in paths:
        with open(p, "rb", buffering=0) as fh:
            while fh.readinto(view):
                pass


def _prepare(output: Path | None, *inputs: Path) -> None:
    """Before each child: a new output file, no pending writeback, warm inputs."""
    if output is not None:
        _unlink(output)
    if hasattr(os, "sync"):
        os.sync()  # one operation's writeback does not land in the next one's time
    _warm(*inputs)


def insert_before_header_end(src: Path, dst: Path, block: str) -> None:
    """Copy edoc's unsigned package with ``block`` as the last child of edXMLHeader."""
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        first = fi.read(1 << 16)
        i = first.find(HEADER_END)
        if i < 0:
            raise SystemExit(f"no {HEADER_END!r} in the first 64 KiB of {src}")
        fo.write(first[:i] + block.encode() + b"\n" + first[i:])
        view = _buffer()
        while n := fi.readinto(view):
            fo.write(view[:n])


def peer_plan(
    size: int, package_bytes: int, limits: dict[str, int], xmlsec1: str | None
) -> dict[str, str | None]:
    """Which peers run at this size: None, or why not."""
    avail = meminfo_kib("MemAvailable") * 1024
    # Rough needs, from the figures (xmlsec1 1.3 GiB at 500 MB; signxml 840 MiB at
    # 100 MB) with a margin: both hold the whole document (and copies of it) in memory.
    need = {"xmlsec1": 3 * package_bytes + GiB, "signxml": 12 * size + GiB}
    plan: dict[str, str | None] = {}
    for peer in PEERS:
        if peer == "xmlsec1" and xmlsec1 is None:
            plan[peer] = "xmlsec1 not found"
        elif size > limits[peer]:
            plan[peer] = f"skipped above {size_label(limits[peer])} (the size limit for {peer})"
        elif avail and need[peer] > avail:
            plan[peer] = (
                f"skipped: needs about {need[peer] / GiB:.1f} GiB, {avail / GiB:.1f} GiB available"
            )
        else:
            plan[peer] = None
    return plan


def bench_size(
    size: int,
    repeat: int,
    warmup: int,
    work: Path,
    chunk: int,
    limits: dict[str, int],
    xmlsec1: str | None,
    xmlsec1_baseline: dict[str, Any] | None,
) -> dict[str, Any]:
    label = size_label(size)
    src = work / f"attachment-{label}.pdf"
    signed = work / f"signed-{label}.edxml"
    unsigned = work / f"unsigned-{label}.edxml"
    tmpl = work / f"xmlsec1-template-{label}.edxml"
    placeholder = work / f"signxml-placeholder-{label}.edxml"
    floor_out = work / f"floor-{label}.edxml"
    floor_dec = work / f"floor-{label}.dec"
    peer_out = work / f"peer-signed-{label}.edxml"
    stat = work / "time.txt"
    spool = work / "spool"
    spool.mkdir(exist_ok=True)
    key, cert, ca = work / "key.pem", work / "cert.pem", work / "ca.pem"
    expected = generate(src, size)

    run_child("unsigned", {"input": str(src), "output": str(unsigned)})
    package_bytes_unsigned = unsigned.stat().st_size
    per_peer = peer_plan(size, package_bytes_unsigned, limits, xmlsec1)
    # Per operation: None (runs), or why not. A failure stops that operation at this size.
    plan = {f"{p}-{op}": per_peer[p] for p in PEERS for op in OPS}
    if per_peer["xmlsec1"] is None:
        insert_before_header_end(unsigned, tmpl, TEMPLATE)
    if per_peer["signxml"] is None:
        insert_before_header_end(unsigned, placeholder, PLACEHOLDER)
    _unlink(unsigned)

    runs: dict[str, list[dict[str, Any]]] = {f"{impl}-{op}": [] for impl in IMPLS for op in OPS}
    checks: dict[str, str] = {}

    def peer(name: str, op: str, fn: Any) -> dict[str, Any] | None:
        """Runs a peer's operation; a failure skips it at this size, with the reason."""
        if plan[f"{name}-{op}"] is not None:
            return None
        try:
            res = fn()
        except ChildFailed as exc:
            plan[f"{name}-{op}"] = f"failed: {exc}"
            return None
        if res.get("returncode", 0) != 0:
            plan[f"{name}-{op}"] = f"failed (exit {res['returncode']}): {_why(res['stderr'])}"
            return None
        return res

    def xmlsec1_run(argv: list[str], inputs: Path, output: Path | None) -> Any:
        def go() -> dict[str, Any]:
            _prepare(output, inputs)
            return run_child("command", {
                "argv": argv, "stat": str(stat) if shutil.which(TIME_BIN) else None,
            })  # fmt: skip

        return go

    def signxml_sign() -> dict[str, Any]:
        _prepare(peer_out, placeholder)
        return run_child("signxml-sign", {
            "input": str(placeholder), "output": str(peer_out), "key": str(key),
            "cert": str(cert),
        })  # fmt: skip

    def signxml_verify() -> dict[str, Any]:
        _prepare(None, signed)
        return run_child("signxml-verify", {"input": str(signed), "ca": str(ca)})

    for r in range(warmup + repeat):
        check = r == 0  # outputs are checked once (outside the timings)
        results: dict[str, dict[str, Any] | None] = {}

        _prepare(signed, src)
        es = run_child("edoc-sign", {"input": str(src), "output": str(signed), "key": str(key)})
        layout = envelope_layout(signed, size)
        results["edoc-sign"] = es

        _prepare(floor_out, src)
        fs = run_child("floor-sign", {
            "input": str(src), "output": str(floor_out), "chunk": chunk, "key": str(key),
            "head": layout["head"].hex(), "tail": layout["tail"].hex(),
        })  # fmt: skip
        if fs["sha256_out"] != es["sha256_out"]:
            raise SystemExit("the sign floor's bytes differ from edoc's signed package")
        _unlink(floor_out)
        results["floor-sign"] = fs

        _prepare(None, signed)
        ev = run_child("edoc-verify", {
            "input": str(signed), "ca": str(ca), "spool_dir": str(spool), "size": size,
            "package_size": signed.stat().st_size, "check": check,
        })  # fmt: skip
        if check and ev["sha256_out"] != expected:
            raise SystemExit(f"edoc verify decoded {label} wrongly (SHA-256 differs)")
        if ev["spool_left"]:
            raise SystemExit(f"edoc verify left spool files behind: {ev['spool_left']}")
        if ev["bytes_out"] != size:
            raise SystemExit(f"edoc verify decoded {ev['bytes_out']} bytes, expected {size}")
        results["edoc-verify"] = ev

        _prepare(floor_dec, signed)
        fv = run_child("floor-verify", {
            "input": str(signed), "output": str(floor_dec), "chunk": chunk, "key": str(key),
            "head_len": len(layout["head"]), "b64_len": layout["b64_len"], "check": check,
        })  # fmt: skip
        if (check and fv["sha256_out"] != expected) or fv["bytes_out"] != size:
            raise SystemExit("the verify floor decoded wrongly")
        _unlink(floor_dec)
        results["floor-verify"] = fv

        assert xmlsec1 is not None or per_peer["xmlsec1"] is not None
        results["xmlsec1-sign"] = peer("xmlsec1", "sign", xmlsec1_run(
            [str(xmlsec1), "--sign", "--privkey-pem", f"{key},{cert}",
             "--output", str(peer_out), str(tmpl)], tmpl, peer_out,
        ))  # fmt: skip
        if results["xmlsec1-sign"] is not None and check:
            ok = run_child(
                "check", {"input": str(peer_out), "ca": str(ca), "spool_dir": str(spool)}
            )
            checks["xmlsec1-sign"] = _check_text(ok, expected)
        _unlink(peer_out)
        results["xmlsec1-verify"] = peer("xmlsec1", "verify", xmlsec1_run(
            [str(xmlsec1), "--verify", "--trusted-pem", str(ca), str(signed)], signed, None,
        ))  # fmt: skip

        results["signxml-sign"] = peer("signxml", "sign", signxml_sign)
        if results["signxml-sign"] is not None and check:
            ok = run_child(
                "check", {"input": str(peer_out), "ca": str(ca), "spool_dir": str(spool)}
            )
            checks["signxml-sign"] = _check_text(ok, expected)
        _unlink(peer_out)

        results["signxml-verify"] = peer("signxml", "verify", signxml_verify)

        if r >= warmup:
            for op, res in results.items():
                if res is not None:
                    runs[op].append(res)
    for what, why in plan.items():  # failed in a later round: incomplete runs, dropped
        if why is not None:
            runs[what] = []
    out = {
        "size": size,
        "package_bytes": signed.stat().st_size,
        "base64_bytes": 4 * ((size + 2) // 3),
        "peers": plan,
        "checks": checks,
        "xmlsec1_baseline": xmlsec1_baseline,
        "runs": runs,
        "best": {op: min(rs, key=lambda x: x["seconds"]) for op, rs in runs.items() if rs},
        "peak": {op: max(rs, key=lambda x: x["peak_kib"]) for op, rs in runs.items() if rs},
    }
    _unlink(src, signed, tmpl, placeholder, floor_out, floor_dec, peer_out, stat)
    return out


def _why(stderr: str) -> str:
    """The telling line of a command's error output (libxml2's parser error, if any)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in lines:
        m = re.search(r":(\d+): parser error : (.*)", ln)
        if m:
            return f"libxml2 parser error at line {m.group(1)}: {m.group(2)}"
    return " | ".join(lines[:3]) or "no message"


def _check_text(res: dict[str, Any], expected: str) -> str:
    if not res["ok"]:
        raise SystemExit(f"a peer's signed package does not verify with edoc: {res['error']}")
    if res["sha256_out"] != expected:
        raise SystemExit("a peer's signed package carries a different attachment")
    return "edoc.verify accepts it; attachment intact"


def rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    size = result["size"]
    best, peak, runs = result["best"], result["peak"], result["runs"]
    out = []
    for op in OPS:
        floor_s = best[f"floor-{op}"]["seconds"]
        edoc_s = best[f"edoc-{op}"]["seconds"]
        for impl in IMPLS:
            key = f"{impl}-{op}"
            row: dict[str, Any] = {"size": size_label(size), "op": op, "impl": impl}
            if key not in best:
                row["skipped"] = result["peers"].get(key) or "no runs"
                out.append(row)
                continue
            b, p = best[key], peak[key]
            if impl == "xmlsec1":
                xb = result["xmlsec1_baseline"]
                base = xb["peak_kib"] if xb else 0
            else:
                base = p["baseline_kib"]
            row.update(
                {
                    "seconds": b["seconds"],
                    "cpu_seconds": min(x["cpu_seconds"] for x in runs[key]),
                    "mb_s": size / 1e6 / b["seconds"],
                    "peak_mib": _mib(p["peak_kib"]),
                    "delta_mib": _mib(p["peak_kib"] - base),
                    "x_floor": b["seconds"] / floor_s,
                    "edoc_over": edoc_s / b["seconds"],
                }
            )
            if impl in ("edoc", "floor") and op == "sign":
                row["fsync_seconds"] = b["fsync_seconds"]
            if impl == "edoc":
                row["ratio_pass"] = row["x_floor"] <= RATIO_TARGET
                row["rss_pass"] = (
                    row["delta_mib"] < RSS_TARGET_MIB if size >= RSS_TARGET_FROM else None
                )
                if op == "verify":
                    row["spooled"] = b["spooled"]
            out.append(row)
    return out


def print_table(all_rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'size':>4} {'op':<6} {'impl':<7} {'wall s':>8} {'CPU s':>7} {'MB/s':>6} "
        f"{'peak MiB':>9} {'(Δ)':>8} {'x floor':>7} {'edoc/this':>9}  targets"
    )
    print(head)
    print("-" * (len(head) + 22))
    last = None
    for r in all_rows:
        if last is not None and (r["size"], r["op"]) != last:
            print()
        last = (r["size"], r["op"])
        lead = f"{r['size']:>4} {r['op']:<6} {r['impl']:<7}"
        if "skipped" in r:
            print(f"{lead} {'-':>8}  {r['skipped'][:110]}")
            continue
        targets = ""
        if r["impl"] == "edoc":
            rss = "-" if r["rss_pass"] is None else ("PASS" if r["rss_pass"] else "FAIL")
            targets = f"time≤{RATIO_TARGET}x {'PASS' if r['ratio_pass'] else 'FAIL'}, Δ<64 {rss}"
        edoc_over = "" if r["impl"] == "edoc" else f"{r['edoc_over']:.2f}"
        print(
            f"{lead} {r['seconds']:8.3f} {r['cpu_seconds']:7.3f} {r['mb_s']:6.0f} "
            f"{r['peak_mib']:9.1f} ({r['delta_mib']:6.1f}) {r['x_floor']:7.2f} "
            f"{edoc_over:>9}  {targets}"
        )


def print_notes(results: list[dict[str, Any]], all_rows: list[dict[str, Any]]) -> None:
    print()
    by = {(r["size"], r["op"], r["impl"]): r for r in all_rows}
    for res in results:
        label = size_label(res["size"])
        e, f = by[(label, "sign", "edoc")], by[(label, "sign", "floor")]
        es, fs = e["seconds"] - e["fsync_seconds"], f["seconds"] - f["fsync_seconds"]
        print(
            f"{label:>4} sign    fsync inside the times: edoc {e['fsync_seconds']:.3f} s, "
            f"floor {f['fsync_seconds']:.3f} s; without it {es:.3f} / {fs:.3f} s "
            f"-> ratio {es / fs:.2f}"
        )
        for op in OPS:
            e, f = by[(label, op, "edoc")], by[(label, op, "floor")]
            print(
                f"{label:>4} {op:<7} CPU s, all threads (least of the runs): edoc "
                f"{e['cpu_seconds']:.3f}, floor {f['cpu_seconds']:.3f} -> ratio "
                f"{e['cpu_seconds'] / f['cpu_seconds']:.2f}; edoc CPU/wall "
                f"{e['cpu_seconds'] / e['seconds']:.2f} (> 1: a second core at work)"
            )
        v = by[(label, "verify", "edoc")]
        if not v["spooled"]:
            print(f"{label:>4} verify  edoc kept the decoded attachment in memory (≤ 1 MiB)")
        for what, text in res["checks"].items():
            print(f"{label:>4} {what}: {text}")
        for what, why in res["peers"].items():
            if why is not None:
                print(f"{label:>4} {what}: {why}")


def main(argv: list[str] | None = None) -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        op, payload = sys.argv[2], json.loads(sys.argv[3])
        print(json.dumps(CHILDREN[op](payload)))
        return 0

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes",
        default="1M,100M,1G",
        help="attachment sizes, binary units (1M = 1 MiB); default 1M,100M,1G",
    )
    ap.add_argument(
        "--repeat", type=int, default=3, help="counted runs per operation; the best time is kept"
    )
    ap.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="uncounted rounds first (fresh page-cache memory is slow on VMs)",
    )
    ap.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where files go (default: a temp dir under benchmarks/.work/, removed)",
    )
    ap.add_argument(
        "--chunk",
        type=parse_size,
        default=CHUNK,
        help="floor chunk size, a multiple of 12 (default 3M)",
    )
    ap.add_argument(
        "--skip-peers-above",
        type=parse_size,
        default=None,
        help="skip xmlsec1 and signxml for sizes above this (sets both limits below)",
    )
    ap.add_argument(
        "--skip-signxml-above",
        type=parse_size,
        default=100 * MiB,
        help="skip signxml for sizes above this (default 100M: at 1G it needs ~10 GiB, and "
        "lxml's libxml2 refuses text nodes over 10^9 bytes even with huge_tree)",
    )
    ap.add_argument(
        "--skip-xmlsec1-above",
        type=parse_size,
        default=1 * GiB,
        help="skip xmlsec1 for sizes above this (default 1G)",
    )
    ap.add_argument("--xmlsec1", default=shutil.which("xmlsec1"), help="the xmlsec1 binary")
    ap.add_argument("--json", type=Path, default=None, help="also write all figures here")
    ap.add_argument("--check", action="store_true", help="exit 1 if a target fails")
    args = ap.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if args.repeat < 1 or args.warmup < 0 or args.chunk % 12:
        ap.error("--repeat must be >= 1, --warmup >= 0 and --chunk a multiple of 12")
    limits = {"xmlsec1": args.skip_xmlsec1_above, "signxml": args.skip_signxml_above}
    if args.skip_peers_above is not None:
        limits = dict.fromkeys(PEERS, args.skip_peers_above)

    info = run_child("info", {})
    mach = machine(info, args.xmlsec1)
    has_time = shutil.which(TIME_BIN) is not None
    print("edoc sign/verify benchmark")
    print(
        f"machine: nproc={mach['nproc']}  cpu={mach['cpu']}  {mach['memory_gib']} GiB  {mach['os']}"
    )
    print(
        f"python {mach['python']}  edoc {mach['edoc']} ({mach['revision']})  lxml {mach['lxml']} "
        f"(libxml2 {mach['libxml2']})  pybase64 {mach['pybase64']} ({mach['pybase64_simd']})"
    )
    print(
        f"{mach['xmlsec1']}  signxml {mach['signxml']}  cryptography {mach['cryptography']} "
        f"({mach['openssl']})  RSA-2048, rsa-sha256, exclusive C14N"
    )
    print(
        f"repeat={args.repeat} after warmup={args.warmup} (best time, highest peak)  "
        f"floor chunk={size_label(args.chunk)}  page cache: warm for all (inputs read "
        f"through before each child)"
    )

    own = args.workdir is None
    if own:
        (HERE / ".work").mkdir(exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="bench-sign-", dir=HERE / ".work"))
    else:
        work = args.workdir
        work.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(work).free
    need = max(sizes, default=0) * 7
    if free < need:
        raise SystemExit(f"{work} has {free / GiB:.1f} GiB free; about {need / GiB:.1f} GiB needed")
    print(f"workdir: {work}")

    results = []
    xmlsec1_baseline = None
    try:
        run_child("pki", {"dir": str(work)})
        if args.xmlsec1:
            stat = work / "time.txt"
            xmlsec1_baseline = min(
                (
                    run_child(
                        "command",
                        {
                            "argv": [args.xmlsec1, "--version"],
                            "stat": str(stat) if has_time else None,
                        },
                    )
                    for _ in range(3)
                ),
                key=lambda x: x["seconds"],
            )
            print(
                f"xmlsec1 measured as a process, spawn to exit, peak RSS by "
                f"{xmlsec1_baseline['rss_method']}; `xmlsec1 --version` takes "
                f"{xmlsec1_baseline['seconds'] * 1e3:.1f} ms and "
                f"{_mib(xmlsec1_baseline['peak_kib']):.1f} MiB (its Δ baseline)"
            )
        print()
        for size in sizes:
            t = time.perf_counter()
            print(f"  {size_label(size)} ...", end="", flush=True, file=sys.stderr)
            results.append(
                bench_size(
                    size,
                    args.repeat,
                    args.warmup,
                    work,
                    args.chunk,
                    limits,
                    args.xmlsec1,
                    xmlsec1_baseline,
                )
            )
            print(f" {time.perf_counter() - t:.0f} s", file=sys.stderr)
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
            with contextlib.suppress(OSError):
                (HERE / ".work").rmdir()  # only if empty

    all_rows = [row for res in results for row in rows(res)]
    print_table(all_rows)
    print_notes(results, all_rows)
    failed = [
        r
        for r in all_rows
        if r["impl"] == "edoc" and (not r["ratio_pass"] or r["rss_pass"] is False)
    ]
    print()
    print(
        "x floor: wall time / the floor's; edoc/this: edoc's wall time / this one's (< 1: edoc "
        "is faster). Δ: peak minus the child's after-import baseline (xmlsec1: minus "
        "`xmlsec1 --version`)."
    )
    print(
        f"targets: edoc time <= {RATIO_TARGET}x floor; edoc peak RSS minus its after-import "
        f"baseline < {RSS_TARGET_MIB} MiB at >= {size_label(RSS_TARGET_FROM)}. "
        f"{'all PASS' if not failed else f'{len(failed)} row(s) FAIL'}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": mach,
                    "args": {
                        "sizes": args.sizes,
                        "repeat": args.repeat,
                        "warmup": args.warmup,
                        "chunk": args.chunk,
                        "peer_limits": limits,
                    },
                    "xmlsec1_baseline": xmlsec1_baseline,
                    "rows": all_rows,
                    "results": results,
                },
                indent=2,
            )
        )
    return 1 if (args.check and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
