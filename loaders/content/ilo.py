"""The ILO's own codelists and concept schemes, reproduced unchanged from the ILOSTAT fixture.

Source: ``loaders/content/sources/ilostat/ILO-structure-IMF_ILOSTAT-CL_ECO-parentsandsiblings.xml``,
the answer of ILOSTAT's SDMX API (CC BY 4.0). Every ILO codelist (46) and concept
scheme (3) is written to its own file; the ILO's DSD ``IMF_ILOSTAT`` is not shipped.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from loaders.content.common import (
    ILO,
    ILO_ATTRIBUTION,
    ILO_FIXTURE,
    Outputs,
    message_id,
    structure_file,
)
from sdmx_server.domain.model import Artefact, ArtefactType
from sdmx_server.formats.xml_ns import STR
from sdmx_server.readers.sdmx1_structures import read_structure_file


@cache
def ilo_artefacts(path: Path = ILO_FIXTURE) -> tuple[Artefact, ...]:
    """Every ILO codelist and concept scheme of the fixture, as read by the server's reader."""
    result = read_structure_file(path)
    if result.refused:
        raise ValueError(f"the ILO fixture has constructs the reader refuses: {result.refused}")
    keep = (ArtefactType.CODELIST, ArtefactType.CONCEPT_SCHEME)
    order = _document_order(path)
    out = []
    for a in result.artefacts:
        if a.agency == ILO and a.type in keep:
            # The reader lists children right after their parent; keep the ILO's own order instead.
            ids = order[a.id]
            out.append(
                a.model_copy(update={"items": sorted(a.items, key=lambda i: ids.index(i.id))})
            )
    return tuple(out)


def _document_order(path: Path) -> dict[str, list[str]]:
    """Item ids of every item scheme of the file, in document order."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.parse(str(path), parser).getroot()
    out: dict[str, list[str]] = {}
    for scheme in root.iter(STR + "Codelist", STR + "ConceptScheme"):
        out[scheme.get("id", "")] = [
            el.get("id", "") for el in scheme if el.tag in (STR + "Code", STR + "Concept")
        ]
    return out


def ilo_codelist(id_: str) -> Artefact:
    """One ILO codelist by id."""
    for a in ilo_artefacts():
        if a.type is ArtefactType.CODELIST and a.id == id_:
            return a
    raise KeyError(id_)


def ilo_codelists() -> list[Artefact]:
    """The ILO codelists, sorted by id."""
    return sorted(
        (a for a in ilo_artefacts() if a.type is ArtefactType.CODELIST), key=lambda a: a.id
    )


def ilo_concept_schemes() -> list[Artefact]:
    """The ILO concept schemes, sorted by id."""
    return sorted(
        (a for a in ilo_artefacts() if a.type is ArtefactType.CONCEPT_SCHEME), key=lambda a: a.id
    )


def generate(out: Outputs) -> None:
    """Add one file per ILO codelist (codelists/) and per ILO concept scheme (dsd/)."""
    for cl in ilo_codelists():
        name = f"ILO_{cl.id}"
        comment = f"ILO:{cl.id}(1.0), {len(cl.items)} codes. {ILO_ATTRIBUTION}"
        out.add(f"codelists/{name}.xml", structure_file([cl], message_id(name), comment))
    for cs in ilo_concept_schemes():
        name = f"ILO_{cs.id}"
        comment = f"ILO:{cs.id}(1.0), {len(cs.items)} concepts. {ILO_ATTRIBUTION}"
        out.add(f"dsd/{name}.xml", structure_file([cs], message_id(name), comment))
