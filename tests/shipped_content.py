"""A store holding the shipped content (``codelists/``, ``dsd/``, ``data/sample/``), as ``serve`` loads it."""

from __future__ import annotations

from sdmx_server.services.bootstrap import load_shipped_content
from sdmx_server.services.container import Services
from tests.conftest import DatabaseFactory, make_settings


def shipped_services(db_factory: DatabaseFactory) -> Services:
    """Services over a fresh database with the shipped structures and sample data (the caller closes them)."""
    services = Services.build(
        make_settings(
            db_factory.migrated_url(), load_shipped_structures=True, load_sample_data=True
        )
    )
    assert load_shipped_content(services)
    return services
