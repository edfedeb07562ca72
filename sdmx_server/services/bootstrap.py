"""First start: fill an empty store with the shipped structures (and sample data)."""

from __future__ import annotations

import logging

from sdmx_server.services.container import Services
from sdmx_server.storage import structure_repo as repo

log = logging.getLogger(__name__)


def load_shipped_content(services: Services) -> bool:
    """Load ``codelists/`` and ``dsd/`` (then sample data) if the store is empty; True if loaded."""
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
    return True
