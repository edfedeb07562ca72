"""National (MA_LMIS) codelists built from the hand-authored sources.

Lists that extend an ILO list (CL_AGE, CL_EDU, CL_MEASURE) carry the ILO's
codes with the ILO's ids and names, then the national codes.
"""

from __future__ import annotations

from collections.abc import Iterable

from loaders.content.classifications import ilo_items
from loaders.content.common import annotation, national_codelist, text
from loaders.content.ilo import ilo_codelist
from loaders.content.sources.classif import (
    COST_COMPONENTS,
    ILO_AGE,
    ILO_EDU,
    NATIONAL_AGE,
    NATIONAL_EDU,
    PERMITS,
    REMITTANCE_PROVIDERS,
    SCHEMES,
    SOURCES,
    Code,
)
from loaders.content.sources.measure_types import Measure
from loaders.content.sources.measures_lfs import (
    EARNINGS_HOURS_MEASURES,
    LFS_MEASURES,
    STRUCTURE_MEASURES,
)
from loaders.content.sources.measures_mig import (
    ADMIN_MEASURES,
    CORRIDOR_MEASURES,
    REMITTANCE_MEASURES,
    STOCK_MEASURES,
)
from loaders.content.sources.regions import REGIONS
from sdmx_server.domain.model import Annotation, Artefact, Item

ALL_MEASURES: list[Measure] = (
    LFS_MEASURES
    + STRUCTURE_MEASURES
    + EARNINGS_HOURS_MEASURES
    + ADMIN_MEASURES
    + STOCK_MEASURES
    + CORRIDOR_MEASURES
    + REMITTANCE_MEASURES
)
MEASURES: dict[str, Measure] = {m.id: m for m in ALL_MEASURES}
SOURCE_NAMES: dict[str, Code] = {c.id: c for c, _, _ in SOURCES}

AUTHORED = annotation(
    "SOURCE",
    "Codes et textes rédigés par le projet (loaders/content/sources).",
    "Codes and texts authored by the project (loaders/content/sources).",
)


def code_items(codes: Iterable[Code], total_suffix: str = "_TOTAL") -> list[Item]:
    """Items of hand-authored codes; totals get IS_TOTAL=Y as in the ILO's lists."""
    out = []
    for c in codes:
        desc = text(c.desc_fr, c.desc_en) if c.desc_fr else {}
        anns = [Annotation(type="IS_TOTAL", title="Y")] if c.id.endswith(total_suffix) else []
        out.append(
            Item(
                id=c.id,
                names=text(c.fr, c.en),
                descriptions=desc,
                parent=c.parent,
                annotations=anns,
            )
        )
    return out


def age_codelist() -> Artefact:
    """MA_LMIS:CL_AGE: ILO age codes plus HCP's 45+ band."""
    return national_codelist(
        "CL_AGE",
        text("Âge (national)", "Age (national)"),
        text(
            "Codes d'âge de l'OIT (ILO:CL_AGE, mêmes identifiants et libellés) et tranches nationales du HCP.",
            "ILO age codes (ILO:CL_AGE, same ids and names) and HCP's national bands.",
        ),
        ilo_items("CL_AGE", ILO_AGE) + code_items(NATIONAL_AGE),
        [AUTHORED],
    )


def education_codelist() -> Artefact:
    """MA_LMIS:CL_EDU: ILO education codes plus HCP's diploma levels."""
    return national_codelist(
        "CL_EDU",
        text("Éducation (national)", "Education (national)"),
        text(
            "Codes d'éducation de l'OIT (ILO:CL_EDU, mêmes identifiants et libellés) et niveaux de diplôme du HCP.",
            "ILO education codes (ILO:CL_EDU, same ids and names) and HCP's diploma levels.",
        ),
        ilo_items("CL_EDU", ILO_EDU) + code_items(NATIONAL_EDU),
        [AUTHORED],
    )


def region_codelist() -> Artefact:
    """MA_LMIS:CL_REGION: Morocco's 12 regions in HCP order, plus the national total."""
    items = [
        Item(
            id="REG_MA_TOTAL",
            names=text("Ensemble du Maroc", "Morocco, all regions"),
            annotations=[Annotation(type="IS_TOTAL", title="Y")],
        )
    ]
    for code, fr, en, ar in REGIONS:
        items.append(
            Item(
                id=f"REG_MA_{code}",
                names=text(fr, en, ar),
                parent="REG_MA_TOTAL",
                annotations=[
                    Annotation(type="HCP_CODE", title=code),
                    Annotation(type="ISO3166_2", title=f"MA-{code}"),
                ],
            )
        )
    return national_codelist(
        "CL_REGION",
        text("Région (Maroc)", "Region (Morocco)"),
        text(
            "Les 12 régions du découpage de 2015, dans l'ordre et avec la numérotation officielle du HCP "
            "(identique à l'ordre ISO 3166-2). Noms arabes à confirmer par le HCP.",
            "The 12 regions of the 2015 division, in HCP's official order and numbering (the same as the "
            "ISO 3166-2 order). Arabic names to be confirmed by HCP.",
        ),
        items,
        [
            annotation(
                "SOURCE",
                "HCP (noms français) ; noms arabes à confirmer par le HCP.",
                "HCP (French names); Arabic names to be confirmed by HCP.",
            )
        ],
    )


def simple_codelists() -> list[Artefact]:
    """Permits, mobility schemes, recruitment-cost components, remittance providers, sources."""
    source_items = []
    for c, ilo_type, ilo_label in SOURCES:
        item = code_items([c])[0]
        if ilo_type:
            item.annotations.append(
                Annotation(type="ILO_SOURCE_TYPE", title=ilo_type, texts={"en": ilo_label})
            )
        source_items.append(item)
    return [
        national_codelist(
            "CL_PERMIT",
            text("Type de titre de séjour ou de travail", "Type of residence or work permit"),
            text(
                "Titre sous lequel le travailleur migrant part ou réside.",
                "Permit under which the migrant worker leaves or resides.",
            ),
            code_items(PERMITS),
            [AUTHORED],
        ),
        national_codelist(
            "CL_SCHEME",
            text("Programme de mobilité", "Mobility scheme"),
            text(
                "Programme ou dispositif de placement par lequel le départ a été organisé.",
                "Programme or placement arrangement through which the departure was organised.",
            ),
            code_items(SCHEMES),
            [AUTHORED],
        ),
        national_codelist(
            "CL_COST_COMP",
            text("Composante du coût de recrutement", "Recruitment cost component"),
            text(
                "Composantes du coût de recrutement supporté par le travailleur (ODD 10.7.1).",
                "Components of the recruitment cost borne by the worker (SDG 10.7.1).",
            ),
            code_items(COST_COMPONENTS),
            [AUTHORED],
        ),
        national_codelist(
            "CL_RSP",
            text(
                "Type de prestataire de transfert d'argent", "Type of remittance service provider"
            ),
            text(
                "Catégories de prestataires de l'enquête Remittance Prices Worldwide.",
                "Provider categories of the Remittance Prices Worldwide survey.",
            ),
            code_items(REMITTANCE_PROVIDERS),
            [AUTHORED],
        ),
        national_codelist(
            "CL_SOURCE",
            text("Source des données", "Data source"),
            text(
                "Enquêtes et registres d'où proviennent les données du SIMT ; l'annotation "
                "ILO_SOURCE_TYPE donne le type de source d'ILOSTAT.",
                "Surveys and registers the LMIS data come from; the ILO_SOURCE_TYPE annotation "
                "gives ILOSTAT's source type.",
            ),
            source_items,
            [AUTHORED],
        ),
    ]


def measure_annotations(m: Measure) -> list[Annotation]:
    """CALCULATION_METHOD, UNIT, SOURCE and STANDARD annotations of one measure (fr, en)."""
    u = m.unit
    unit_title = ";".join(
        f"{k}={v}"
        for k, v in (
            ("UNIT_MEASURE_TYPE", u.type),
            ("UNIT_MEASURE", u.measure),
            ("UNIT_MULT", u.mult),
        )
        if v
    )
    src_fr = " ; ".join(SOURCE_NAMES[s].fr for s in m.sources)
    src_en = "; ".join(SOURCE_NAMES[s].en for s in m.sources)
    return [
        annotation("CALCULATION_METHOD", m.calc_fr, m.calc_en),
        annotation("UNIT", u.fr, u.en, title=unit_title),
        annotation("SOURCE", src_fr, src_en, title=",".join(m.sources)),
        annotation("STANDARD", m.std_fr, m.std_en),
    ]


def measure_codelist() -> Artefact:
    """MA_LMIS:CL_MEASURE: every measure the LMIS publishes, with its definition and metadata."""
    ilo = {i.id: i for i in ilo_codelist("CL_MEASURE").items}
    items = []
    for m in ALL_MEASURES:
        if m.id in ilo:
            names = {
                k: v for k, v in ilo[m.id].names.items() if k in ("en", "fr") and v.strip(". ")
            }
            if m.name_fr:
                names["fr"] = m.name_fr
            names = {k: names[k] for k in ("en", "fr") if k in names}
        else:
            if m.id.split("_")[0] != "NAT":
                raise ValueError(f"{m.id}: national measures start with NAT_")
            assert m.name_fr and m.name_en, m.id
            names = text(m.name_fr, m.name_en)
        items.append(
            Item(
                id=m.id,
                names=names,
                descriptions=text(m.def_fr, m.def_en),
                annotations=measure_annotations(m),
            )
        )
    return national_codelist(
        "CL_MEASURE",
        text("Mesure (SIMT)", "Measure (LMIS)"),
        text(
            "Toutes les mesures publiées par le SIMT. Les mesures de l'OIT gardent l'identifiant et le libellé "
            "de ILO:CL_MEASURE ; les mesures nationales commencent par NAT_. Chaque mesure porte sa définition "
            "(description) et les annotations CALCULATION_METHOD, UNIT, SOURCE et STANDARD.",
            "Every measure the LMIS publishes. ILO measures keep the id and name of ILO:CL_MEASURE; national "
            "measures start with NAT_. Each measure carries its definition (description) and the annotations "
            "CALCULATION_METHOD, UNIT, SOURCE and STANDARD.",
        ),
        items,
        [AUTHORED],
    )


def national_codelists() -> list[Artefact]:
    """Every hand-authored national codelist (classifications are in classifications.py)."""
    return [
        age_codelist(),
        education_codelist(),
        region_codelist(),
        measure_codelist(),
    ] + simple_codelists()
