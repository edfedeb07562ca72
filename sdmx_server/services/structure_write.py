"""Structure submission: ``POST``, ``PUT`` and ``DELETE`` of structures (SDMX REST v2 maintenance).

Who may write is checked before anything is read or written: administrators
write everything, maintainers the artefacts of their agency (and its
sub-agencies). A message is read safely
(:mod:`sdmx_server.readers.structure_ml`), then stored by
:class:`~sdmx_server.services.structure_store.StructureStore` in *strict*
and *atomic* mode: every reference must resolve (409 otherwise, no
external-reference stubs), and one refused artefact means nothing is
written. Every attempt, refused or not, is recorded in the audit trail.

HTTP status of the whole answer: 201 when something was created, 200 when
everything was replaced, kept or deleted; otherwise the most telling
per-artefact code: 403 (an artefact of an agency the token may not write),
422 (the body does not hold what the URL names, or a construct this server
does not store), 404 (PUT or DELETE of an unknown artefact), 409 (conflicts:
final artefacts, missing references, deletion of something referenced or
holding data, changes that would invalidate stored data).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from sdmx_server.domain.authority import ANY_AGENCY
from sdmx_server.domain.errors import (
    BadRequestError,
    ForbiddenError,
    NotImplementedYetError,
    SdmxError,
)
from sdmx_server.domain.identifiers import ref_problems
from sdmx_server.domain.kinds import AuditAction, RegistryAction, RegistryStatus
from sdmx_server.domain.model import (
    SDMX3_TYPES_NOT_STORED,
    Artefact,
    ArtefactType,
    ConstraintDetails,
    MaintainableRef,
    ProvisionAgreementDetails,
)
from sdmx_server.readers._xml_common import DEFAULT_XML_LIMITS, XmlLimits
from sdmx_server.readers.structure_ml import read_structure_message
from sdmx_server.services.audit import AuditTrail
from sdmx_server.services.auth import (
    AuthService,
    Principal,
    require_authenticated,
    require_structure_writer,
)
from sdmx_server.services.structure_store import ArtefactOutcome, StructureStore

if TYPE_CHECKING:
    from sdmx_server.readers.sdmx1_structures import ReadResult

# SDMX REST v2 structure types this server stores (plus the v1 name of constraints).
WRITE_TYPES: dict[str, ArtefactType] = {
    **{t.info.v3_resource: t for t in ArtefactType if t.info.v3_resource},
    "contentconstraint": ArtefactType.CONTENT_CONSTRAINT,
}
# SDMX REST v2 structure types that exist but are not stored here: 501.
NOT_STORED_TYPES = SDMX3_TYPES_NOT_STORED

# Packages of constructs sdmx1 reads but the store does not model (for their URNs).
_PACKAGES = {
    "HierarchicalCodelist": "codelist",
    "ValueList": "codelist",
    "GeographicCodelist": "codelist",
    "GeoGridCodelist": "codelist",
    "Hierarchy": "codelist",
    "HierarchyAssociation": "codelist",
    "StructureSet": "mapping",
    "MetadataStructureDefinition": "metadatastructure",
    "MetadataflowDefinition": "metadatastructure",
    "Metadataflow": "metadatastructure",
    "MetadataConstraint": "registry",
    "MetadataProviderScheme": "base",
    "ReportingTaxonomy": "categoryscheme",
    "Process": "process",
}
_LABEL = re.compile(r"^(?P<cls>\w+) (?P<agency>[^:\s]+):(?P<id>[^()\s]+)\((?P<version>[^()]*)\)$")
_CODE_ORDER = (403, 422, 404, 409, 424)
_OUTCOMES = {
    200: "written",
    201: "written",
    403: "ForbiddenError",
    404: "NoResultsError",
    409: "ConflictError",
    422: "UnprocessableError",
}


@dataclass(frozen=True)
class ArtefactResult:
    """One ``SubmissionResult``: the artefact, the action, the status and why."""

    ref: MaintainableRef | None
    action: RegistryAction
    status: RegistryStatus
    code: int
    texts: tuple[str, ...] = ()
    urn: str | None = None

    def as_dict(self) -> dict[str, object]:
        """Audit form."""
        return {
            "artefact": str(self.ref) if self.ref else self.urn,
            "action": self.action,
            "status": self.status,
            "code": self.code,
            "message": " | ".join(self.texts)[:500],
        }


@dataclass
class WriteAnswer:
    """The HTTP status and the per-artefact results of one structure write."""

    status: int
    results: list[ArtefactResult]
    receiver: str = "ANONYMOUS"
    created: list[MaintainableRef] = field(default_factory=list)


def parse_type(name: str) -> ArtefactType:
    """A structure type of a write path: 400 unknown, 501 known but not stored here."""
    key = name.lower()
    if key in WRITE_TYPES:
        return WRITE_TYPES[key]
    if key in NOT_STORED_TYPES:
        raise NotImplementedYetError(f"This server does not store {name} structures")
    raise BadRequestError(
        f"'{name}' is not an SDMX structure type; use one of {', '.join(sorted(WRITE_TYPES))}"
    )


def _receiver(principal: Principal) -> str:
    name = principal.agency or (
        principal.provider.item_id if principal.provider else principal.kind.upper()
    )
    return re.sub(r"[^A-Za-z0-9_@$\-]", "_", name) or "ANONYMOUS"


def _result(outcome: ArtefactOutcome, delete: bool = False) -> ArtefactResult:
    action: RegistryAction = "Delete" if delete else ("Replace" if outcome.existed else "Append")
    if not outcome.ok:
        if any(ref_problems(outcome.ref, "")):
            # An id the SDMX grammar refuses cannot go into a Ref: named by a URN, its parts percent-encoded.
            ref = outcome.ref
            parts = [quote(p, safe="") for p in (ref.agency, ref.id, ref.version)]
            urn = (
                f"urn:sdmx:org.sdmx.infomodel.{ref.type.info.package}.{ref.type.info.cls}="
                f"{parts[0]}:{parts[1]}({parts[2]})"
            )
            return ArtefactResult(
                None, action, "Failure", outcome.code, (outcome.message,), urn=urn
            )
        return ArtefactResult(outcome.ref, action, "Failure", outcome.code, (outcome.message,))
    texts = {
        "created": "created",
        "stub": "created",
        "updated": "replaced",
        "merged": "merged with the stored items",
        "kept": "unchanged",
        "deleted": "deleted",
    }[outcome.status]
    if outcome.message:
        texts = f"{texts}: {outcome.message}" if outcome.status != "kept" else outcome.message
    status: RegistryStatus = "Warning" if outcome.warnings else "Success"
    return ArtefactResult(outcome.ref, action, status, outcome.code, (texts, *outcome.warnings))


def _unsupported(label: str, reason: str) -> ArtefactResult:
    """A construct sdmx1 read but the store does not model."""
    from sdmx_server.readers.sdmx1_structures import CLASS_TYPES

    m = _LABEL.match(label)
    if m and m["cls"] in CLASS_TYPES:
        ref = MaintainableRef(
            type=CLASS_TYPES[m["cls"]],
            agency=m["agency"],
            id=m["id"],
            version=m["version"] or "1.0",
        )
        return ArtefactResult(ref, "Append", "Failure", 422, (reason,))
    if m:
        urn = (
            f"urn:sdmx:org.sdmx.infomodel.{_PACKAGES.get(m['cls'], 'base')}.{m['cls']}="
            f"{m['agency']}:{m['id']}({m['version'] or '1.0'})"
        )
    else:
        urn = "urn:sdmx:org.sdmx.infomodel.base.Unknown=" + re.sub(
            r"[^A-Za-z0-9_.:()\-]", "_", label
        )
    return ArtefactResult(None, "Append", "Failure", 422, (f"{label}: {reason}",), urn=urn)


def _status(results: Sequence[ArtefactResult], created: bool) -> int:
    failed = {r.code for r in results if r.status == "Failure"}
    for code in _CODE_ORDER:
        if code in failed:
            return code if code != 424 else 409
    if failed:
        return max(failed)
    return 201 if created else 200


class StructureWriteService:
    """Authorises, reads, stores (all or nothing) and audits structure writes."""

    def __init__(
        self,
        store: StructureStore,
        auth: AuthService,
        audit: AuditTrail,
        xml_limits: XmlLimits = DEFAULT_XML_LIMITS,
    ) -> None:
        self._store = store
        self._xml_limits = xml_limits
        self._auth = auth
        self._audit = audit

    # ------------------------------------------------------------------ before the body is read

    def authorize(
        self,
        authorization: str | None,
        action: AuditAction,
        target: str,
        agency: str | None,
        request_id: str = "",
    ) -> Principal:
        """The caller, if it may write structures at all (of ``agency`` when known): 401/403 otherwise."""
        principal = Principal(kind="anonymous")
        try:
            principal = self._auth.authenticate(authorization)
            require_authenticated(principal)
            if not principal.is_admin and principal.kind != "maintainer":
                raise ForbiddenError(
                    f"{principal.label} may not write structures "
                    "(administrators and agency maintainers may)"
                )
            if agency is not None:
                require_structure_writer(principal, agency)
        except SdmxError as exc:
            self.refused(principal, action, target, exc, request_id)
            raise
        return principal

    def refused(
        self,
        principal: Principal,
        action: AuditAction,
        target: str,
        exc: SdmxError,
        request_id: str = "",
    ) -> None:
        """Record a write refused before the store saw it (credentials, body size, unreadable message)."""
        self._audit.record(
            principal.label,
            action,
            target,
            type(exc).__name__,
            exc.http_status,
            {"message": exc.message[:1000]},
            request_id,
        )

    # ------------------------------------------------------------------ writes

    def _read(
        self,
        principal: Principal,
        action: AuditAction,
        target: str,
        body: bytes,
        content_type: str | None,
        request_id: str,
    ) -> tuple[ReadResult, list[ArtefactResult]]:
        """The message's artefacts and a Failure result per construct it holds that cannot be stored;
        an unreadable message is audited, then raised."""
        try:
            read = read_structure_message(body, content_type, self._xml_limits)
        except SdmxError as exc:
            self.refused(principal, action, target, exc, request_id)
            raise
        return read, [_unsupported(label, reason) for label, reason in read.refused]

    def submit(
        self,
        principal: Principal,
        body: bytes,
        content_type: str | None,
        path_type: ArtefactType | None = None,
        request_id: str = "",
    ) -> WriteAnswer:
        """``POST /structure[/{type}]``: create or replace every artefact of a message, all or nothing."""
        action: AuditAction = "structure.submit"
        target = f"structure/{path_type.info.v3_resource if path_type else '*'}"
        read, results = self._read(principal, action, target, body, content_type, request_id)
        fitting = [a for a in read.artefacts if path_type is None or a.type is path_type]
        if path_type is not None:
            results += [
                ArtefactResult(
                    a.ref,
                    "Append",
                    "Failure",
                    422,
                    (f"is a {a.type.info.cls}, but the URL names {path_type.info.cls} structures",),
                )
                for a in read.artefacts
                if a.type is not path_type
            ]
        answer = self._store_all(
            principal, fitting, results, must_exist=False, warnings=read.warnings
        )
        self._record(principal, action, target, answer, request_id)
        return answer

    def replace(
        self,
        principal: Principal,
        ref: MaintainableRef,
        body: bytes,
        content_type: str | None,
        request_id: str = "",
    ) -> WriteAnswer:
        """``PUT /structure/{type}/{agency}/{id}/{version}``: replace exactly that artefact."""
        action: AuditAction = "structure.replace"
        target = _path(ref)
        read, results = self._read(principal, action, target, body, content_type, request_id)
        matching = [a for a in read.artefacts if a.ref == ref]
        others = [a for a in read.artefacts if a.ref != ref]
        results += [
            ArtefactResult(
                a.ref,
                "Replace",
                "Failure",
                422,
                (f"the URL names {ref}: a PUT body holds exactly that artefact",),
            )
            for a in others
        ]
        if not matching:
            results.append(
                ArtefactResult(
                    ref,
                    "Replace",
                    "Failure",
                    422,
                    (f"the body does not hold {ref}, which the URL names",),
                )
            )
        answer = self._store_all(
            principal, matching, results, must_exist=True, warnings=read.warnings
        )
        self._record(principal, action, target, answer, request_id)
        return answer

    def delete(
        self, principal: Principal, ref: MaintainableRef, request_id: str = ""
    ) -> WriteAnswer:
        """``DELETE /structure/{type}/{agency}/{id}/{version}``: 404 unknown, 409 final, referenced or holding data."""
        outcome = self._store.delete(ref)
        result = _result(outcome, delete=True)
        answer = WriteAnswer(_status([result], False), [result], _receiver(principal))
        self._record(principal, "structure.delete", _path(ref), answer, request_id)
        return answer

    # ------------------------------------------------------------------ internals

    def _store_all(
        self,
        principal: Principal,
        artefacts: list[Artefact],
        results: list[ArtefactResult],
        *,
        must_exist: bool,
        warnings: dict[MaintainableRef, list[str]] | None = None,
    ) -> WriteAnswer:
        receiver = _receiver(principal)
        forbidden = []
        in_message = {a.ref: a for a in artefacts}
        for artefact in artefacts:
            try:
                require_structure_writer(principal, artefact.agency)
                for agency, why in self._governed_agencies(artefact, in_message):
                    try:
                        require_structure_writer(principal, agency)
                    except ForbiddenError:
                        raise ForbiddenError(
                            f"{principal.label} may not write {artefact.ref}: it {why}, and "
                            f"only administrators and maintainers of agency {agency} may grant "
                            "or restrict rights on it"
                        ) from None
            except ForbiddenError as exc:
                forbidden.append(
                    ArtefactResult(artefact.ref, "Append", "Failure", 403, (exc.message,))
                )
        if forbidden:
            denied = {r.ref for r in forbidden}
            others = [
                ArtefactResult(
                    a.ref,
                    "Append",
                    "Failure",
                    424,
                    ("not written: the message holds artefacts this token may not write",),
                )
                for a in artefacts
                if a.ref not in denied
            ]
            return WriteAnswer(403, results + forbidden + others, receiver)
        if not artefacts:
            return WriteAnswer(_status(results, False), results, receiver)
        # Refusals found before the store (wrong type, unsupported constructs) still get every artefact checked.
        report = self._store.submit(
            artefacts,
            strict=True,
            atomic=True,
            must_exist=must_exist,
            dry_run=bool(results),
            authority=ANY_AGENCY if principal.is_admin else principal.agency or "",
            warnings=warnings,
        )
        stored = [_result(o) for o in report.outcomes]
        if results:
            stored = [
                r
                if r.status == "Failure"
                else ArtefactResult(
                    r.ref,
                    r.action,
                    "Failure",
                    424,
                    ("not written: other artefacts of the message were refused",),
                )
                for r in stored
            ]
        created = (
            [o.ref for o in report.outcomes if o.status in ("created", "stub")]
            if not results
            else []
        )
        all_results = results + stored
        return WriteAnswer(_status(all_results, bool(created)), all_results, receiver, created)

    def _governed_agencies(
        self, artefact: Artefact, in_message: dict[MaintainableRef, Artefact]
    ) -> list[tuple[str, str]]:
        """(agency, why) of every agency whose rights an agreement or a constraint grants or restricts
        (ADR 0011): the dataflow an agreement entitles to, what a constraint is attached to (and the
        dataflow of an agreement it is attached to)."""
        details = artefact.details
        out: list[tuple[str, str]] = []
        if isinstance(details, ProvisionAgreementDetails):
            out.append((details.dataflow.agency, f"entitles a data provider to {details.dataflow}"))
        elif isinstance(details, ConstraintDetails):
            for attachment in details.attachments:
                ref = attachment.ref
                if ref is None or ref.type not in (
                    ArtefactType.DATAFLOW,
                    ArtefactType.DATA_STRUCTURE,
                    ArtefactType.PROVISION_AGREEMENT,
                ):
                    continue
                out.append((ref.agency, f"is attached to {ref}"))
                if ref.type is ArtefactType.PROVISION_AGREEMENT:
                    pa = in_message.get(ref) or self._store.stored(ref)
                    if pa is not None and isinstance(pa.details, ProvisionAgreementDetails):
                        out.append(
                            (
                                pa.details.dataflow.agency,
                                f"is attached to {ref}, which covers {pa.details.dataflow}",
                            )
                        )
        return out

    def _record(
        self,
        principal: Principal,
        action: AuditAction,
        target: str,
        answer: WriteAnswer,
        request_id: str,
    ) -> None:
        # Refusals are named like the errors raised before the store saw the message (401, 400, 413 ...).
        outcome = _OUTCOMES.get(answer.status, "refused")
        self._audit.record(
            principal.label,
            action,
            target,
            outcome,
            answer.status,
            {"artefacts": [r.as_dict() for r in answer.results[:200]]},
            request_id,
        )


def _path(ref: MaintainableRef) -> str:
    return f"structure/{ref.type.info.v3_resource}/{ref.agency}/{ref.id}/{ref.version}"
