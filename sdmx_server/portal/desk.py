"""The submission desk: what a producer may send, explained, and templates to fill in.

Everything comes from the stored provision agreements, dataflows, DSDs and Allowed constraints,
compiled by the same :func:`load_dsd_info` the push API validates against, so a template holds
exactly the columns and codes a submission will be checked with.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from sdmx_server.domain.model import ArtefactType, ProvisionAgreementDetails
from sdmx_server.domain.submission import PushOptions, SubmissionStatus
from sdmx_server.formats.common import Languages, RenderContext
from sdmx_server.formats.data_context import DataContext
from sdmx_server.portal.explorer import cached_labels, pick
from sdmx_server.services.auth import Principal
from sdmx_server.services.container import Services
from sdmx_server.services.dsd_info import DsdInfo, load_dsd_info
from sdmx_server.storage import structure_repo as repo


@dataclass
class Column:
    """One column of a submission: a dimension or attribute, its allowed codes (None: free text)."""

    id: str
    name: str
    kind: str  # dimension | time | measure | attribute
    mandatory: bool
    codes: list[tuple[str, str]] | None = None  # (code, name)
    codelist: str = ""
    level: str = ""


@dataclass
class Agreement:
    """A provision agreement with its dataflow, explained."""

    agency: str
    id: str
    version: str
    name: str
    flow_agency: str
    flow_id: str
    flow_version: str
    flow_name: str
    columns: list[Column] = field(default_factory=list)

    @property
    def flow_triplet(self) -> str:
        """``AGENCY:ID(VERSION)`` as the DATAFLOW column of SDMX-CSV writes it."""
        return f"{self.flow_agency}:{self.flow_id}({self.flow_version})"


def _allowed(info: DsdInfo, comp_id: str, codes: frozenset[str] | None) -> set[str] | None:
    if codes is None:
        return None
    allowed = set(codes)
    for c in info.constraints:
        for region in c.regions:
            if region.include and comp_id in region.values:
                allowed &= set(region.values[comp_id])
            elif not region.include and comp_id in region.values:
                allowed -= set(region.values[comp_id])
            allowed -= set(region.excluded.get(comp_id, ()))
    return allowed


def explain(session: Session, info: DsdInfo, lang: str, default: str) -> list[Column]:
    """The columns of a submission to this dataflow (and agreement, through ``info``'s constraints)."""
    ctx = DataContext(
        info=info,
        render=RenderContext(public_url="", languages=Languages((lang,), default)),
        dim_at_obs=info.time_dimension or "TIME_PERIOD",
    )
    cached_labels(session, ctx, lang)
    out = []
    for d in info.dimensions:
        allowed = _allowed(info, d.id, d.codes)
        names = ctx.code_labels.get(d.id, {})
        out.append(
            Column(
                d.id,
                ctx.component_names.get(d.id, d.id),
                "dimension",
                True,
                sorted(((c, names.get(c, "")) for c in allowed), key=lambda x: x[0])
                if allowed is not None
                else None,
                str(d.codelist or ""),
            )
        )
    out.append(
        Column(
            info.time_dimension or "TIME_PERIOD",
            ctx.component_names.get("TIME_PERIOD", "TIME_PERIOD"),
            "time",
            True,
        )
    )
    out.append(
        Column(
            info.primary_measure.id,
            ctx.component_names.get(info.primary_measure.id, "OBS_VALUE"),
            "measure",
            False,
        )
    )
    for a in info.attributes.values():
        allowed = _allowed(info, a.id, a.codes)
        names = ctx.code_labels.get(a.id, {})
        out.append(
            Column(
                a.id,
                ctx.component_names.get(a.id, a.id),
                "attribute",
                a.mandatory,
                sorted(((c, names.get(c, "")) for c in allowed), key=lambda x: x[0])
                if allowed is not None
                else None,
                str(a.codelist or ""),
                a.level,
            )
        )
    return out


def agreements_of(
    services: Services, principal: Principal, lang: str, only: str | None = None
) -> list[Agreement]:
    """The provision agreements ``principal`` may submit through (administrators: all), explained."""
    default = services.settings.default_language
    out = []
    with services.session_factory() as session:
        for row in repo.find_rows(session, [ArtefactType.PROVISION_AGREEMENT], None, None, None):
            pa = repo.row_to_artefact(row)
            d = pa.details
            if not isinstance(d, ProvisionAgreementDetails):
                continue
            if only is not None and only != f"{pa.agency},{pa.id},{pa.version}":
                continue
            if not principal.is_admin:
                if (
                    principal.provider is None
                    or principal.provider.item_id != d.data_provider.item_id
                    or principal.provider.scheme != d.data_provider.scheme
                ):
                    continue
            flow_row = repo.get_row(session, d.dataflow)
            if flow_row is None or flow_row.is_external_reference:
                continue
            info = load_dsd_info(session, flow_row, row)
            flow = info.dataflow
            out.append(
                Agreement(
                    pa.agency,
                    pa.id,
                    pa.version,
                    pick(pa.names, lang, default) or pa.id,
                    flow.agency,
                    flow.id,
                    flow.version,
                    pick(flow.names, lang, default) or flow.id,
                    explain(session, info, lang, default),
                )
            )
    return out


def csv_template(a: Agreement) -> bytes:
    """An SDMX-CSV 1.0 header (and one example row of the first allowed codes)."""
    ids = ["DATAFLOW"] + [c.id for c in a.columns]
    example = [a.flow_triplet] + [
        (c.codes[0][0] if c.codes else "2024" if c.kind == "time" else "") for c in a.columns
    ]
    return (",".join(ids) + "\r\n" + ",".join(example) + "\r\n").encode()


def xlsx_template(a: Agreement, sheet_help: str) -> bytes:
    """An Excel template: a ``Data`` sheet whose coded columns offer drop-down lists, and a ``Codes``
    sheet with every allowed code and its name."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    codes = wb.create_sheet("Codes")
    ws.append(["DATAFLOW"] + [c.id for c in a.columns])
    ws.append([a.flow_triplet] + [None] * len(a.columns))
    col = 1
    for n, c in enumerate(a.columns, start=2):
        if not c.codes:
            continue
        letter = get_column_letter(col)
        codes.cell(row=1, column=col, value=c.id)
        codes.cell(row=1, column=col + 1, value=c.name)
        for i, (code, name) in enumerate(c.codes, start=2):
            codes.cell(row=i, column=col, value=code)
            codes.cell(row=i, column=col + 1, value=name)
        dv = DataValidation(
            type="list",
            formula1=f"=Codes!${letter}$2:${letter}${len(c.codes) + 1}",
            allow_blank=not c.mandatory,
            showErrorMessage=True,
        )
        dv.error = f"{c.id}: {sheet_help}"
        ws.add_data_validation(dv)
        dv.add(f"{get_column_letter(n)}2:{get_column_letter(n)}5000")
        col += 3
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def code_names(services: Services, agreement: Agreement) -> dict[str, dict[str, dict[str, str]]]:
    """component -> code -> {language: name}, every language (to recognise a label typed for a code)."""
    from sdmx_server.domain.model import MaintainableRef

    out: dict[str, dict[str, dict[str, str]]] = {}
    with services.session_factory() as session:
        cache: dict[str, dict[str, dict[str, str]]] = {}
        for c in agreement.columns:
            if not c.codelist or not c.codes:
                continue
            if c.codelist not in cache:
                ref = MaintainableRef.model_validate(_ref_parts(c.codelist))
                row = repo.get_row(session, ref)
                cache[c.codelist] = (
                    {
                        i.item_id: dict(i.names or {})
                        for i in repo.items_of(session, [row.pk])[row.pk]
                    }
                    if row is not None
                    else {}
                )
            allowed = {code for code, _ in c.codes}
            out[c.id] = {k: v for k, v in cache[c.codelist].items() if k in allowed}
    return out


def _ref_parts(text: str) -> dict[str, str]:
    """``AGENCY:ID(VERSION)`` of a codelist as MaintainableRef fields."""
    import re

    m = re.match(r"^(?:.*=)?([^:]+):([^(]+)\(([^)]+)\)$", text)
    if m is None:
        raise ValueError(text)
    return {"type": "codelist", "agency": m.group(1), "id": m.group(2), "version": m.group(3)}


def submissions_of(
    services: Services, principal: Principal, limit: int = 100
) -> list[dict[str, object]]:
    """The latest submissions of the principal's producer (administrators: everyone's), newest first."""
    from sqlalchemy import select

    from sdmx_server.domain.clock import as_utc
    from sdmx_server.storage.tables import AuthToken, Submission

    now = services.clock.now()
    with services.session_factory() as session:
        stmt = select(Submission).order_by(Submission.created_at.desc()).limit(limit)
        if not principal.is_admin:
            same = select(AuthToken.pk).where(AuthToken.provider_pk == principal.provider_pk)
            stmt = stmt.where(Submission.token_pk.in_(same))
        out = []
        for s in session.execute(stmt).scalars():
            options = PushOptions.from_stored(s.options or {})
            release = options.release_at.isoformat() if options.release_at else ""
            pending = (
                options.release_at is not None
                and s.status == SubmissionStatus.WRITTEN
                and not options.dry_run
                and as_utc(options.release_at) > now
            )
            out.append(
                {
                    "id": s.id,
                    "dataflow": s.dataflow,
                    "status": s.status,
                    "created": s.created_at,
                    "dryRun": options.dry_run,
                    "release": release,
                    "pending": pending,
                    "errors": s.error_count,
                    "report": s.report,
                }
            )
        return out
