"""First start: fill an empty store with the shipped structures and sample data."""

from __future__ import annotations

import logging
from pathlib import Path

from sdmx_server.domain.model import ArtefactType, MaintainableRef
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
    from loaders.load import load_structure_files

    root = settings.resolved_content_dir
    folders = [p for p in (root / "codelists", root / "dsd") if p.is_dir()]
    if not folders:
        log.warning("no shipped structures found under %s", root)
        return False
    report = load_structure_files(folders, services.structure_store)
    sub = report.submission
    log.info("shipped structures loaded: %d created, %d refused", sub.count("created"), len(sub.refused))
    for outcome in sub.refused:
        log.error("shipped artefact refused: %s: %s", outcome.ref, outcome.message)
    if settings.load_sample_data and (root / "data" / "sample").is_dir():
        load_sample_data(services, root / "data" / "sample")
    return True


def load_sample_data(services: Services, folder: Path) -> None:
    """Load every sample CSV through its dataflow's provision agreement (when there is exactly one)."""
    for path in sorted(folder.glob("*.csv")):
        pa = _single_provision_agreement(services, path.stem)
        with path.open("rb") as stream:
            result = services.data_write.submit(stream, provision_agreement=pa, source=str(path),
                                                principal="bootstrap", keep_errors=20)
        if result.ok:
            log.info("sample data %s: %d observations", path.name, result.counts.inserted)
        else:
            log.error("sample data %s refused: %s", path.name, [e.as_dict() for e in result.errors])


def _single_provision_agreement(services: Services, flow_id: str) -> MaintainableRef | None:
    with services.session_factory() as session:
        try:
            row = resolve_dataflow(session, None, flow_id, None)
        except Exception:  # noqa: BLE001 - no such dataflow: the message names its own
            return None
        pas = provision_agreements_of(session, row)
    if len(pas) != 1:
        return None
    return MaintainableRef(type=ArtefactType.PROVISION_AGREEMENT, agency=pas[0].agency, id=pas[0].id,
                           version=pas[0].version)
