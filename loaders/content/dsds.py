"""Concepts, data structures, dataflows and their allowed content constraints.

Concepts: the ILO's (``ILO:CS_ILOSTAT``, ``ILO:CS_CLASSIF_TYPE``,
``ILO:CS_NOTE_TYPE``) wherever ILOSTAT has the concept, else ``MA_LMIS:CS_LMIS``.
Attributes and their relationships copy the ILO's DSD ``ILO:IMF_ILOSTAT``;
national additions: ``REPORTER`` (corridor structures) and ``COMMENT_OBS``.
"""

from __future__ import annotations

from functools import cache

from loaders.content.classifications import activity_codelist, occupation_codelist
from loaders.content.common import (
    AGENCY,
    ILO,
    NATIONAL_FINAL,
    VERSION,
    annotation,
    codelist_ref,
    concept_ref,
    ref,
    text,
)
from loaders.content.ilo import ilo_codelist
from loaders.content.national import MEASURES, national_codelists
from loaders.content.sources.structures import DSDS, TOTALS, DataflowSpec, DsdSpec
from sdmx_server.domain.model import (
    Annotation,
    Artefact,
    ArtefactType,
    AttributeRelationship,
    Component,
    ConstraintAttachmentRef,
    ConstraintDetails,
    CubeRegion,
    DataflowDetails,
    DsdDetails,
    Item,
    ItemRef,
    KeyValue,
    Representation,
)

CS_LMIS = "CS_LMIS"
ILOSTAT_CONCEPTS = {
    "REF_AREA",
    "FREQ",
    "MEASURE",
    "TIME_PERIOD",
    "OBS_VALUE",
    "OBS_STATUS",
    "UNIT_MEASURE_TYPE",
    "UNIT_MEASURE",
    "UNIT_MULT",
    "DECIMALS",
    "UPPER_BOUND",
    "LOWER_BOUND",
}
NOTE_CONCEPTS = {"SOURCE", "NOTE_SOURCE", "NOTE_INDICATOR", "NOTE_CLASSIF"}
# Dimension -> the codelist it uses when enumerated by the ILO's own list.
ILO_LISTS = {
    "REF_AREA": "CL_AREA",
    "ORIGIN_AREA": "CL_AREA",
    "DEST_AREA": "CL_AREA",
    "FREQ": "CL_FREQ",
}

# (id, French name, English name, French description, English description, codelist (agency, id) or None)
NATIONAL_CONCEPTS: list[tuple[str, str, str, str, str, tuple[str, str] | None]] = [
    (
        "ORIGIN_AREA",
        "Pays d'origine",
        "Country of origin",
        "Pays d'origine du corridor de migration (pays de citoyenneté ou de résidence avant le départ).",
        "Origin country of the migration corridor (country of citizenship or of residence before departure).",
        (ILO, "CL_AREA"),
    ),
    (
        "DEST_AREA",
        "Pays de destination",
        "Country of destination",
        "Pays de destination du corridor de migration (pays de résidence ou d'emploi à l'étranger).",
        "Destination country of the migration corridor (country of residence or employment abroad).",
        (ILO, "CL_AREA"),
    ),
    (
        "REGION",
        "Région",
        "Region",
        "Région administrative du Maroc.",
        "Administrative region of Morocco.",
        (AGENCY, "CL_REGION"),
    ),
    (
        "PERMIT",
        "Type de titre",
        "Type of permit",
        "Titre de séjour ou de travail.",
        "Residence or work permit.",
        (AGENCY, "CL_PERMIT"),
    ),
    (
        "SCHEME",
        "Programme de mobilité",
        "Mobility scheme",
        "Programme ou dispositif de placement.",
        "Programme or placement arrangement.",
        (AGENCY, "CL_SCHEME"),
    ),
    (
        "COST_COMP",
        "Composante du coût",
        "Cost component",
        "Composante du coût de recrutement.",
        "Component of the recruitment cost.",
        (AGENCY, "CL_COST_COMP"),
    ),
    (
        "RSP",
        "Prestataire de transfert",
        "Remittance service provider",
        "Type de prestataire de transfert d'argent.",
        "Type of remittance service provider.",
        (AGENCY, "CL_RSP"),
    ),
    (
        "REPORTER",
        "Pays déclarant",
        "Reporting country",
        "Pays dont la source a produit la donnée (pays d'origine ou de destination du corridor ; X01 pour une "
        "source internationale), pour que les statistiques miroirs coexistent.",
        "Country whose source produced the figure (origin or destination country of the corridor; X01 for an "
        "international source), so that mirror statistics coexist.",
        (ILO, "CL_AREA"),
    ),
    (
        "COMMENT_OBS",
        "Commentaire sur l'observation",
        "Observation comment",
        "Texte libre sur une observation ; signale notamment les valeurs illustratives des données d'exemple.",
        "Free text about one observation; flags in particular the illustrative values of the sample data.",
        None,
    ),
]


def concept_scheme() -> Artefact:
    """MA_LMIS:CS_LMIS: the national concepts."""
    items = []
    for cid, fr, en, dfr, den, cl in NATIONAL_CONCEPTS:
        rep = (
            Representation(enumeration=codelist_ref(cl[1], cl[0]))
            if cl
            else Representation(text_format={"textType": "String"})
        )
        items.append(
            Item(id=cid, names=text(fr, en), descriptions=text(dfr, den), core_representation=rep)
        )
    return Artefact(
        type=ArtefactType.CONCEPT_SCHEME,
        agency=AGENCY,
        id=CS_LMIS,
        version=VERSION,
        is_final=NATIONAL_FINAL,
        names=text("Concepts du SIMT", "LMIS concepts"),
        descriptions=text(
            "Concepts nationaux ; les autres concepts sont ceux de l'OIT (ILO:CS_ILOSTAT, "
            "ILO:CS_CLASSIF_TYPE, ILO:CS_NOTE_TYPE).",
            "National concepts; the others are the ILO's (ILO:CS_ILOSTAT, "
            "ILO:CS_CLASSIF_TYPE, ILO:CS_NOTE_TYPE).",
        ),
        items=items,
    )


def _concept(cid: str) -> ItemRef:
    if cid in ILOSTAT_CONCEPTS:
        return concept_ref("CS_ILOSTAT", cid)
    if cid in NOTE_CONCEPTS:
        return concept_ref("CS_NOTE_TYPE", cid)
    if cid in {c[0] for c in NATIONAL_CONCEPTS}:
        return concept_ref(CS_LMIS, cid, AGENCY)
    return concept_ref("CS_CLASSIF_TYPE", cid)


def dimension_codelist(dim: str, owner: str) -> tuple[str, str]:
    """(agency, codelist id) enumerating a dimension: ILO's CL_<dim> or the national one."""
    if dim in ILO_LISTS:
        return ILO, ILO_LISTS[dim]
    if owner == "ILO":
        return ILO, f"CL_{dim}"
    return AGENCY, f"CL_{dim}"


def _enum(agency: str, cl: str) -> Representation:
    return Representation(enumeration=codelist_ref(cl, agency))


def _attribute(
    aid: str,
    rel: AttributeRelationship,
    rep: Representation | None = None,
    status: str = "Conditional",
) -> Component:
    return Component(
        id=aid,
        kind="attribute",
        concept=_concept(aid),
        representation=rep,
        assignment_status=status,  # type: ignore[arg-type]
        relationship=rel,
    )


def dsd_artefact(spec: DsdSpec) -> Artefact:
    """One data structure definition from its spec."""
    dims = []
    for n, (dim, owner) in enumerate(spec.dimensions, start=1):
        agency, cl = dimension_codelist(dim, owner)
        dims.append(
            Component(
                id=dim,
                kind="dimension",
                position=n,
                concept=_concept(dim),
                representation=_enum(agency, cl),
            )
        )
    dims.append(
        Component(
            id="TIME_PERIOD",
            kind="time",
            position=len(dims) + 1,
            concept=_concept("TIME_PERIOD"),
            representation=Representation(text_format={"textType": "ObservationalTimePeriod"}),
        )
    )
    obs = AttributeRelationship(kind="primary_measure")
    by_measure = AttributeRelationship(kind="dimensions", dimensions=["MEASURE"])
    areas = ["ORIGIN_AREA", "DEST_AREA"] if spec.kind == "corridor" else ["REF_AREA"]
    notes = AttributeRelationship(kind="dimensions", dimensions=areas + ["MEASURE", "TIME_PERIOD"])
    attrs = [
        _attribute("OBS_STATUS", obs, _enum(ILO, "CL_OBS_STATUS")),
        _attribute("UNIT_MEASURE_TYPE", by_measure, _enum(ILO, "CL_UNIT_MEASURE_TYPE")),
        _attribute("UNIT_MEASURE", by_measure, _enum(ILO, "CL_UNIT_MEASURE")),
        _attribute("UNIT_MULT", by_measure, _enum(ILO, "CL_UNIT_MULT")),
        _attribute("SOURCE", notes, _enum(AGENCY, "CL_SOURCE")),
        _attribute("NOTE_SOURCE", notes),
        _attribute("NOTE_INDICATOR", notes),
        _attribute("NOTE_CLASSIF", obs),
        _attribute("DECIMALS", obs, _enum(ILO, "CL_DECIMALS")),
        _attribute("UPPER_BOUND", obs),
        _attribute("LOWER_BOUND", obs),
    ]
    if spec.kind == "corridor":
        series = AttributeRelationship(
            kind="dimensions", dimensions=[d for d, _ in spec.dimensions]
        )
        attrs.append(_attribute("REPORTER", series, _enum(ILO, "CL_AREA"), status="Mandatory"))
    attrs.append(_attribute("COMMENT_OBS", obs, Representation(text_format={"textType": "String"})))
    details = DsdDetails(
        dimensions=dims,
        attributes=attrs,
        primary_measure=Component(
            id="OBS_VALUE",
            kind="primary_measure",
            concept=_concept("OBS_VALUE"),
            representation=Representation(text_format={"textType": "Double"}),
        ),
    )
    return Artefact(
        type=ArtefactType.DATA_STRUCTURE,
        agency=AGENCY,
        id=spec.id,
        version=VERSION,
        is_final=NATIONAL_FINAL,
        names=text(spec.fr, spec.en),
        descriptions=text(spec.desc_fr, spec.desc_en),
        details=details,
    )


def dataflow_artefact(spec: DataflowSpec) -> Artefact:
    """One dataflow from its spec."""
    return Artefact(
        type=ArtefactType.DATAFLOW,
        agency=AGENCY,
        id=spec.id,
        version=VERSION,
        is_final=NATIONAL_FINAL,
        names=text(spec.fr, spec.en),
        descriptions=text(spec.desc_fr, spec.desc_en),
        annotations=measure_definitions(spec),
        details=DataflowDetails(structure=ref(ArtefactType.DATA_STRUCTURE, spec.dsd)),
    )


def measure_definitions(spec: DataflowSpec) -> list[Annotation]:
    """Where the structure enumerates MEASURE with the ILO's own (unchangeable) CL_MEASURE, the
    dataflow carries the definitions of the measures it allows, so that its users see them: one
    MEASURE_DEFINITION annotation per measure (fr, en), and where the rest is (MA_LMIS:CL_MEASURE)."""
    dsd = next(d for d in DSDS if d.id == spec.dsd)
    owner = dict(dsd.dimensions).get("MEASURE")
    if owner is None or dimension_codelist("MEASURE", owner)[0] != ILO:
        return []
    measures = list(dict.fromkeys(m for region in allowed_regions(spec) for m in region["MEASURE"]))
    out = [
        annotation(
            "MEASURE_METADATA",
            "Définitions, méthodes de calcul, unités, sources et normes de ces mesures : "
            "MA_LMIS:CL_MEASURE(1.0).",
            "Definitions, calculation methods, units, sources and standards of these measures: "
            "MA_LMIS:CL_MEASURE(1.0).",
            title="urn:sdmx:org.sdmx.infomodel.codelist.Codelist=MA_LMIS:CL_MEASURE(1.0)",
        )
    ]
    for mid in measures:
        m = MEASURES[mid]
        out.append(annotation("MEASURE_DEFINITION", m.def_fr, m.def_en, title=mid))
    return out


@cache
def codelist_items(agency: str, cl: str) -> tuple[Item, ...]:
    """Items of any shipped codelist (ILO or national)."""
    if agency == ILO:
        return tuple(ilo_codelist(cl).items)
    for a in national_codelists() + [occupation_codelist(), activity_codelist()]:
        if a.id == cl:
            return tuple(a.items)
    raise KeyError(cl)


def countries() -> list[str]:
    """Countries of ILO:CL_AREA that every ILO migration list has (CDS, CRS, CPR, CBR, CCT), so that
    corridor figures can be harvested; less Morocco and Western Sahara (see docs/content.md)."""
    partner_lists = [
        {i.id for i in ilo_codelist(cl).items}
        for cl in ("CL_CDS", "CL_CRS", "CL_CPR", "CL_CBR", "CL_CCT")
    ]
    prefixes = ("CDS_DES_", "CRS_RES_", "CPR_PRV_", "CBR_BRT_", "CCT_CTZ_")
    out = []
    for item in ilo_codelist("CL_AREA").items:
        anns = {a.type: a.title for a in item.annotations}
        if (
            anns.get("GROUP") != "N"
            or anns.get("ISO2Code") in (None, "_Z")
            or item.id in ("MAR", "ESH")
        ):
            continue
        if all(p + item.id in ids for p, ids in zip(prefixes, partner_lists, strict=True)):
            out.append(item.id)
    return out


def _isco(max_level: int) -> list[str]:
    ids = [i.id for i in codelist_items(AGENCY, "CL_OCU") if i.id.startswith("OCU_ISCO08_")]
    return [
        i
        for i in ids
        if i in ("OCU_ISCO08_TOTAL", "OCU_ISCO08_X") or len(i) - len("OCU_ISCO08_") <= max_level
    ]


def _isic(max_digits: int) -> list[str]:
    ids = [
        i.id
        for i in codelist_items(AGENCY, "CL_ECO")
        if i.id.startswith("ECO_ISIC4_") and i.id != "ECO_ISIC4_TOTAL"
    ]
    return [i for i in ids if len(i) - len("ECO_ISIC4_") <= 1 + max_digits]


def resolve(dim: str, owner: str, values: list[str] | str) -> list[str]:
    """Expand tokens of an allowed cube region into codes."""
    tokens = [values] if isinstance(values, str) else values
    out: list[str] = []
    for v in tokens:
        if v == "COUNTRIES":
            out += countries()
        elif v == "WORLD_COUNTRIES":
            out += ["X01"] + countries()
        elif v == "REGIONS":
            out += [i.id for i in codelist_items(AGENCY, "CL_REGION")]
        elif v in ("ISCO_1", "ISCO_12", "ISCO_ALL"):
            out += _isco({"ISCO_1": 1, "ISCO_12": 2, "ISCO_ALL": 4}[v])
        elif v == "ISIC_SECTIONS":
            out += _isic(0)
        elif v == "ISIC_DIVISIONS":
            out += _isic(2)
        elif v in ("ALL", "CBR_ALL", "CCT_ALL"):
            agency, cl = dimension_codelist(dim, owner)
            out += [i.id for i in codelist_items(agency, cl)]
        else:
            out.append(v)
    return sorted(set(out))


def allowed_regions(spec: DataflowSpec) -> list[dict[str, list[str]]]:
    """The dataflow's allowed cube regions with every dimension's codes spelled out."""
    dsd = next(d for d in DSDS if d.id == spec.dsd)
    regions = []
    for region in spec.regions:
        unknown = set(region) - {d for d, _ in dsd.dimensions}
        if unknown:
            raise ValueError(f"{spec.id}: region names unknown dimensions {sorted(unknown)}")
        regions.append(
            {
                dim: resolve(dim, owner, region[dim] if dim in region else TOTALS[dim])
                for dim, owner in dsd.dimensions
            }
        )
    return regions


def constraint_artefact(spec: DataflowSpec) -> Artefact:
    """The dataflow's allowed content constraint (one cube region per allowed block)."""
    regions = [
        CubeRegion(key_values=[KeyValue(id=dim, values=codes) for dim, codes in r.items()])
        for r in allowed_regions(spec)
    ]
    details = ConstraintDetails(
        role="Allowed",
        cube_regions=regions,
        attachments=[ConstraintAttachmentRef(ref=ref(ArtefactType.DATAFLOW, spec.id))],
    )
    return Artefact(
        type=ArtefactType.CONTENT_CONSTRAINT,
        agency=AGENCY,
        id=f"CC_{spec.id}",
        version=VERSION,
        is_final=NATIONAL_FINAL,
        names=text(f"Contenu autorisé de {spec.id}", f"Allowed content of {spec.id}"),
        descriptions=text(
            "Cellules que le flux peut contenir (union des régions du cube).",
            "Cells the dataflow may hold (union of the cube regions).",
        ),
        details=details,
    )
