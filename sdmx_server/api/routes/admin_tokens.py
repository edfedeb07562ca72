"""Token administration over HTTP (extension; administrators only): ``GET/POST /admin/tokens``,
``DELETE /admin/tokens/{number}``. The same operations as ``sdmx-server token``, audited."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from sdmx_server.api.deps import ServicesDep
from sdmx_server.api.middleware import request_id_var
from sdmx_server.domain.errors import BadRequestError, ForbiddenError
from sdmx_server.domain.model import ArtefactType, MaintainableRef
from sdmx_server.domain.periods import PeriodError, parse_instant
from sdmx_server.services.auth import Principal, require_authenticated
from sdmx_server.services.container import Services

router = APIRouter(tags=["administration (extension)"])


def require_admin(services: Services, request: Request) -> Principal:
    """The administrator making the request (401/403 otherwise)."""
    principal = services.auth.authenticate(request.headers.get("authorization"))
    require_authenticated(principal)
    if not principal.is_admin:
        raise ForbiddenError("Token administration is for administrators")
    return principal


def token_rows(services: Services) -> list[dict[str, Any]]:
    """Every token, without secrets."""
    return [
        {
            "id": row.pk,
            "prefix": row.prefix,
            "name": row.name,
            "role": row.role,
            "provider": provider,
            "agency": row.agency,
            "created": row.created_at.isoformat(),
            "expires": row.expires_at.isoformat() if row.expires_at else None,
            "revoked": row.revoked_at.isoformat() if row.revoked_at else None,
        }
        for row, provider in services.auth.list_tokens()
    ]


def create_token(services: Services, principal: Principal, spec: dict[str, Any]) -> dict[str, Any]:
    """Create a token from ``spec`` (role, provider, agency, name, expires, dataflows); audited."""
    role = str(spec.get("role") or "")
    expires = None
    if spec.get("expires"):
        try:
            expires = parse_instant(str(spec["expires"]))
        except PeriodError as exc:
            raise BadRequestError(f"expires: {exc}") from None
    flows = []
    for text in spec.get("dataflows") or []:
        parts = str(text).split(",")
        if len(parts) != 3:
            raise BadRequestError(f"dataflow {text!r}: expected AGENCY,ID,VERSION")
        flows.append(
            MaintainableRef(
                type=ArtefactType.DATAFLOW, agency=parts[0], id=parts[1], version=parts[2]
            )
        )
    token, row = services.auth.create_token(
        role,
        provider=spec.get("provider") or None,
        agency=spec.get("agency") or None,
        name=spec.get("name") or None,
        expires_at=expires,
        dataflows=tuple(flows),
    )
    services.audit.record(
        principal.label,
        "token.create",
        f"token {row.pk}",
        "created",
        201,
        {"role": role, "name": row.name},
        request_id_var.get(),
    )
    return {"id": row.pk, "prefix": row.prefix, "name": row.name, "role": role, "token": token}


def revoke_token(services: Services, principal: Principal, key: str) -> dict[str, Any]:
    """Revoke a token by number or prefix; audited."""
    row = services.auth.revoke(key)
    services.audit.record(
        principal.label,
        "token.revoke",
        f"token {row.pk}",
        "revoked",
        200,
        None,
        request_id_var.get(),
    )
    return {"id": row.pk, "revoked": row.revoked_at.isoformat() if row.revoked_at else None}


@router.get("/admin/tokens")
def list_tokens(request: Request, services: ServicesDep) -> Response:
    """Every token (never a secret)."""
    require_admin(services, request)
    return JSONResponse({"tokens": token_rows(services)})


@router.post("/admin/tokens")
async def post_token(request: Request, services: ServicesDep) -> Response:
    """Create a token: JSON ``{"role", "provider"?, "agency"?, "name"?, "expires"?, "dataflows"?}``;
    the answer holds the token, shown only this once."""
    principal = await run_in_threadpool(require_admin, services, request)
    try:
        spec = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise BadRequestError("The body must be a JSON object") from None
    if not isinstance(spec, dict):
        raise BadRequestError("The body must be a JSON object")
    return JSONResponse(
        await run_in_threadpool(create_token, services, principal, spec), status_code=201
    )


@router.delete("/admin/tokens/{key}")
def delete_token(key: str, request: Request, services: ServicesDep) -> Response:
    """Revoke a token (by number or prefix)."""
    principal = require_admin(services, request)
    return JSONResponse(revoke_token(services, principal, key))
