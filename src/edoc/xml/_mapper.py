"""Parsed nodes -> model: the mapping half of the reader (see :mod:`edoc.xml.reader`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from edoc.errors import InputError, LimitExceededError, shorten
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
from edoc.model.attachment import BrokenContent, BytesContent
from edoc.xml import names as n
from edoc.xml._events import Node
from edoc.xml._node_reader import NodeReader

__all__ = ["Mapper"]

T = TypeVar("T")

# The reference writer's order, used only to report other orders (never enforced).
_HEADER_ORDER = (
    "From", "To", "DocumentId", "Code", "PromulgationInfo", "DocumentType", "Subject",
    "Content", "SignerInfo", "DueDate", "OtherInfo", "ResponseFor", "SteeringType",
    "ResponseForTask", "ApplicationType", "ToPlaces",
)  # fmt: skip
_STATUS_FIELDS = ("From", "ResponseFor", "StaffInfo", "StatusCode", "Description", "Timestamp")
_INCOMPLETE = "EDX-READ-HEADER-INCOMPLETE"  # Code, PromulgationInfo or DocumentType absent
_HOP = "EDX-READ-HOP-NO-ORGAN"  # a TraceHeader without an agency (the hub adds such hops)


class Mapper(NodeReader):
    """Maps the node tree to the model, collecting deviations."""

    # -- groups --------------------------------------------------------------------
    def organization(self, node: Node) -> Organization:
        self.expect_only(node, tuple(w for _, w in n.ORGANIZATION_FIELDS))
        values = {attr: self.opt(node, wire) for attr, wire in n.ORGANIZATION_FIELDS[1:]}
        organ_id = self.organ_id(node, required=False)
        if organ_id is None:  # an address edoc could neither answer nor route
            raise self.error(node, f"{node.local} has no OrganId, which is required")
        return self.build(node, Organization, organ_id=organ_id, **values)

    def build(self, node: Node, cls: Callable[..., T], **values: object) -> T:
        try:
            return cls(**values)
        except (InputError, ValueError, TypeError) as exc:
            raise self.error(node, str(exc)) from None

    def response_for(self, node: Node, *, status: bool = False) -> ResponseFor | None:
        self.expect_only(node, ("OrganId", "Code", "DocumentId", "PromulgationDate"))
        if all(not c.text.strip() and not c.children for c in node.children):
            self.note("EDX-READ-EMPTY", node, "an empty ResponseFor was ignored")
            return None
        organ_id = self.organ_id(node, required=False)
        if organ_id is None:
            if status:  # a status about no one's document: nothing to represent
                raise self.error(node, "ResponseFor has no OrganId, which is required")
            self.note("EDX-READ-MISSING", node, "ResponseFor has no OrganId; it was ignored")
            return None
        return self.build(
            node,
            ResponseFor,
            organ_id=organ_id,
            code=self.opt(node, "Code"),
            document_id=self.opt(node, "DocumentId"),
            promulgation_date=self.date(node, "PromulgationDate"),
        )

    def staff_info(self, node: Node) -> StaffInfo:
        self.expect_only(node, tuple(w for _, w in n.STAFF_INFO_FIELDS))
        return self.build(node, StaffInfo, **{a: self.opt(node, w) for a, w in n.STAFF_INFO_FIELDS})

    def message_header(self, mh: Node) -> MessageHeader:
        self.expect_only(mh, _HEADER_ORDER)
        self.check_order(mh, _HEADER_ORDER)
        signer = self.one(mh, "SignerInfo")
        other = self.one(mh, "OtherInfo")
        task = self.one(mh, "ResponseForTask")
        return self.build(
            mh,
            MessageHeader,
            from_=self.organization(self.need(mh, "From")),
            to=[self.organization(t) for t in self.kids(mh, "To")],
            document_id=self.opt(mh, "DocumentId"),
            code=self.code(self.wanted(mh, "Code", _INCOMPLETE)),
            promulgation_info=self.promulgation_info(
                self.wanted(mh, "PromulgationInfo", _INCOMPLETE)
            ),
            document_type=self.document_type(self.wanted(mh, "DocumentType", _INCOMPLETE)),
            subject=self.req(mh, "Subject"),
            content=self.opt(mh, "Content"),
            signer_info=self.signer_info(signer) if signer is not None else SignerInfo(),
            due_date=self.date(mh, "DueDate"),
            to_places=self.texts(mh, "ToPlaces", "Place"),
            other_info=self.other_info(other) if other is not None else OtherInfo(),
            response_for=[r for r in map(self.response_for, self.kids(mh, "ResponseFor")) if r],
            steering_type=self.enum(mh, "SteeringType", SteeringType, SteeringType.NONE),
            response_for_task=self.texts(mh, "ResponseForTask", "TaskCode") if task else (),
            application_type=self.opt(mh, "ApplicationType"),
        )

    def code(self, node: Node | None) -> Code | None:
        if node is None:
            return None
        self.expect_only(node, ("CodeNumber", "CodeNotation"))
        return self.build(
            node, Code, number=self.req(node, "CodeNumber"), notation=self.req(node, "CodeNotation")
        )

    def promulgation_info(self, node: Node | None) -> PromulgationInfo | None:
        if node is None:
            return None
        self.expect_only(node, ("Place", "PromulgationDate"))
        return self.build(
            node,
            PromulgationInfo,
            place=self.opt(node, "Place"),
            promulgation_date=self.date(node, "PromulgationDate", required=True),
        )

    def document_type(self, node: Node | None) -> DocumentType | None:
        if node is None:
            return None
        self.expect_only(node, ("Type", "TypeDetail", "TypeName"))
        return self.build(
            node,
            DocumentType,
            type_code=self.integer(node, "Type", required=True),
            type_detail=self.integer(node, "TypeDetail"),
            type_name=self.opt(node, "TypeName"),
        )

    def signer_info(self, node: Node) -> SignerInfo:
        self.expect_only(node, ("Competence", "Position", "FullName"))
        return self.build(
            node,
            SignerInfo,
            competence=self.opt(node, "Competence"),
            position=self.opt(node, "Position"),
            full_name=self.opt(node, "FullName"),
        )

    def other_info(self, node: Node) -> OtherInfo:
        allowed = (
            "Priority", "SphereOfPromulgation", n.TYPER_NOTATION, "PromulgationAmount",
            "PageAmount", "ReplyFors", "Direction", "ReferenceCodes", "Appendixes",
        )  # fmt: skip
        self.expect_only(node, allowed)
        extras = {}
        for local in ("ReplyFors", "ReferenceCodes"):
            extra = self.one(node, local)
            if extra is not None and extra.children:  # the reference models a plain string
                self.note(
                    "EDX-READ-UNMODELLED", extra, f"{local} holds elements, not a string; ignored"
                )
                extra = None
            extras[local] = self.text(extra)
        direction = self.one(node, "Direction")
        return self.build(
            node,
            OtherInfo,
            priority=self.enum(node, "Priority", Priority, Priority.NORMAL),
            sphere_of_promulgation=self.opt(node, "SphereOfPromulgation"),
            typer_notation=self.opt(node, n.TYPER_NOTATION),
            promulgation_amount=self.integer(node, "PromulgationAmount"),
            page_amount=self.integer(node, "PageAmount"),
            direction=self.boolean(direction) if direction is not None else False,
            appendixes=self.texts(node, "Appendixes", "Appendix"),
            reply_fors=extras["ReplyFors"],
            reference_codes=extras["ReferenceCodes"],
        )

    def boolean(self, node: Node) -> bool:
        value = (self.text(node) or "").strip()
        if value in ("true", "1"):
            return True
        if value in ("false", "0", ""):
            return False
        self.note(
            "EDX-READ-VALUE",
            node,
            f"{node.local} {shorten(value)!r} is not true or false; read as false",
        )
        return False

    def business(self, node: Node) -> Business:
        fields = (
            "DocumentId", n.BUSINESS_DOC_TYPE, n.BUSINESS_DOC_REASON, "Paper",
            n.BUSINESS_DOCUMENT_INFO, "ReplacementInfoList", "StaffInfo",
        )  # fmt: skip
        self.expect_only(node, fields)
        info = self.one(node, n.BUSINESS_DOCUMENT_INFO)
        replacements = self.one(node, "ReplacementInfoList")
        staff = self.one(node, "StaffInfo")
        return self.build(
            node,
            Business,
            doc_type=self.enum(node, n.BUSINESS_DOC_TYPE, BusinessDocType, BusinessDocType.NEW),
            doc_reason=self.opt(node, n.BUSINESS_DOC_REASON),
            paper=self.integer(node, "Paper") or 0,
            document_id=self.opt(node, "DocumentId"),
            document_info=self.document_info(info) if info is not None else None,
            replacements=(
                [
                    r
                    for r in map(self.replacement, self.kids(replacements, "ReplacementInfo"))
                    if r is not None
                ]
                if replacements is not None
                else ()
            ),
            staff_info=self.staff_info(staff) if staff is not None else None,
        )

    def document_info(self, node: Node) -> BusinessDocumentInfo:
        self.expect_only(node, ("DocumentInfo", "DocumentReceiver", "ReceiverList"))
        receivers = self.one(node, "ReceiverList")
        items = []
        if receivers is not None:
            self.expect_only(receivers, ("Receiver",))
            for r in self.kids(receivers, "Receiver"):
                self.expect_only(r, ("OrganId", "ReceiverType"))
                organ_id = self.organ_id(r)
                if organ_id is None:
                    self.note("EDX-READ-MISSING", r, "Receiver has no OrganId; it was ignored")
                    continue
                items.append(
                    self.build(
                        r,
                        Receiver,
                        organ_id=organ_id,
                        receiver_type=self.integer(r, "ReceiverType", required=True),
                    )
                )
        return self.build(
            node,
            BusinessDocumentInfo,
            document_info=self.integer(node, "DocumentInfo", required=True),
            document_receiver=self.integer(node, "DocumentReceiver", required=True),
            receivers=items,
        )

    def replacement(self, node: Node) -> ReplacementInfo | None:
        self.expect_only(node, ("DocumentId", "OrganIdList"))
        organs = self.texts(node, "OrganIdList", "OrganId")
        document_id = self.req(node, "DocumentId")
        if document_id is None:
            self.note("EDX-READ-MISSING", node, "ReplacementInfo has no DocumentId; ignored")
            return None
        return self.build(
            node,
            ReplacementInfo,
            document_id=document_id,
            organ_ids=[o.strip() for o in organs if o.strip()],
        )

    def trace(self, node: Node | None) -> TraceHeaderList:
        if node is None:
            return TraceHeaderList()
        self.expect_only(node, (n.BUSINESS, "TraceHeader", "Paper"))
        self.check_order(node, (n.BUSINESS, "TraceHeader"))
        headers = []
        for th in self.kids(node, "TraceHeader"):
            self.expect_only(th, ("OrganId", "Timestamp"))
            organ_id = self.organ_id(th, required=False)
            if organ_id is None or organ_id == "null":
                what = "no OrganId" if organ_id is None else "the OrganId 'null'"
                self.note(_HOP, th, f"TraceHeader has {what}: a hop without an agency")
                organ_id = None
            headers.append(
                self.build(
                    th, TraceHeader, organ_id=organ_id, timestamp=self.timestamp(th, "Timestamp")
                )
            )
        business = self.one(node, n.BUSINESS)
        return TraceHeaderList(
            business=self.business(business) if business is not None else None,
            trace_headers=headers,
        )

    def signature(self, header: Node) -> SignatureBlock | None:
        sigs = [
            c
            for c in header.children
            if c.local == n.SIGNATURE and c.tag in (n.q(n.SIGNATURE), n.q(n.SIGNATURE, n.DSIG_NS))
        ]
        if not sigs:
            return None
        if len(sigs) > 1:
            raise self.error(
                sigs[1], f"edXMLHeader has {len(sigs)} Signature elements; expected one"
            )
        sig = sigs[0]
        ns = sig.tag[1:].partition("}")[0]

        def find(node: Node, *path: str) -> Iterator[Node]:
            if not path:
                yield node
                return
            for c in node.children:
                if c.tag == f"{{{ns}}}{path[0]}":
                    yield from find(c, *path[1:])

        def first_text(*path: str) -> str | None:
            return next((x.text.strip() or None for x in find(sig, *path)), None)

        def algorithm(*path: str) -> str | None:
            return next((x.attrib.get("Algorithm") for x in find(sig, *path)), None)

        if sig is not header.children[-1]:
            self.note(
                "EDX-READ-SIGNATURE-POSITION", sig, "Signature is not the last child of edXMLHeader"
            )
        if ns == n.NS:
            self.note(
                "EDX-READ-SIGNATURE-NAMESPACE",
                sig,
                "Signature is in the edXML namespace, not xmldsig",
            )
        return SignatureBlock(
            namespace=ns,
            canonicalization_method=algorithm("SignedInfo", "CanonicalizationMethod"),
            signature_method=algorithm("SignedInfo", "SignatureMethod"),
            reference_uris=tuple(
                r.attrib.get("URI", "") for r in find(sig, "SignedInfo", "Reference")
            ),
            transforms=tuple(
                t.attrib.get("Algorithm", "")
                for t in find(sig, "SignedInfo", "Reference", "Transforms", "Transform")
            ),
            digest_method=algorithm("SignedInfo", "Reference", "DigestMethod"),
            digest_value=first_text("SignedInfo", "Reference", "DigestValue"),
            signature_value=first_text("SignatureValue"),
            certificates=tuple(
                c.text.strip() for c in find(sig, "KeyInfo", "X509Data", "X509Certificate")
            ),
        )

    def attachments(self, encoded: list[Node], manifest: Node | None) -> list[Attachment]:
        refs = [] if manifest is None else self.kids(manifest, n.REFERENCE)
        by_cid = {self.opt(r, "ContentId"): r for r in refs}
        out: list[Attachment] = []
        for box in encoded:
            self.expect_only(box, (n.ATTACHMENT,))
            for node in self.kids(box, n.ATTACHMENT):
                out.append(self.attachment(node, by_cid, len(out) + 1))
        self.compare_manifest(out, manifest)
        return out

    def attachment(self, node: Node, by_cid: dict[str | None, Node], position: int) -> Attachment:
        fields = (
            "ContentId", "AttachmentName", "Description", "FieldName", "MimeType",
            "ContentType", n.CONTENT_TRANSFER_ENCODED,
        )  # fmt: skip
        self.expect_only(node, fields)
        cte = self.one(node, n.CONTENT_TRANSFER_ENCODED)
        content = cte.content if cte is not None and cte.content is not None else BytesContent(b"")
        if cte is None:
            self.note("EDX-READ-NO-CONTENT", node, "Attachment has no ContentTransferEncoded")
        content_id = self.opt(node, "ContentId")
        if content_id is not None and not content_id.startswith("cid:"):
            self.note(
                "EDX-READ-CID", node, f"ContentId {shorten(content_id)!r} lacks the cid: prefix"
            )
        ref = by_cid.get(content_id)
        name = self.opt(node, "AttachmentName")
        if name is None:
            name = (self.opt(ref, "AttachmentName") if ref is not None else None) or (
                f"attachment-{position}.bin"
            )
            self.note("EDX-READ-MISSING", node, f"Attachment has no AttachmentName; named {name!r}")
        content_type = self.opt(node, "ContentType")
        if content_type is None:
            self.note("EDX-READ-NO-CONTENT-TYPE", node, "Attachment has no ContentType")
            content_type = "application/octet-stream"
        description = self.opt(node, "Description")
        if description is None and ref is not None:  # the manifest's copy is the only one
            description = self.opt(ref, "Description")
        att = self.build(
            node,
            Attachment,
            name=name,
            content_type=content_type,
            content=content,
            content_id=content_id,
            description=description,
            field_name=self.opt(node, "FieldName"),
            mime_type=self.opt(node, "MimeType"),
        )
        where = cte or node
        if isinstance(content, BrokenContent):
            self.note(
                "EDX-READ-ATTACHMENT-BROKEN",
                where,
                f"Attachment {content_id} ({shorten(name)}) is broken: {content.reason}; "
                "its bytes are not exposed",
            )
        else:
            try:
                inner = att.unwrap(max_bytes=self.doc_limit)
            except LimitExceededError as exc:  # the package is read; only unwrapping is refused
                inner = None
                self.note(
                    "EDX-READ-ZIP-WRAPPED",
                    where,
                    f"Attachment {content_id} ({shorten(name)}) is the reference builder's ZIP "
                    f"wrapping of one file that declares {exc.value} bytes unpacked, over "
                    f"Limits.max_attachment_bytes ({exc.maximum}): Attachment.unwrap() refuses it",
                )
            if inner is not None:
                self.note(
                    "EDX-READ-ZIP-WRAPPED",
                    where,
                    f"Attachment {content_id} ({shorten(name)}) is the reference builder's ZIP "
                    f"wrapping of one file ({inner.size} bytes): Attachment.unwrap() gives "
                    f"{shorten(inner.name)!r}",
                )
        return att

    @property
    def doc_limit(self) -> int:
        """The cap on an unwrapped attachment: the reader's own per-attachment limit."""
        return self.limits.max_attachment_bytes

    def compare_manifest(self, attachments: list[Attachment], manifest: Node | None) -> None:
        refs = [] if manifest is None else self.kids(manifest, n.REFERENCE)
        by_cid = {self.opt(r, "ContentId"): r for r in refs}
        ids = {a.content_id for a in attachments}
        for cid, ref in by_cid.items():
            if cid not in ids:
                self.note("EDX-READ-MANIFEST", ref, f"manifest Reference {cid} has no Attachment")
        for att in attachments:
            match = by_cid.get(att.content_id)
            if match is None:
                self.note(
                    "EDX-READ-MANIFEST",
                    manifest or self.doc.root,
                    f"Attachment {att.content_id} is not in the manifest",
                )
            elif self.opt(match, "ContentType") not in (None, att.content_type):
                self.note(
                    "EDX-READ-MANIFEST",
                    match,
                    f"manifest says {self.opt(match, 'ContentType')} for {att.content_id}, "
                    f"the attachment {att.content_type}",
                )

    def status(self, mh: Node) -> StatusPackage:
        self.expect_only(mh, _STATUS_FIELDS)
        self.check_order(mh, _STATUS_FIELDS)
        code_node = self.need(mh, "StatusCode")
        code = (self.text(code_node) or "").strip()
        try:
            status_code = StatusCode(code)
        except ValueError:
            known = ", ".join(c.value for c in StatusCode)
            raise self.error(
                code_node, f"StatusCode {shorten(code)!r} is not one of {known}"
            ) from None
        staff = self.one(mh, "StaffInfo")
        rf_node = self.need(mh, "ResponseFor")
        response_for = self.response_for(rf_node, status=True)
        if response_for is None:
            raise self.error(
                rf_node, "ResponseFor is empty, but a status package must name the document"
            )
        return self.build(
            mh,
            StatusPackage,
            from_=self.organization(self.need(mh, "From")),
            response_for=response_for,
            staff_info=self.staff_info(staff) if staff is not None else None,
            status_code=status_code,
            description=self.opt(mh, "Description"),
            timestamp=self.timestamp(mh, "Timestamp"),
            deviations=(),
        )

    def package(self) -> Package:
        root = self.doc.root
        for line, message in dict.fromkeys(self.doc.namespace_errors):
            # An undeclared prefix (the SDK samples' edXML:AttachmentEncoded, xlink:href):
            # well-formed XML 1.0, not namespace-well-formed. The element is read by its
            # local name, as the reference SDK reads every element; the attribute is one
            # edoc does not read.
            self.deviations.append(
                Deviation(code="EDX-READ-UNDECLARED-PREFIX", message=message, line=line)
            )
        if root.tag != n.q(n.ROOT):
            if not root.children_named(n.q(n.ENVELOPE)):
                if root.local == n.ROOT:
                    raise self.error(
                        root,
                        f"the root element is in namespace {n.namespace_of(root.tag)!r}, "
                        f"not {n.NS}",
                    )
                raise self.error(
                    root,
                    f"the root element is {root.tag}, not edXML: this is not an edXML package",
                )
            # The envelope is there: the reference SDK checks only its namespace.
            self.note("EDX-READ-ROOT", root, f"the root element is {root.tag}, not edXML")
        self.expect_only(root, (n.ENVELOPE, n.ATTACHMENT_ENCODED))
        env = self.need(root, n.ENVELOPE)
        self.expect_only(env, (n.HEADER, n.BODY, n.ATTACHMENT_ENCODED))
        header = self.need(env, n.HEADER)
        wrappers = (n.MESSAGE_HEADER, *n.STATUS_WRAPPER_VARIANTS)
        self.expect_only(
            header,
            (*wrappers, n.TRACE_HEADER_LIST, n.SIGNATURE),
            also=(n.q(n.SIGNATURE, n.DSIG_NS),),
        )
        found = [c for c in header.children if c.tag in {n.q(w) for w in wrappers}]
        if not found:
            raise self.error(header, "edXMLHeader has no MessageHeader, which is required")
        if len(found) > 1:
            raise self.error(
                found[1], f"edXMLHeader has {len(found)} MessageHeader elements; expected one"
            )
        mh = found[0]
        if mh.local != n.MESSAGE_HEADER:
            self.note("EDX-READ-STATUS-WRAPPER", mh, f"{mh.local} read as MessageHeader")
        if self.one(mh, "StatusCode") is not None:
            return self.status(mh)
        body = self.one(env, n.BODY)
        manifest = None
        if body is not None:
            self.expect_only(body, (n.MANIFEST, *n.MANIFEST_VARIANTS))
            manifests = [
                c
                for c in body.children
                if c.tag in {n.q(m) for m in (n.MANIFEST, *n.MANIFEST_VARIANTS)}
            ]
            if len(manifests) > 1:
                raise self.error(manifests[1], "edXMLBody has more than one manifest")
            manifest = manifests[0] if manifests else None
            if manifest is not None:
                if manifest.local != n.MANIFEST:
                    self.note(
                        "EDX-READ-MANIFEST-NAME", manifest, f"{manifest.local} read as {n.MANIFEST}"
                    )
                self.expect_only(manifest, (n.REFERENCE,))
        encoded = self.kids(root, n.ATTACHMENT_ENCODED)
        inner = self.kids(env, n.ATTACHMENT_ENCODED)
        for box in inner:
            self.note("EDX-READ-ATTACHMENTS-PLACE", box, "AttachmentEncoded inside edXMLEnvelope")
        header_model = self.message_header(mh)
        trace = self.trace(self.one(header, n.TRACE_HEADER_LIST))
        signature = self.signature(header)
        attachments = self.attachments(encoded + inner, manifest)
        return self.build(
            root,
            EdocPackage,
            header=header_model,
            trace=trace,
            attachments=attachments,
            signature=signature,
        )
