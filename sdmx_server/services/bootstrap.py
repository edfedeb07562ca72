"""First start: fill an empty store with the shipped structures and sample data."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from sdmx_server.domain.model import ArtefactType, MaintainableRef, ProvisionAgreementDetails
from sdmx_server.services.container import Services
from sdmx_server.services.dsd_info import provision_agreements_of, resolve_dataflow
from sdmx_server.storage import structure_repo as repo

log = logging.getLogger(__name__)


def load_shipped_content(services: Services) -> bool:
    """Load ``codelists/`` and ``dsd/``, then ``data/sample/``, if the store is empty; True if loaded."""
    settings = services.settings
    if not settings.load_shipped_structures:
        return False
    with services.session_factory() as session:
        if repo.exists_any(session):
            return False
    from sdmx_server.services.file_loading import load_structure_files

    root = settings.resolved_content_dir
    folders = [p for p in (root / "codelists", root / "dsd") if p.is_dir()]
    if not folders:
        log.warning("no shipped structures found under %s", root)
        return False
    report = load_structure_files(folders, services.structure_store)
    sub = report.submission
    log.info(
        "shipped structures loaded: %d created, %d refused", sub.count("created"), len(sub.refused)
    )
    for outcome in sub.refused:
        log.error("shipped artefact refused: %s: %s", outcome.ref, outcome.message)
    if settings.load_sample_data and (root / "data" / "sample").is_dir():
        load_sample_data(services, root / "data" / "sample")
    return True


def load_sample_data(services: Services, folder: Path) -> None:
    """Load every sample CSV through its dataflow's provision agreement(s).

    Where several producers share a dataflow, each row goes through the
    agreement of the producer its ``SOURCE`` code names (``SRC_<PRODUCER>...``,
    the shipped sources' naming convention), so that provider queries and the
    ownership of cells work on the samples as on pushed data; rows of a source
    no agreement's producer names (e.g. a destination country's office) are
    loaded without one.
    """
    for path in sorted(folder.glob("*.csv")):
        pas = _agreements_by_producer(services, path.stem)
        if len(pas) <= 1:
            _load_sample(services, path, path.read_bytes(), next(iter(pas.values()), None))
            continue
        for pa, body in _split_by_producer(path, pas):
            _load_sample(services, path, body, pa)


def _load_sample(services: Services, path: Path, body: bytes, pa: MaintainableRef | None) -> None:
    result = services.data_write.submit(
        io.BytesIO(body),
        provision_agreement=pa,
        source=str(path),
        principal="bootstrap",
        keep_errors=20,
    )
    through = f" through {pa.id}" if pa else ""
    if result.ok:
        log.info("sample data %s%s: %d observations", path.name, through, result.counts.inserted)
    else:
        log.error(
            "sample data %s%s refused: %s", path.name, through, [e.as_dict() for e in result.errors]
        )


def _split_by_producer(
    path: Path, pas: dict[str, MaintainableRef]
) -> list[tuple[MaintainableRef | None, bytes]]:
    """The file's rows, one SDMX-CSV body per producer named by their SOURCE code (header repeated)."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    source = header.index("SOURCE") if "SOURCE" in header else None
    groups: dict[str | None, list[list[str]]] = {}
    for row in body:
        code = row[source] if source is not None and source < len(row) else ""
        producer = next(
            (
                p
                for p in sorted(pas, key=len, reverse=True)
                if code == f"SRC_{p}" or code.startswith(f"SRC_{p}_")
            ),
            None,
        )
        groups.setdefault(producer, []).append(row)
    out: list[tuple[MaintainableRef | None, bytes]] = []
    for producer, group in groups.items():
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([header, *group])
        out.append((pas[producer] if producer else None, text.getvalue().encode()))
    return out


def _agreements_by_producer(services: Services, flow_id: str) -> dict[str, MaintainableRef]:
    """The provision agreements of a dataflow (its id), by data provider id."""
    with services.session_factory() as session:
        try:
            row = resolve_dataflow(session, None, flow_id, None)
        except Exception:  # noqa: BLE001 - no such dataflow: the message names its own
            return {}
        pas = provision_agreements_of(session, row)
    out: dict[str, MaintainableRef] = {}
    for pa in pas:
        assert isinstance(pa.details, ProvisionAgreementDetails)
        out[pa.details.data_provider.item_id] = MaintainableRef(
            type=ArtefactType.PROVISION_AGREEMENT, agency=pa.agency, id=pa.id, version=pa.version
        )
    return out
