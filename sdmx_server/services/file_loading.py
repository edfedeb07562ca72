"""Load SDMX structure files and folders into the store (used by the CLI and `serve`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from sdmx_server.domain.model import Artefact, MaintainableRef
from sdmx_server.readers.sdmx1_structures import NotAStructureMessage, read_structure_file
from sdmx_server.services.structure_store import StructureStore, SubmissionReport

log = logging.getLogger(__name__)


@dataclass
class FileOutcome:
    """What happened to one file."""

    path: Path
    error: str | None = None  # the whole file was refused
    refused: list[tuple[str, str]] = field(default_factory=list)  # constructs refused while reading
    artefacts: list[Artefact] = field(default_factory=list)
    warnings: dict[MaintainableRef, list[str]] = field(
        default_factory=dict
    )  # what was left out, by artefact


@dataclass
class LoadReport:
    """Files read and the store's answer for their artefacts."""

    files: list[FileOutcome] = field(default_factory=list)
    submission: SubmissionReport = field(default_factory=SubmissionReport)

    @property
    def ok(self) -> bool:
        """True when no file and no artefact was refused."""
        return (
            all(f.error is None and not f.refused for f in self.files)
            and not self.submission.refused
        )


def iter_files(paths: Iterable[Path], suffixes: tuple[str, ...] = (".xml",)) -> Iterator[Path]:
    """Files named by ``paths``; folders are walked (sorted) for ``suffixes``."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
            )
        else:
            yield path


def load_structure_files(
    paths: Iterable[Path], store: StructureStore, *, progress: bool = False
) -> LoadReport:
    """Read every file, then store all their artefacts in one submission (dependency-ordered)."""
    report = LoadReport()
    files = list(iter_files(paths))
    for path in tqdm(files, desc="reading", unit="file", disable=not progress or len(files) < 2):
        outcome = FileOutcome(path=path)
        try:
            result = read_structure_file(path)
        except (NotAStructureMessage, OSError) as exc:
            outcome.error = str(exc)
        else:
            outcome.artefacts = result.artefacts
            outcome.refused = result.refused
            outcome.warnings = result.warnings
        report.files.append(outcome)
    artefacts = [a for f in report.files for a in f.artefacts]
    bar = tqdm(
        total=len(artefacts),
        desc="storing",
        unit="artefact",
        disable=not progress or len(artefacts) < 20,
    )
    warnings = {ref: w for f in report.files for ref, w in f.warnings.items()}
    report.submission = store.submit(artefacts, progress=bar.update, warnings=warnings)
    bar.close()
    return report


def is_structure_file(path: Path) -> bool:
    """True for SDMX-ML structure messages (by their root element), False for data messages."""
    if path.suffix.lower() != ".xml":
        return False
    from lxml import etree

    try:
        for _event, elem in etree.iterparse(
            str(path), events=("start",), resolve_entities=False, no_network=True, load_dtd=False
        ):
            return bool(etree.QName(elem).localname == "Structure")
    except etree.XMLSyntaxError:
        return True  # let the structure reader report the syntax error
    return True


def split_by_kind(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(structure files, data files) among ``paths`` (folders walked for .xml and .csv)."""
    structures: list[Path] = []
    data: list[Path] = []
    for path in iter_files(paths, suffixes=(".xml", ".csv")):
        (structures if is_structure_file(path) else data).append(path)
    return structures, data


def load_data_file(
    path: Path,
    service: object,
    dataflow: object = None,
    *,
    on_error: object = None,
    provision_agreement: object = None,
) -> object:
    """Validate and write one data file through the shared write service (all or nothing); through a
    provision agreement when given (its producer then owns the cells, its constraints apply)."""
    from sdmx_server.services.data_write import DataWriteService

    assert isinstance(service, DataWriteService)
    with path.open("rb") as stream:
        return service.submit(
            stream,
            dataflow=dataflow,  # type: ignore[arg-type]
            source=str(path),
            on_error=on_error,  # type: ignore[arg-type]
            keep_errors=1000,
            provision_agreement=provision_agreement,  # type: ignore[arg-type]
        )
