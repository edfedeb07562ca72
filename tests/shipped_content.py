"""A store holding the shipped content (``codelists/``, ``dsd/``, ``data/sample/``), as ``serve`` loads it."""

from __future__ import annotations

from sdmx_server.services.bootstrap import load_shipped_content
from sdmx_server.services.container import Services
from sdmx_server.storage.schema import upgrade_to_head
from tests.conftest import DatabaseFactory, make_settings


def shipped_services(db_factory: DatabaseFactory) -> Services:
    """Services over a fresh database with the shipped structures and sample data (the caller closes them)."""
    services = Services.build(
        make_settings(db_factory.new_url(), load_shipped_structures=True, load_sample_data=True)
    )
    upgrade_to_head(services.engine)
    assert load_shipped_content(services)
    return services
