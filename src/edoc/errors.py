"""Every exception and warning edoc raises, in one hierarchy.

::

    EdocError(Exception)
    ├── InputError(EdocError, ValueError)        bad arguments or configuration from the caller
    │   ├── IdentifierError                      an agency code or DocumentId that does not parse
    │   └── SourceError                          a file or stream that cannot be opened or read
    ├── ParseError(EdocError, ValueError)        not well-formed, or not an edXML package
    │   ├── ForbiddenXMLError                    DTD, entity, external reference: refused outright
    │   └── LimitExceededError                   a Limits value was exceeded; raise it to proceed
    ├── ValidationError(EdocError, ValueError)   the package breaks the standard's rules
    ├── OutputExistsError(InputError)            a file to write exists and replacing was not asked
    ├── MissingDependencyError(EdocError, ImportError)  an optional extra is not installed
    ├── SignatureError(EdocError)
    │   └── InvalidSignatureError                the document must not be trusted (.reason)
    │       ├── SignatureMissingError, SignatureProfileError, DigestMismatchError
    │       └── UntrustedCertificateError, DisallowedAlgorithmError
    ├── TransportError(EdocError)
    └── PdfError(EdocError)                      an attached PDF cannot be checked (.reason)
    EdocWarning(UserWarning)

Location fields (``element``, ``path``, ``line``, ``column``) are plain optional attributes.
Messages name what was refused and where, are bounded in length, and never echo secrets.
"""

from __future__ import annotations

__all__ = [
    "DigestMismatchError",
    "DisallowedAlgorithmError",
    "EdocError",
    "EdocWarning",
    "ForbiddenXMLError",
    "IdentifierError",
    "InputError",
    "InvalidSignatureError",
    "LegacyAlgorithmWarning",
    "LimitExceededError",
    "MissingDependencyError",
    "OutputExistsError",
    "ParseError",
    "PdfError",
    "SignatureError",
    "SignatureMissingError",
    "SignatureProfileError",
    "SourceError",
    "TransportError",
    "UntrustedCertificateError",
    "ValidationError",
]

_MAX_ECHO = 80


def shorten(text: str, limit: int = _MAX_ECHO) -> str:
    """Return ``text`` cut to ``limit`` characters, for echoing untrusted input in messages."""
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EdocError(Exception):
    """Base class: catch this to catch everything edoc raises on purpose."""


class InputError(EdocError, ValueError):
    """The caller passed something edoc cannot use (an argument, a file, a setting)."""


class IdentifierError(InputError):
    """An agency code (OrganId) or a DocumentId does not follow its format."""


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
    """The package is readable but breaks the standard's rules."""


class SignatureError(EdocError):
    """A signature could not be produced, or the document is not trustworthy."""


class InvalidSignatureError(SignatureError):
    """The package's signature does not hold: it must not be trusted. ``reason`` says why."""

    def __init__(self, message: str, *, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


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


class TransportError(EdocError):
    """A transport could not move a package."""


class PdfError(EdocError):
    """An attached PDF could not be checked: ``reason`` is ``pdf-backend`` (the ``edoc-edxml[pdf]``
    extra is missing), ``pdf-malformed``, ``pdf-too-large``, ``pdf-timeout`` or
    ``pdf-unreadable``. Never raised by a report: there it is the document's ``error``."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class EdocWarning(UserWarning):
    """Base class for edoc's warnings."""


class LegacyAlgorithmWarning(EdocWarning):
    """A weak algorithm (SHA-1, short RSA) was accepted because the policy allowed it."""
