"""Bounded fuzzing: mutated packages end in an edoc error or a result, never anything else.

The CI run is short (hypothesis' default budget). A long run:
``HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/hostile/test_fuzz.py``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edoc
from conftest import make_package
from edoc.errors import EdocError
from edoc.signing import load_pem, sign_package
from edoc.signing.trust import TrustStore
from edoc.signing.verifier import VerifyPolicy, verify
from edoc.validation import validate

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.register_profile(
    "long", max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

NOW = dt.datetime(2026, 1, 1, tzinfo=edoc.VN_TZ)
PLAIN = edoc.to_bytes(make_package(**{"qd.pdf": b"%PDF-1.4 " + bytes(range(64))}))

# Splice points that hit structure: tags, attributes, base64, entity-like text.
TOKENS = [
    b"<", b">", b"&", b"&amp;", b"&#0;", b"]]>", b"<!--", b"-->", b"<?x?>", b"<![CDATA[", b'"',
    b"xmlns=''", b'xmlns:edXML="urn:x"', b"<!DOCTYPE a>", b"\x00", b"\xff", b"\r", b"=", b"/",
    b"<Signature xmlns='http://www.w3.org/2000/09/xmldsig#'/>", b"</edXML>", b"\xef\xbb\xbf",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "token", "truncate"]))
        i = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[i] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[i : i + draw(st.integers(1, 16))]
        elif kind == "token":
            data[i:i] = draw(st.sampled_from(TOKENS))
        else:
            del data[i:]
    return bytes(data)


@given(mutated(PLAIN))
def test_read_raises_only_edoc_errors(data: bytes) -> None:
    with contextlib.suppress(EdocError):
        edoc.read(data)


@given(mutated(PLAIN))
def test_validate_never_raises_for_bad_packages(data: bytes) -> None:
    report = validate(data, now=NOW)
    assert report.readable in (True, False)


@pytest.fixture(scope="module")
def signed_and_trust(
    pki: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[bytes, TrustStore]:
    out = tmp_path_factory.mktemp("fuzz") / "s.edxml"
    sign_package(
        make_package(**{"qd.pdf": b"%PDF-1.4 body"}), out, key=load_pem(pki / "rsa2048.pem")
    )
    return out.read_bytes(), TrustStore.from_pem(pki / "ca.pem")


@given(data=st.data())
def test_verify_raises_only_edoc_errors(
    signed_and_trust: tuple[bytes, TrustStore], data: st.DataObject
) -> None:
    signed, trust = signed_and_trust
    mutant = data.draw(mutated(signed))
    for policy in (VerifyPolicy(), VerifyPolicy.legacy()):
        try:
            result = verify(mutant, trust=trust, policy=policy)
        except EdocError:
            continue
        # A mutant that still verifies may only differ outside the canonical form.
        assert isinstance(result.package, edoc.EdocPackage)
        assert result.package.header.subject == make_package().header.subject
