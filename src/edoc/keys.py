"""Signing keys (``edoc.keys.load_pkcs12(...)``): re-exported from :mod:`edoc.signing.keys`."""

from edoc.signing.keys import FileKey, KeyLoadError, SigningKey, load_pem, load_pkcs12

__all__ = ["FileKey", "KeyLoadError", "SigningKey", "load_pem", "load_pkcs12"]
