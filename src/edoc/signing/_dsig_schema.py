"""The XML-DSig schema's content models for the elements of a captured Signature.

``xmldsig-core-schema.xsd`` (XML Signature Syntax and Processing, second edition) says,
for each element, which attributes it may carry, which children in which order, and
whether it may hold text. edoc's profile reads only part of the Signature, but what the
schema forbids (``xml:lang`` or a foreign attribute on Signature, KeyInfo before
SignatureValue, two KeyInfo, text inside SignedInfo) is refused, never ignored: another
verifier may read it differently. The Objects' content (XAdES) is checked by
:mod:`edoc.signing._xades_read`. One pass over the events; each element's children are
matched once against its model.
"""

from __future__ import annotations

import re
from typing import Any

from edoc.errors import SignatureProfileError, shorten
from edoc.signing._captured import End, Event, Start, Text

__all__ = ["check"]

_SIMPLE = None
"""Text only, no child element (base64Binary, string, integer content)."""


def _model(attributes: str, children: str | None, *, mixed: bool = False) -> tuple[
    frozenset[str], re.Pattern[str] | None, bool
]:  # fmt: skip
    pattern = None if children is None else re.compile(children.replace(" ", "") + r"\Z")
    return frozenset(attributes.split()), pattern, mixed or children is None


# Children are matched as "Name,Name,…," (each name followed by a comma).
_MODELS: dict[str, tuple[frozenset[str], re.Pattern[str] | None, bool]] = {
    "Signature": _model("Id", "SignedInfo, SignatureValue, (KeyInfo,)? (Object,)*"),
    "SignedInfo": _model("Id", "CanonicalizationMethod, SignatureMethod, (Reference,)+"),
    # Parameters of C14N, signature and digest methods are "any" elements of another
    # namespace; the profile's methods take none, and foreign elements are refused anyway.
    "CanonicalizationMethod": _model("Algorithm", "", mixed=True),
    "SignatureMethod": _model("Algorithm", "", mixed=True),
    "Reference": _model("Id URI Type", "(Transforms,)? DigestMethod, DigestValue,"),
    "Transforms": _model("", "(Transform,)+"),
    "Transform": _model("Algorithm", "", mixed=True),
    "DigestMethod": _model("Algorithm", "", mixed=True),
    "DigestValue": _model("", _SIMPLE),
    "SignatureValue": _model("Id", _SIMPLE),
    "KeyInfo": _model(
        "Id", "((KeyName|KeyValue|X509Data|PGPData|SPKIData|MgmtData),)+", mixed=True
    ),
    "KeyName": _model("", _SIMPLE),
    "MgmtData": _model("", _SIMPLE),
    # XML-DSig 1.1 adds ECKeyValue (in its own namespace, whose elements are refused as
    # foreign; some writers put it in this one). KeyValue is never read: keys come only
    # from X509Certificate.
    "KeyValue": _model("", "(DSAKeyValue|RSAKeyValue|ECKeyValue),", mixed=True),
    "ECKeyValue": _model("Id", _SIMPLE),
    "RSAKeyValue": _model("", "Modulus, Exponent,"),
    "DSAKeyValue": _model("", "(P, Q,)? (G,)? Y, (J,)? (Seed, PgenCounter,)?"),
    **{name: _model("", _SIMPLE) for name in
       ("Modulus", "Exponent", "P", "Q", "G", "Y", "J", "Seed", "PgenCounter")},
    "X509Data": _model(
        "", "((X509IssuerSerial|X509SKI|X509SubjectName|X509Certificate|X509CRL),)+"
    ),
    "X509IssuerSerial": _model("", "X509IssuerName, X509SerialNumber,"),
    **{name: _model("", _SIMPLE) for name in
       ("X509IssuerName", "X509SerialNumber", "X509SKI", "X509SubjectName",
        "X509Certificate", "X509CRL")},
    "PGPData": _model("", "(PGPKeyID, (PGPKeyPacket,)? | PGPKeyPacket,)"),
    "PGPKeyID": _model("", _SIMPLE),
    "PGPKeyPacket": _model("", _SIMPLE),
    "SPKIData": _model("", "(SPKISexp,)+"),
    "SPKISexp": _model("", _SIMPLE),
}  # fmt: skip
_OBJECT_ATTRIBUTES = frozenset({"Id", "MimeType", "Encoding"})


def _refuse(message: str) -> SignatureProfileError:
    return SignatureProfileError(f"{message} (the XML-DSig schema forbids it)", reason="profile")


def check(events: list[Event], ns: str) -> None:
    """Refuse a captured Signature (in namespace ``ns``) that its schema does not allow.

    Call it after the profile's own checks, which name the usual mistakes more plainly.
    """
    prefix = f"{{{ns}}}"
    # Per open element: [local name, children so far, holds text]; None inside an Object.
    stack: list[list[Any] | None] = []
    for ev in events:
        if type(ev) is Start:
            parent = stack[-1] if stack else None
            if stack and parent is None:
                stack.append(None)  # inside an Object: XAdES is checked elsewhere
                continue
            local = ev.tag[len(prefix) :] if ev.tag.startswith(prefix) else ev.tag
            if parent is not None:
                parent[1].append(local)
            if local == "Object" and len(stack) == 1:
                allowed = _OBJECT_ATTRIBUTES
                stack.append(None)
            elif local in _MODELS and (local == "Signature") == (not stack):
                allowed = _MODELS[local][0]
                stack.append([local, [], False])
            else:
                where = f" in {parent[0]}" if parent is not None else ""
                raise _refuse(f"{shorten(local)}{where} is not an element of the Signature")
            for name in ev.attrib:
                if name not in allowed:
                    raise _refuse(f"{local} carries the attribute {shorten(name)}")
        elif type(ev) is Text:
            top = stack[-1] if stack else None
            if top is not None and not top[2] and ev.text.strip():
                top[2] = True
        elif type(ev) is End:
            top = stack.pop()
            if top is None:
                continue
            local, children, text = top
            _, pattern, mixed = _MODELS[local]
            if pattern is None:
                if children:
                    raise _refuse(f"{local} holds an element ({shorten(children[0])})")
            elif not pattern.match("".join(c + "," for c in children)):
                shown = ", ".join(children[:6]) + (", …" if len(children) > 6 else "")
                raise _refuse(f"{local} holds {shown or 'nothing'}")
            if text and not mixed:
                raise _refuse(f"{local} holds text")
