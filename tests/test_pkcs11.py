"""Token keys on a real SoftHSM2: signing verified by edoc, xmlsec1 and signxml; every
error produced against the token; PINs never shown."""

from __future__ import annotations

import gc
import logging
import os
import pickle
import shutil
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
import signxml
from cryptography import x509

import edoc
from conftest import make_package
from edoc.signing import SignatureMethod, sign_package
from edoc.signing.keys import KeyLoadError
from edoc.signing.pkcs11 import (
    MODULE_ENV,
    Pin,
    PinSource,
    Pkcs11Key,
    Pkcs11Uri,
    TokenError,
    pin_from_env,
    pin_from_file,
)
from edoc.signing.trust import TrustStore
from edoc.signing.verifier import verify
from pki_token import USER_PIN, KeySpec, SoftHsm, find_softhsm, make_softhsm, write_conf

MODULE, UTIL = find_softhsm()
XMLSEC1 = shutil.which("xmlsec1")
WRONG_PIN = "97531864"
MAIN = "edoc-main"
SECRETS = (USER_PIN, WRONG_PIN)


@pytest.fixture(scope="session")
def hsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    """A SoftHSM2 token dir for this run: keys generated on the tokens, certificates beside."""
    pytest.importorskip(
        "pkcs11",
        reason="python-pkcs11 is not installed: pip install 'edoc-edxml[pkcs11]'",
        exc_type=ImportError,
    )
    if MODULE is None or UTIL is None:
        pytest.skip("SoftHSM2 is not installed (Debian package softhsm2)")
    saved = os.environ.get("SOFTHSM2_CONF")
    ec = "ec256"
    tokens = {
        MAIN: [
            KeySpec("rsa2048", "rsa2048", b"\x01"),
            KeySpec("ec256", "ec256", b"\x02"),
            KeySpec("ec384", "ec384", b"\x03"),
            KeySpec("nocert", ec, b"\x04", certificate=False),
            KeySpec("nosign", ec, b"\x05", sign=False),
            KeySpec("twin", ec, b"\x06"),
            KeySpec("twin", ec, b"\x07"),
            KeySpec("always", ec, b"\x08", always_authenticate=True),
        ],
        "edoc-pin": [KeySpec("k", ec, b"\x01")],
    }
    yield make_softhsm(tmp_path_factory.mktemp("softhsm"), tokens, locked=["edoc-locked"])
    if saved is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = saved


def _open(hsm: SoftHsm, path: str, pin: PinSource | None = USER_PIN, **kw: object) -> Pkcs11Key:
    return Pkcs11Key.open(f"pkcs11:{path}", pin=pin, module=hsm.module, **kw)  # type: ignore[arg-type]


def _package() -> edoc.EdocPackage:
    return make_package(**{"qd.pdf": b"%PDF-1.4 " + bytes(range(256)) * 8})


def _signxml_verify(data: bytes, ca: Path) -> None:
    config = signxml.SignatureConfiguration(
        signature_methods=frozenset(signxml.algorithms.SignatureMethod), require_x509=True
    )
    signxml.XMLVerifier().verify(data, ca_pem_file=str(ca), expect_config=config)


def _xmlsec1_has(method: SignatureMethod) -> bool:
    if XMLSEC1 is None:
        return False
    version = subprocess.run([XMLSEC1, "--version"], capture_output=True, text=True).stdout
    return method.family != "rsa-pss" or not version.startswith("xmlsec1 1.2")


def _verify_everywhere(path: Path, hsm: SoftHsm, method: SignatureMethod, label: str) -> None:
    result = verify(path, trust=TrustStore.from_pem(hsm.ca_pem))
    assert result.algorithm is method
    assert result.signer == hsm.certificates[label]
    _signxml_verify(path.read_bytes(), hsm.ca_pem)
    if _xmlsec1_has(method):  # Debian's xmlsec1 1.2 has no RSA-PSS; signxml checked it
        assert XMLSEC1 is not None
        r = subprocess.run([XMLSEC1, "--verify", "--trusted-pem", str(hsm.ca_pem), str(path)],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert "SignedInfo References (ok/all): 1/1" in r.stderr


def _texts(exc: BaseException) -> str:
    """Everything an exception can show: str, repr, the formatted chain, and the repr of
    every local of every frame in the chain (as traceback(capture_locals=True) would)."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        todo += [e.__cause__, e.__context__]
        for frame, _ in traceback.walk_tb(e.__traceback__):
            if frame.f_code.co_filename == __file__:
                continue  # this file's frames hold the PINs the tests pass on purpose
            for name, value in frame.f_locals.items():
                try:
                    parts.append(f"{name}={value!r} {value!s}")
                except Exception:  # python-pkcs11's objects cannot repr once closed
                    parts.append(f"{name}=<{type(value).__name__}>")
    return "\n".join(parts)


# --- signing ---------------------------------------------------------------------------

CASES = [
    ("rsa2048", "default", SignatureMethod.RSA_SHA256),
    ("rsa2048", "tt15-2025", SignatureMethod.RSA_PSS_SHA256),
    ("ec256", "default", SignatureMethod.ECDSA_SHA256),
    ("ec384", "tt15-2025", SignatureMethod.ECDSA_SHA384),
]


@pytest.mark.parametrize(("label", "policy", "method"), CASES)
def test_token_keys_sign_packages_that_edoc_xmlsec1_and_signxml_verify(
    hsm: SoftHsm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, label: str, policy: str,
    method: SignatureMethod,
) -> None:  # fmt: skip
    out = tmp_path / "signed.edxml"
    monkeypatch.setenv("EDOC_TEST_PIN", USER_PIN)
    with _open(hsm, f"token={MAIN};object={label}", pin=pin_from_env("EDOC_TEST_PIN")) as key:
        assert key.certificates == (hsm.certificates[label],)  # read from the token
        assert (key.family, key.key_size) == (
            ("rsa", 2048) if label == "rsa2048" else ("ec", int(label[2:]))
        )
        sign_package(_package(), out, key=key, policy=policy)
    assert key.closed
    _verify_everywhere(out, hsm, method, label)


def test_uri_forms_module_sources_and_certificates_given_by_the_caller(
    hsm: SoftHsm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # module-path in the URI, the id as percent-encoded bytes
    with Pkcs11Key.open(f"pkcs11:token={MAIN};id=%02?module-path={hsm.module}", pin=USER_PIN) as k:
        assert k.certificates[0] == hsm.certificates["ec256"]
    # the module from $EDOC_PKCS11_MODULE; the token by serial, the slot by id
    monkeypatch.setenv(MODULE_ENV, hsm.module)
    with Pkcs11Key.open(f"pkcs11:token={MAIN};object=ec384", pin=USER_PIN) as k:
        import pkcs11

        token = pkcs11.lib(hsm.module).get_token(token_label=MAIN)
        serial, slot = token.serial.decode(), token.slot.slot_id
    with Pkcs11Key.open(f"pkcs11:serial={serial};slot-id={slot};object=ec384", pin=USER_PIN) as k:
        assert k.key_size == 384
    # no certificate on the token: the caller's; a wrong one is refused
    with _open(hsm, f"token={MAIN};object=nocert") as k:
        assert k.certificates == ()
    with pytest.raises(TokenError, match="does not belong to the private key") as info:
        _open(hsm, f"token={MAIN};object=nocert", certificates=[hsm.certificates["ec256"]])
    assert info.value.reason == "certificate"
    ca = x509_ca(hsm)
    with _open(hsm, f"token={MAIN};object=nocert",
               certificates=[hsm.certificates["nocert"]], chain=[ca]) as k:  # fmt: skip
        assert k.certificates == (hsm.certificates["nocert"], ca)
        sign_package(_package(), tmp_path / "n.edxml", key=k)
    _verify_everywhere(tmp_path / "n.edxml", hsm, SignatureMethod.ECDSA_SHA256, "nocert")


def x509_ca(hsm: SoftHsm) -> x509.Certificate:
    return x509.load_pem_x509_certificate(hsm.ca_pem.read_bytes())


def test_pin_sources_a_callable_and_the_uris_pin_source(hsm: SoftHsm, tmp_path: Path) -> None:
    asked: list[int] = []

    def prompt() -> Pin:
        asked.append(1)
        return Pin(USER_PIN, source="the test prompt")

    with _open(hsm, f"token={MAIN};object=always", pin=prompt) as key:
        assert asked == [1]  # asked once, for the login and every signature
        assert key.sign(b"x", SignatureMethod.ECDSA_SHA256)
    asked.clear()
    with _open(hsm, "token=edoc-pin;object=k", pin=prompt) as key:
        assert asked == [1]  # the token wanted a PIN
        with _open(hsm, "token=edoc-pin;object=k", pin=prompt):
            assert asked == [1]  # already logged in: not asked again
        assert key.sign(b"x", SignatureMethod.ECDSA_SHA256)
    pin_file = tmp_path / "pin"
    pin_file.write_text(USER_PIN)
    pin_file.chmod(0o600)
    uri = f"pkcs11:token=edoc-pin;object=k?module-path={hsm.module}&pin-source=file:{pin_file}"
    assert str(Pkcs11Uri.parse(uri)) == uri
    with Pkcs11Key.open(uri) as key:
        assert key.key_size == 256


def test_a_key_that_needs_the_pin_at_every_signature(hsm: SoftHsm, tmp_path: Path) -> None:
    with _open(hsm, f"token={MAIN};object=always") as key:
        sign_package(_package(), tmp_path / "a.edxml", key=key)
        sign_package(_package(), tmp_path / "b.edxml", key=key)
    _verify_everywhere(tmp_path / "b.edxml", hsm, SignatureMethod.ECDSA_SHA256, "always")


def test_keys_on_one_token_share_its_login(hsm: SoftHsm) -> None:
    """python-pkcs11 logs the whole token out when a logged-in session closes: closing one
    key must not break the other, and a second key's PIN is still checked."""
    from edoc.signing import _pkcs11_session as mod

    a = _open(hsm, f"token={MAIN};object=ec256")
    b = _open(hsm, f"token={MAIN};object=rsa2048")
    with pytest.raises(TokenError, match="differs from the PIN this process logged in with") as e:
        _open(hsm, f"token={MAIN};object=ec384", pin=WRONG_PIN)
    assert e.value.reason == "pin-incorrect"
    a.close()
    a.close()
    assert len(b.sign(b"<SignedInfo/>", SignatureMethod.RSA_SHA256)) == 256
    with pytest.raises(TokenError, match="is closed") as closed:
        a.sign(b"x", SignatureMethod.ECDSA_SHA256)
    assert closed.value.reason == "closed"
    del b
    gc.collect()  # the finalizer closes the session and, last, the login
    assert not any(k[0] == hsm.module for k in mod._LOGINS)


def test_a_session_that_ends_under_the_key_is_a_signing_error(hsm: SoftHsm) -> None:
    """The token logs the process out (here: edoc's login session is closed behind the
    key's back, as a token pulled out and put back would): SoftHSM2 refuses the key."""
    import pkcs11

    from edoc.signing import SigningError
    from edoc.signing import _pkcs11_session as mod

    with _open(hsm, "token=edoc-pin;object=k") as key:
        (login,) = [v for k, v in mod._LOGINS.items() if k[0] == hsm.module]
        assert login.session is not None
        login.session.close()  # C_Logout + C_CloseSession
        with pytest.raises(
            SigningError, match="token 'edoc-pin' was removed or its session ended"
        ) as e:
            key.sign(b"x", SignatureMethod.ECDSA_SHA256)
        assert isinstance(e.value.__cause__, pkcs11.PKCS11Error)
    assert not any(k[0] == hsm.module for k in mod._LOGINS)


# --- errors, each produced against SoftHSM2 --------------------------------------------


def test_module_not_found_or_not_a_pkcs11_module(
    hsm: SoftHsm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(TokenError, match=r"PKCS#11 module /nonexistent/libp11\.so not found") as e:
        Pkcs11Key.open("pkcs11:token=x", pin=USER_PIN, module="/nonexistent/libp11.so")
    assert e.value.reason == "module"
    fake = tmp_path / "libfake.so"
    fake.write_text("not a shared object")
    with pytest.raises(TokenError, match="cannot be loaded as a PKCS#11 module") as e:
        Pkcs11Key.open("pkcs11:token=x", pin=USER_PIN, module=fake)
    assert str(e.value) == f"{fake} cannot be loaded as a PKCS#11 module: file too short"
    import pkcs11._pkcs11

    not_pkcs11 = pkcs11._pkcs11.__file__  # a shared object without C_GetFunctionList
    with pytest.raises(TokenError, match="undefined symbol: C_GetFunctionList") as e:
        Pkcs11Key.open("pkcs11:token=x", pin=USER_PIN, module=not_pkcs11)
    monkeypatch.delenv(MODULE_ENV, raising=False)
    with pytest.raises(TokenError, match=f"no PKCS#11 module: .* or set {MODULE_ENV}") as e:
        Pkcs11Key.open("pkcs11:token=x", pin=USER_PIN)


def test_token_absent(hsm: SoftHsm) -> None:
    with pytest.raises(TokenError) as e:
        _open(hsm, "token=VPCP;object=van-thu")
    assert e.value.reason == "token"
    assert str(e.value) == (
        f"no token token=VPCP in {hsm.module} (tokens present: 'edoc-locked', '{MAIN}', 'edoc-pin')"
    )
    with pytest.raises(TokenError, match="no token slot-id=4242 in") as e:
        _open(hsm, "slot-id=4242;object=van-thu")


def test_wrong_pin(hsm: SoftHsm, monkeypatch: pytest.MonkeyPatch) -> None:
    import pkcs11

    monkeypatch.setenv("EDOC_TEST_PIN", WRONG_PIN)
    with pytest.raises(TokenError) as e:
        _open(hsm, "token=edoc-pin;object=k", pin=pin_from_env("EDOC_TEST_PIN"))
    assert e.value.reason == "pin-incorrect"
    assert e.value.token == "edoc-pin"
    assert str(e.value).startswith(
        "wrong PIN for token 'edoc-pin' (from environment variable EDOC_TEST_PIN)"
    )
    assert isinstance(e.value, KeyLoadError)
    assert isinstance(e.value.__cause__, pkcs11.PinIncorrect)  # SoftHSM2's CKR_PIN_INCORRECT
    with _open(hsm, "token=edoc-pin;object=k") as key:  # the right PIN still works
        assert key.key_size == 256


def test_pin_required(hsm: SoftHsm) -> None:
    with pytest.raises(TokenError, match="token 'edoc-pin' needs a PIN and none was given") as e:
        _open(hsm, "token=edoc-pin;object=k", pin=None)
    assert e.value.reason == "pin-required"


def test_locked_pin(hsm: SoftHsm) -> None:
    """SoftHSM2 never locks a user PIN (it only sets CKF_USER_PIN_COUNT_LOW, and logs in
    with the right PIN whatever its flags say). This token's file has CKF_USER_PIN_LOCKED
    planted; SoftHSM2 reports it in C_GetTokenInfo and edoc sends no PIN to such a token."""
    with pytest.raises(TokenError) as e:
        _open(hsm, "token=edoc-locked")
    assert e.value.reason == "pin-locked"
    assert str(e.value) == (
        "the user PIN of token 'edoc-locked' is locked after too many wrong PINs; the token's "
        "security officer must unblock it (no login was tried)"
    )


def test_locked_pin_from_c_login_is_mapped(hsm: SoftHsm) -> None:
    """CKR_PIN_LOCKED from C_Login itself (a real token's answer, which SoftHSM2 never
    gives): the mapping, with the exception python-pkcs11 raises for it."""
    import pkcs11

    from edoc.signing.pkcs11 import _login_error  # type: ignore[attr-defined]

    token = pkcs11.lib(hsm.module).get_token(token_label="edoc-pin")
    err = _login_error(pkcs11.PinLocked(), "VPCP", Pin(USER_PIN), token)
    assert (err.reason, str(err)) == ("pin-locked", (
        "the user PIN of token 'VPCP' is locked after too many wrong PINs; the token's "
        "security officer must unblock it"))  # fmt: skip


def test_key_not_found_or_ambiguous(hsm: SoftHsm) -> None:
    with pytest.raises(TokenError) as e:
        _open(hsm, f"token={MAIN};object=van-thu")
    assert e.value.reason == "key-not-found"
    assert str(e.value) == (
        f"no private key object=van-thu on token '{MAIN}' (private keys on it: 'always', "
        "'ec256', 'ec384', 'nocert', 'nosign', 'rsa2048', 'twin')"
    )
    with pytest.raises(TokenError, match=r"no private key id=%ff on token") as e:
        _open(hsm, f"token={MAIN};id=%FF")
    with pytest.raises(TokenError, match="2 private keys match object=twin") as e:
        _open(hsm, f"token={MAIN};object=twin")
    assert e.value.reason == "key-ambiguous"
    with _open(hsm, f"token={MAIN};object=twin;id=%07") as key:
        assert key.certificates == (hsm.certificates["twin"],)


def test_key_without_sign_permission(hsm: SoftHsm) -> None:
    with pytest.raises(TokenError) as e:
        _open(hsm, f"token={MAIN};object=nosign")
    assert e.value.reason == "key-not-permitted"
    assert str(e.value) == (
        f"the private key object=nosign on token '{MAIN}' is not allowed to sign "
        "(CKA_SIGN is false)"
    )


def test_method_the_key_cannot_use(hsm: SoftHsm) -> None:
    with _open(hsm, f"token={MAIN};object=ec256") as key:
        assert not key.supports(SignatureMethod.RSA_SHA256)
        assert key.supports(SignatureMethod.ECDSA_SHA384)
        with pytest.raises(edoc.errors.InputError, match="a ec key cannot sign with RSA_SHA256"):
            key.sign(b"x", SignatureMethod.RSA_SHA256)


# --- the CLI; tokens with fewer mechanisms (SoftHSM2's slots.mechanisms) --------------


def _cli(hsm: SoftHsm, tmp_path: Path, *args: str | Path, conf: Path | None = None,
         **env: str) -> subprocess.CompletedProcess[str]:  # fmt: skip
    environ = {**os.environ, "SOFTHSM2_CONF": str(conf or hsm.conf)}
    environ.pop(MODULE_ENV, None)
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "edoc", "sign", *map(str, args)], env=environ,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)  # fmt: skip


@pytest.fixture
def unsigned(tmp_path: Path) -> Path:
    path = tmp_path / "in.edxml"
    edoc.write(_package(), path)
    return path


def test_cli_signs_with_a_token_key_and_the_pin_from_the_environment(
    hsm: SoftHsm, tmp_path: Path, unsigned: Path
) -> None:
    out = tmp_path / "out.edxml"
    r = _cli(hsm, tmp_path, unsigned, "-o", out, "--key", f"pkcs11:token={MAIN};object=ec256",
             "--pin-env", "EDOC_PIN", EDOC_PIN=USER_PIN, EDOC_PKCS11_MODULE=hsm.module)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "sha256" in r.stdout
    _verify_everywhere(out, hsm, SignatureMethod.ECDSA_SHA256, "ec256")
    pin_file = tmp_path / "pin.txt"
    pin_file.write_text(USER_PIN + "\n")
    pin_file.chmod(0o600)
    out2 = tmp_path / "out2.edxml"
    r = _cli(hsm, tmp_path, unsigned, "-o", out2, "--policy", "tt15-2025", "--key",
             f"pkcs11:token={MAIN};object=rsa2048?module-path={hsm.module}",
             "--pin-file", pin_file)  # fmt: skip
    assert r.returncode == 0, r.stderr
    _verify_everywhere(out2, hsm, SignatureMethod.RSA_PSS_SHA256, "rsa2048")


def test_cli_errors_name_the_problem_and_never_the_pin(
    hsm: SoftHsm, tmp_path: Path, unsigned: Path
) -> None:
    out = tmp_path / "out.edxml"
    key = f"pkcs11:token=edoc-pin;object=k?module-path={hsm.module}"
    r = _cli(hsm, tmp_path, unsigned, "-o", out, "--key", key, "--pin-env", "EDOC_PIN",
             EDOC_PIN=WRONG_PIN)  # fmt: skip
    assert r.returncode == 1
    assert "edoc: wrong PIN for token 'edoc-pin' (from environment variable EDOC_PIN)" in r.stderr
    assert WRONG_PIN not in r.stderr + r.stdout
    assert not out.exists()
    r = _cli(hsm, tmp_path, unsigned, "-o", out, "--key", key)  # no PIN, stdin not a terminal
    assert r.returncode == 1
    assert "edoc: token 'edoc-pin' needs a PIN and none was given" in r.stderr
    r = _cli(hsm, tmp_path, unsigned, "-o", out, "--key", key, "--password-env", "X")
    assert r.returncode == 2
    assert "a token key takes --pin-env or --pin-file, not a password" in r.stderr
    r = _cli(hsm, tmp_path, unsigned, "-o", out, "--key", hsm.file_keys["k"], "--pin-env", "X")
    assert r.returncode == 2
    assert "--pin-env, --pin-file and --pkcs11-module are for pkcs11: keys" in r.stderr
    r = _cli(
        hsm, tmp_path, unsigned, "-o", out, "--key", f"pkcs11:token=edoc-pin;pin-value={WRONG_PIN}"
    )
    assert r.returncode == 1
    assert "edoc: edoc does not take a PIN inside the URI (pin-value)" in r.stderr
    assert WRONG_PIN not in r.stderr


def test_mechanism_unsupported_by_the_token(hsm: SoftHsm, tmp_path: Path, unsigned: Path) -> None:
    """A SoftHSM2 whose slots offer RSA PKCS#1 v1.5 and ECDSA but no RSA-PSS."""
    conf = write_conf(tmp_path / "no-pss.conf", hsm.tokendir,
                      mechanisms="CKM_RSA_PKCS,CKM_SHA256_RSA_PKCS,CKM_ECDSA")  # fmt: skip
    out = tmp_path / "out.edxml"
    key = f"pkcs11:token={MAIN};object=rsa2048?module-path={hsm.module}"
    r = _cli(hsm, tmp_path, unsigned, "-o", out, "--key", key, "--pin-env", "EDOC_PIN",
             "--policy", "tt15-2025", conf=conf, EDOC_PIN=USER_PIN)  # fmt: skip
    assert r.returncode == 1
    assert (
        f"edoc: token '{MAIN}' cannot sign with RSA_PSS_SHA256 "
        "(http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1): it offers neither "
        "CKM_SHA256_RSA_PKCS_PSS nor CKM_RSA_PKCS_PSS"
    ) in r.stderr
    assert not out.exists()
    r = _cli(hsm, tmp_path, unsigned, "-o", out, "--key", key, "--pin-env", "EDOC_PIN",
             conf=conf, EDOC_PIN=USER_PIN)  # fmt: skip
    assert r.returncode == 0, r.stderr  # the same token still signs PKCS#1 v1.5
    _verify_everywhere(out, hsm, SignatureMethod.RSA_SHA256, "rsa2048")


@pytest.mark.parametrize(
    ("label", "policy", "method"),
    [
        ("rsa2048", "default", SignatureMethod.RSA_SHA256),
        ("rsa2048", "tt15-2025", SignatureMethod.RSA_PSS_SHA256),
        ("ec384", "default", SignatureMethod.ECDSA_SHA384),
    ],
)
def test_tokens_without_hashing_mechanisms_sign_a_digest_made_by_edoc(
    hsm: SoftHsm, tmp_path: Path, unsigned: Path, label: str, policy: str, method: SignatureMethod
) -> None:
    """Slots that offer only CKM_RSA_PKCS, CKM_RSA_PKCS_PSS and CKM_ECDSA (as many smart
    cards do): edoc hashes, adds the DigestInfo for PKCS#1 v1.5, and the token signs."""
    conf = write_conf(tmp_path / "raw.conf", hsm.tokendir,
                      mechanisms="CKM_RSA_PKCS,CKM_RSA_PKCS_PSS,CKM_ECDSA")  # fmt: skip
    out = tmp_path / "out.edxml"
    r = _cli(hsm, tmp_path, unsigned, "-o", out, "--key",
             f"pkcs11:token={MAIN};object={label}?module-path={hsm.module}",
             "--pin-env", "EDOC_PIN", "--policy", policy, conf=conf, EDOC_PIN=USER_PIN)  # fmt: skip
    assert r.returncode == 0, r.stderr
    _verify_everywhere(out, hsm, method, label)


# --- PINs --------------------------------------------------------------------------------


def test_no_pin_in_logs_reprs_exceptions_or_tracebacks(
    hsm: SoftHsm, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    pin = Pin(USER_PIN, source="test")
    with _open(hsm, f"token={MAIN};object=rsa2048", pin=pin) as key:
        sign_package(_package(), tmp_path / "s.edxml", key=key)
        shown += [repr(key), str(key), repr(pin), str(pin), f"{pin}", f"{pin!r}", f"{pin:>20}"]
        try:
            key.sign(b"x", SignatureMethod.ECDSA_SHA256)
        except edoc.errors.InputError as exc:
            shown.append(_texts(exc))
    attempts = [
        ("token=edoc-pin;object=k", WRONG_PIN),  # the token says no
        (f"token={MAIN};object=ec384", WRONG_PIN),  # checked against the open login
        (f"token={MAIN};object=nosign", USER_PIN),  # logged in, then refused
        (f"token={MAIN};object=missing", USER_PIN),
        ("token=edoc-locked", USER_PIN),
    ]
    with _open(hsm, f"token={MAIN};object=ec256"):
        for path, value in attempts:
            with pytest.raises(TokenError) as e:
                _open(hsm, path, pin=Pin(value, source="test"))
            shown.append(_texts(e.value))
            with pytest.raises(TokenError) as e:
                _open(hsm, path, pin=value)  # a plain str is wrapped at once
            shown.append(_texts(e.value))
    for uri in (
        f"pkcs11:token={MAIN}?pin-value={USER_PIN}",
        f"pkcs11:token={MAIN};pin-value={USER_PIN}",
    ):
        with pytest.raises(TokenError) as e:
            Pkcs11Key.open(uri, module=hsm.module)
        shown.append(_texts(e.value))
    assert "pin-value" in str(e.value)
    shown.append(caplog.text)
    assert "logged in to token" in caplog.text
    for text in shown:
        for secret in SECRETS:
            assert secret not in text


def test_pin_wrapper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    pin = Pin("1234", source="test")
    assert repr(pin) == str(pin) == f"{pin}" == "<Pin from test: ***>"
    assert pin.reveal() == "1234"
    with pytest.raises(TypeError):
        pickle.dumps(pin)
    with pytest.raises(TypeError):
        vars(pin)
    with pytest.raises(TokenError, match="the PIN from test is empty"):
        Pin("", source="test")
    monkeypatch.delenv("EDOC_NO_PIN", raising=False)
    with pytest.raises(TokenError, match="the environment variable EDOC_NO_PIN is not set"):
        pin_from_env("EDOC_NO_PIN")
    monkeypatch.setenv("EDOC_PIN_X", "5678")
    assert pin_from_env("EDOC_PIN_X").reveal() == "5678"
    f = tmp_path / "pin"
    f.write_text("9012\r\n")
    f.chmod(0o644)
    caplog.set_level(logging.WARNING)
    got = pin_from_file(f)
    assert (got.reveal(), got.source) == ("9012", f"file {f}")
    assert "can be read by other users" in caplog.text
    assert "9012" not in caplog.text
    with pytest.raises(TokenError, match=f"cannot read the PIN file {tmp_path / 'none'}"):
        pin_from_file(tmp_path / "none")


# --- URIs and the missing extra ---------------------------------------------------------


def test_uri_parsing() -> None:
    uri = Pkcs11Uri.parse(
        "pkcs11:token=V%C4%83n%20th%C6%B0;object=van-thu;id=%01%02;slot-id=3;type=private;"
        "x-vendor=1?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin"
    )
    assert uri.get("token") == "Văn thư"
    assert uri.id == b"\x01\x02"
    assert uri.get("slot-id") == "3"
    assert uri.module_path == "/usr/lib/softhsm/libsofthsm2.so"
    assert uri.pin_source == "file:/run/pin"
    assert Pkcs11Uri.parse(str(uri)) == uri
    bad = {
        "file:key.pem": "starts with pkcs11:",
        "pkcs11:tokn=VPCP": "unknown or misplaced pkcs11: URI path attribute 'tokn'",
        "pkcs11:token=a;token=b": "repeats 'token'",
        "pkcs11:slot-id=one": "'slot-id' is not a number",
        "pkcs11:token=a?module-name=softhsm2": "module-name is not supported",
        "pkcs11:token=a?pin-value=secret-1": "does not take a PIN inside the URI",
    }
    for text, message in bad.items():
        with pytest.raises(TokenError, match=message) as e:
            Pkcs11Uri.parse(text)
        assert e.value.reason == "uri"
        assert "secret-1" not in str(e.value)


def test_without_python_pkcs11_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pkcs11", None)
    with pytest.raises(
        TokenError, match=r"needs python-pkcs11: pip install 'edoc-edxml\[pkcs11\]'"
    ) as e:  # noqa: E501
        Pkcs11Key.open("pkcs11:token=VPCP;object=van-thu", pin="1234", module=__file__)
    assert e.value.reason == "backend"


def test_token_key_signature_value_is_the_xmldsig_form(hsm: SoftHsm) -> None:
    """ECDSA from the token is r || s (64 bytes on P-256), checked with cryptography."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    data = b"<SignedInfo>...</SignedInfo>"
    with _open(hsm, f"token={MAIN};object=ec256") as key:
        value = key.sign(data, SignatureMethod.ECDSA_SHA256)
    assert len(value) == 64
    der = encode_dss_signature(int.from_bytes(value[:32], "big"), int.from_bytes(value[32:], "big"))
    public = hsm.certificates["ec256"].public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(der, data, ec.ECDSA(hashes.SHA256()))
