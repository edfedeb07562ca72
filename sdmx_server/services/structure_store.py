"""Storing structural metadata: the one write path for loaders and the API.

``StructureStore.submit`` takes artefacts (from any reader), orders them by
dependency, resolves every reference against the message and the store, and
writes them in one transaction with a savepoint per artefact, so that one
refused artefact does not take the others down. The rules:

* a final artefact cannot change except its names, descriptions and
  annotations (and those of its items): a replacement is a new version;
* a non-final artefact is replaced whole; removing an item that something
  references is refused;
* organisation schemes (agencies, data providers, ...) and partial item
  schemes merge item by item;
* an unknown maintenance agency is registered in ``SDMX:AGENCIES(1.0)``
  with a warning;
* a reference that neither the message nor the store resolves is kept as an
  external-reference stub (with a warning) where SDMX allows it
  (categorisations, constraint attachments, concept core representations);
  a DSD whose concepts or codelists are missing is refused, and so is
  anything that depends on a refused artefact;
* a change that would invalidate stored data is refused
  (:mod:`sdmx_server.services.structure_impact`).

The API submits in *strict* mode: every reference must resolve to a full
artefact in the message or the store (no external-reference stubs, no
auto-registered agencies), and an *atomic* submission writes all of its
artefacts or none. ``delete`` removes one artefact unless it is final,
referenced, or holds data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.domain.authority import ANY_AGENCY
from sdmx_server.domain.clock import SYSTEM_CLOCK, Clock
from sdmx_server.domain.errors import StructureLoadError
from sdmx_server.domain.identifiers import artefact_problems
from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    DsdDetails,
    Item,
    MaintainableRef,
)
from sdmx_server.domain.safe_text import safe_text
from sdmx_server.services.structure_impact import DataGuard
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage import structure_usage as usage
from sdmx_server.storage.tables import StructureArtefact, StructureItem

log = logging.getLogger(__name__)

Status = Literal[
    "created", "updated", "kept", "merged", "refused", "stub", "not_written", "deleted"
]

# Per-artefact codes (SDMX REST maintenance: the HTTP code of each artefact's result).
CODES: dict[str, int] = {
    "created": 201,
    "stub": 201,
    "updated": 200,
    "merged": 200,
    "kept": 200,
    "deleted": 200,
    "refused": 409,
    "not_written": 424,
}

TYPE_ORDER = [
    ArtefactType.AGENCY_SCHEME,
    ArtefactType.DATA_PROVIDER_SCHEME,
    ArtefactType.DATA_CONSUMER_SCHEME,
    ArtefactType.ORGANISATION_UNIT_SCHEME,
    ArtefactType.CODELIST,
    ArtefactType.CONCEPT_SCHEME,
    ArtefactType.CATEGORY_SCHEME,
    ArtefactType.DATA_STRUCTURE,
    ArtefactType.DATAFLOW,
    ArtefactType.PROVISION_AGREEMENT,
    ArtefactType.CONTENT_CONSTRAINT,
    ArtefactType.CATEGORISATION,
]

# References that may point outside the store: kept as external-reference stubs.
# Only a DSD's own references (concepts, codelists) must resolve.
SOFT_ROLES = ("source", "target", "attachment", "item:", "structure", "dataflow", "dataProvider")

AGENCIES_REF = MaintainableRef(
    type=ArtefactType.AGENCY_SCHEME, agency="SDMX", id="AGENCIES", version="1.0"
)


@dataclass
class ArtefactOutcome:
    """What happened to one artefact of a submission."""

    ref: MaintainableRef
    status: Status
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    # Other artefact types this submission changed (auto-registered agencies, stubs).
    side_types: set[ArtefactType] = field(default_factory=set, repr=False)
    # Set for refusals that are not conflicts (404 unknown artefact, 422 wrong kind).
    refusal_code: int | None = None
    existed: bool = False

    @property
    def ok(self) -> bool:
        """False for refused artefacts and for those an atomic submission did not write."""
        return self.status not in ("refused", "not_written")

    @property
    def code(self) -> int:
        """The HTTP code of this artefact's result (201 created, 200 changed or kept, 409 conflict, ...)."""
        if self.status == "refused" and self.refusal_code is not None:
            return self.refusal_code
        return CODES[self.status]


@dataclass
class SubmissionReport:
    """Outcomes of a structure submission, in processing order."""

    outcomes: list[ArtefactOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def refused(self) -> list[ArtefactOutcome]:
        """Outcomes of refused artefacts."""
        return [o for o in self.outcomes if not o.ok]

    def count(self, status: Status) -> int:
        """Number of artefacts with this status."""
        return sum(1 for o in self.outcomes if o.status == status)


class Refusal(StructureLoadError):
    """A refusal with its own code (404, 422) rather than a conflict (409)."""

    def __init__(self, artefact: str, reason: str, code: int) -> None:
        super().__init__(artefact, reason)
        self.code = code


def _comparable(artefact: Artefact, *, labels: bool = True) -> dict[str, Any]:
    data = artefact.model_dump(mode="json", exclude_none=True, exclude={"is_partial"})
    if not labels:
        for key in ("names", "descriptions", "annotations"):
            data.pop(key, None)
        for item in data.get("items", []):
            for key in ("names", "descriptions", "annotations"):
                item.pop(key, None)
    return data


@dataclass(frozen=True)
class _Mode:
    allow_replace: bool = True
    strict: bool = False
    must_exist: bool = False
    authority: str = ANY_AGENCY


def _stub(ref: MaintainableRef, item_ids: Sequence[str] = ()) -> Artefact:
    return Artefact(
        type=ref.type,
        agency=ref.agency,
        id=ref.id,
        version=ref.version,
        is_external_reference=True,
        names={"en": ref.id},
        items=[
            Item(
                id=i,
                names={"en": i.rsplit(".", 1)[-1]},
                parent=i.rsplit(".", 1)[0] if "." in i else None,
            )
            for i in item_ids
        ],
    )


class StructureStore:
    """The write service for structural metadata (owns its transactions)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        on_change: Callable[[], None] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._factory = session_factory
        self._on_change = on_change
        self.clock = clock

    # ------------------------------------------------------------------ API

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A write transaction on the structure store (for small administrative changes)."""
        with self._factory() as session, session.begin():
            yield session

    def submit(
        self,
        artefacts: Sequence[Artefact],
        *,
        allow_replace: bool = True,
        progress: Callable[[int], object] | None = None,
        strict: bool = False,
        atomic: bool = False,
        must_exist: bool = False,
        dry_run: bool = False,
        authority: str = ANY_AGENCY,
        warnings: Mapping[MaintainableRef, Sequence[str]] | None = None,
    ) -> SubmissionReport:
        """Store ``artefacts`` (one transaction, one savepoint each) and report per artefact.

        ``strict``: references must resolve to full artefacts and agencies must
        be known (no stubs, no auto-registration). ``atomic``: if any artefact
        is refused, nothing is written (the others end as ``not_written``).
        ``must_exist``: only replace (an unknown artefact is refused with 404).
        ``dry_run``: check everything, write nothing.
        ``authority``: the rights of the writer, recorded on every artefact it writes (``*``: an
        administrator or the command line; else a maintainer's agency): what an agreement or a
        constraint grants depends on it (:mod:`sdmx_server.domain.authority`).
        ``warnings``: what the reader left out of artefacts, added to their outcomes.
        """
        report = SubmissionReport()
        ordered = sorted(artefacts, key=lambda a: TYPE_ORDER.index(a.type))
        in_message = {a.ref for a in ordered}
        refused: set[MaintainableRef] = set()
        changed_types: set[ArtefactType] = set()
        mode = _Mode(
            allow_replace=allow_replace, strict=strict, must_exist=must_exist, authority=authority
        )
        with self._factory() as session:
            tx = session.begin()
            try:
                for artefact in ordered:
                    outcome = self._submit_one(session, artefact, in_message, refused, mode)
                    outcome.warnings[:0] = list((warnings or {}).get(artefact.ref, ()))
                    report.outcomes.append(outcome)
                    if outcome.status == "refused":
                        refused.add(artefact.ref)
                        log.warning("refused %s: %s", artefact.ref, outcome.message)
                    else:
                        changed_types |= outcome.side_types
                        if outcome.status != "kept":
                            changed_types.add(artefact.type)
                    for w in outcome.warnings:
                        log.warning("%s: %s", artefact.ref, w)
                    if progress is not None:
                        progress(1)
                if atomic and refused:
                    tx.rollback()
                    for outcome in report.outcomes:
                        if outcome.ok:
                            outcome.status = "not_written"
                            outcome.message = (
                                "not written: other artefacts of the message were refused"
                            )
                    return report
                if dry_run:
                    tx.rollback()
                    return report
                if changed_types:
                    repo.bump_state(session, changed_types)
                tx.commit()
            except BaseException:
                if tx.is_active:
                    tx.rollback()
                raise
        if changed_types and self._on_change is not None:
            self._on_change()
        return report

    def stored(self, ref: MaintainableRef) -> Artefact | None:
        """The stored artefact ``ref`` (without its items), if any."""
        with self._factory() as session:
            row = repo.get_row(session, ref)
            return repo.row_to_artefact(row) if row is not None else None

    def delete(self, ref: MaintainableRef) -> ArtefactOutcome:
        """Delete one artefact: 404 unknown; 409 when final, referenced by another artefact, or holding data."""
        outcome = ArtefactOutcome(ref=ref, status="deleted", existed=True)
        with self._factory() as session, session.begin():
            row = repo.get_row(session, ref)
            if row is None:
                outcome.status, outcome.existed = "refused", False
                outcome.refusal_code, outcome.message = 404, f"{ref} is not stored"
                return outcome
            reason = self._deletion_conflict(session, row)
            if reason:
                outcome.status, outcome.message = "refused", reason
                return outcome
            try:
                with session.begin_nested():
                    repo.delete_artefact(session, row.pk)
            except IntegrityError as exc:  # a dependency the checks above do not know of
                outcome.status = "refused"
                outcome.message = f"{ref} is still in use: {str(exc.orig).splitlines()[0]}"
                return outcome
            repo.bump_state(session, [ref.type])
        if self._on_change is not None:
            self._on_change()
        return outcome

    def _deletion_conflict(self, session: Session, row: StructureArtefact) -> str | None:
        """Why this artefact cannot be deleted (None: it can)."""
        ref = repo.ref_of_row(row)
        if row.is_final and not row.is_external_reference:
            return f"{ref} is final (stable): final artefacts are not deleted; publish a new version instead"
        users = repo.references_to(session, [row.pk]).get(row.pk, set())
        if users:
            names = sorted(str(repo.ref_of_row(r)) for r in repo.rows_by_pk(session, users))
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            return f"{ref} is referenced by {', '.join(names[:5])}{more}"
        guard = DataGuard(session, self.clock.now())
        flows = (
            [row.pk]
            if row.type in (ArtefactType.DATAFLOW.value, ArtefactType.DATA_STRUCTURE.value)
            else []
        )
        if row.type == ArtefactType.PROVISION_AGREEMENT.value:
            keys = guard.affected(repo.row_to_artefact(row), row, [])
            guard.lock(keys)
            for flow, pa in keys:
                provider = guard.provider_pk(pa) if pa is not None else None
                batches, held = usage.held(session, flow, guard.now, provider)
                if batches:
                    return (
                        f"{ref} covers data already submitted: {batches} submissions, {held.describe()} "
                        "currently stored"
                    )
        for flow in flows:
            guard.lock([(flow, None)])
            batches, held = usage.held(session, flow, guard.now)
            if batches or held:
                return f"{ref} holds data: {batches} submissions, {held.describe()} stored"
        if ArtefactType(row.type).is_organisation_scheme:
            items = usage.item_pks(session, row.pk)
            if row.type == ArtefactType.DATA_PROVIDER_SCHEME.value:
                batches = usage.data_of_providers(session, items)
                if batches:
                    return f"the data providers of {ref} have written {batches} submissions"
                tokens = usage.tokens_of_providers(session, items)
                if tokens:
                    return f"{tokens} access tokens are bound to data providers of {ref}"
            if row.type == ArtefactType.AGENCY_SCHEME.value:
                maintained = usage.artefacts_maintained_by(
                    session, repo.item_ids(session, row.pk), row.agency_id
                )
                if maintained:
                    return f"agencies of {ref} maintain stored artefacts, e.g. {', '.join(maintained[:5])}"
        return None

    # ------------------------------------------------------------- per artefact

    def _submit_one(
        self,
        session: Session,
        artefact: Artefact,
        in_message: set[MaintainableRef],
        refused: set[MaintainableRef],
        mode: _Mode,
    ) -> ArtefactOutcome:
        outcome = ArtefactOutcome(ref=artefact.ref, status="kept")
        try:
            with session.begin_nested():
                self._check_consistency(artefact)
                row = repo.get_row(session, artefact.ref)
                outcome.existed = row is not None
                if row is None and mode.must_exist:
                    raise Refusal(
                        str(artefact.ref), f"{artefact.ref} is not stored: create it with POST", 404
                    )
                if artefact.is_external_reference and mode.strict:
                    if row is None or row.is_external_reference:
                        raise StructureLoadError(
                            str(artefact.ref),
                            "is only an external reference and is not "
                            "stored: submit the full artefact",
                        )
                    outcome.message = "external reference to a stored artefact: nothing changed"
                    return outcome
                defines_itself = artefact.type is ArtefactType.AGENCY_SCHEME and any(
                    i.id == artefact.agency for i in artefact.items
                )
                if not defines_itself:
                    self._ensure_agency(session, artefact.agency, outcome, mode.strict)
                targets = self._resolve_references(
                    session, artefact, in_message, refused, outcome, mode.strict
                )
                guard = DataGuard(session, self.clock.now())
                before: dict[Any, Any] = {}

                def compile_before() -> None:
                    # Only for a change of substance: compiling dataflows' structures is not free.
                    keys = guard.affected(artefact, row, targets)
                    guard.lock(keys)
                    before.update(guard.compile(keys))

                self._write(session, artefact, targets, outcome, mode.allow_replace, compile_before)
                self._record_authority(session, artefact, outcome, mode.authority)
                if before:
                    problems = guard.violations(before)
                    if problems:
                        raise StructureLoadError(
                            str(artefact.ref),
                            "would invalidate stored data: " + "; ".join(problems),
                        )
        except Refusal as exc:
            outcome.status = "refused"
            outcome.message = exc.reason
            outcome.refusal_code = exc.code
        except StructureLoadError as exc:
            outcome.status = "refused"
            outcome.message = exc.reason
        except IntegrityError as exc:
            outcome.status = "refused"
            outcome.message = f"conflicts with stored content: {str(exc.orig).splitlines()[0]}"
        return outcome

    @staticmethod
    def _record_authority(
        session: Session, artefact: Artefact, outcome: ArtefactOutcome, authority: str
    ) -> None:
        """Record the writer's rights on the artefact (also on an unchanged one: they decide what it grants)."""
        if artefact.is_external_reference:
            return
        row = repo.get_row(session, artefact.ref)
        if row is not None and row.authority != authority:
            row.authority = authority
            session.flush()
            # What the artefact grants may change: every worker's compiled structures must see it.
            outcome.side_types.add(artefact.type)

    def _check_consistency(self, artefact: Artefact) -> None:
        problems = artefact_problems(artefact)
        if problems:
            more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
            raise Refusal(
                safe_text(str(artefact.ref), 300),
                safe_text("; ".join(problems[:10]) + more, 2000),
                422,
            )
        ids = [i.id for i in artefact.items]
        if len(ids) != len(set(ids)):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise StructureLoadError(
                str(artefact.ref), f"duplicate item ids: {', '.join(dupes[:10])}"
            )
        known = set(ids)
        for item in artefact.items:
            if item.parent is not None and item.parent not in known:
                raise StructureLoadError(
                    str(artefact.ref), f"item {item.id} has unknown parent {item.parent}"
                )
        details = artefact.details
        if isinstance(details, DsdDetails):
            dims = {d.id for d in details.dimensions}
            for group in details.groups:
                missing = [d for d in group.dimensions if d not in dims]
                if missing:
                    raise StructureLoadError(
                        str(artefact.ref), f"group {group.id} names unknown dimensions {missing}"
                    )
            groups = {g.id for g in details.groups}
            for attr in details.attributes:
                rel = attr.relationship
                if rel is None:
                    continue
                bad = [d for d in rel.dimensions if d not in dims]
                if bad:
                    raise StructureLoadError(
                        str(artefact.ref),
                        f"attribute {attr.id} relates to unknown dimensions {bad}",
                    )
                if rel.group is not None and rel.group not in groups:
                    raise StructureLoadError(
                        str(artefact.ref),
                        f"attribute {attr.id} relates to unknown group {rel.group}",
                    )

    def _ensure_agency(
        self, session: Session, agency: str, outcome: ArtefactOutcome, strict: bool = False
    ) -> None:
        parent, _, child = agency.rpartition(".")
        stmt = (
            select(StructureItem.pk)
            .join(StructureArtefact, StructureArtefact.pk == StructureItem.artefact_pk)
            .where(
                StructureArtefact.type == ArtefactType.AGENCY_SCHEME.value,
                StructureItem.item_id == child,
            )
        )
        if parent:
            stmt = stmt.where(StructureArtefact.agency_id == parent)
        if session.execute(stmt.limit(1)).first() is not None:
            return
        if strict:
            raise StructureLoadError(
                str(outcome.ref),
                f"unknown maintenance agency {agency}: no agency scheme "
                "stored or in the message defines it",
            )
        # A nested agency (IMF.RES, OECD.DAF) is an agency of its parent's agency scheme: registered
        # there like an unknown top-level agency is in SDMX's (its parent first, if unknown too).
        if parent:
            self._ensure_agency(session, parent, outcome, strict)
        scheme_ref = (
            MaintainableRef(
                type=ArtefactType.AGENCY_SCHEME, agency=parent, id="AGENCIES", version="1.0"
            )
            if parent
            else AGENCIES_REF
        )
        row = repo.get_row(session, scheme_ref)
        if row is None:
            own = [] if parent else [Item(id="SDMX", names={"en": "SDMX"})]
            scheme = Artefact(
                type=ArtefactType.AGENCY_SCHEME,
                agency=scheme_ref.agency,
                id="AGENCIES",
                version="1.0",
                names={"en": f"{scheme_ref.agency} Agency Scheme"},
                items=own + ([] if agency == "SDMX" else [Item(id=child, names={"en": agency})]),
            )
            repo.insert_artefact(session, scheme)
        else:
            existing = repo.items_of(session, [row.pk])[row.pk]
            items = [repo.row_to_item(i) for i in existing] + [Item(id=child, names={"en": agency})]
            repo.sync_items(session, row.pk, items)
            row.item_count = len(items)
        outcome.side_types.add(ArtefactType.AGENCY_SCHEME)
        outcome.warnings.append(
            f"maintenance agency {agency} was unknown: registered in {scheme_ref.agency}:AGENCIES(1.0)"
        )

    def _resolve_references(
        self,
        session: Session,
        artefact: Artefact,
        in_message: set[MaintainableRef],
        refused: set[MaintainableRef],
        outcome: ArtefactOutcome,
        strict: bool = False,
    ) -> list[tuple[str, int, int | None]]:
        refs = [
            r for r in artefact.references() if r[1] != artefact.ref
        ]  # self-references need no row
        rows = repo.match_refs(session, [r for _, r, _ in refs])
        needed_items: dict[MaintainableRef, set[str]] = {}
        # Every problem of the artefact's references goes into one report (not only the first): a user
        # fixing a message needs one run, not one per missing codelist.
        problems: dict[str, None] = {}
        for role, ref, item_id in refs:
            if ref in refused:
                problems[f"depends on {ref}, which was refused"] = None
                continue
            row = rows.get(ref)
            soft = role.startswith(SOFT_ROLES) and not strict
            if row is None:
                if not soft:
                    problems[f"references {ref}, which is neither in the message nor stored"] = None
                    continue
                rows[ref] = self._create_stub(session, ref, [item_id] if item_id else [], outcome)
            elif row.is_external_reference and not soft:
                problems[f"references {ref}, which is only an external reference"] = None
                continue
            if item_id is not None:
                needed_items.setdefault(ref, set()).add(item_id)
        problems.update(dict.fromkeys(self._missing_items(session, rows, needed_items, strict)))
        if problems:
            raise StructureLoadError(str(artefact.ref), "; ".join(problems))
        item_pk = self._resolve_items(session, artefact, rows, needed_items, strict)
        return [
            (role, rows[ref].pk, item_pk[(ref, item_id)] if item_id else None)
            for role, ref, item_id in refs
        ]

    @staticmethod
    def _missing_items(
        session: Session,
        rows: dict[MaintainableRef, StructureArtefact],
        needed: dict[MaintainableRef, set[str]],
        strict: bool,
    ) -> list[str]:
        """Why referenced items are missing from stored (full) schemes, one text per scheme."""
        out = []
        for ref, ids in needed.items():
            row = rows[ref]
            if row.is_external_reference and not strict:
                continue  # a stub scheme gets the items it needs
            missing = ids - set(repo.item_pks(session, row.pk, ids))
            if missing:
                out.append(
                    f"references {', '.join(sorted(missing))} which {'is' if len(missing) == 1 else 'are'} "
                    f"not in {ref}"
                )
        return out

    @staticmethod
    def _resolve_items(
        session: Session,
        artefact: Artefact,
        rows: dict[MaintainableRef, StructureArtefact],
        needed: dict[MaintainableRef, set[str]],
        strict: bool = False,
    ) -> dict[tuple[MaintainableRef, str], int]:
        """Primary keys of referenced items; stub schemes get the stub items they need."""
        item_pk: dict[tuple[MaintainableRef, str], int] = {}
        for ref, ids in needed.items():
            row = rows[ref]
            found = repo.item_pks(session, row.pk, ids)
            missing = ids - set(found)
            if missing and row.is_external_reference and not strict:
                existing = [repo.row_to_item(i) for i in repo.items_of(session, [row.pk])[row.pk]]
                repo.sync_items(
                    session,
                    row.pk,
                    existing + [Item(id=i, names={"en": i}) for i in sorted(missing)],
                )
                found = repo.item_pks(session, row.pk, ids)
                missing = ids - set(found)
            if missing:
                raise StructureLoadError(
                    str(artefact.ref),
                    f"references {', '.join(sorted(missing))} "
                    f"which {'is' if len(missing) == 1 else 'are'} not in {ref}",
                )
            for i, pk in found.items():
                item_pk[(ref, i)] = pk
        return item_pk

    def _create_stub(
        self, session: Session, ref: MaintainableRef, item_ids: list[str], outcome: ArtefactOutcome
    ) -> StructureArtefact:
        self._ensure_agency(session, ref.agency, outcome)
        pk = repo.insert_artefact(session, _stub(ref, item_ids))
        outcome.warnings.append(f"{ref} is not available: kept as an external-reference stub")
        outcome.side_types.add(ref.type)
        row = session.get(StructureArtefact, pk)
        assert row is not None
        return row

    # ------------------------------------------------------------- writing

    def _write(
        self,
        session: Session,
        artefact: Artefact,
        targets: list[tuple[str, int, int | None]],
        outcome: ArtefactOutcome,
        allow_replace: bool,
        before_change: Callable[[], None] = lambda: None,
    ) -> None:
        """Insert or replace ``artefact``; ``before_change`` runs just before a change that is more than labels."""
        row = repo.get_row(session, artefact.ref)
        if row is None:
            if not artefact.is_external_reference:
                before_change()
            pk = repo.insert_artefact(session, artefact)
            repo.replace_references(session, pk, targets)
            outcome.status = "stub" if artefact.is_external_reference else "created"
            return
        existing = repo.load_artefacts(session, [row])[0]
        if artefact.is_external_reference:
            outcome.status = "kept"  # a stub never overwrites what we hold
            return
        merge = artefact.type.is_organisation_scheme or artefact.is_partial
        incoming = (
            self._merged(existing, artefact)
            if merge and not existing.is_external_reference
            else artefact
        )
        if _comparable(incoming) == _comparable(existing):
            outcome.status = "kept"
            return
        if existing.is_final and not existing.is_external_reference:
            if _comparable(incoming, labels=False) != _comparable(existing, labels=False):
                raise StructureLoadError(
                    str(artefact.ref),
                    "is final: only its names, descriptions and annotations can change; submit a new version",
                )
        elif not allow_replace and not merge and not existing.is_external_reference:
            raise StructureLoadError(str(artefact.ref), "already exists")
        self._check_removed_items(session, row.pk, existing, incoming)
        if _comparable(incoming, labels=False) != _comparable(existing, labels=False):
            before_change()
        repo.update_artefact_row(session, row.pk, incoming)
        if incoming.type.is_item_scheme:
            repo.sync_items(session, row.pk, incoming.items)
        repo.replace_references(session, row.pk, targets)
        if existing.is_external_reference:
            outcome.status = "updated"
            outcome.warnings.append("replaced an external-reference stub")
        else:
            outcome.status = "merged" if merge else "updated"
            old, new = {i.id for i in existing.items}, {i.id for i in incoming.items}
            if old != new:
                outcome.message = f"{len(new - old)} items added, {len(old - new)} removed"

    @staticmethod
    def _merged(existing: Artefact, incoming: Artefact) -> Artefact:
        by_id = {i.id: i for i in existing.items}
        for item in incoming.items:
            by_id[item.id] = item
        order = [i.id for i in existing.items] + [
            i.id for i in incoming.items if i.id not in {e.id for e in existing.items}
        ]
        merged = incoming.model_copy(
            update={"items": [by_id[i] for i in order], "is_partial": False}
        )
        if not incoming.names:
            merged.names = existing.names
        return merged

    def _check_removed_items(
        self, session: Session, pk: int, existing: Artefact, incoming: Artefact
    ) -> None:
        removed = {i.id for i in existing.items} - {i.id for i in incoming.items}
        if not removed:
            return
        users = repo.item_referencers(session, pk, removed)
        if users:
            rows = {
                r.pk: r for r in repo.rows_by_pk(session, {p for ps in users.values() for p in ps})
            }
            item_id, sources = next(iter(sorted(users.items())))
            who = ", ".join(sorted(str(repo.ref_of_row(rows[s])) for s in set(sources)))
            raise StructureLoadError(
                str(existing.ref), f"would remove item {item_id}, which {who} references"
            )
