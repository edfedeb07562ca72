"""A dataflow's structure, compiled for validating and serving data.

Built once per request or load from the stored DSD, its codelists and the
Allowed content constraints that apply (DSD, dataflow and, for a producer's
submission, its provision agreement), so that per-observation checks are
set lookups.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sdmx_server.domain.authority import has_authority
from sdmx_server.domain.dsd_info import (
    NUMERIC_TYPES,
    ComponentInfo,
    ConstraintInfo,
    DsdInfo,
    Region,
)
from sdmx_server.domain.errors import NoResultsError, SemanticError
from sdmx_server.domain.kinds import AttachmentLevel, StructureContext
from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    Component,
    ConstraintDetails,
    DataflowDetails,
    DsdDetails,
    MaintainableRef,
    ProvisionAgreementDetails,
    Representation,
)
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage.tables import MAX_KEY_DIMENSIONS, StructureArtefact

__all__ = [
    "NUMERIC_TYPES",
    "ComponentInfo",
    "ConstraintInfo",
    "DsdInfo",
    "Region",
    "load_dsd_info",
    "provision_agreements_of",
    "resolve_dataflow",
]


def _level(attr: Component, d: DsdDetails) -> tuple[AttachmentLevel, str | None]:
    rel = attr.relationship
    time_id = d.time_dimension.id if d.time_dimension else None
    if rel is None or rel.kind == "none":
        return "dataset", None
    if rel.kind == "primary_measure":
        return "obs", None
    if rel.kind == "group":
        return "group", rel.group
    if time_id is not None and time_id in rel.dimensions:
        return "obs", None
    if rel.attachment_groups:
        return "group", rel.attachment_groups[0]
    return "series", None


def _core_representation(session: Session, comp: Component) -> Representation | None:
    """The core representation of the component's concept (SDMX: it applies where the component has no
    local representation), if the concept scheme is stored."""
    if comp.concept is None:
        return None
    row = repo.get_row(session, comp.concept.scheme)
    if row is None:
        return None
    items = repo.items_of(session, [row.pk], [comp.concept.item_id]).get(row.pk, [])
    return repo.row_to_item(items[0]).core_representation if items else None


def _component_info(
    session: Session, comp: Component, codes_cache: dict[MaintainableRef, frozenset[str]]
) -> ComponentInfo:
    rep = comp.representation
    if rep is None or (rep.enumeration is None and not rep.text_format):
        rep = _core_representation(session, comp) or rep
    info = ComponentInfo(id=comp.id)
    if rep is not None and rep.enumeration is not None:
        ref = rep.enumeration
        if ref not in codes_cache:
            row = repo.get_row(session, ref)
            if row is None or row.is_external_reference:
                raise SemanticError(f"{ref}, used by {comp.id}, is not available")
            codes_cache[ref] = frozenset(repo.item_ids(session, row.pk))
        info.codes = codes_cache[ref]
        info.codelist = ref
    elif rep is not None and rep.text_format:
        info.text_type = rep.text_format.get("textType")
        info.facets = dict(rep.text_format)
    return info


def _constraint_info(art: Artefact, level: StructureContext) -> ConstraintInfo:
    assert isinstance(art.details, ConstraintDetails)
    regions = []
    for region in art.details.cube_regions:
        values: dict[str, frozenset[str]] = {}
        excluded: dict[str, frozenset[str]] = {}
        tstart = tend = None
        for kv in region.key_values + region.attributes:
            if kv.time_range is not None:
                from sdmx_server.domain.periods import parse_query_bound

                tstart = (
                    parse_query_bound(kv.time_range.start, is_end=False)
                    if kv.time_range.start
                    else None
                )
                tend = (
                    parse_query_bound(kv.time_range.end, is_end=True) if kv.time_range.end else None
                )
                continue
            if kv.include:
                values[kv.id] = frozenset(kv.values)
            else:
                excluded[kv.id] = frozenset(kv.values)
        regions.append(
            Region(
                include=region.include,
                values=values,
                excluded=excluded,
                time_start=tstart,
                time_end=tend,
            )
        )
    key_sets = [(ks.include, ks.keys) for ks in art.details.data_key_sets]
    return ConstraintInfo(ref=art.ref, level=level, regions=regions, key_sets=key_sets)


def _attached_constraints(
    session: Session,
    target_pks: dict[int, StructureContext],
    agencies: dict[int, str] | None = None,
) -> list[ConstraintInfo]:
    """Allowed constraints attached to any of ``target_pks`` (pk -> level name).

    ``agencies`` (pk -> agency): a constraint counts for a target only if it has authority over that
    agency (ADR 0011): another agency's constraint on a dataflow restricts nothing.
    """
    parents = repo.references_to(session, target_pks)
    constraint_pks = {p for ps in parents.values() for p in ps}
    rows = [
        r
        for r in repo.rows_by_pk(session, constraint_pks)
        if r.type == ArtefactType.CONTENT_CONSTRAINT.value
    ]
    if agencies is not None:
        by_pk = {r.pk: r for r in rows}
        parents = {
            t: {
                p
                for p in srcs
                if p in by_pk and has_authority(by_pk[p].agency_id, by_pk[p].authority, agencies[t])
            }
            for t, srcs in parents.items()
        }
        kept = {p for ps in parents.values() for p in ps}
        rows = [r for r in rows if r.pk in kept]
    out = []
    for row in sorted(rows, key=lambda r: (r.agency_id, r.resource_id, r.version)):
        art = repo.row_to_artefact(row)
        if not isinstance(art.details, ConstraintDetails) or art.details.role != "Allowed":
            continue
        attached_to = [target_pks[t] for t, srcs in parents.items() if row.pk in srcs]
        out.append(_constraint_info(art, attached_to[0] if attached_to else "dataflow"))
    return out


def attached_constraints(
    session: Session, target_pks: dict[int, StructureContext]
) -> list[ConstraintInfo]:
    """Allowed constraints attached to any of ``target_pks`` (pk -> level name: datastructure,
    dataflow, provisionagreement)."""
    return _attached_constraints(session, target_pks)


def load_dsd_info(
    session: Session,
    dataflow_row: StructureArtefact,
    provision_agreement: StructureArtefact | None = None,
) -> DsdInfo:
    """Compile the DSD of ``dataflow_row`` with the constraints that apply.

    ``dataflow_row`` may also be a DSD row: the result then stands for the DSD
    alone (``/schema/datastructure/...``), with only the DSD's constraints.
    """
    dataflow = repo.row_to_artefact(dataflow_row)
    dsd_row: StructureArtefact | None
    if dataflow.type is ArtefactType.DATA_STRUCTURE:
        dsd_row = dataflow_row
    else:
        if not isinstance(dataflow.details, DataflowDetails):
            raise SemanticError(f"{dataflow.ref} is an external reference without a structure")
        dsd_row = repo.get_row(session, dataflow.details.structure)
    if dsd_row is None or dsd_row.is_external_reference:
        raise SemanticError(f"The structure of {dataflow.ref} is not available")
    dsd = repo.row_to_artefact(dsd_row)
    d = dsd.details
    assert isinstance(d, DsdDetails)
    if len(d.key_dimensions) > MAX_KEY_DIMENSIONS:
        raise SemanticError(
            f"{dsd.ref} has {len(d.key_dimensions)} dimensions; the store holds at most {MAX_KEY_DIMENSIONS}"
        )
    cache: dict[MaintainableRef, frozenset[str]] = {}
    dims = [_component_info(session, c, cache) for c in d.key_dimensions]
    attrs: dict[str, ComponentInfo] = {}
    for a in d.attributes:
        info = _component_info(session, a, cache)
        info.mandatory = a.assignment_status == "Mandatory"
        info.level, info.group = _level(a, d)
        attrs[a.id] = info
    pm = d.primary_measure
    primary = (
        _component_info(session, pm, cache) if pm is not None else ComponentInfo(id="OBS_VALUE")
    )
    targets: dict[int, StructureContext] = {
        dataflow_row.pk: "dataflow",
        dsd_row.pk: "datastructure",
    }
    # Whose constraints count (ADR 0011): the dataflow's agency speaks for the dataflow and its
    # agreements, the DSD's for the DSD.
    agencies = {dataflow_row.pk: dataflow_row.agency_id, dsd_row.pk: dsd_row.agency_id}
    if provision_agreement is not None:
        targets[provision_agreement.pk] = "provisionagreement"
        agencies[provision_agreement.pk] = dataflow_row.agency_id
    freq = next(
        (
            c.id
            for c in d.key_dimensions
            if c.id == "FREQ" or (c.concept and c.concept.item_id == "FREQ")
        ),
        None,
    )
    providers: set[int] = set()
    if dataflow.type is ArtefactType.DATAFLOW:
        for pa in provision_agreements_of(session, dataflow_row):
            assert isinstance(pa.details, ProvisionAgreementDetails)
            scheme = repo.get_row(session, pa.details.data_provider.scheme)
            if scheme is not None:
                providers.update(
                    repo.item_pks(session, scheme.pk, [pa.details.data_provider.item_id]).values()
                )
    return DsdInfo(
        is_public=dataflow_row.is_public,
        provider_pks=frozenset(providers),
        dataflow=dataflow,
        dsd=dsd,
        dataflow_pk=dataflow_row.pk,
        dimensions=dims,
        time_dimension=d.time_dimension.id if d.time_dimension else None,
        primary_measure=primary,
        attributes=attrs,
        groups={g.id: tuple(g.dimensions) for g in d.groups},
        constraints=_attached_constraints(session, targets, agencies),
        freq_dimension=freq,
    )


def provision_agreements_of(session: Session, dataflow_row: StructureArtefact) -> list[Artefact]:
    """Provision agreements that reference this dataflow and have authority over it (ADR 0011): an
    agreement another agency wrote without rights on the dataflow's agency entitles nobody."""
    parents = repo.references_to(session, [dataflow_row.pk]).get(dataflow_row.pk, set())
    rows = [
        r
        for r in repo.rows_by_pk(session, parents)
        if r.type == ArtefactType.PROVISION_AGREEMENT.value
        and has_authority(r.agency_id, r.authority, dataflow_row.agency_id)
    ]
    return [
        a
        for a in (repo.row_to_artefact(r) for r in rows)
        if isinstance(a.details, ProvisionAgreementDetails)
    ]


def resolve_dataflow(
    session: Session, agency: str | None, resource_id: str, version: str | None
) -> StructureArtefact:
    """The dataflow named by a flowRef (agency and version optional: latest version)."""
    from sdmx_server.domain.versions import version_key

    pairs = repo.versions_by_id(session, ArtefactType.DATAFLOW, agency, resource_id)
    if version not in (None, "", "latest", "*", "~", "+"):
        pairs = [p for p in pairs if p[1] == version]
    if not pairs:
        raise NoResultsError(
            f"Dataflow {agency or '*'}:{resource_id}({version or 'latest'}) not found"
        )
    agencies = {a for a, _ in pairs}
    if len(agencies) > 1:
        raise SemanticError(
            f"Dataflow id {resource_id} exists for several agencies ({', '.join(sorted(agencies))}): "
            "give the agency (AGENCY,ID[,VERSION])"
        )
    agency_, ver = max(pairs, key=lambda p: version_key(p[1]))
    row = repo.get_row(
        session,
        MaintainableRef(type=ArtefactType.DATAFLOW, agency=agency_, id=resource_id, version=ver),
    )
    assert row is not None
    return row
