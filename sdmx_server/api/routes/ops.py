"""Operations endpoints: liveness, readiness, metrics, and the service root."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from sdmx_server.api.deps import ServicesDep
from sdmx_server.api.metrics import render_metrics
from sdmx_server.services.health import readiness

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> Response:
    """Liveness: the process answers (no database access)."""
    return Response(b'{"status":"ok"}', media_type="application/json")


@router.get("/ready")
def ready(services: ServicesDep) -> Response:
    """Readiness: the database answers and its schema is at the newest migration."""
    ok, body = readiness(services.engine)
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics."""
    body, content_type = render_metrics()
    return Response(body, media_type=content_type)


# HEAD too (load balancers and probes use it); undocumented, so that OpenAPI keeps one operation each.
for _path, _endpoint in (("/health", health), ("/ready", ready), ("/metrics", metrics)):
    router.add_api_route(_path, _endpoint, methods=["HEAD"], include_in_schema=False)
