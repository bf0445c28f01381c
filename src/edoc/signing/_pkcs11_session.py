"""PKCS#11 plumbing for :mod:`edoc.signing.pkcs11`: loading the module, finding the token,
and the one login per token and process that the keys on it share (see that module's
docstring for why python-pkcs11 makes this necessary)."""

from __future__ import annotations

import hmac
import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from edoc.errors import TokenError
from edoc.signing._pkcs11_uri import _INSTALL, MODULE_ENV, Pin, PinSource, Pkcs11Uri

if TYPE_CHECKING:
    import pkcs11
    from pkcs11._pkcs11 import lib as _Lib

log = logging.getLogger("edoc.signing.pkcs11")


# ---------------------------------------------------------------------------------------
# Backend and module loading
# ---------------------------------------------------------------------------------------


def _backend() -> None:
    try:
        import pkcs11  # noqa: F401
    except ImportError as exc:
        raise TokenError(
            f"signing with a PKCS#11 token needs python-pkcs11: {_INSTALL}", reason="backend"
        ) from exc


def _module_path(uri: Pkcs11Uri, module: str | os.PathLike[str] | None) -> str:
    path = (
        os.fspath(module) if module is not None else uri.module_path or os.environ.get(MODULE_ENV)
    )
    if not path:
        raise TokenError(
            f"no PKCS#11 module: put module-path=... in the URI, pass module=, or set {MODULE_ENV} "
            "(SoftHSM2 on Debian: /usr/lib/softhsm/libsofthsm2.so)",
            reason="module",
        )
    if os.sep in path and not os.path.isfile(path):
        raise TokenError(f"PKCS#11 module {path} not found", reason="module")
    return path


def _load(path: str) -> _Lib:
    _backend()
    import pkcs11

    try:
        return pkcs11.lib(path)
    except pkcs11.PKCS11Error as exc:
        why = str(exc).removeprefix(f"OS exception while loading {path}: ")
        if why.startswith(os.sep) and ": " in why:
            why = why.partition(": ")[2]  # dlerror() names the file first
        raise TokenError(
            f"{path} cannot be loaded as a PKCS#11 module: {why}", reason="module"
        ) from exc


def _token_text(value: str) -> str:
    return value.rstrip(" \x00")


def _find_token(lib: _Lib, uri: Pkcs11Uri, module: str) -> pkcs11.Token:
    import pkcs11

    wanted_slot = uri.get("slot-id")
    checks: list[tuple[str, Callable[[pkcs11.Slot, pkcs11.Token], str]]] = [
        ("token", lambda s, t: _token_text(t.label)),
        ("serial", lambda s, t: t.serial.decode("ascii", "replace").strip()),
        ("manufacturer", lambda s, t: _token_text(t.manufacturer_id)),
        ("model", lambda s, t: _token_text(t.model)),
        ("slot-description", lambda s, t: _token_text(s.slot_description)),
        ("slot-manufacturer", lambda s, t: _token_text(s.manufacturer_id)),
    ]
    lib_checks = {
        "library-manufacturer": _token_text(lib.manufacturer_id),
        "library-description": _token_text(lib.library_description),
        "library-version": "{}.{}".format(*lib.library_version),
    }
    for name, have in lib_checks.items():
        want = uri.get(name)
        if want is not None and want != have:
            raise TokenError(
                f"the module {module} is {name} {have!r}, not {want!r}", reason="token"
            )
    present: list[str] = []
    found: list[pkcs11.Token] = []
    try:
        slots = lib.get_slots(token_present=True)
    except pkcs11.PKCS11Error as exc:
        raise TokenError(
            f"the module {module} lists no slots: {type(exc).__name__}", reason="token"
        ) from exc
    for slot in slots:
        if wanted_slot is not None and slot.slot_id != int(wanted_slot):
            continue
        try:
            token = slot.get_token()
        except (pkcs11.TokenNotPresent, pkcs11.TokenNotRecognised):
            continue
        if not token.flags & pkcs11.TokenFlag.TOKEN_INITIALIZED:
            if wanted_slot is not None:
                raise TokenError(
                    f"the token in slot {wanted_slot} is not initialised", reason="token"
                )
            continue
        present.append(repr(_token_text(token.label)))
        if all(uri.get(name) in (None, get(slot, token)) for name, get in checks):
            found.append(token)
    selector = " ".join(
        f"{n}={uri.get(n)}" for n in ("slot-id", *(c[0] for c in checks)) if uri.get(n) is not None
    )
    if not found:
        others = (
            f"tokens present: {', '.join(sorted(present))}" if present else "no token is present"
        )
        raise TokenError(f"no token {selector or 'at all'} in {module} ({others})", reason="token")
    if len(found) > 1:
        raise TokenError(
            f"{len(found)} tokens match {selector or 'the URI'} in {module} "
            f"({', '.join(sorted(present))}): add token= or serial= to the URI",
            reason="token",
        )
    return found[0]


# ---------------------------------------------------------------------------------------
# Logins: one per token and process, shared by the keys on it
# ---------------------------------------------------------------------------------------

_MAC_KEY = os.urandom(32)
_LOGINS: dict[tuple[str, int, bytes], _Login] = {}
_LOGINS_LOCK = threading.Lock()


@attrs.define
class _Login:
    session: pkcs11.Session | None
    """The logged-in session; None when the process was logged in outside edoc."""
    pin_mac: bytes | None
    users: int = 0


def _mac(pin: Pin) -> bytes:
    return hmac.new(_MAC_KEY, pin.reveal().encode("utf-8"), "sha256").digest()


def _resolve_pin(pin: PinSource | None) -> Pin | None:
    if pin is None or isinstance(pin, Pin):
        return pin
    if isinstance(pin, str):
        return Pin(pin)
    got = pin()
    return got if isinstance(got, Pin) else Pin(got, source="the prompt")


def _once(ask: Callable[[], Pin | str]) -> Callable[[], Pin]:
    """``ask``, called at most once (the login and a CKA_ALWAYS_AUTHENTICATE key share it)."""
    got: list[Pin] = []

    def once() -> Pin:
        if not got:
            value = ask()
            got.append(value if isinstance(value, Pin) else Pin(value, source="the prompt"))
        return got[0]

    return once


def _acquire(
    module: str, token: pkcs11.Token, pin: PinSource | None, label: str, login_needed: bool
) -> tuple[str, int, bytes] | None:
    """Make sure the process is logged in to ``token``; the registry key to release, if any."""
    import pkcs11

    key = (module, token.slot.slot_id, token.serial)
    with _LOGINS_LOCK:
        login = _LOGINS.get(key)
        if login is not None:
            if isinstance(pin, (Pin, str)) and login.pin_mac is not None:
                given = _resolve_pin(pin)
                assert given is not None
                if not hmac.compare_digest(_mac(given), login.pin_mac):
                    raise TokenError(
                        f"wrong PIN for token {label!r} (from {given.source}): it differs from "
                        "the PIN this process logged in with (the token was not asked)",
                        reason="pin-incorrect",
                        token=label,
                    )
            login.users += 1
            return key
        resolved: Pin | None = None
        pinpad = bool(token.flags & pkcs11.TokenFlag.PROTECTED_AUTHENTICATION_PATH)
        if isinstance(pin, (Pin, str)) or (pin is not None and login_needed and not pinpad):
            resolved = _resolve_pin(pin)
        elif not login_needed:
            return None
        elif not pinpad:
            raise TokenError(
                f"token {label!r} needs a PIN and none was given",
                reason="pin-required",
                token=label,
            )
        new = _open_login(token, resolved, label)
        _LOGINS[key] = new
        new.users += 1
        return key


_LOCKED = (
    "the user PIN of token {!r} is locked after too many wrong PINs; the token's security "
    "officer must unblock it"
)


def _login_error(exc: Exception, label: str, pin: Pin | None, token: pkcs11.Token) -> TokenError:
    """The TokenError for a failed C_Login (at open, or per signature)."""
    import pkcs11

    source = pin.source if pin is not None else "the PIN pad"
    if isinstance(exc, (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange)):
        reason, text = "pin-incorrect", f"wrong PIN for token {label!r} (from {source})"
        try:
            flags = token.slot.get_token().flags
        except pkcs11.PKCS11Error:
            flags = pkcs11.TokenFlag(0)
        if flags & pkcs11.TokenFlag.USER_PIN_FINAL_TRY:
            text += "; one more wrong PIN locks the token"
        elif flags & pkcs11.TokenFlag.USER_PIN_COUNT_LOW:
            text += "; the token counts wrong PINs and may lock after a few"
    elif isinstance(exc, pkcs11.PinLocked):
        reason, text = "pin-locked", _LOCKED.format(label)
    elif isinstance(exc, pkcs11.PinExpired):
        reason, text = "pin-locked", f"the PIN of token {label!r} has expired: change it first"
    elif isinstance(exc, pkcs11.UserPinNotInitialized):
        reason, text = "token", f"token {label!r} has no user PIN set"
    else:
        reason, text = "token", f"cannot log in to token {label!r}: {type(exc).__name__}"
    return TokenError(text, reason=reason, token=label)


def _open_login(token: pkcs11.Token, pin: Pin | None, label: str) -> _Login:
    import pkcs11

    if token.flags & pkcs11.TokenFlag.USER_PIN_LOCKED:
        # Checked first: a token that says it is locked is not sent a PIN at all.
        raise TokenError(_LOCKED.format(label) + " (no login was tried)",
                         reason="pin-locked", token=label)  # fmt: skip
    try:
        session = _open_session(token, pin)
    except pkcs11.UserAlreadyLoggedIn:
        log.debug("token %r: the process is already logged in (outside edoc)", label)
        session = None
    except pkcs11.PKCS11Error as exc:
        raise _login_error(exc, label, pin, token) from exc
    log.debug("logged in to token %r, PIN from %s", label, pin.source if pin else "the PIN pad")
    # A PIN that the token did not check (already logged in) is no reference for later ones.
    return _Login(session, _mac(pin) if pin is not None and session is not None else None)


def _open_session(token: pkcs11.Token, pin: Pin | None) -> pkcs11.Session:
    import pkcs11

    # The PIN goes straight from the wrapper into the call: no local holds it.
    return token.open(user_pin=pin.reveal() if pin is not None else pkcs11.PROTECTED_AUTH)


def _release(key: tuple[str, int, bytes] | None) -> None:
    if key is None:
        return
    with _LOGINS_LOCK:
        login = _LOGINS.get(key)
        if login is None:
            return
        login.users -= 1
        if login.users > 0:
            return
        del _LOGINS[key]
        if login.session is not None:
            try:
                login.session.close()  # C_Logout, then C_CloseSession
            except Exception as exc:  # a token already gone: nothing left to close
                log.debug("closing the login session failed: %s", type(exc).__name__)
