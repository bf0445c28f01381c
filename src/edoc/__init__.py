"""edoc: Vietnam's edXML document packages (QCVN 102:2016/BTTTT), built, read and checked.

>>> import edoc
>>> pkg = edoc.read("in.edxml")                 # doctest: +SKIP
>>> edoc.write(pkg, "out.edxml")                # doctest: +SKIP
"""

from edoc import errors, keys
from edoc.errors import EdocError, ParseError
from edoc.formats import VN_TZ
from edoc.ids import DocumentId, OrganId, OrganIdScheme
from edoc.limits import Limits
from edoc.model import (
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
    Deviation,
    DocumentType,
    EdocPackage,
    MessageHeader,
    Organization,
    OtherInfo,
    Package,
    Priority,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignatureBlock,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    SteeringType,
    TraceHeader,
    TraceHeaderList,
)
from edoc.signing.assessment import AssessmentResult, ValidationResult, Verifier
from edoc.signing.signer import sign, sign_package
from edoc.signing.trust import TrustStore
from edoc.signing.verifier import VerificationResult, VerifyPolicy, verify
from edoc.xml import WriteResult, read, to_bytes, write

__version__ = "0.1.0.dev0"

__all__ = [
    "VN_TZ",
    "AssessmentResult",
    "Attachment",
    "Business",
    "BusinessDocType",
    "BusinessDocumentInfo",
    "Code",
    "Deviation",
    "DocumentId",
    "DocumentType",
    "EdocError",
    "EdocPackage",
    "Limits",
    "MessageHeader",
    "OrganId",
    "OrganIdScheme",
    "Organization",
    "OtherInfo",
    "Package",
    "ParseError",
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
    "TraceHeader",
    "TraceHeaderList",
    "TrustStore",
    "ValidationResult",
    "VerificationResult",
    "Verifier",
    "VerifyPolicy",
    "WriteResult",
    "__version__",
    "errors",
    "keys",
    "read",
    "sign",
    "sign_package",
    "to_bytes",
    "verify",
    "write",
]
