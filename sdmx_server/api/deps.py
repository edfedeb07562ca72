"""Typed dependencies for routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sdmx_server.services.container import Services


async def get_services(request: Request) -> Services:
    """The per-process service container built by :func:`sdmx_server.app.create_app`.

    ``async`` so that FastAPI does not send it to the thread pool: a thread hop per request
    costs more than many a cached answer.
    """
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
