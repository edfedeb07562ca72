"""What every content generator shares: identities, text helpers, file writing.

Every shipped file is produced here, byte for byte reproducibly: structure
messages are written by the server's own SDMX-ML 2.1 writer with a fixed
message header, then given a leading XML comment (provenance, licence) and
indented.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from lxml import etree

from sdmx_server.domain.model import (
    Annotation,
    Artefact,
    ArtefactType,
    Item,
    ItemRef,
    Localised,
    MaintainableRef,
)
from sdmx_server.formats.common import RenderContext, StructureEntry
from sdmx_server.formats.sdmx_ml21_structure import write_structures

AGENCY = "MA_LMIS"
ILO = "ILO"
VERSION = "1.0"
# National artefacts are drafts until HCP and the employment ministry have reviewed them.
NATIONAL_FINAL = False

REPO_ROOT = Path(__file__).resolve().parents[2]
# The generators' source data live beside their code (each folder has a SOURCE.md: origin, licence).
SOURCES = Path(__file__).resolve().parent / "sources"
ILO_FIXTURE = SOURCES / "ilostat" / "ILO-structure-IMF_ILOSTAT-CL_ECO-parentsandsiblings.xml"
ISCO_DIR = SOURCES / "isco08"

PUBLIC_URL = "https://lmis.example.org"
PREPARED = datetime(2026, 1, 1, tzinfo=UTC)

ILO_ATTRIBUTION = (
    "Reproduced unchanged from ILOSTAT, the statistical database of the International Labour "
    "Organization (ILO), SDMX API (sdmx.ilo.org), structure ILO:IMF_ILOSTAT(1.0) and its codelists. "
    "Source: ILO, ILOSTAT. Licence: Creative Commons Attribution 4.0 International (CC BY 4.0). "
    "The ILO's codelists are final and must not be edited here; national additions live in "
    "MA_LMIS codelists."
)


def text(fr: str, en: str, ar: str | None = None) -> Localised:
    """A localised text in the project's language order (en, fr, then ar)."""
    out = {"en": en, "fr": fr}
    if ar:
        out["ar"] = ar
    return out


def annotation(
    type_: str, fr: str | None = None, en: str | None = None, title: str | None = None
) -> Annotation:
    """An annotation with a type, an optional machine-readable title and fr/en texts."""
    texts = text(fr, en) if fr is not None and en is not None else {}
    return Annotation(type=type_, title=title, texts=texts)


def ref(
    type_: ArtefactType, id_: str, agency: str = AGENCY, version: str = VERSION
) -> MaintainableRef:
    """A reference to a maintainable artefact."""
    return MaintainableRef(type=type_, agency=agency, id=id_, version=version)


def codelist_ref(id_: str, agency: str = AGENCY) -> MaintainableRef:
    """A reference to a codelist (national by default)."""
    return ref(ArtefactType.CODELIST, id_, agency)


def concept_ref(scheme: str, concept: str, agency: str = ILO) -> ItemRef:
    """A reference to a concept (ILO concept schemes by default)."""
    return ItemRef(scheme=ref(ArtefactType.CONCEPT_SCHEME, scheme, agency), item_id=concept)


def national_codelist(
    id_: str,
    names: Localised,
    descriptions: Localised,
    items: Sequence[Item],
    annotations: Iterable[Annotation] = (),
) -> Artefact:
    """A national (MA_LMIS) codelist."""
    return Artefact(
        type=ArtefactType.CODELIST,
        agency=AGENCY,
        id=id_,
        version=VERSION,
        is_final=NATIONAL_FINAL,
        names=names,
        descriptions=descriptions,
        annotations=list(annotations),
        items=list(items),
    )


@dataclass
class OutputFile:
    """One generated file: where it goes and its bytes."""

    path: str  # relative to the output root, with forward slashes
    data: bytes


@dataclass
class Outputs:
    """Every file a generator run produces."""

    files: list[OutputFile] = field(default_factory=list)

    def add(self, path: str, data: bytes) -> None:
        """Add one file; paths must be unique."""
        if any(f.path == path for f in self.files):
            raise ValueError(f"{path} is produced twice")
        self.files.append(OutputFile(path, data))

    def write(self, root: Path) -> list[Path]:
        """Write every file under ``root``; returns the paths written."""
        written = []
        for f in self.files:
            target = root / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.data)
            written.append(target)
        return written


def structure_file(artefacts: Sequence[Artefact], message_id: str, comment: str) -> bytes:
    """An SDMX-ML 2.1 structure message with a leading comment, indented, deterministic."""
    ctx = RenderContext(
        public_url=PUBLIC_URL, message_id=message_id, prepared=PREPARED, sender=AGENCY
    )
    raw = write_structures([StructureEntry(a) for a in artefacts], ctx)
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(raw, parser)
    # isPartial="false" is the schema default; leaving it out keeps readers that take the
    # attribute's text for a truth value from marking every scheme partial.
    for el in root.iter():
        if el.get("isPartial") == "false":
            del el.attrib["isPartial"]
    root.addprevious(etree.Comment(_comment_text(comment)))
    etree.indent(root, space=" ")
    tree = root.getroottree()
    return cast(
        bytes, etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    )


def _comment_text(comment: str) -> str:
    body = comment.replace("--", "\u2013").strip()
    generated = "Generated by `python -m loaders.content` (loaders/content/); do not edit by hand."
    return f"\n  {body}\n  {generated}\n"


def message_id(name: str) -> str:
    """A stable message id derived from the file name."""
    return "LMIS_" + "".join(c if c.isalnum() else "_" for c in name.upper())[:60]
