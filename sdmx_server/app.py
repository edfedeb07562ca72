"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from sdmx_server.api.errors import install_error_handlers
from sdmx_server.api.head_routes import with_head
from sdmx_server.api.middleware import ServerMiddleware
from sdmx_server.api.openapi import install_openapi
from sdmx_server.api.route_table import methods_for_path
from sdmx_server.api.routes import (
    admin_tokens,
    availability_v1,
    availability_v2,
    data_v1,
    data_v2,
    home,
    me_v2,
    ops,
    push_v2,
    schema_v1,
    schema_v2,
    structure_v1,
    structure_v2,
    structure_write_v2,
    v2_other,
)
from sdmx_server.portal import install_portal
from sdmx_server.services.container import Services
from sdmx_server.settings import Settings, get_settings


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the application; nothing happens at import time."""
    settings = settings or (services.settings if services else get_settings())
    owns_services = services is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = None
        # Keep the structure state in memory, refreshed by the database's notifications (PostgreSQL).
        app.state.services.structure_renderer.state.start()
        if settings.run_jobs:
            from sdmx_server.services.jobs import JobRunner

            runner = JobRunner(
                app.state.services.submissions,
                lease_seconds=settings.job_lease_seconds,
                max_backoff_seconds=settings.job_max_backoff_seconds,
            )
            runner.start()
        app.state.job_runner = runner
        yield
        if runner is not None:
            runner.stop()
        app.state.services.structure_renderer.state.stop()
        if owns_services:
            app.state.services.close()

    # Swagger UI and ReDoc with their scripts served from the fastapi-offline package under
    # /static-offline-docs: /docs works offline and loads nothing from a CDN.
    app: FastAPI = FastAPIOffline(
        title="SDMX server for labour-market statistics",
        description="SDMX REST API v1 (SDMX 2.1) under /rest and v2 (SDMX 3.0) under /rest/v2.",
        version="0.1.0",
        lifespan=lifespan,
        redirect_slashes=False,  # pysdmx does not follow redirects; paths accept a trailing slash
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_url="/openapi.json",
        favicon_url=None,
    )
    for route in app.routes:  # the documentation pages answer HEAD like every other GET route
        methods = getattr(route, "methods", None)
        if isinstance(methods, set) and methods == {"GET"}:
            methods.add("HEAD")
    app.state.services = services or Services.build(settings)
    install_error_handlers(app)
    app.include_router(with_head(ops.router))
    app.include_router(with_head(home.router))
    # Structure queries first (the most frequent; their route matches structure resource names
    # only), then the other /rest families, and a catch-all for unknown resources last.
    app.include_router(with_head(structure_v1.router))
    app.include_router(with_head(push_v2.router))
    app.include_router(
        with_head(structure_v2.router)
    )  # GET/HEAD /rest/v2/structure/..., /metadata, /registration only
    app.include_router(with_head(admin_tokens.router))
    app.include_router(
        with_head(me_v2.router)
    )  # extension: /rest/v2/me, templates (before v2_other)
    app.include_router(
        with_head(structure_write_v2.router)
    )  # before v2_other, which catches GET/HEAD /rest/v2/...
    app.include_router(with_head(data_v2.router))
    app.include_router(with_head(schema_v2.router))
    app.include_router(with_head(availability_v2.router))
    app.include_router(with_head(v2_other.router))
    app.include_router(with_head(data_v1.router))
    app.include_router(with_head(availability_v1.router))
    app.include_router(with_head(schema_v1.router))
    install_portal(app)  # /portal: the data explorer and the submission desk
    app.include_router(with_head(structure_v1.fallback_router))
    app.add_middleware(
        ServerMiddleware,
        allow_origins=settings.cors_allow_origins,
        max_uri_length=settings.max_uri_length,
        methods_for=lambda path: methods_for_path(app, path),
    )
    install_openapi(app)
    return app


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory`` (each worker builds its own app)."""
    from sdmx_server.logging_setup import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
