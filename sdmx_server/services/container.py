"""The per-process set of services, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.domain.clock import SYSTEM_CLOCK, Clock
from sdmx_server.readers._xml_common import XmlLimits
from sdmx_server.services.audit import AuditTrail
from sdmx_server.services.auth import AuthService
from sdmx_server.services.data_query import DataQueryService
from sdmx_server.services.data_write import DataWriteService
from sdmx_server.services.state_watch import StructureStateCache
from sdmx_server.services.structure_query import StructureQueryService
from sdmx_server.services.structure_render import StructureRenderer
from sdmx_server.services.structure_store import StructureStore
from sdmx_server.services.structure_write import StructureWriteService
from sdmx_server.services.submissions import SubmissionService
from sdmx_server.settings import Settings
from sdmx_server.storage.db import create_db_engine, make_session_factory
from sdmx_server.storage.db_health import DbHealth


@dataclass
class Services:
    """Everything routes call; no request state is kept here (workers are stateless)."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    structure_store: StructureStore
    structure_query: StructureQueryService
    structure_renderer: StructureRenderer
    data_write: DataWriteService
    data_query: DataQueryService
    auth: AuthService
    audit: AuditTrail
    submissions: SubmissionService
    structure_write: StructureWriteService
    db_health: DbHealth
    clock: Clock = SYSTEM_CLOCK

    @classmethod
    def build(
        cls, settings: Settings, engine: Engine | None = None, clock: Clock = SYSTEM_CLOCK
    ) -> Services:
        """Wire the services for ``settings`` (creating the engine unless given).

        ``clock`` is where every service reads the time (release dates, token expiry, job
        leases, portal sessions): the system clock, or a test's clock that it moves forward.
        """
        engine = engine or create_db_engine(
            settings.database_url, pool_size=settings.db_pool_size, limits=settings.db_limits()
        )
        factory = make_session_factory(engine)
        health = DbHealth()
        health.watch(engine)
        query = StructureQueryService(factory)
        renderer = StructureRenderer(
            factory,
            query,
            cache_entries=settings.structure_cache_entries,
            state=StructureStateCache(engine, factory),
        )
        writes = make_session_factory(engine, write=True)
        store = StructureStore(writes, clock=clock)
        xml_limits = XmlLimits(
            max_attributes=settings.xml_max_attributes, max_tag_bytes=settings.xml_max_tag_bytes
        )
        data_write = DataWriteService(writes, xml_limits, clock)
        auth, audit = AuthService(factory, writes, clock), AuditTrail(writes, factory, clock)
        return cls(
            settings=settings,
            engine=engine,
            session_factory=factory,
            structure_store=store,
            structure_query=query,
            structure_renderer=renderer,
            data_write=data_write,
            data_query=DataQueryService(
                factory,
                settings.max_response_observations,
                activate=data_write.activate_due_releases,
                clock=clock,
            ),
            auth=auth,
            audit=audit,
            submissions=SubmissionService(
                data_write,
                factory,
                writes,
                audit,
                clock,
            ),
            structure_write=StructureWriteService(store, auth, audit, xml_limits),
            db_health=health,
            clock=clock,
        )

    def close(self) -> None:
        """Stop background listeners and release database connections."""
        self.structure_renderer.state.stop()
        self.engine.dispose()
