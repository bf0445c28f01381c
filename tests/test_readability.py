"""``edoc.read``, ``edoc inspect``, ``edoc validate`` and ``edoc verify`` agree on what is
readable: on every shared vector, every variant of tests/variants.py, and inputs that must
be refused. Readable means: read returns a package, inspect exits 0, validate does not exit
4 (unreadable), verify does not exit 4 (it exits 3: no valid signature, or 0)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import edoc
import variants as v
from conftest import VECTORS, make_package
from edoc.cli import main
from edoc.errors import ParseError
from edoc.signing import load_pem, sign_package

UNREADABLE = 4


def _refused() -> dict[str, bytes]:
    w = v.written()
    return {
        "not-well-formed": w[: len(w) // 2],
        "doctype": w.replace(b"<edXML xmlns", b'<!DOCTYPE x [<!ENTITY a "b">]><edXML xmlns', 1),
        "no-message-header": v.cut(w, b"<edXML:MessageHeader>", b"</edXML:MessageHeader>"),
        "no-envelope": b'<?xml version="1.0"?><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>',
        "from-without-organ-id": v.cut(w, b"<edXML:OrganId>000.00.00.G22</edXML:OrganId>",
                                       b"</edXML:OrganId>"),
        "subject-twice": v.sub(w, b"<edXML:SignerInfo>",
                               b"<edXML:Subject>x</edXML:Subject><edXML:SignerInfo>"),
    }  # fmt: skip


def _inputs() -> list[tuple[str, bytes, bool]]:
    cases = [(name, make(), True) for name, make in v.VARIANTS.items()]
    cases += [(name, data, False) for name, data in _refused().items()]
    if VECTORS.is_dir():
        broken = {"reference-sdk/edoc_new.edxml", "truclienthong-example/edoc_bad_end_tag.edxml"}
        for p in sorted(VECTORS.rglob("*.edxml")):
            rel = p.relative_to(VECTORS).as_posix()
            cases.append((rel, p.read_bytes(), rel not in broken))
    return cases


INPUTS = _inputs()


@pytest.fixture(scope="module")
def signed(pki: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("signed")
    out = d / "signed.edxml"
    sign_package(make_package(**{"qd.pdf": v.PDF}), out, key=load_pem(pki / "rsa2048.pem"))
    data = out.read_bytes()
    return {
        "signed": data,
        # Readable (an undeclared prefix on an attribute), but with no canonical form.
        "signed-undeclared-prefix": data.replace(
            b"<edXML:Reference>", b'<edXML:Reference xlink:href="">', 1
        ),
    }


def _readable_by_read(data: bytes) -> bool:
    try:
        edoc.read(data)
    except ParseError:
        return False
    return True


def _exit(args: list[str]) -> int:
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code


def _four(data: bytes, path: Path, pki: Path) -> dict[str, bool]:
    path.write_bytes(data)
    return {
        "read": _readable_by_read(data),
        "inspect": _exit(["inspect", str(path)]) != UNREADABLE,
        "validate": _exit(["validate", str(path)]) != UNREADABLE,
        "verify": _exit(_verify_args(path, pki)) != UNREADABLE,
    }


def _verify_args(path: Path, pki: Path) -> list[str]:
    return ["verify", str(path), "--trust", str(pki / "ca.pem"), "--revocation", "none"]


@pytest.mark.parametrize(("name", "data", "readable"), INPUTS, ids=[n for n, *_ in INPUTS])
def test_read_inspect_validate_and_verify_agree(
    name: str, data: bytes, readable: bool, pki: Path, tmp_path: Path
) -> None:
    got = _four(data, tmp_path / "p.edxml", pki)
    assert got == dict.fromkeys(got, readable)


@pytest.mark.parametrize("name", ["signed", "signed-undeclared-prefix"])
def test_signed_packages_agree_too(
    name: str, signed: dict[str, bytes], pki: Path, tmp_path: Path
) -> None:
    got = _four(signed[name], tmp_path / "p.edxml", pki)
    assert got == dict.fromkeys(got, True)
    path = tmp_path / "p.edxml"
    code = _exit(_verify_args(path, pki))
    assert code == (0 if name == "signed" else 3)
