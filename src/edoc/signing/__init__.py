"""Signing edXML packages (XML-DSig, enveloped, in the xmldsig namespace)."""

from edoc.errors import KeyLoadError, SigningError, TimeStampError, XadesError
from edoc.signing.algorithms import (
    CanonicalizationMethod,
    DigestMethod,
    SignatureMethod,
    SigningPolicy,
)
from edoc.signing.keys import FileKey, SigningKey, load_pem, load_pkcs12
from edoc.signing.signer import choose_method, sign, sign_package
from edoc.signing.timestamp import TimeStampAuthority, TimeStampInfo
from edoc.signing.xades import SignaturePolicyId, XadesInfo

__all__ = [
    "CanonicalizationMethod",
    "DigestMethod",
    "FileKey",
    "KeyLoadError",
    "SignatureMethod",
    "SignaturePolicyId",
    "SigningError",
    "SigningKey",
    "SigningPolicy",
    "TimeStampAuthority",
    "TimeStampError",
    "TimeStampInfo",
    "XadesError",
    "XadesInfo",
    "choose_method",
    "load_pem",
    "load_pkcs12",
    "sign",
    "sign_package",
]
