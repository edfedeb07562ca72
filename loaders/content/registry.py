"""Agencies, data providers, provision agreements, themes and categorisations."""

from __future__ import annotations

from loaders.content.common import AGENCY, NATIONAL_FINAL, VERSION, ref, text
from loaders.content.sources.structures import CATEGORIES, DATAFLOWS, PROVIDERS
from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    CategorisationDetails,
    Item,
    ItemRef,
    ProvisionAgreementDetails,
)

THEMES = "LMIS_THEMES"
PROVIDER_SCHEME = ref(ArtefactType.DATA_PROVIDER_SCHEME, "DATA_PROVIDERS")


def agency_scheme() -> Artefact:
    """SDMX:AGENCIES(1.0) with SDMX, the ILO and the national maintenance agency MA_LMIS."""
    items = [
        Item(id="SDMX", names={"en": "SDMX"}),
        Item(
            id="ILO",
            names=text(
                "Organisation internationale du Travail", "International Labour Organization"
            ),
            descriptions=text(
                "Maintient les listes de codes et concepts d'ILOSTAT reproduits tels quels.",
                "Maintains the ILOSTAT codelists and concepts reproduced unchanged.",
            ),
        ),
        Item(
            id=AGENCY,
            names=text(
                "Système d'information sur le marché du travail (Maroc)",
                "Labour market information system (Morocco)",
            ),
            descriptions=text(
                "Agence de maintenance nationale des structures du SIMT, y compris la migration de "
                "main-d'œuvre ; l'institution qui en assume le rôle reste à désigner.",
                "National maintenance agency of the LMIS structures, including labour migration; "
                "the institution that takes on the role is still to be designated.",
            ),
        ),
    ]
    return Artefact(
        type=ArtefactType.AGENCY_SCHEME,
        agency="SDMX",
        id="AGENCIES",
        version=VERSION,
        is_final=False,
        names=text("Agences de maintenance", "Maintenance agencies"),
        items=items,
    )


def provider_scheme() -> Artefact:
    """MA_LMIS:DATA_PROVIDERS(1.0): the national producers (and the World Bank for remittance prices)."""
    items = [
        Item(id=pid, names=text(fr, en), descriptions=text(dfr, den))
        for pid, fr, en, dfr, den in PROVIDERS
    ]
    return Artefact(
        type=ArtefactType.DATA_PROVIDER_SCHEME,
        agency=AGENCY,
        id="DATA_PROVIDERS",
        version=VERSION,
        is_final=False,
        names=text("Producteurs de données du SIMT", "LMIS data producers"),
        items=items,
    )


def provision_agreements() -> list[Artefact]:
    """One provision agreement per (producer, dataflow)."""
    out = []
    names = {pid: (fr, en) for pid, fr, en, _, _ in PROVIDERS}
    for df in DATAFLOWS:
        for pid in df.providers:
            fr, en = names[pid]
            out.append(
                Artefact(
                    type=ArtefactType.PROVISION_AGREEMENT,
                    agency=AGENCY,
                    id=f"PA_{pid}_{df.id.removeprefix('DF_')}",
                    version=VERSION,
                    is_final=NATIONAL_FINAL,
                    names=text(f"{fr} fournit {df.id}", f"{en} supplies {df.id}"),
                    details=ProvisionAgreementDetails(
                        dataflow=ref(ArtefactType.DATAFLOW, df.id),
                        data_provider=ItemRef(scheme=PROVIDER_SCHEME, item_id=pid),
                    ),
                )
            )
    return out


def category_scheme() -> Artefact:
    """MA_LMIS:LMIS_THEMES: the themes the dataflows are filed under."""
    items = [
        Item(id=path, names=text(fr, en), parent=path.rsplit(".", 1)[0] if "." in path else None)
        for path, fr, en in CATEGORIES
    ]
    return Artefact(
        type=ArtefactType.CATEGORY_SCHEME,
        agency=AGENCY,
        id=THEMES,
        version=VERSION,
        is_final=NATIONAL_FINAL,
        names=text("Thèmes du SIMT", "LMIS themes"),
        descriptions=text(
            "Thèmes de navigation des flux de données.", "Themes for browsing the dataflows."
        ),
        items=items,
    )


def categorisations() -> list[Artefact]:
    """One categorisation per (dataflow, theme)."""
    scheme = ref(ArtefactType.CATEGORY_SCHEME, THEMES)
    known = {path for path, _, _ in CATEGORIES}
    out = []
    for df in DATAFLOWS:
        for cat in df.categories:
            if cat not in known:
                raise ValueError(f"{df.id}: unknown category {cat}")
            out.append(
                Artefact(
                    type=ArtefactType.CATEGORISATION,
                    agency=AGENCY,
                    id=f"CAT_{df.id}_{cat.replace('.', '_')}",
                    version=VERSION,
                    is_final=NATIONAL_FINAL,
                    names=text(f"{df.id} dans {cat}", f"{df.id} in {cat}"),
                    details=CategorisationDetails(
                        source=ref(ArtefactType.DATAFLOW, df.id),
                        target=ItemRef(scheme=scheme, item_id=cat),
                    ),
                )
            )
    return out
