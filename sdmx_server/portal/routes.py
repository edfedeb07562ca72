"""The portal's pages under ``/portal``: server-rendered HTML over the same services as the API.

Every page works without JavaScript (GET forms, links); ``static/portal.js`` only refreshes the
explorer in place as filters change and copies URLs. Errors of the services (401, 403, 404, 400)
become pages in the user's language with the same HTTP status.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sdmx_server.api.data_response import answer_data
from sdmx_server.api.deps import ServicesDep
from sdmx_server.api.public_url import is_https, public_base_url
from sdmx_server.domain.errors import BadRequestError, ForbiddenError, SdmxError
from sdmx_server.domain.submission import PushOptions, SubmissionStatus, UploadAction
from sdmx_server.formats.common import Languages
from sdmx_server.formats.registry import DATA_CSV10
from sdmx_server.portal import chart, i18n
from sdmx_server.portal.excel import flow_workbook
from sdmx_server.portal.explorer import (
    CHART_SERIES,
    PAGE_OBSERVATIONS,
    FlowView,
    catalogue,
    data_request,
    selection,
    view,
)
from sdmx_server.portal.sessions import COOKIE, PortalSession, read_cookie
from sdmx_server.services.container import Services

HERE = Path(__file__).parent
router = APIRouter(prefix="/portal", include_in_schema=False)
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
FLOW = "/dataflow/{agency}/{flow_id}/{version}"
KNOWN = {"startPeriod", "endPeriod", "labels", "chart", "page", "q"}


def portal_session(request: Request, services: Services) -> PortalSession:
    """Who is signed in (from the session cookie)."""
    return read_cookie(services.auth, request.cookies.get(COOKIE))


def language(request: Request) -> str:
    """The user's language (cookie, else Accept-Language)."""
    return i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))


def render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """A template in the user's language, with the common page furniture."""
    lang = values.pop("lang", None) or language(request)
    t = i18n.Translator(lang)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body = templates.get_template(name).render(
        t=t,
        lang=lang,
        dir=t.direction,
        languages=i18n.LANGUAGES,
        here=here,
        root="/portal",
        **values,
    )
    return HTMLResponse(
        body,
        status_code=status,
        headers={"Vary": "Cookie, Accept-Language", "Content-Language": lang},
    )


def error_page(
    request: Request, exc: SdmxError, session: PortalSession | None = None
) -> HTMLResponse:
    """An SDMX error as a page with the same status."""
    return render(request, "error.html", status=exc.http_status, error=exc, session=session)


@router.get("")
@router.get("/")
def home(request: Request, services: ServicesDep, q: str = "") -> Response:
    """The dataflows by theme, with a search."""
    session = portal_session(request, services)
    lang = language(request)
    cat = catalogue(services, session.principal, lang, q[:200])
    return render(request, "home.html", lang=lang, catalogue=cat, q=q, session=session)


@router.get("/lang")
def set_language(request: Request, lang: str = "", next: str = "/portal") -> Response:
    """Remember the chosen language (a year) and go back."""
    target = next if next.startswith("/portal") and not next.startswith("//") else "/portal"
    response = RedirectResponse(target, status_code=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax", path="/"
        )
    return response


def _params(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        out.setdefault(k, []).append(v)
    return out


def rest_urls(base: str, v: FlowView) -> dict[str, str]:
    """The SDMX REST URLs of a selection: v1 and v2 (SDMX 3.0), and an sdmx1 call."""
    key = v.key if v.key.strip(".") else "all"
    q1 = urlencode({k: x for k, x in (("startPeriod", v.start), ("endPeriod", v.end)) if x})
    ref = v.ref
    v2_key = v.key.replace("+", ",") if v.key.strip(".") else "*"
    bounds = "+".join(
        b for b in ((f"ge:{v.start}" if v.start else ""), (f"le:{v.end}" if v.end else "")) if b
    )
    q2 = f"?c[TIME_PERIOD]={quote(bounds, safe=':+')}" if bounds else ""
    params = {k: x for k, x in (("startPeriod", v.start), ("endPeriod", v.end)) if x}
    return {
        "v1": f"{base}/rest/data/{v.flow_ref}/{key}" + (f"?{q1}" if q1 else ""),
        "v2": f"{base}/rest/v2/data/dataflow/{ref.agency}/{ref.id}/{ref.version}/{v2_key}{q2}",
        "sdmx1": (
            f'sdmx.add_source({{"id": "LMIS", "name": "LMIS", "url": "{base}/rest"}}, override=True)\n'
            f'msg = sdmx.Client("LMIS").data("{ref.id}", key="{v.key if v.key.strip(".") else ""}"'
            + (f", params={params!r}" if params else "")
            + ")"
        ),
    }


def _state(request: Request, **changes: str | None) -> str:
    """The page's query string with some parameters changed (None removes)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    items += [(k, v) for k, v in changes.items() if v is not None]
    return urlencode(items)


@router.get(FLOW)
async def dataflow_page(
    agency: str, flow_id: str, version: str, request: Request, services: ServicesDep
) -> Response:
    """One dataflow: its definitions, filters, the table and the chart; state in the URL."""
    session = await run_in_threadpool(portal_session, request, services)
    lang = language(request)
    params = _params(request)
    try:
        page = int((params.get("page") or ["1"])[0])
    except ValueError:
        page = 1
    try:
        v = await run_in_threadpool(
            view,
            services,
            session.principal,
            lang,
            agency,
            flow_id,
            version,
            params,
            max(1, min(page, 10**6)),
        )
    except SdmxError as exc:
        return error_page(request, exc, session)
    labels = (params.get("labels") or ["names"])[0]
    kind = (params.get("chart") or ["line"])[0]
    kind = kind if kind in ("line", "bar") else "line"
    varying = v.varying
    numeric = [
        (
            " · ".join((r.codes if labels == "codes" else r.labels)[i] for i in varying) or r.key,
            {p: val for p, (val, _f) in r.values.items()},
        )
        for r in v.rows[:CHART_SERIES]
    ]
    svg = chart.svg_chart(v.periods, numeric, kind, v.name)
    base = public_base_url(request, services.settings)
    query = request.url.query
    return render(
        request,
        "dataflow.html",
        lang=lang,
        v=v,
        session=session,
        labels=labels,
        kind=kind,
        svg=svg,
        legend=chart.legend(numeric),
        chart_limit=CHART_SERIES,
        page_size=PAGE_OBSERVATIONS,
        urls=rest_urls(base, v),
        query=query,
        state=lambda **c: _state(request, **c),
        path=f"/portal/dataflow/{agency}/{flow_id}/{version}",
    )


@router.get(FLOW + "/data.csv")
def download_csv(
    agency: str, flow_id: str, version: str, request: Request, services: ServicesDep
) -> Response:
    """SDMX-CSV 1.0 with labels of the selection shown (the API's own writer and rules)."""
    session = portal_session(request, services)
    lang = language(request)
    params = _params(request)
    try:
        with services.data_query.open() as db:
            from sdmx_server.portal.explorer import resolve

            info = resolve(services, db, agency, flow_id, version, session.principal)
        chosen = selection(list(info.dimension_ids), params)
        req = data_request(
            info,
            chosen,
            (params.get("startPeriod") or [""])[0],
            (params.get("endPeriod") or [""])[0],
        )
        response = answer_data(
            request,
            services,
            req,
            DATA_CSV10,
            {"labels": "both"},
            principal=session.principal,
            languages=Languages((lang,), services.settings.default_language),
        )
    except SdmxError as exc:
        return error_page(request, exc, session)
    response.headers["Content-Disposition"] = f'attachment; filename="{flow_id}.csv"'
    response.headers["Cache-Control"] = "private"
    return response


@router.get(FLOW + "/data.xlsx")
def download_xlsx(
    agency: str, flow_id: str, version: str, request: Request, services: ServicesDep
) -> Response:
    """An Excel workbook of the selection shown: data (series down, time across), flags, notes."""
    session = portal_session(request, services)
    lang = language(request)
    try:
        v = view(
            services, session.principal, lang, agency, flow_id, version, _params(request), page=None
        )
    except SdmxError as exc:
        return error_page(request, exc, session)
    if not v.rows:
        return error_page(request, BadRequestError(i18n.Translator(lang)("no_data")), session)
    body = flow_workbook(
        v, i18n.Translator(lang), rest_urls(public_base_url(request, services.settings), v)
    )
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="{flow_id}.xlsx"',
            "Cache-Control": "private",
        },
    )


# ---------------------------------------------------------------------------- sign in / out

PRE_CSRF = "lmis_csrf"


def _secure(request: Request) -> bool:
    # the public URL's scheme (X-Forwarded-Proto counts only from trusted proxies, as for links)
    return is_https(request)


@router.get("/signin")
def signin_form(request: Request, services: ServicesDep, next: str = "/portal/desk") -> Response:
    """The sign-in form: a token, as the command line or an administrator issued it."""
    import secrets

    csrf = request.cookies.get(PRE_CSRF) or secrets.token_urlsafe(24)
    response = render(
        request,
        "signin.html",
        csrf=csrf,
        next=_local(next),
        session=portal_session(request, services),
    )
    # Before a session exists, forms are protected by a double-submit cookie.
    response.set_cookie(
        PRE_CSRF, csrf, httponly=True, samesite="strict", path="/portal", secure=_secure(request)
    )
    return response


def _local(target: str) -> str:
    return (
        target if target.startswith("/portal") and not target.startswith("//") else "/portal/desk"
    )


@router.post("/signin")
async def signin(request: Request, services: ServicesDep) -> Response:
    """Check the token and open a session (signed cookie, HttpOnly, SameSite=Lax, 8 hours at most)."""
    import hmac

    from sdmx_server.api.middleware import request_id_var
    from sdmx_server.portal.sessions import make_cookie

    form = await request.form()
    token = str(form.get("token") or "").strip()
    csrf = str(form.get("csrf") or "")
    cookie = request.cookies.get(PRE_CSRF) or ""
    t = i18n.Translator(language(request))
    if not cookie or not hmac.compare_digest(cookie, csrf):
        return render(
            request,
            "signin.html",
            status=403,
            csrf=cookie,
            next="/portal/desk",
            error=t("csrf_failed"),
            session=None,
        )
    try:
        principal, key, expires = await run_in_threadpool(services.auth.token_session, token)
    except SdmxError:
        await run_in_threadpool(
            services.audit.record,
            "anonymous",
            "portal.signin",
            "portal",
            "refused",
            401,
            None,
            request_id_var.get(),
        )
        return render(
            request,
            "signin.html",
            status=401,
            csrf=cookie,
            next=_local(str(form.get("next") or "")),
            error=t("signin_failed"),
            session=None,
        )
    assert principal.token_pk is not None
    value, max_age = make_cookie(
        principal.token_pk, key, expires, now=services.clock.now().timestamp()
    )
    await run_in_threadpool(
        services.audit.record,
        principal.label,
        "portal.signin",
        "portal",
        "ok",
        200,
        None,
        request_id_var.get(),
    )
    response = RedirectResponse(_local(str(form.get("next") or "")), status_code=303)
    response.set_cookie(
        COOKIE,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        path="/",
        secure=_secure(request),
    )
    return response


@router.post("/signout")
async def signout(request: Request, services: ServicesDep) -> Response:
    """Close the session (the form carries the session's CSRF token)."""
    session = await run_in_threadpool(portal_session, request, services)
    form = await request.form()
    if session.signed_in and not session.csrf_ok(str(form.get("csrf") or "")):
        return error_page(
            request, BadRequestError(i18n.Translator(language(request))("csrf_failed")), session
        )
    response = RedirectResponse("/portal", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/desk")
def desk(request: Request, services: ServicesDep) -> Response:
    """The submission desk's home: what the signed-in producer may send."""
    session = portal_session(request, services)
    if not session.signed_in:
        return RedirectResponse("/portal/signin?next=/portal/desk", status_code=303)
    from sdmx_server.portal.desk import agreements_of

    return render(
        request,
        "desk.html",
        session=session,
        agreements=agreements_of(services, session.principal, language(request)),
    )


@router.get("/desk/template/{agency}/{pa_id}/{version}.{ext}")
def desk_template(
    agency: str, pa_id: str, version: str, ext: str, request: Request, services: ServicesDep
) -> Response:
    """A template for one of the signed-in producer's provision agreements (csv or xlsx)."""
    from sdmx_server.domain.errors import NoResultsError
    from sdmx_server.portal.desk import agreements_of, csv_template, xlsx_template

    session = portal_session(request, services)
    if not session.signed_in:
        return RedirectResponse("/portal/signin?next=/portal/desk", status_code=303)
    lang = language(request)
    found = agreements_of(services, session.principal, lang, only=f"{agency},{pa_id},{version}")
    if not found or ext not in ("csv", "xlsx"):
        return error_page(
            request,
            NoResultsError(f"No provision agreement {agency},{pa_id},{version} for you"),
            session,
        )
    a = found[0]
    if ext == "csv":
        return Response(
            csv_template(a),
            media_type="application/vnd.sdmx.data+csv;version=1.0.0",
            headers={"Content-Disposition": f'attachment; filename="{a.flow_id}-template.csv"'},
        )
    return Response(
        xlsx_template(a, i18n.Translator(lang)("allowed_codes")),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{a.flow_id}-template.xlsx"'},
    )


# ---------------------------------------------------------------------------- upload

INLINE_BODY_BYTES = (
    4 * 1024 * 1024
)  # a checked file up to this size rides along in the report's form


def _upload_page(
    request: Request, services: Services, session: PortalSession, status: int = 200, **values: Any
) -> HTMLResponse:
    from sdmx_server.portal.desk import agreements_of

    agreements = agreements_of(services, session.principal, language(request))
    return render(
        request, "upload.html", status=status, session=session, agreements=agreements, **values
    )


@router.get("/desk/upload")
def upload_form(request: Request, services: ServicesDep, pa: str = "") -> Response:
    """The upload form: a provision agreement, a file, an optional release date."""
    session = portal_session(request, services)
    if not session.signed_in:
        return RedirectResponse("/portal/signin?next=/portal/desk/upload", status_code=303)
    return _upload_page(request, services, session, chosen=pa)


@router.post("/desk/upload")
async def upload(request: Request, services: ServicesDep) -> Response:
    """Check (dry run) or submit a file through the push API's service, and report for the clerk."""
    import base64

    from sdmx_server.api.middleware import request_id_var
    from sdmx_server.portal import advice
    from sdmx_server.portal.desk import agreements_of, code_names

    session = await run_in_threadpool(portal_session, request, services)
    if not session.signed_in:
        return RedirectResponse("/portal/signin?next=/portal/desk/upload", status_code=303)
    lang = language(request)
    t = i18n.Translator(lang)
    form = await request.form()
    if not session.csrf_ok(str(form.get("csrf") or "")):
        return error_page(request, BadRequestError(t("csrf_failed")), session)
    pa = str(form.get("pa") or "")
    action: UploadAction = "submit" if form.get("action") == "submit" else "check"
    release = str(form.get("releaseDate") or "").strip()
    upload_file = form.get("file")
    if upload_file is not None and not isinstance(upload_file, str) and upload_file.filename:
        data = await upload_file.read(services.settings.max_body_bytes + 1)
        filename = upload_file.filename or "upload"
    elif form.get("inline"):
        data = base64.b64decode(str(form.get("inline")))
        filename = str(form.get("filename") or "upload.csv")
    else:
        return _upload_page(request, services, session, status=400, chosen=pa, error=t("no_file"))
    if len(data) > services.settings.max_body_bytes:
        return _upload_page(
            request, services, session, status=413, chosen=pa, error=t("file_too_large")
        )
    found = await run_in_threadpool(agreements_of, services, session.principal, lang, pa)
    if not found:
        return _upload_page(
            request, services, session, status=404, chosen=pa, error=t("no_agreements")
        )
    agreement = found[0]
    try:
        prepared = await run_in_threadpool(advice.normalise, data, filename)
    except Exception:  # noqa: BLE001 - a damaged workbook is the clerk's to fix, never a 500
        return _upload_page(
            request, services, session, status=422, chosen=pa, error=t("unreadable_file")
        )
    options = PushOptions(dry_run=action != "submit")
    if release:
        from sdmx_server.domain.periods import PeriodError, parse_instant

        try:
            options = replace(options, release_at=parse_instant(release))
        except PeriodError:
            return _upload_page(
                request,
                services,
                session,
                status=400,
                chosen=pa,
                error=t("bad_release"),
                release=release,
            )
    target = await run_in_threadpool(
        services.submissions.authorize,
        session.principal,
        "provisionagreement",
        agreement.agency,
        agreement.id,
        agreement.version,
    )
    import io as _io

    report = await run_in_threadpool(
        services.submissions.run,
        session.principal.label,
        session.principal.token_pk,
        target,
        _io.BytesIO(prepared.body),
        prepared.content_type,
        options,
        base_url=public_base_url(request, services.settings),
    )
    await run_in_threadpool(  # a database write: never on the event-loop thread (ADR 0012)
        services.audit.record,
        session.principal.label,
        "data.submit",
        target.label,
        report.status.value,
        report.status.http_status,
        {"submission": report.submission, "portal": True, "dryRun": options.dry_run},
        request_id_var.get(),
    )
    shown = report.to_json()
    labels = await run_in_threadpool(code_names, services, agreement)
    from sdmx_server.domain.messages import translate

    def where(location: str) -> str:
        place = prepared.where(location)
        return t("line_n", n=place[5:]) if place.startswith("line ") else place

    errors = [
        dict(
            e,
            where=where(e.get("location", "")),
            fix=advice.suggest(e, labels, t),
            reason=translate(e.get("reason", ""), lang)[0],
        )
        for e in shown["errors"]
    ]
    inline = base64.b64encode(data).decode() if len(data) <= INLINE_BODY_BYTES else ""
    return _upload_page(
        request,
        services,
        session,
        status=422 if report.status is SubmissionStatus.INVALID else 200,
        chosen=pa,
        report=shown,
        errors=errors,
        notes=prepared.notes,
        inline=inline,
        filename=filename,
        release=release,
        action=action,
    )


@router.get("/desk/submissions")
def my_submissions(request: Request, services: ServicesDep) -> Response:
    """My submissions: status, counts, pending embargoes with a preview link."""
    from sdmx_server.portal.desk import submissions_of

    session = portal_session(request, services)
    if not session.signed_in:
        return RedirectResponse("/portal/signin?next=/portal/desk/submissions", status_code=303)
    return render(
        request,
        "submissions.html",
        session=session,
        items=submissions_of(services, session.principal),
    )


@router.get("/desk/submissions/{submission_id}")
def submission_report(
    submission_id: str, request: Request, services: ServicesDep, offset: int = 0
) -> Response:
    """One submission's report, its errors paged (100 a page)."""
    session = portal_session(request, services)
    if not session.signed_in:
        return RedirectResponse("/portal/signin?next=/portal/desk/submissions", status_code=303)
    try:
        status = services.submissions.status(
            submission_id, session.principal, public_base_url(request, services.settings)
        ).to_json()
        page = services.submissions.errors(
            submission_id,
            session.principal,
            max(offset, 0),
            100,
            public_base_url(request, services.settings),
        ).to_json()
    except SdmxError as exc:
        return error_page(request, exc, session)
    return render(
        request, "submission.html", session=session, s=status, page=page, offset=max(offset, 0)
    )


# ---------------------------------------------------------------------------- administration


def _admin_page(
    request: Request, services: Services, session: PortalSession, status: int = 200, **values: Any
) -> HTMLResponse:
    from sdmx_server.api.routes.admin_tokens import token_rows

    try:
        offset = max(int(request.query_params.get("offset", "0")), 0)
    except ValueError:
        offset = 0
    events = services.audit.events(None, request.query_params.get("action") or None, offset, 50)
    return render(
        request,
        "admin.html",
        status=status,
        session=session,
        tokens=token_rows(services),
        events=events,
        offset=offset,
        **values,
    )


@router.get("/admin")
def admin(request: Request, services: ServicesDep) -> Response:
    """Administrators: tokens (create, list, revoke) and the audit trail."""
    session = portal_session(request, services)
    if not session.signed_in:
        return RedirectResponse("/portal/signin?next=/portal/admin", status_code=303)
    if not session.principal.is_admin:
        return error_page(
            request, ForbiddenError(i18n.Translator(language(request))("admins_only")), session
        )
    return _admin_page(request, services, session)


@router.post("/admin/tokens")
async def admin_tokens(request: Request, services: ServicesDep) -> Response:
    """Create or revoke a token from the administration page (CSRF-checked)."""
    from sdmx_server.api.routes.admin_tokens import create_token, revoke_token

    session = await run_in_threadpool(portal_session, request, services)
    t = i18n.Translator(language(request))
    if not session.signed_in:
        return RedirectResponse("/portal/signin?next=/portal/admin", status_code=303)
    if (
        not session.principal.is_admin
    ):  # signed in, but not as an administrator: as GET /portal/admin
        return error_page(request, ForbiddenError(t("admins_only")), session)
    form = await request.form()
    if not session.csrf_ok(str(form.get("csrf") or "")):
        return error_page(request, BadRequestError(t("csrf_failed")), session)
    try:
        if form.get("revoke"):
            await run_in_threadpool(
                revoke_token, services, session.principal, str(form.get("revoke"))
            )
            return _admin_page(request, services, session, message=t("token_revoked"))
        spec: dict[str, Any] = {
            k: str(form.get(k) or "") for k in ("role", "provider", "agency", "name", "expires")
        }
        spec["dataflows"] = [
            x.strip() for x in str(form.get("dataflows") or "").split() if x.strip()
        ]
        created = await run_in_threadpool(create_token, services, session.principal, spec)
    except SdmxError as exc:
        return _admin_page(request, services, session, status=exc.http_status, error=exc.message)
    return _admin_page(request, services, session, created=created)
