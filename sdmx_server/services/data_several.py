"""Answers to v2 data queries that name several dataflows: one message, one data set per dataflow.

SDMX REST 2.x lets agency, id and version be ``*`` or lists, and the context name data structures,
provision agreements or anything (:mod:`sdmx_server.services.data_matching`). The rules (ADR 0014):

- **What the caller may see.** A dataflow the caller may not read (or, with ``preview``, not preview) is
  left out without a word, as a wildcard returns what the caller may see; nothing readable left is 404.
- **Filters per structure.** The key and the ``c[]`` filters apply to each dataflow; a structure that
  lacks a component they name (or the code they ask for), or whose dimensions a positional key does not
  fit, makes no match (``doc/data.md``: ``/data/?c[REF_AREA]=CH`` lists what exists about Switzerland).
  ``attributes``, ``measures``, ``sort`` and ``dimensionAtObservation`` apply where the structure has
  the component (else the default) and are 400 only when no matched structure has it.
- **One answer.** ETag and Last-Modified cover every matched dataflow (304 as for one). Each dataflow's
  rows are counted first: the size limit (413) and paging (``offset``/``limit``, ``Range``) apply to
  the answer as a whole, dataflows in the order agency, id, version, provider; dataflows without a row
  in the page are left out of the message; no row at all is "no data" (204 on v2).
- **Formats.** The writers of :func:`sdmx_server.formats.registry.several_data_writer` put each data set
  with its own structure in one message; a format that cannot (SDMX-JSON 1.0; SDMX-CSV 1.0 for different
  structures, checked on every matched dataflow, not only the page's) answers 406. When one dataflow is left, the answer is that dataflow's, as if named.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from sdmx_server.domain.clock import utcnow
from sdmx_server.domain.data_filter import TIME_PERIOD
from sdmx_server.domain.dsd_info import DsdInfo
from sdmx_server.domain.errors import (
    BadRequestError,
    ForbiddenError,
    NoDataError,
    NoResultsError,
    NotAcceptableError,
    RangeNotSatisfiableError,
    ResponseTooLargeError,
)
from sdmx_server.formats.common import RenderContext
from sdmx_server.formats.data_context import ALL_DIMENSIONS, DataContext
from sdmx_server.formats.data_parts import DataPart, PartRows
from sdmx_server.formats.media_types import MediaType
from sdmx_server.formats.registry import data_format, raw_data_writer, several_data_writer
from sdmx_server.services.auth import Principal, may_read, require_authenticated, require_preview
from sdmx_server.services.data_answer import (
    ClientGone,
    DataAnswer,
    DataOptions,
    NotModified,
    NotModifiedCheck,
)
from sdmx_server.services.data_matching import match_dataflows
from sdmx_server.services.data_query import (
    CodeNotInStructureError,
    DataQueryService,
    DataRequest,
    NotInStructureError,
    PreparedData,
)

_ATTRIBUTE_KEYWORDS = ("dsd", "msd", "dataset", "series", "obs", "all", "none")


@dataclass
class _Flow:
    """One matched dataflow: its request (narrowed to it), its DSD and, once counted, its rows."""

    req: DataRequest
    info: DsdInfo
    rows: int = 0


def answer_several(
    query: DataQueryService,
    session: Session,
    principal: Principal,
    req: DataRequest,
    media: MediaType,
    options: DataOptions,
    tag: str,
    not_modified: NotModifiedCheck,
    gone: Callable[[], bool],
) -> NotModified | DataAnswer | DataRequest:
    """The answer to ``req`` (whose agency, id or version are patterns) in ``session``; the request of
    the one dataflow left when only one is (the caller answers it as a named dataflow). ``session`` is
    the answer's (closed by it) unless an error is raised or a request returned."""
    flows = _readable(query, session, principal, match_dataflows(session, req))
    if gone():
        raise ClientGone
    if not flows:
        raise NoResultsError(
            f"No dataflow that this caller may read matches "
            f"{req.agency or '*'}/{req.resource_id}/{req.version or '*'}"
        )
    flows = _fitting(query, session, flows)
    if len(flows) == 1:
        return flows[0].req
    writer = several_data_writer(media)
    fmt = data_format(media)
    if writer is None or (fmt.one_layout and len({_columns(f) for f in flows}) > 1):
        what = "one structure per message" if writer is None else "rows of one structure's columns"
        raise NotAcceptableError(
            f"{media.content_type} carries {what}, and the query matches {len(flows)} dataflows "
            f"({_names(flows)}): ask for SDMX-ML 3.0, SDMX-JSON 2.0 or SDMX-CSV 2.0 (the union of their "
            "columns), or name one dataflow"
        )
    now = utcnow()
    validators = [query.validators(session, f.info, f.req, tag, now) for f in flows]
    etag = '"m' + hashlib.sha1("|".join(e for e, _ in validators).encode()).hexdigest()[:24] + '"'
    last_modified = max(m for _, m in validators)
    if not_modified(
        etag,
        last_modified,
        lambda since: all(query.unchanged_within(session, f.info, since, now) for f in flows),
    ):
        session.close()
        return NotModified(etag, last_modified)
    for f in flows:
        f.rows = query.count(session, f.info, f.req, now)
    total = sum(f.rows for f in flows)
    page = _window(query, req, flows, total)
    render = RenderContext(public_url=options.public_url, languages=options.languages)
    with_labels = options.labels in ("both", "name") or fmt.needs_labels
    raw = raw_data_writer(media) is not None and options.csv_keys == "none"
    opened: list[PreparedData] = []
    parts = []
    for f in page:
        ctx = query.context_of(
            session,
            f.info,
            f.req,
            render,
            labels=options.labels,
            time_format=options.time_format,
            with_labels=with_labels,
            csv_keys=options.csv_keys,
        )
        opener = _opener(query, session, f, ctx, render, options, with_labels, raw, opened)
        parts.append(DataPart(ctx, opener))

    def close() -> None:
        for prepared in opened:
            prepared.close()
        session.close()

    content_range = None
    if options.range is not None:
        first = req.offset or 0
        last = total - 1 if req.limit is None else min(first + req.limit, total) - 1
        content_range = f"values {first}-{last}/{total}"
    return DataAnswer(
        etag=etag,
        last_modified=last_modified,
        private=req.preview or any(not f.info.is_public for f in flows),
        content_range=content_range,
        body=writer(parts),
        close=close,
    )


def _readable(
    query: DataQueryService, session: Session, principal: Principal, reqs: list[DataRequest]
) -> list[_Flow]:
    """The matched dataflows the principal may read (and, for a preview, preview)."""
    if reqs and reqs[0].preview:
        require_authenticated(principal)
    out = []
    for r in reqs:
        _pk, info = query.resolve(session, r)
        if not may_read(principal, info.dataflow_pk, info.is_public, info.provider_pks):
            continue
        if r.preview:
            try:
                provider = require_preview(principal, info.dataflow.ref.triplet, info.provider_pks)
            except ForbiddenError:
                continue
            r = replace(r, preview_provider=provider)
        out.append(_Flow(r, info))
    return out


def _fitting(query: DataQueryService, session: Session, flows: list[_Flow]) -> list[_Flow]:
    """The flows whose structure the key and filters fit, their requests and DSDs as each structure
    understands the projection and layout parameters (400 for names no matched structure has)."""
    _check_names(flows[0].req, [f.info for f in flows])
    now = utcnow()
    out = []
    for f in flows:
        r = _fitted(f.req, f.info)
        info = query.project(f.info, r)
        try:
            query.build_filter(session, info, r, now)
        except (NotInStructureError, CodeNotInStructureError, NoDataError):
            continue  # this structure makes no match
        out.append(_Flow(r, info))
    if not out:
        raise NoDataError("No data match the query in the structures it names")
    return out


def _check_names(req: DataRequest, infos: list[DsdInfo]) -> None:
    """400 for an attribute, measure, sort component or observation dimension no matched DSD has."""

    def known(name: str, kinds: str) -> bool:
        for info in infos:
            dims = (*info.dimension_ids, info.time_dimension or TIME_PERIOD, TIME_PERIOD)
            if ("a" in kinds and name in info.attributes) or (
                "m" in kinds and name == info.primary_measure.id
            ):
                return True
            if "d" in kinds and name in dims:
                return True
        return False

    checks = [(a, "a", "attributes") for a in req.attributes or () if a not in _ATTRIBUTE_KEYWORDS]
    checks += [(m, "m", "measures") for m in req.measures or () if m not in ("all", "none")]
    checks += [(c, "d", "sort") for c, _ in req.sort]
    if req.dim_at_obs not in (None, ALL_DIMENSIONS):
        checks.append((req.dim_at_obs, "d", "dimensionAtObservation"))
    for name, kinds, param in checks:
        if not known(name, kinds):
            raise BadRequestError(f"{param}: {name} is not a component of any matched structure")


def _fitted(req: DataRequest, info: DsdInfo) -> DataRequest:
    """``req`` as ``info``'s structure understands it: names it lacks left out (the default layout
    when it lacks the dimension at observation; no measure when it lacks every measure named)."""
    dims = set(info.dimension_ids)
    times = {info.time_dimension or TIME_PERIOD, TIME_PERIOD} if info.time_dimension else set()
    dim_at_obs = req.dim_at_obs
    if dim_at_obs not in (None, ALL_DIMENSIONS) and dim_at_obs not in dims | times:
        dim_at_obs = None
    sort = tuple((c, d) for c, d in req.sort if c in dims | times)
    attributes = req.attributes
    if attributes is not None:
        attributes = tuple(
            a for a in attributes if a in _ATTRIBUTE_KEYWORDS or a in info.attributes
        )
    measures, detail = req.measures, req.detail
    if measures is not None and not {"all", "none", info.primary_measure.id} & set(measures):
        measures = ("none",)
        detail = "serieskeysonly" if detail in ("dataonly", "serieskeysonly") else "nodata"
    return replace(
        req,
        dim_at_obs=dim_at_obs,
        sort=sort,
        attributes=attributes,
        measures=measures,
        detail=detail,
    )


def _window(
    query: DataQueryService, req: DataRequest, flows: list[_Flow], total: int
) -> list[_Flow]:
    """The flows with rows in the page asked for, each request narrowed to its share of the page
    (413 past the size limit, 416 for a page past the end)."""
    if total == 0:
        raise NoDataError("No data match the query")
    unit = "series" if req.detail in ("serieskeysonly", "nodata") else "observations"
    limit = query.max_rows
    offset = req.offset or 0
    end = total if req.limit is None else min(total, offset + req.limit)
    paging = req.offset is not None or req.limit is not None
    if not paging and total > limit:
        raise ResponseTooLargeError(
            f"The answer ({len(flows)} data sets) has {total} {unit}; the limit is {limit}. Narrow the "
            f"query, or page with the Range header (values=0-{limit - 1}, ...) or the offset and limit "
            f"parameters (limit at most {limit})."
        )
    if offset >= total:
        raise RangeNotSatisfiableError(
            f"The answer has {total} {unit}", headers={"Content-Range": f"values */{total}"}
        )
    if end - offset > limit:
        raise ResponseTooLargeError(
            f"The page asked for holds {end - offset} {unit}; the maximum page size is {limit} {unit}. "
            f"Ask for at most {limit} per page: offset={offset}&limit={limit}."
        )
    out = []
    start = 0
    for f in flows:
        lo, hi = max(offset, start), min(end, start + f.rows)
        if hi > lo:
            whole = lo == start and hi == start + f.rows
            r = replace(
                f.req,
                offset=None if whole else lo - start,
                limit=None if whole else hi - lo,
            )
            out.append(_Flow(r, f.info, hi - lo))
        start += f.rows
    return out


def _opener(
    query: DataQueryService,
    session: Session,
    flow: _Flow,
    ctx: DataContext,
    render: RenderContext,
    options: DataOptions,
    with_labels: bool,
    raw: bool,
    opened: list[PreparedData],
) -> Callable[[], PartRows]:
    """Prepares one flow's rows when the writer reaches it (the previous flow's stream is over)."""

    def open_part() -> PartRows:
        try:
            prepared = query.prepare(
                session,
                flow.info,
                flow.req,
                render,
                labels=options.labels,
                time_format=options.time_format,
                paging=flow.req.limit is not None,
                csv_by_database=raw,
                csv_keys=options.csv_keys,
            )
        except NoDataError:  # its rows went away since they were counted: an empty part
            return PartRows(ctx, iter(()))
        if with_labels:  # read for the header already
            prepared.context.code_labels = ctx.code_labels
            prepared.context.component_names = ctx.component_names
        prepared.owns_session = False
        opened.append(prepared)
        if prepared.csv_chunks is not None:
            return PartRows(prepared.context, iter(()), prepared.raw_chunks())
        return PartRows(prepared.context, prepared.batches())

    return open_part


def _columns(flow: _Flow) -> tuple[object, ...]:
    """The component columns of a flow's rows (what SDMX-CSV 1.0 needs the same for every row)."""
    info = flow.info
    attrs = tuple(info.attributes) if flow.req.detail in ("full", "nodata") else ()
    return tuple(info.dimension_ids), info.time_dimension, info.primary_measure.id, attrs


def _names(flows: list[_Flow]) -> str:
    names = [f.info.dataflow.ref.triplet for f in flows]
    return ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
