"""One way to read a certificate from a package: every malformation is ``None``.

cryptography parses some fields lazily and raises more than ``ValueError`` for a bad
certificate (``InvalidVersion`` for an X.509 version it does not know), so the verifier,
the validation rules and ``edoc send``'s check each once caught a different subset.
"""

from __future__ import annotations

import base64
import binascii

from cryptography import x509

__all__ = ["load_certificate", "load_certificate_b64"]


def load_certificate(der: bytes) -> x509.Certificate | None:
    """The certificate in ``der``, with its subject, issuer and extensions parsed; ``None``
    when any of them does not parse."""
    try:
        cert = x509.load_der_x509_certificate(der)
        _ = cert.subject, cert.issuer, cert.extensions  # parsed lazily: fail here
    except (ValueError, x509.InvalidVersion):
        return None
    return cert


def load_certificate_b64(text: str) -> x509.Certificate | None:
    """:func:`load_certificate` of base64 text (white space ignored); ``None`` for text that
    is not base64."""
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
    except (ValueError, binascii.Error):
        return None
    return load_certificate(der)
