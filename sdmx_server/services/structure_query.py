"""Structure queries: which artefacts, which references, at which detail.

Implements the SDMX REST structure-query semantics (``4_3_structural_queries.md``):
resource/agency/id/version matching with ``all``/``latest``/lists, item
queries (``isPartial``), ``references`` (none, parents, parentsandsiblings,
children, descendants, all, or a type) and ``detail`` (full, allstubs,
referencestubs, referencepartial, allcompletestubs, referencecompletestubs).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.domain.errors import BadRequestError, NoResultsError
from sdmx_server.domain.kinds import STRUCTURE_DETAILS, StructureContext, StructureDetail
from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    ConstraintDetails,
    DataflowDetails,
    DsdDetails,
    Item,
    ProvisionAgreementDetails,
)
from sdmx_server.domain.versions import VersionSelector, version_key
from sdmx_server.formats.common import RenderMode, StructureEntry
from sdmx_server.services.dsd_info import ConstraintInfo, attached_constraints
from sdmx_server.services.structure_references import (
    GENERAL_REFERENCES,
    is_reference_kind,
    resolve_references,
)
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage.tables import StructureArtefact

REFERENCES = GENERAL_REFERENCES  # and every type of structure_references.TYPE_REFERENCES
DETAILS: tuple[str, ...] = (*STRUCTURE_DETAILS, "raw")  # v2 adds raw (read as full)


@dataclass(frozen=True)
class StructureQuery:
    """A parsed structure query (v1 or v2 path and parameters)."""

    types: tuple[ArtefactType, ...]
    agencies: tuple[str, ...] | None = None  # None = all
    ids: tuple[str, ...] | None = None
    version: VersionSelector = field(default_factory=lambda: VersionSelector("latest"))
    item_ids: tuple[str, ...] | None = None
    references: tuple[str, ...] = ("none",)  # REFERENCES or type resource names
    detail: StructureDetail = "full"
    constraint_role: str | None = (
        None  # "Allowed" / "Actual" for allowedconstraint / actualconstraint
    )

    def cache_key(self) -> str:
        """A canonical text form for ETags and caches."""
        return "|".join(
            [
                ",".join(t.value for t in self.types),
                ",".join(self.agencies) if self.agencies is not None else "*",
                ",".join(self.ids) if self.ids is not None else "*",
                f"{self.version.mode}:{','.join(self.version.values)}",
                ",".join(self.item_ids) if self.item_ids is not None else "*",
                ",".join(self.references),
                self.detail,
                self.constraint_role or "",
            ]
        )

    @property
    def involved_types(self) -> frozenset[ArtefactType]:
        """Artefact types whose changes can change this query's answer."""
        if self.references == ("none",) and not self.detail.startswith("reference"):
            return frozenset(self.types)
        return frozenset(ArtefactType)


class StructureQueryService:
    """Answers structure queries from the store (read-only transactions)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory

    def query(self, q: StructureQuery) -> list[StructureEntry]:
        """The artefacts answering ``q``, each with its render mode; NoResultsError if none."""
        for ref in q.references:
            if not is_reference_kind(ref):
                raise BadRequestError(f"references={ref} is not a valid value")
        if q.detail not in STRUCTURE_DETAILS:
            raise BadRequestError(f"detail={q.detail} is not a valid value")
        with self._factory() as session:
            rows = self._match(session, q)
            if not rows:
                raise NoResultsError("No structures match the query")
            results = repo.load_artefacts(session, rows)
            if q.item_ids is not None:
                results = [
                    a for a in (_only_items(a, q.item_ids) for a in results) if a is not None
                ]
                if not results:
                    raise NoResultsError("No items match the query")
            refs = self._references(session, q, rows)
            return self._entries(session, q, results, refs)

    # ------------------------------------------------------------------ matching

    @staticmethod
    def _match(session: Session, q: StructureQuery) -> list[StructureArtefact]:
        versions = list(q.version.values) if q.version.mode == "exact" else None
        rows = repo.find_rows(session, q.types, q.agencies, q.ids, versions)
        if q.constraint_role is not None:
            rows = [
                r for r in rows if (r.details or {}).get("role", "Allowed") == q.constraint_role
            ]
        if q.version.mode in ("exact", "all"):
            return rows
        by_artefact: dict[tuple[str, str, str], list[StructureArtefact]] = defaultdict(list)
        for r in rows:
            by_artefact[(r.type, r.agency_id, r.resource_id)].append(r)
        out: list[StructureArtefact] = []
        for group in by_artefact.values():
            versions_ = [r.version for r in group]
            finals = {r.version: r.is_final for r in group}
            keep = set(q.version.select(versions_, finals))
            out.extend(r for r in group if r.version in keep)
        return sorted(
            out, key=lambda r: (r.type, r.agency_id, r.resource_id, version_key(r.version))
        )

    # ------------------------------------------------------------------ references

    @staticmethod
    def _references(session: Session, q: StructureQuery, rows: list[StructureArtefact]) -> set[int]:
        return resolve_references(session, {r.pk for r in rows}, q.references, q.item_ids)

    # ------------------------------------------------------------------ detail

    def _entries(
        self, session: Session, q: StructureQuery, results: list[Artefact], ref_pks: set[int]
    ) -> list[StructureEntry]:
        main_modes: dict[StructureDetail, RenderMode] = {
            "allstubs": "stub",
            "allcompletestubs": "completestub",
        }
        main_mode = main_modes.get(q.detail, "full")
        ref_modes: dict[StructureDetail, RenderMode] = {
            "allstubs": "stub",
            "referencestubs": "stub",
            "allcompletestubs": "completestub",
            "referencecompletestubs": "completestub",
        }
        ref_mode = ref_modes.get(q.detail, "full")
        entries = [StructureEntry(a, main_mode) for a in results]
        ref_rows = sorted(
            repo.rows_by_pk(session, ref_pks),
            key=lambda r: (r.type, r.agency_id, r.resource_id, version_key(r.version)),
        )
        if ref_mode != "full":
            referenced = [repo.row_to_artefact(r) for r in ref_rows]  # stubs need no items
        else:
            referenced = repo.load_artefacts(session, ref_rows)
        if q.detail == "referencepartial":
            allowed = _allowed_values(results + referenced)
            allowed.update(allowed_by_constraints(session, results))
            referenced = _partial(results + referenced, referenced, allowed)
        entries += [StructureEntry(a, ref_mode) for a in referenced]
        return entries


def _only_items(artefact: Artefact, item_ids: Iterable[str]) -> Artefact | None:
    """The scheme restricted to these items (in request order, each after its ancestors), marked partial."""
    if not artefact.type.is_item_scheme:
        raise BadRequestError(f"item queries apply to item schemes, not to {artefact.type.value}")
    by_id = {i.id: i for i in artefact.items}
    ordered: list[Item] = []
    kept: set[str] = set()
    for wanted in item_ids:
        chain: list[Item] = []
        item = by_id.get(wanted)
        while item is not None and item.id not in kept:
            chain.append(item)
            item = by_id.get(item.parent) if item.parent else None
        for link in reversed(chain):
            kept.add(link.id)
            ordered.append(link)
    if not ordered:
        return None
    return artefact.model_copy(update={"items": ordered, "is_partial": True})


def _partial(
    context: list[Artefact], referenced: list[Artefact], allowed: dict[str, set[str]]
) -> list[Artefact]:
    """``detail=referencepartial``: item schemes keep only the items used or allowed.

    Codelists keep the codes ``allowed`` gives their components (all codes when
    nothing constrains a component that uses them), plus ancestors; concept
    schemes keep the concepts the DSDs use; organisation and category schemes
    keep the items referenced. Every scheme so restricted is ``isPartial``.
    """
    used: dict[tuple[ArtefactType, str, str, str], set[str] | None] = {}

    def note(ref_key: tuple[ArtefactType, str, str, str], ids: set[str] | None) -> None:
        # None = every item (a component nothing constrains); it wins over any subset
        if ids is None or (ref_key in used and used[ref_key] is None):
            used[ref_key] = None
            return
        used[ref_key] = (used.get(ref_key) or set()) | ids

    core = {
        (a.ref, i.id): i.core_representation
        for a in [*context, *referenced]
        if a.type is ArtefactType.CONCEPT_SCHEME
        for i in a.items
        if i.core_representation is not None
    }
    for art in context:
        details = art.details
        if isinstance(details, DsdDetails):
            comps = (
                details.dimensions
                + details.attributes
                + ([details.primary_measure] if details.primary_measure else [])
            )
            for comp in comps:
                if comp.concept is not None:
                    s = comp.concept.scheme
                    note((s.type, s.agency, s.id, s.version), {comp.concept.item_id})
                rep = comp.representation
                if (rep is None or rep.enumeration is None) and comp.concept is not None:
                    # No local enumeration: the concept's core representation applies (SDMX).
                    rep = core.get((comp.concept.scheme, comp.concept.item_id)) or rep
                if rep is not None and rep.enumeration is not None:
                    e = rep.enumeration
                    note((e.type, e.agency, e.id, e.version), allowed.get(comp.id))
        for _role, target, item_id in art.references():
            if item_id is not None and target.type is not ArtefactType.CONCEPT_SCHEME:
                note((target.type, target.agency, target.id, target.version), {item_id})
    out = []
    for art in referenced:
        key = (art.type, art.agency, art.id, art.version)
        if not art.type.is_item_scheme or key not in used:
            out.append(art)
            continue
        if used[key] is None:  # every item is used: the scheme whole, still marked partial as asked
            out.append(art.model_copy(update={"is_partial": True}))
            continue
        restricted = _only_items(art, sorted(used[key] or ()))
        out.append(
            restricted
            if restricted is not None
            else art.model_copy(update={"items": [], "is_partial": True})
        )
    return out


def allowed_by_constraints(session: Session, artefacts: list[Artefact]) -> dict[str, set[str]]:
    """Component id -> values the Allowed constraints of ``artefacts`` allow (a component absent
    from the result is unrestricted).

    The constraints of an artefact are those attached to it and to what it
    constrains in turn: a provision agreement's, its dataflow's and that
    dataflow's DSD's; a dataflow's and its DSD's; a DSD's own (not those of
    the dataflows using it, which restrict only those dataflows). They are
    intersected for one artefact and the results joined over ``artefacts``.
    """
    per_artefact: list[dict[str, set[str]]] = []
    for art in artefacts:
        chain = _constraint_chain(session, art)
        if not chain:
            continue
        restricted: dict[str, set[str]] = {}
        for info in attached_constraints(session, chain):
            for comp, values in _constraint_values(info).items():
                restricted[comp] = restricted[comp] & values if comp in restricted else set(values)
        per_artefact.append(restricted)
    if not per_artefact:
        return {}
    comps = set.intersection(*(set(r) for r in per_artefact))
    return {c: set().union(*(r[c] for r in per_artefact)) for c in comps}


def _constraint_chain(session: Session, art: Artefact) -> dict[int, StructureContext]:
    """Primary key -> level of the artefacts whose constraints apply to ``art``."""
    chain: dict[int, StructureContext] = {}
    current: Artefact | None = art
    while current is not None:
        row = repo.get_row(session, current.ref)
        if row is None:
            break
        details = current.details
        if isinstance(details, ProvisionAgreementDetails):
            chain[row.pk] = "provisionagreement"
            nxt = details.dataflow
        elif isinstance(details, DataflowDetails):
            chain[row.pk] = "dataflow"
            nxt = details.structure
        elif isinstance(details, DsdDetails):
            chain[row.pk] = "datastructure"
            break
        else:
            break
        nxt_row = repo.get_row(session, nxt)
        current = repo.row_to_artefact(nxt_row) if nxt_row is not None else None
    return chain


def _constraint_values(info: ConstraintInfo) -> dict[str, set[str]]:
    """Component id -> values one constraint allows; components it leaves open are absent."""
    includes = [r for r in info.regions if r.include]
    out: dict[str, set[str]] = {}
    if includes:
        # a component is restricted only if every include region restricts it
        comps = set.intersection(*(set(r.values) for r in includes))
        for comp in comps:
            out[comp] = set().union(
                *(set(r.values[comp]) - set(r.excluded.get(comp, ())) for r in includes)
            )
    return out


def _allowed_values(context: list[Artefact]) -> dict[str, set[str]]:
    """Component id -> values allowed by the Allowed constraints among ``context`` (include regions)."""
    allowed: dict[str, set[str]] = {}
    for art in context:
        details = art.details
        if not isinstance(details, ConstraintDetails) or details.role != "Allowed":
            continue
        for region in details.cube_regions:
            if not region.include:
                continue
            for kv in region.key_values + region.attributes:
                if kv.include and kv.values:
                    allowed.setdefault(kv.id, set()).update(kv.values)
    return allowed


__all__ = ["StructureQuery", "StructureQueryService"]
