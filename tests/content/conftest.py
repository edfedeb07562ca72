"""Shared fixtures of the shipped-content tests: the files, their artefacts, the generator's output."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sdmx_server.domain.model import Artefact, ArtefactType, MaintainableRef
from sdmx_server.readers.sdmx1_structures import read_structure_file

ROOT = Path(__file__).resolve().parents[2]
CODELISTS = ROOT / "codelists"
DSD = ROOT / "dsd"
SAMPLE = ROOT / "data" / "sample"


def shipped_xml() -> list[Path]:
    """Every shipped structure file."""
    return sorted(CODELISTS.glob("*.xml")) + sorted(DSD.glob("*.xml"))


@pytest.fixture(scope="session")
def artefacts() -> dict[MaintainableRef, Artefact]:
    """Every shipped artefact, read by the server's reader."""
    out: dict[MaintainableRef, Artefact] = {}
    for path in shipped_xml():
        result = read_structure_file(path)
        assert not result.refused, (path, result.refused)
        for a in result.artefacts:
            assert a.ref not in out, f"{a.ref} is shipped twice"
            out[a.ref] = a
    return out


@pytest.fixture(scope="session")
def by_id(artefacts: dict[MaintainableRef, Artefact]) -> dict[tuple[str, str, str], Artefact]:
    """Artefacts by (type, agency, id)."""
    return {(a.type.value, a.agency, a.id): a for a in artefacts.values()}


def of_type(artefacts: dict[MaintainableRef, Artefact], type_: ArtefactType) -> list[Artefact]:
    """Artefacts of one type, sorted by id."""
    return sorted(
        (a for a in artefacts.values() if a.type is type_), key=lambda a: (a.agency, a.id)
    )


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of an SDMX-CSV file."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows
