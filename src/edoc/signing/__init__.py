"""Signing edXML packages (XML-DSig, enveloped, in the xmldsig namespace)."""

from edoc.signing.algorithms import (
    CanonicalizationMethod,
    DigestMethod,
    SignatureMethod,
    SigningPolicy,
)
from edoc.signing.keys import FileKey, KeyLoadError, SigningKey, load_pem, load_pkcs12
from edoc.signing.signer import SigningError, choose_method, sign, sign_package

__all__ = [
    "CanonicalizationMethod",
    "DigestMethod",
    "FileKey",
    "KeyLoadError",
    "SignatureMethod",
    "SigningError",
    "SigningKey",
    "SigningPolicy",
    "choose_method",
    "load_pem",
    "load_pkcs12",
    "sign",
    "sign_package",
]
