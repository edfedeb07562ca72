"""The LMIS portal: a data explorer and a submission desk, served at ``/portal`` by the same app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles


def install_portal(app: FastAPI) -> None:
    """Mount the portal's pages and its static files (scripts and styles of the package only)."""
    from sdmx_server.api.head_routes import with_head
    from sdmx_server.portal import routes

    app.include_router(with_head(routes.router))
    app.mount(
        "/portal/static",
        StaticFiles(directory=Path(__file__).parent / "static"),
        name="portal-static",
    )
