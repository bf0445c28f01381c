"""Every exception and warning edoc raises, in one hierarchy.

::

    EdocError(Exception)
    ├── InputError(EdocError, ValueError)        bad arguments or configuration from the caller
    │   ├── IdentifierError                      an agency code or DocumentId that does not parse
    │   ├── SourceError                          a file or stream that cannot be opened or read
    │   ├── OutputExistsError                    a file to write exists and replacing was not asked
    │   └── KeyLoadError                         a key, certificate or PKCS#12 file is unusable
    │       └── TokenError                       a PKCS#11 module, token, PIN or key (.reason)
    ├── ParseError(EdocError, ValueError)        not well-formed, or not an edXML package
    │   ├── ForbiddenXMLError                    DTD, entity, external reference: refused outright
    │   └── LimitExceededError                   a Limits value was exceeded; raise it to proceed
    ├── ValidationError(EdocError, ValueError)   an operation refuses a package failing validation
    ├── MissingDependencyError(EdocError, ImportError)  an optional extra is not installed
    ├── SignatureError(EdocError)
    │   ├── SigningError                         a signature could not be produced
    │   │   └── TimeStampError                   the time-stamp authority failed or refused
    │   └── InvalidSignatureError                the document must not be trusted (.reason)
    │       ├── SignatureMissingError, SignatureProfileError, DigestMismatchError
    │       ├── UntrustedCertificateError, DisallowedAlgorithmError
    │       └── XadesError, TimeStampTokenError
    ├── TransportError(EdocError)
    │   ├── ConnectError(ConnectionError), TransportTimeout(TimeoutError)   transient
    │   ├── AuthenticationError, RejectedError, ServerError (transient)
    │   ├── ProtocolError
    │   │   └── TransportLimitError
    │   └── StorageError(OSError), UnknownMessageError(LookupError), TransportClosedError
    └── PdfError(EdocError)                      an attached PDF cannot be checked (.reason)
    EdocWarning(UserWarning)
    └── LegacyAlgorithmWarning

Reason codes are ``StrEnum`` members (:class:`Reason`, :class:`TokenReason`,
:class:`PdfErrorReason`): they compare equal to, and serialise as, their text values.
The old homes (``edoc.signing.signer.SigningError``, ``edoc.transport.errors.*``, ...)
re-export these classes; import from here.

Location fields (``element``, ``path``, ``line``, ``column``) are plain optional attributes.
Messages name what was refused and where, are bounded in length, and never echo secrets.
"""

from __future__ import annotations

import sys
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Any

__all__ = [
    "AuthenticationError",
    "ConnectError",
    "DigestMismatchError",
    "DisallowedAlgorithmError",
    "EdocError",
    "EdocWarning",
    "ForbiddenXMLError",
    "IdentifierError",
    "InputError",
    "InvalidSignatureError",
    "KeyLoadError",
    "LegacyAlgorithmWarning",
    "LimitExceededError",
    "MissingDependencyError",
    "OutputExistsError",
    "ParseError",
    "PdfError",
    "PdfErrorReason",
    "ProtocolError",
    "Reason",
    "RejectedError",
    "ServerError",
    "SignatureError",
    "SignatureMissingError",
    "SignatureProfileError",
    "SigningError",
    "SourceError",
    "StorageError",
    "TimeStampError",
    "TimeStampTokenError",
    "TokenError",
    "TokenReason",
    "TransportClosedError",
    "TransportError",
    "TransportLimitError",
    "TransportTimeout",
    "UnknownMessageError",
    "UntrustedCertificateError",
    "ValidationError",
    "XadesError",
]

_MAX_ECHO = 80


def shorten(text: str, limit: int = _MAX_ECHO) -> str:
    """Return ``text`` cut to ``limit`` characters, for echoing untrusted input in messages."""
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Reason(StrEnum):
    """Why a signature is not trusted: the ``reason`` of :class:`InvalidSignatureError`, of
    ``edoc.Verifier``'s result and of a PDF signature's verdict. The values are stable: they
    appear in JSON reports and scripts. What each means in ETSI EN 319 102-1 terms is the
    table ``edoc.signing.assessment.INDICATIONS``."""

    INVALID = "invalid"
    # the XML signature itself (edoc.verify)
    MISSING = "missing"
    PROFILE = "profile"
    FORMAT = "format"
    C14N = "c14n"
    EDXML_DIALECT = "edxml-dialect"
    DIGEST_MISMATCH = "digest-mismatch"
    SIGNATURE_VALUE = "signature-value"
    ALGORITHM = "algorithm"
    KEY_SIZE = "key-size"
    KEY_TYPE = "key-type"
    NO_CERTIFICATE = "no-certificate"
    PLACEHOLDER_CERTIFICATE = "placeholder-certificate"
    # XAdES qualifying properties
    XADES_FORMAT = "xades-format"
    XADES_PROFILE = "xades-profile"
    XADES_SIGNING_CERTIFICATE = "xades-signing-certificate"
    TIMESTAMP_ORDER = "timestamp-order"
    # RFC 3161 time-stamp tokens
    TIMESTAMP = "timestamp"
    TIMESTAMP_ALGORITHM = "timestamp-algorithm"
    TIMESTAMP_CERTIFICATE = "timestamp-certificate"
    TIMESTAMP_FORMAT = "timestamp-format"
    TIMESTAMP_IMPRINT = "timestamp-imprint"
    TIMESTAMP_NONCE = "timestamp-nonce"
    TIMESTAMP_SIGNATURE = "timestamp-signature"
    # the certificate path and its revocation
    UNTRUSTED_CHAIN = "untrusted-chain"
    CHAIN_CONSTRAINTS = "chain-constraints"
    KEY_USAGE = "key-usage"
    CERTIFICATE_NOT_YET_VALID = "certificate-not-yet-valid"
    CERTIFICATE_EXPIRED = "certificate-expired"
    REVOKED = "revoked"
    REVOCATION_STALE = "revocation-stale"
    REVOCATION_UNAVAILABLE = "revocation-unavailable"
    # signatures inside PDF attachments
    SELF_SIGNED = "self-signed"
    NO_TRUST_STORE = "no-trust-store"
    PDF_FORMAT = "pdf-format"
    PDF_DIGEST_MISMATCH = "pdf-digest-mismatch"
    PDF_SIGNATURE_VALUE = "pdf-signature-value"
    PDF_COVERAGE = "pdf-coverage"
    PDF_MODIFIED = "pdf-modified"


class TokenReason(StrEnum):
    """Why a PKCS#11 module, token, PIN or key cannot be used: :attr:`TokenError.reason`."""

    BACKEND = "backend"
    URI = "uri"
    MODULE = "module"
    TOKEN = "token"  # noqa: S105 (a reason code, not a secret)
    PIN_SOURCE = "pin-source"
    PIN_REQUIRED = "pin-required"
    PIN_INCORRECT = "pin-incorrect"
    PIN_LOCKED = "pin-locked"
    KEY_NOT_FOUND = "key-not-found"
    KEY_AMBIGUOUS = "key-ambiguous"
    KEY_NOT_PERMITTED = "key-not-permitted"
    KEY_TYPE = "key-type"
    CERTIFICATE = "certificate"
    MECHANISM = "mechanism"
    CLOSED = "closed"


class PdfErrorReason(StrEnum):
    """Why an attached PDF could not be checked at all: :attr:`PdfError.reason`."""

    BACKEND = "pdf-backend"
    MALFORMED = "pdf-malformed"
    TOO_LARGE = "pdf-too-large"
    TIMEOUT = "pdf-timeout"
    UNREADABLE = "pdf-unreadable"


class EdocError(Exception):
    """Base class: catch this to catch everything edoc raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle by state: several subclasses take keyword-only fields their ``args`` lack.
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type[EdocError], args: tuple[Any, ...], state: dict[str, Any]) -> EdocError:
    exc = cls.__new__(cls, *args)
    Exception.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


class InputError(EdocError, ValueError):
    """The caller passed something edoc cannot use (an argument, a file, a setting)."""


class IdentifierError(InputError):
    """An agency code (OrganId) or a DocumentId does not follow its format."""


class KeyLoadError(InputError):
    """A key, certificate or PKCS#12 file is unusable (the message never holds a password)."""


class TokenError(KeyLoadError):
    """A PKCS#11 module, token, PIN or key cannot be used. Never holds a PIN.

    ``reason`` is a :class:`TokenReason` (``backend`` when python-pkcs11 is missing,
    ``pin-incorrect``, ``key-not-found`` ...); ``token`` is the token's label when known.
    """

    def __init__(
        self, message: str, *, reason: TokenReason | str, token: str | None = None
    ) -> None:
        super().__init__(message)
        self.reason = TokenReason(reason)
        self.token = token


class SourceError(InputError):
    """A file or stream the caller named cannot be opened or read (missing, no permission)."""


class OutputExistsError(InputError):
    """A file to write exists and replacing it was not asked for (``path`` names it)."""

    def __init__(self, path: object) -> None:
        super().__init__(f"{path} exists; pass overwrite=True to replace it")
        self.path = path


class MissingDependencyError(EdocError, ImportError):
    """An optional part of edoc needs a package that is not installed.

    ``extra`` is the edoc-edxml extra that brings it; ``install`` the command to run.
    """

    def __init__(self, feature: str, module: str, extra: str) -> None:
        self.feature = feature
        self.module = module
        self.extra = extra
        self.install = f"pip install 'edoc-edxml[{extra}]'"
        super().__init__(f"{feature} needs {module}, which is not installed: {self.install}")


class ParseError(EdocError, ValueError):
    """The input is not well-formed XML, or not an edXML package edoc can read.

    ``line`` and ``column`` are 1-based where known; ``path`` is the element path
    (``/edXML/edXMLEnvelope/...``); ``element`` the local name; ``source`` names the input.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
        element: str | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.path = path
        self.element = element
        self.source = source

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        if self.path:
            where.append(self.path)
        return f"{self.message} ({'; '.join(where)})" if where else self.message


class ForbiddenXMLError(ParseError):
    """A construct edoc refuses on principle: DTDs, entities, external references."""


class LimitExceededError(ParseError):
    """A size, depth or count limit was exceeded.

    ``limit`` names the :class:`edoc.Limits` field, ``value`` what was seen (at least),
    ``maximum`` the limit in force. Pass a larger ``Limits`` to proceed.
    """

    def __init__(
        self, message: str, *, limit: str, value: int, maximum: int, **where: object
    ) -> None:
        super().__init__(message, **where)  # type: ignore[arg-type]
        self.limit = limit
        self.value = value
        self.maximum = maximum

    def __str__(self) -> str:
        return f"{super().__str__()}: {self.value} seen, at most {self.maximum} allowed"


class ValidationError(EdocError, ValueError):
    """The package is readable but breaks the standard's rules, and the operation refuses
    it (``edoc send`` without ``--no-check``). :func:`edoc.validation.validate` itself never
    raises it: it returns a report."""


class SignatureError(EdocError):
    """A signature could not be produced, or the document is not trustworthy."""


class SigningError(SignatureError):
    """A signature could not be produced (key, token or policy)."""


class TimeStampError(SigningError):
    """The time-stamp authority could not be reached, refused, or answered wrongly."""


class InvalidSignatureError(SignatureError):
    """The package's signature does not hold: it must not be trusted. ``reason`` (a
    :class:`Reason`) says why; a text that is not a member raises ``ValueError``."""

    def __init__(self, message: str, *, reason: Reason | str = Reason.INVALID) -> None:
        super().__init__(message)
        self.reason = Reason(reason)


class SignatureMissingError(InvalidSignatureError):
    """The package carries no signature, and one is required."""


class SignatureProfileError(InvalidSignatureError):
    """The signature is not shaped as edXML signatures must be (position, count, references,
    transforms): the shapes signature-wrapping attacks use."""


class DigestMismatchError(InvalidSignatureError):
    """The signed content changed after signing (or the digest was copied from elsewhere)."""


class UntrustedCertificateError(InvalidSignatureError):
    """The signer's certificate does not chain to a trust anchor, or was not valid at ``at``."""


class DisallowedAlgorithmError(InvalidSignatureError):
    """An algorithm or key size outside the verification policy (e.g. SHA-1 without opt-in)."""


class XadesError(InvalidSignatureError):
    """The XAdES qualifying properties are malformed or do not match the signature."""


class TimeStampTokenError(InvalidSignatureError):
    """A time-stamp token does not hold (``reason`` says why)."""


class TransportError(EdocError):
    """A transport could not move a package.

    The classes below carry ``transport`` (the transport's name) and ``message_id`` when
    known. Messages never contain a secret, a header signature or a message body.
    """


class _Failure(TransportError):
    """Shared fields of the transport errors (private: catch the public classes)."""

    def __init__(
        self,
        message: str,
        *,
        transport: str | None = None,
        message_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transport = transport
        self.message_id = message_id

    def __str__(self) -> str:
        return self.message

    #: Whether retrying the same operation may succeed (connection, timeout, 5xx).
    transient: bool = False


class ConnectError(_Failure, ConnectionError):
    """The peer could not be reached, or the connection broke before an answer came."""

    transient = True


class TransportTimeout(_Failure, TimeoutError):
    """The peer did not answer within the timeout."""

    transient = True


class AuthenticationError(_Failure):
    """The peer refused the credentials (system id, secret or header signature)."""


class RejectedError(_Failure):
    """The peer answered that it will not do what was asked.

    ``status`` is the HTTP status (or ``None``), ``code`` the peer's error code
    (the hub's ``ErrorCode``), ``detail`` its description, shortened.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
        transport: str | None = None,
        message_id: str | None = None,
    ) -> None:
        super().__init__(message, transport=transport, message_id=message_id)
        self.status = status
        self.code = code
        self.detail = shorten(detail, 200) if detail is not None else None


class ServerError(_Failure):
    """The peer failed while handling the request (HTTP 5xx); retrying may succeed."""

    transient = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transport: str | None = None,
        message_id: str | None = None,
    ) -> None:
        super().__init__(message, transport=transport, message_id=message_id)
        self.status = status


class ProtocolError(_Failure):
    """The peer's answer does not follow the protocol (not JSON, bad base64, bad framing)."""


class TransportLimitError(ProtocolError):
    """The peer's answer is larger than the transport allows (``max_bytes``)."""


class StorageError(_Failure, OSError):
    """A local file operation of the transport failed (disk full, permissions, missing folder)."""


class UnknownMessageError(_Failure, LookupError):
    """``acknowledge()`` named a message this transport has not handed out (or already settled)."""


class TransportClosedError(_Failure):
    """The transport was used after :meth:`~edoc.transport.Transport.close`."""


class PdfError(EdocError):
    """An attached PDF could not be checked: ``reason`` (a :class:`PdfErrorReason`) is
    ``pdf-backend`` (the ``edoc-edxml[pdf]`` extra is missing), ``pdf-malformed``,
    ``pdf-too-large``, ``pdf-timeout`` or ``pdf-unreadable``. Never raised by a report:
    there it is the document's ``error``."""

    def __init__(self, message: str, *, reason: PdfErrorReason | str) -> None:
        super().__init__(message)
        self.reason = PdfErrorReason(reason)


class EdocWarning(UserWarning):
    """Base class for edoc's warnings."""


class LegacyAlgorithmWarning(EdocWarning):
    """A weak algorithm (SHA-1, short RSA) was accepted because the policy allowed it."""


_EDOC_DIR = str(Path(__file__).resolve().parent)


def warn_caller(message: str, category: type[Warning]) -> None:
    """Warn, naming the first frame outside edoc as the warning's place: the caller's line,
    however deep inside edoc (parser callbacks included) the cause was found."""
    level, frame = 1, sys._getframe(0)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_EDOC_DIR):
        frame, level = frame.f_back, level + 1  # type: ignore[assignment]
    warnings.warn(message, category, stacklevel=level)
