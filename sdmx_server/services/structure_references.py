"""``references=``: which stored artefacts a structure query returns besides its matches.

One function, :func:`resolve_references`, answers for any API version: given the
matched artefacts (primary keys) and a set of reference kinds, it returns the
primary keys of the referenced and referencing artefacts. The kinds are SDMX
REST's (``4_3_structural_queries.md`` and the v1.5 OpenAPI's ``references``
enumeration):

- ``parents``: artefacts that reference a match; ``children``: artefacts a
  match references; ``descendants``: children at any depth;
  ``parentsandsiblings``: parents and what they reference; ``all``:
  parentsandsiblings and descendants; ``ancestors`` (SDMX REST v2): parents at
  any depth.
- an artefact type (``codelist``, ``datastructure``, ...): the **direct**
  parents and children of that type, as ``parents`` and ``children`` give them
  filtered by type (the spec's table lists one level up and one level down;
  ``/codelist/ILO/CL_SEX/1.0?references=datastructure`` is the DSDs using
  CL_SEX, not every DSD reachable through other artefacts). So a DSD's
  ``references=categorisation`` is the categorisations of the DSD itself;
  those of its dataflows are the dataflows' parents, not the DSD's.
  ``organisationscheme`` means the four organisation-scheme types,
  ``contentconstraint`` every content constraint, ``actualconstraint`` and
  ``allowedconstraint`` those of that role. Types this server does not store
  (``metadatastructure``, ``hierarchicalcodelist``, ``process``, ...) are
  valid and simply match nothing: the answer is the matched artefacts alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sdmx_server.domain.model import ORGANISATION_SCHEMES, ArtefactType
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage.tables import StructureArtefact

GENERAL_REFERENCES = (
    "none",
    "parents",
    "parentsandsiblings",
    "children",
    "descendants",
    "all",
    "ancestors",
)


@dataclass(frozen=True)
class TypeReference:
    """A ``references=<type>`` value: the stored types it selects (empty: none stored) and,
    for constraints, the role."""

    types: frozenset[ArtefactType]
    role: str | None = None

    def selects(self, row: StructureArtefact) -> bool:
        """True if the stored artefact is of this kind."""
        if row.type not in {t.value for t in self.types}:
            return False
        return self.role is None or (row.details or {}).get("role", "Allowed") == self.role


_NOT_STORED = TypeReference(frozenset())
_CONSTRAINT = frozenset({ArtefactType.CONTENT_CONSTRAINT})

# Every artefact type of the SDMX REST v1.5 ReferencesType, in the OpenAPI's order.
V1_TYPE_REFERENCES: dict[str, TypeReference] = {
    "datastructure": TypeReference(frozenset({ArtefactType.DATA_STRUCTURE})),
    "metadatastructure": _NOT_STORED,
    "categoryscheme": TypeReference(frozenset({ArtefactType.CATEGORY_SCHEME})),
    "conceptscheme": TypeReference(frozenset({ArtefactType.CONCEPT_SCHEME})),
    "codelist": TypeReference(frozenset({ArtefactType.CODELIST})),
    "hierarchicalcodelist": _NOT_STORED,
    "organisationscheme": TypeReference(frozenset(ORGANISATION_SCHEMES)),
    "agencyscheme": TypeReference(frozenset({ArtefactType.AGENCY_SCHEME})),
    "dataproviderscheme": TypeReference(frozenset({ArtefactType.DATA_PROVIDER_SCHEME})),
    "dataconsumerscheme": TypeReference(frozenset({ArtefactType.DATA_CONSUMER_SCHEME})),
    "organisationunitscheme": TypeReference(frozenset({ArtefactType.ORGANISATION_UNIT_SCHEME})),
    "dataflow": TypeReference(frozenset({ArtefactType.DATAFLOW})),
    "metadataflow": _NOT_STORED,
    "reportingtaxonomy": _NOT_STORED,
    "provisionagreement": TypeReference(frozenset({ArtefactType.PROVISION_AGREEMENT})),
    "structureset": _NOT_STORED,
    "process": _NOT_STORED,
    "categorisation": TypeReference(frozenset({ArtefactType.CATEGORISATION})),
    "contentconstraint": TypeReference(_CONSTRAINT),
    "actualconstraint": TypeReference(_CONSTRAINT, "Actual"),
    "allowedconstraint": TypeReference(_CONSTRAINT, "Allowed"),
    "attachmentconstraint": _NOT_STORED,
    "transformationscheme": _NOT_STORED,
    "rulesetscheme": _NOT_STORED,
    "userdefinedoperatorscheme": _NOT_STORED,
    "customtypescheme": _NOT_STORED,
    "namepersonalisationscheme": _NOT_STORED,
    "namealiasscheme": _NOT_STORED,
}

# SDMX REST v2 structure types that v1 does not name (for the v2 structure queries).
V2_TYPE_REFERENCES: dict[str, TypeReference] = {
    "dataconstraint": TypeReference(_CONSTRAINT),
    **dict.fromkeys(
        (
            "metadataconstraint",
            "metadataprovisionagreement",
            "hierarchy",
            "hierarchyassociation",
            "valuelist",
            "structuremap",
            "representationmap",
            "conceptschememap",
            "categoryschememap",
            "organisationschememap",
            "reportingtaxonomymap",
            "vtlmappingscheme",
        ),
        _NOT_STORED,
    ),
}

TYPE_REFERENCES: dict[str, TypeReference] = {**V1_TYPE_REFERENCES, **V2_TYPE_REFERENCES}

V1_REFERENCES: tuple[str, ...] = tuple(r for r in GENERAL_REFERENCES if r != "ancestors") + tuple(
    V1_TYPE_REFERENCES
)
"""Every value of ``references`` an SDMX REST v1 structure query accepts."""


def is_reference_kind(kind: str) -> bool:
    """True for any kind :func:`resolve_references` understands (v1 and v2)."""
    return kind in GENERAL_REFERENCES or kind in TYPE_REFERENCES


def resolve_references(
    session: Session,
    artefact_pks: Iterable[int],
    kinds: Iterable[str],
    item_ids: Sequence[str] | None = None,
) -> set[int]:
    """Primary keys of the artefacts that ``kinds`` add to the matched ``artefact_pks``
    (never the matches themselves).

    ``item_ids``: the items an item query asked for; parents that reference
    the matched scheme item by item keep only those naming one of them (an
    artefact referencing the scheme as a whole, like a DSD its codelist, stays).
    Unknown kinds raise ``KeyError``: callers validate against their API's list.
    """
    base = set(artefact_pks)
    kinds = tuple(kinds)
    parents = _parents(session, base, item_ids)
    out: set[int] = set()
    typed: list[TypeReference] = []
    for kind in kinds:
        if kind == "none":
            continue
        if kind == "children":
            out |= _children(session, base)
        elif kind == "descendants":
            out |= _closure(session, base, down=True)
        elif kind == "parents":
            out |= parents
        elif kind == "ancestors":
            out |= parents | _closure(session, parents, down=False)
        elif kind == "parentsandsiblings":
            out |= parents | _children(session, parents)
        elif kind == "all":
            out |= parents | _children(session, parents) | _closure(session, base, down=True)
        else:
            typed.append(TYPE_REFERENCES[kind])
    if typed:
        candidates = parents | _children(session, base)
        out |= {
            r.pk for r in repo.rows_by_pk(session, candidates) if any(t.selects(r) for t in typed)
        }
    return out - base


def _children(session: Session, pks: set[int]) -> set[int]:
    return {t for ts in repo.references_from(session, pks).values() for t in ts}


def _closure(session: Session, start: set[int], down: bool) -> set[int]:
    seen: set[int] = set()
    frontier = set(start)
    while frontier:
        step = (
            repo.references_from(session, frontier)
            if down
            else repo.references_to(session, frontier)
        )
        nxt = {t for targets in step.values() for t in targets} - seen - start
        seen |= nxt
        frontier = nxt
    return seen


def _parents(session: Session, base: set[int], item_ids: Sequence[str] | None) -> set[int]:
    parents = {s for ss in repo.references_to(session, base).values() for s in ss}
    if item_ids is None or not parents:
        return parents
    wanted = set(item_ids)
    item_refs = repo.item_references_to(session, base)
    return {p for p in parents if p not in item_refs or item_refs[p] & wanted}


__all__ = [
    "GENERAL_REFERENCES",
    "TYPE_REFERENCES",
    "V1_REFERENCES",
    "TypeReference",
    "is_reference_kind",
    "resolve_references",
]
