"""Extensions for scripts: who am I and what may I send (``GET /rest/v2/me``), and submission
templates (``GET /rest/v2/templates/provisionagreement/{agency}/{id}/{version}``); the same
content as the portal's submission desk."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from sdmx_server.api.deps import ServicesDep
from sdmx_server.api.paths import check_params
from sdmx_server.domain.errors import BadRequestError, NoResultsError
from sdmx_server.formats.media_types import parse_accept_language
from sdmx_server.services.auth import require_authenticated

router = APIRouter(tags=["submission desk (extension)"])


def _lang(request: Request) -> str:
    from sdmx_server.portal import i18n

    return (
        i18n.choose(None, request.headers.get("accept-language"))
        if parse_accept_language(request.headers.get("accept-language"))
        else "en"
    )


@router.get("/rest/v2/me")
def me(request: Request, services: ServicesDep) -> Response:
    """The token's principal and the provision agreements it may submit through, each with its
    dataflow and columns (allowed codes included)."""
    from sdmx_server.portal.desk import agreements_of

    principal = services.auth.authenticate(request.headers.get("authorization"))
    require_authenticated(principal)
    agreements = agreements_of(services, principal, _lang(request))
    return JSONResponse(
        {
            "principal": {
                "kind": principal.kind,
                "name": principal.name,
                "token": principal.token_pk,
                "provider": principal.provider.item_id if principal.provider else None,
                "agency": principal.agency,
            },
            "provisionAgreements": [
                {
                    "id": f"{a.agency},{a.id},{a.version}",
                    "name": a.name,
                    "dataflow": f"{a.flow_agency},{a.flow_id},{a.flow_version}",
                    "dataflowName": a.flow_name,
                    "submitUrl": f"/rest/v2/data/provisionagreement/{a.agency}/{a.id}/{a.version}",
                    "templates": {
                        f: f"/rest/v2/templates/provisionagreement/{a.agency}/{a.id}/{a.version}?format={f}"
                        for f in ("csv", "xlsx")
                    },
                    "columns": [
                        {
                            "id": c.id,
                            "name": c.name,
                            "kind": c.kind,
                            "mandatory": c.mandatory,
                            "level": c.level,
                            "codelist": c.codelist or None,
                            "codes": [{"id": k, "name": n} for k, n in c.codes]
                            if c.codes is not None
                            else None,
                        }
                        for c in a.columns
                    ],
                }
                for a in agreements
            ],
        }
    )


@router.get("/rest/v2/templates/provisionagreement/{agency}/{pa_id}/{version}")
def template(
    agency: str, pa_id: str, version: str, request: Request, services: ServicesDep
) -> Response:
    """An SDMX-CSV (``format=csv``, default) or Excel (``format=xlsx``) template for one of the
    token's provision agreements."""
    from sdmx_server.portal.desk import agreements_of, csv_template, xlsx_template

    check_params(request.query_params, {"format"})
    fmt = request.query_params.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise BadRequestError("format must be csv or xlsx")
    principal = services.auth.authenticate(request.headers.get("authorization"))
    require_authenticated(principal)
    found = agreements_of(services, principal, _lang(request), only=f"{agency},{pa_id},{version}")
    if not found:
        raise NoResultsError(
            f"No provision agreement {agency},{pa_id},{version} that this token may submit through"
        )
    a = found[0]
    if fmt == "csv":
        return Response(
            csv_template(a),
            media_type="application/vnd.sdmx.data+csv;version=1.0.0",
            headers={"Content-Disposition": f'attachment; filename="{a.flow_id}-template.csv"'},
        )
    return Response(
        xlsx_template(a, "allowed codes"),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{a.flow_id}-template.xlsx"'},
    )
