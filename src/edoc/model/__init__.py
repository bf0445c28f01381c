"""The package model: frozen value classes for every element group, and the code lists.

Nothing here knows XML; :mod:`edoc.xml` maps these classes to and from the wire.
"""

from edoc.model.attachment import (
    Attachment,
    AttachmentContent,
    BrokenContent,
    BytesContent,
    FileContent,
    StreamContent,
    guess_content_type,
)
from edoc.model.codes import BusinessDocType, Priority, StatusCode, SteeringType
from edoc.model.header import (
    Code,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    ResponseFor,
    SignerInfo,
)
from edoc.model.package import Deviation, EdocPackage, Package, SignatureBlock, StatusPackage
from edoc.model.trace import (
    Business,
    BusinessDocumentInfo,
    Receiver,
    ReplacementInfo,
    StaffInfo,
    TraceHeader,
    TraceHeaderList,
)

__all__ = [
    "Attachment",
    "AttachmentContent",
    "BrokenContent",
    "Business",
    "BusinessDocType",
    "BusinessDocumentInfo",
    "BytesContent",
    "Code",
    "Deviation",
    "DocumentType",
    "EdocPackage",
    "FileContent",
    "MessageHeader",
    "Organization",
    "OtherInfo",
    "Package",
    "Priority",
    "PromulgationInfo",
    "Receiver",
    "ReplacementInfo",
    "ResponseFor",
    "SignatureBlock",
    "SignerInfo",
    "StaffInfo",
    "StatusCode",
    "StatusPackage",
    "SteeringType",
    "StreamContent",
    "TraceHeader",
    "TraceHeaderList",
    "guess_content_type",
]
