"""Structure submission (SDMX REST v2 maintenance): ``POST /rest/v2/structure[/{type}]``,
``PUT`` and ``DELETE /rest/v2/structure/{type}/{agencyID}/{resourceID}/{version}``.

The body of POST and PUT is an SDMX-ML 2.1 or 3.0 structure message, as its
Content-Type says (or as its root element shows). Every answer that concerns
artefacts is an SDMX-ML 2.1 ``RegistryInterface`` / ``SubmitStructureResponse``
(the only format SDMX defines for it, whatever ``Accept`` says); errors
before any artefact is known (401, 403 for a token that writes no
structures, 400 unreadable, 413, 415) are SDMX error messages. Statuses are
explained in :mod:`sdmx_server.services.structure_write`.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sdmx_server.api.bodies import read_body
from sdmx_server.api.deps import ServicesDep
from sdmx_server.api.middleware import request_id_var
from sdmx_server.api.paths import AGENCY_RE, ID_RE, check_params
from sdmx_server.api.public_url import public_base_url
from sdmx_server.domain.errors import BadRequestError, SdmxError
from sdmx_server.domain.kinds import AuditAction
from sdmx_server.domain.model import ArtefactType, MaintainableRef
from sdmx_server.formats.common import RenderContext
from sdmx_server.formats.registry import REGISTRY_ML21, registry_writer
from sdmx_server.services.auth import Principal
from sdmx_server.services.container import Services
from sdmx_server.services.structure_write import WriteAnswer, parse_type

router = APIRouter(tags=["structure submission (SDMX REST v2)"])

# A concrete version (1.0, 2.1.3, 1.0.0-draft; no wildcards or ranges): writes name exactly one artefact.
_EXACT_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*(-[0-9A-Za-z.\-]+)?$")


def _answer(request: Request, services: Services, answer: WriteAnswer) -> Response:
    ctx = RenderContext(public_url=public_base_url(request, services.settings))
    body = registry_writer(REGISTRY_ML21)(answer.results, ctx, answer.receiver)
    headers = {}
    if answer.status == 201 and len(answer.created) == 1:
        ref = answer.created[0]
        headers["Location"] = (
            f"{ctx.public_url}/rest/{ref.type.value}/{ref.agency}/{ref.id}/{ref.version}"
        )
    return Response(
        body, status_code=answer.status, media_type=REGISTRY_ML21.content_type, headers=headers
    )


def _ref(
    services: Services,
    principal: Principal,
    action: AuditAction,
    target: str,
    structure_type: str,
    agency: str,
    resource_id: str,
    version: str,
) -> MaintainableRef:
    """The artefact a PUT or DELETE names (400 malformed, 501 a type not stored here), audited when refused."""
    try:
        type_ = parse_type(structure_type)
        if not AGENCY_RE.match(agency) or not ID_RE.match(resource_id):
            raise BadRequestError("Invalid agency or resource id")
        if not _EXACT_VERSION.match(version):
            raise BadRequestError(
                f"'{version}' is not a version: writes name one artefact (no wildcards)"
            )
    except SdmxError as exc:
        services.structure_write.refused(principal, action, target, exc, request_id_var.get())
        raise
    return MaintainableRef(type=type_, agency=agency, id=resource_id, version=version)


async def _read(
    request: Request, services: Services, principal: Principal, action: AuditAction, target: str
) -> bytes:
    try:
        spool = await read_body(request, services.settings.max_body_bytes)
    except SdmxError as exc:
        await run_in_threadpool(
            services.structure_write.refused, principal, action, target, exc, request_id_var.get()
        )
        raise
    with spool:
        return spool.read()


async def _submit(request: Request, services: Services, path_type: ArtefactType | None) -> Response:
    check_params(request.query_params, set())
    writes = services.structure_write
    target = f"structure/{path_type.info.v3_resource if path_type else '*'}"
    principal = await run_in_threadpool(
        writes.authorize,
        request.headers.get("authorization"),
        "structure.submit",
        target,
        None,
        request_id_var.get(),
    )
    body = await _read(request, services, principal, "structure.submit", target)
    answer = await run_in_threadpool(
        writes.submit,
        principal,
        body,
        request.headers.get("content-type"),
        path_type,
        request_id_var.get(),
    )
    return _answer(request, services, answer)


@router.post("/rest/v2/structure", include_in_schema=False)
@router.post("/rest/v2/structure/")
async def submit_structures(request: Request, services: ServicesDep) -> Response:
    """Create or replace every artefact of an SDMX-ML 2.1/3.0 structure message: all or nothing.

    201 when something was created, 200 when everything was replaced or
    unchanged; 403, 409 or 422 with a SubmitStructureResponse saying which
    artefact was refused and why (nothing is then written).
    """
    return await _submit(request, services, None)


@router.post("/rest/v2/structure/{structure_type}")
async def submit_structures_of_type(
    structure_type: str, request: Request, services: ServicesDep
) -> Response:
    """As ``POST /rest/v2/structure``; every artefact must be of ``structure_type`` (422 otherwise)."""
    return await _submit(request, services, parse_type(structure_type))


@router.put("/rest/v2/structure/{structure_type}/{agency}/{resource_id}/{version}")
async def replace_structure(
    structure_type: str,
    agency: str,
    resource_id: str,
    version: str,
    request: Request,
    services: ServicesDep,
) -> Response:
    """Replace one stored artefact; the body holds exactly that artefact (422 otherwise, 404 if not stored)."""
    check_params(request.query_params, set())
    writes = services.structure_write
    target = f"structure/{structure_type}/{agency}/{resource_id}/{version}"
    principal = await run_in_threadpool(
        writes.authorize,
        request.headers.get("authorization"),
        "structure.replace",
        target,
        agency,
        request_id_var.get(),
    )
    ref = await run_in_threadpool(
        _ref,
        services,
        principal,
        "structure.replace",
        target,
        structure_type,
        agency,
        resource_id,
        version,
    )
    body = await _read(request, services, principal, "structure.replace", target)
    answer = await run_in_threadpool(
        writes.replace,
        principal,
        ref,
        body,
        request.headers.get("content-type"),
        request_id_var.get(),
    )
    return _answer(request, services, answer)


@router.delete("/rest/v2/structure/{structure_type}/{agency}/{resource_id}/{version}")
def delete_structure(
    structure_type: str,
    agency: str,
    resource_id: str,
    version: str,
    request: Request,
    services: ServicesDep,
) -> Response:
    """Delete one artefact: 200, 404 unknown, 409 when final, referenced by another artefact or holding data."""
    check_params(request.query_params, set())
    writes = services.structure_write
    target = f"structure/{structure_type}/{agency}/{resource_id}/{version}"
    principal = writes.authorize(
        request.headers.get("authorization"),
        "structure.delete",
        target,
        agency,
        request_id_var.get(),
    )
    ref = _ref(
        services,
        principal,
        "structure.delete",
        target,
        structure_type,
        agency,
        resource_id,
        version,
    )
    return _answer(request, services, writes.delete(principal, ref, request_id_var.get()))
