"""The wire-name table: namespaces and the element names as real packages spell them.

This is the only place that knows the standard's spellings. ``Bussiness``, ``TyperNotation``
and ``OrganAdd`` are the reference SDK's (and so the hub's) spellings: edoc writes them.
``*_VARIANTS`` are spellings other systems emit; edoc reads them and records a deviation.
"""

from __future__ import annotations

import functools
import warnings

__all__ = ["DSIG_NS", "NS", "PREFIX", "q"]

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
"""The edXML namespace (QCVN 102:2016)."""
PREFIX = "edXML"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"


@functools.cache
def q(local: str, ns: str = NS) -> str:
    """Clark notation ``{ns}local``, as lxml reports tags."""
    return f"{{{ns}}}{local}"


def local_of(tag: object) -> str:
    """The local name of a Clark-notation tag. Unlike ``etree.QName`` this never raises: a
    namespace URI may itself contain ``{`` or ``}``, and the local name never does."""
    return str(tag).rpartition("}")[2]


def namespace_of(tag: object) -> str | None:
    """The namespace URI of a Clark-notation tag, or None for no namespace."""
    text = str(tag)
    return text[1:].rpartition("}")[0] if text.startswith("{") else None


# Structure
ROOT = "edXML"
ENVELOPE = "edXMLEnvelope"
HEADER = "edXMLHeader"
BODY = "edXMLBody"
MANIFEST = "edXMLManifest"
MANIFEST_VARIANTS = ("Manifest",)
MESSAGE_HEADER = "MessageHeader"
STATUS_WRAPPER_VARIANTS = ("Status",)
TRACE_HEADER_LIST = "TraceHeaderList"
SIGNATURE = "Signature"
ATTACHMENT_ENCODED = "AttachmentEncoded"
ATTACHMENT = "Attachment"
CONTENT_TRANSFER_ENCODED = "ContentTransferEncoded"
REFERENCE = "Reference"

# Organization (From / To)
ORGANIZATION_FIELDS = (
    ("organ_id", "OrganId"),
    ("organization_in_charge", "OrganizationInCharge"),
    ("organ_name", "OrganName"),
    ("organ_address", "OrganAdd"),
    ("email", "Email"),
    ("telephone", "Telephone"),
    ("fax", "Fax"),
    ("website", "Website"),
)

# Business block: the standard's spelling and the variant some integrators write.
BUSINESS = "Bussiness"
BUSINESS_DOC_TYPE = "BussinessDocType"
BUSINESS_DOC_REASON = "BussinessDocReason"
BUSINESS_DOCUMENT_INFO = "BussinessDocumentInfo"
SPELLING_VARIANTS = {
    "Business": BUSINESS,
    "BusinessDocType": BUSINESS_DOC_TYPE,
    "BusinessDocReason": BUSINESS_DOC_REASON,
    "BusinessDocumentInfo": BUSINESS_DOCUMENT_INFO,
}
TYPER_NOTATION = "TyperNotation"

STAFF_INFO_FIELDS = (
    ("department", "Department"),
    ("department_id", "DepartmentId"),
    ("staff", "Staff"),
    ("staff_id", "StaffId"),
    ("email", "Email"),
    ("mobile", "Mobile"),
)

# The reference SDK's literal content types, by file extension (edxml-reference §2.6).
REFERENCE_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/doc",
    ".docx": "application/docx",
    ".xsl": "application/xsl",
    ".xls": "application/xsl",
    ".xslx": "application/xslx",
    ".xlsx": "application/xslx",
    ".zip": "application/zip",
}

# Names nothing in edoc uses any more: kept one release, with a DeprecationWarning.
_DEPRECATED = {"XLINK_NS": "http://www.w3.org/1999/xlink", "ORGAN_ADDRESS": "OrganAdd"}


def __getattr__(name: str) -> str:
    if name in _DEPRECATED:
        warnings.warn(f"edoc.xml.names.{name} is unused and will be removed",
                      DeprecationWarning, stacklevel=2)  # fmt: skip
        return _DEPRECATED[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
