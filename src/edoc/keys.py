"""Signing keys (``edoc.keys.load_pkcs12(...)``): re-exported from :mod:`edoc.signing.keys`."""

from edoc.errors import KeyLoadError, TokenError
from edoc.signing.keys import FileKey, SigningKey, load_pem, load_pkcs12
from edoc.signing.pkcs11 import (
    Pin,
    Pkcs11Key,
    pin_from_env,
    pin_from_file,
    pin_from_prompt,
)

__all__ = [
    "FileKey",
    "KeyLoadError",
    "Pin",
    "Pkcs11Key",
    "SigningKey",
    "TokenError",
    "load_pem",
    "load_pkcs12",
    "pin_from_env",
    "pin_from_file",
    "pin_from_prompt",
]
