"""Data queries: from a parsed request to validators, a size decision and a row stream.

The flow for one request: resolve the dataflow and compile its DSD, check
the key against it, compute ETag/Last-Modified from the publication state
(so that a 304 costs two small queries), decide whether the answer is too
large (413 past the limit, for the whole answer or for the page asked for), then stream rows in batches from one
read transaction. The first batch is fetched before the response starts,
so that an empty answer is a clean 404.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.domain.clock import SYSTEM_CLOCK, Clock, as_utc
from sdmx_server.domain.data_filter import TIME_PERIOD, DataFilter, Op, key_filter
from sdmx_server.domain.errors import (
    BadRequestError,
    NoDataError,
    NoResultsError,
    NotImplementedYetError,
    RangeNotSatisfiableError,
    ResponseTooLargeError,
    SemanticError,
)
from sdmx_server.domain.kinds import DataDetail, DataQueryContext, ReadMode
from sdmx_server.domain.model import ArtefactType, MaintainableRef, ProvisionAgreementDetails
from sdmx_server.domain.periods import PeriodError, parse_query_bound
from sdmx_server.domain.versions import parse_v2
from sdmx_server.formats.common import RenderContext
from sdmx_server.formats.data_context import (
    ALL_DIMENSIONS,
    DataContext,
    DatasetInfo,
    PackedWriter,
    Row,
)
from sdmx_server.formats.sdmx_csv10 import line_markup
from sdmx_server.services.data_labels import add_labels
from sdmx_server.services.dsd_info import (
    DsdInfo,
    load_dsd_info,
    provision_agreements_of,
    resolve_dataflow,
)
from sdmx_server.storage import data_read_repo as rr
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage.data_filter_sql import ColumnFilter
from sdmx_server.storage.packed_read import packable, packed_csv, packed_series
from sdmx_server.storage.sqltime import from_db

EPOCH_ISO = "2000-01-01T00:00:00Z"


@dataclass(frozen=True)
class DataRequest:
    """A parsed data query (v1 or v2), before it meets the DSD."""

    agency: str | None
    resource_id: str
    version: str | None
    key: tuple[tuple[str, ...] | None, ...] | None = (
        None  # per dimension: allowed values, None = any
    )
    providers: tuple[tuple[str | None, str], ...] | None = None
    start: str | None = None  # storage bounds
    end: str | None = None
    updated_after: datetime | None = None
    first_n: int | None = None
    last_n: int | None = None
    dim_at_obs: str | None = None
    detail: DataDetail = "full"
    include_history: bool = False
    as_of: datetime | None = None
    offset: int | None = None
    limit: int | None = None
    canonical: str = ""  # the request in canonical text form, for ETags
    preview: bool = False  # extension: include embargoed data (producers and administrators)
    preview_provider: int | None = None  # whose embargoed batches (None: all, for administrators)
    # Version-neutral additions (SDMX REST 2.x; v1 periods compile to the same predicates):
    filter: DataFilter = field(default_factory=DataFilter)  # c[] filters (AND of component filters)
    context: DataQueryContext = "dataflow"  # * is resolved to one dataflow
    attributes: tuple[str, ...] | None = (
        None  # projection: attribute ids or levels (None: all of the DSD)
    )
    measures: tuple[str, ...] | None = None  # projection: measure ids (None: all)
    sort: tuple[tuple[str, bool], ...] = ()  # (component, descending): REST 2.2 sort
    # v2 data: agency, id and version are patterns (``*``, ``,`` lists, version wildcards) and every
    # dataflow they match is answered, one data set each (services/data_several.py)
    patterns: bool = False


class NotInStructureError(BadRequestError):
    """A key or ``c[]`` filter names what a DSD does not have (400 for one dataflow; for a query over
    several dataflows that structure makes no match)."""


class CodeNotInStructureError(SemanticError):
    """A filter asks for a value that is not a code of the dimension (422 for one dataflow; for a query
    over several dataflows that structure makes no match)."""


@dataclass
class PreparedData:
    """A data query ready to stream."""

    info: DsdInfo
    filter: rr.ObservationFilter
    context: DataContext
    etag: str
    last_modified: datetime
    session: Session
    first: list[Row] = field(default_factory=list)
    total: int | None = None
    mode: ReadMode = "current"

    csv_chunks: Iterator[bytes] | None = None  # SDMX-CSV rows written by the database itself (COPY)
    # the format's packed-path writer when the batches are packed series (ADR 0016)
    packed_write: Callable[[Iterator[list[Row]]], Iterator[bytes]] | None = None

    def raw_chunks(self) -> Iterator[bytes]:
        """The database-written CSV chunks (first one already fetched), then the session is closed."""
        try:
            if self.first_chunk:
                yield self.first_chunk
            yield from self.csv_chunks or ()
        finally:
            self.close()

    first_chunk: bytes = b""
    owns_session: bool = (
        True  # False: one part of an answer over several dataflows (the answer closes it)
    )

    def batches(self) -> Iterator[list[Row]]:
        """All row batches (the first one already fetched), then the session is closed."""
        try:
            if self.first:
                yield self.first
            yield from self._rest
        finally:
            self.close()

    _rest: Iterator[list[Row]] = field(default_factory=lambda: iter(()))

    def close(self) -> None:
        """Stop any row source still running, then release the read transaction."""
        for source in (self._rest, self.csv_chunks):
            close = getattr(source, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 - an abandoned stream must never fail the close
                    pass
        if not self.owns_session:
            return
        try:
            self.session.close()
        except Exception:  # noqa: BLE001 - closing twice or on a broken connection is harmless
            pass


class DataQueryService:
    """Prepares and streams data queries (read-only transactions)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        max_observations: int,
        activate: Callable[[int, int], int] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._factory = session_factory
        self.clock = clock
        self._activate = activate
        self._max = max_observations
        # Compiled DSDs per worker, keyed by the structure generations read from the
        # database on every request: a structure change anywhere is seen at once.
        self._dsd_cache: OrderedDict[tuple[Any, ...], tuple[int, DsdInfo]] = OrderedDict()
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, datetime]] = {}

    # ------------------------------------------------------------------ validators

    def open(self) -> Session:
        """A read session (the caller closes it, or the streamed answer does)."""
        return self._factory()

    def resolve(self, session: Session, req: DataRequest) -> tuple[int, DsdInfo]:
        """The dataflow's primary key and its compiled DSD (cached per structure state)."""
        state = repo.read_state(session)
        key = (
            req.agency,
            req.resource_id,
            req.version,
            tuple(sorted((t, g) for t, (g, _) in state.items())),
        )
        with self._lock:
            hit = self._dsd_cache.get(key)
            if hit is not None:
                self._dsd_cache.move_to_end(key)
        if hit is None:
            row = resolve_dataflow(session, req.agency, req.resource_id, req.version)
            hit = (row.pk, load_dsd_info(session, row))
            with self._lock:
                self._dsd_cache[key] = hit
                while len(self._dsd_cache) > 64:
                    self._dsd_cache.popitem(last=False)
        session.info["structure_state"] = state
        return hit

    def validators(
        self, session: Session, info: DsdInfo, req: DataRequest, format_tag: str, now: datetime
    ) -> tuple[str, datetime]:
        """ETag and Last-Modified: change when a release becomes visible (even with nothing written
        then) or the structure changes. Statistics of releases that just became visible are refreshed."""
        rs = rr.release_state(session, info.dataflow_pk, now)
        if rs.due and self._activate is not None:
            self._activate(info.dataflow_pk, len(info.dimensions))
            session.rollback()  # see what the activation committed
            rs = rr.release_state(session, info.dataflow_pk, now)
        latest, count = rs.latest, rs.visible
        state = session.info.get("structure_state") or repo.read_state(session)
        structure_changed = max((c for _, c in state.values()), default=None)
        gens = ",".join(f"{t}={g}" for t, (g, _) in sorted(state.items()))
        preview = f"|preview:{req.preview_provider}:{rs.pending_signature}" if req.preview else ""
        basis = (
            f"{info.dataflow.ref}|{latest.isoformat() if latest else '-'}|{count}|{gens}|{req.canonical}|"
            f"{format_tag}|{req.as_of.isoformat() if req.as_of else ''}{preview}"
        )
        etag = '"d' + hashlib.sha1(basis.encode()).hexdigest()[:24] + '"'
        moments = [as_utc(m) for m in (latest, structure_changed) if m is not None]
        return etag, max(moments) if moments else datetime.fromisoformat(EPOCH_ISO)

    @staticmethod
    def unchanged_within(session: Session, info: DsdInfo, since: datetime, now: datetime) -> bool:
        """For If-Modified-Since: at most one release in the second before ``since``.

        Last-Modified has one-second resolution (rounded up); when two releases
        fall in the same second a client holding the first would get a wrong
        304 from the date alone, so it gets the answer instead.
        """
        since = as_utc(since)
        return (
            rr.releases_between(
                session, info.dataflow_pk, since - timedelta(seconds=1), min(since, now)
            )
            <= 1
        )

    # ------------------------------------------------------------------ preparing

    def build_filter(
        self, session: Session, info: DsdInfo, req: DataRequest, now: datetime
    ) -> rr.ObservationFilter:
        """Turn the request into an observation filter (400/403 for keys that do not fit the DSD).

        The path key and the ``c[]`` filters are one :class:`DataFilter`; equality lists on dimensions
        and single ``ge``/``le`` bounds on the time period become the key sets and period bounds that the
        fast paths (series-key lookups, statistics bounds, database-written CSV) use; everything else is
        compiled by :mod:`sdmx_server.storage.data_filter_sql`.
        """
        key: list[frozenset[str] | None] = [None] * len(info.dimensions)
        data_filter = req.filter
        if req.key is not None:
            if len(req.key) != len(info.dimensions):
                raise NotInStructureError(
                    f"The key has {len(req.key)} parts but {info.dsd.ref} has {len(info.dimensions)} dimensions "
                    f"({'.'.join(info.dimension_ids)})"
                )
            data_filter = key_filter(info.dimension_ids, req.key).and_(data_filter)
        start, end, columns = _resolve_components(info, data_filter, key, req.start, req.end)
        if start is not None and end is not None and start > end:
            raise NoDataError("No data match the query: the period bounds exclude each other")
        mode: ReadMode = (
            "history"
            if req.include_history
            else "changes"
            if req.updated_after is not None
            else "current"
        )
        # asOf looks back, never ahead: a future instant would reveal embargoed data.
        at = min(as_utc(req.as_of), now) if req.as_of is not None else now
        extra: dict[str, Any] = {}
        if req.preview and mode == "current":
            mode = "preview"
            extra["pending"] = rr.pending_batches(
                session, info.dataflow_pk, now, req.preview_provider
            )
        attrs = [a for a in info.attributes if info.attributes[a].level == "obs"]
        order_dims = None
        dim_at_obs = req.dim_at_obs or info.time_dimension or ALL_DIMENSIONS
        if dim_at_obs not in (ALL_DIMENSIONS, info.time_dimension) and req.detail not in (
            "serieskeysonly",
            "nodata",
        ):
            x = info.dimension_ids.index(dim_at_obs)
            order_dims = [i for i in range(len(info.dimensions)) if i != x] + [x]
        return rr.ObservationFilter(
            dataflow_pk=info.dataflow_pk,
            key=key,
            start=start,
            end=end,
            columns=columns,
            provider_pks=self._provider_pks(session, info, req),
            mode=mode,
            at=at,
            since=req.updated_after,
            first_n=req.first_n,
            last_n=req.last_n,
            obs_attrs=attrs,
            order_dims=order_dims,
            offset=req.offset,
            limit=req.limit,
            extra=extra,
            sort=self._sort(info, req),
            # Stored series hold codes of the DSD's codelists (the store refuses structure changes that
            # would leave current data outside them), so wildcards on coded dimensions can be listed.
            key_domain=[d.codes for d in info.dimensions] if mode in ("current", "preview") else (),
        )

    @staticmethod
    def _sort(info: DsdInfo, req: DataRequest) -> list[tuple[str, bool]]:
        """``sort`` as stored columns: dimensions (``k{n}``) and the time period (``pstart``)."""
        out = []
        for comp, desc in req.sort:
            if comp in info.dimension_ids:
                out.append((f"k{info.dimension_ids.index(comp) + 1}", desc))
            elif comp in (info.time_dimension, TIME_PERIOD):
                out.append(("pstart", desc))
            else:
                raise BadRequestError(f"sort: {comp} is not a dimension of {info.dsd.ref}")
        return out

    # ------------------------------------------------------------------ v2 contexts and projections

    def concrete(self, session: Session, req: DataRequest) -> DataRequest:
        """A v2 request (context ``datastructure``, ``provisionagreement`` or ``*``, wildcards and lists of
        agencies, ids and versions) narrowed to the one dataflow it names (and, for a provision agreement,
        its data provider). 404 when nothing matches."""
        simple = (
            req.context == "dataflow"
            and req.resource_id != "*"
            and "," not in req.resource_id
            and (req.agency is None or "," not in req.agency)
            and (
                req.version is None
                or req.version in ("*", "+", "~")
                or not any(c in req.version for c in ",*+~")
            )
        )
        if simple:
            return req
        agencies = req.agency.split(",") if req.agency else None
        ids = None if req.resource_id == "*" else req.resource_id.split(",")
        selector = parse_v2("~" if req.version in (None, "*") else req.version)
        contexts = (
            ["dataflow", "datastructure", "provisionagreement"]
            if req.context == "*"
            else [req.context]
        )
        for context in contexts:
            type_ = {
                "dataflow": ArtefactType.DATAFLOW,
                "datastructure": ArtefactType.DATA_STRUCTURE,
                "provisionagreement": ArtefactType.PROVISION_AGREEMENT,
            }[context]
            rows = repo.find_rows(session, [type_], agencies, ids, None)
            by_name: dict[tuple[str, str], list[Any]] = {}
            for row in rows:
                by_name.setdefault((row.agency_id, row.resource_id), []).append(row)
            chosen = []
            for group in by_name.values():
                versions = selector.select([r.version for r in group])
                chosen += [r for r in group if r.version in versions]
            flows: list[tuple[Any, tuple[tuple[str | None, str], ...] | None]] = []
            for row in chosen:
                art = repo.row_to_artefact(row)
                if context == "dataflow":
                    flows.append((row, req.providers))
                elif context == "datastructure":
                    users = repo.references_to(session, [row.pk]).get(row.pk, set())
                    flows += [
                        (r, req.providers)
                        for r in repo.rows_by_pk(session, users)
                        if r.type == ArtefactType.DATAFLOW.value
                    ]
                else:
                    assert isinstance(art.details, ProvisionAgreementDetails)
                    flow = repo.get_row(session, art.details.dataflow)
                    prov = art.details.data_provider
                    if flow is not None:
                        flows.append((flow, ((prov.scheme.agency, prov.item_id),)))
            if len(flows) > 1:
                names = ", ".join(
                    sorted({f"{r.agency_id}:{r.resource_id}({r.version})" for r, _ in flows})[:10]
                )
                raise NotImplementedYetError(
                    f"The query matches {len(flows)} dataflows ({names}): answering several dataflows in one "
                    "message is not implemented yet; name one dataflow (agency, id and version)"
                )
            if flows:
                row, providers = flows[0]
                return replace(
                    req,
                    context="dataflow",
                    agency=row.agency_id,
                    resource_id=row.resource_id,
                    version=row.version,
                    providers=providers,
                )
        raise NoResultsError(
            f"No {req.context if req.context != '*' else 'dataflow'} matches "
            f"{req.agency or '*'}/{req.resource_id}/{req.version or '*'}"
        )

    @staticmethod
    def project(info: DsdInfo, req: DataRequest) -> DsdInfo:
        """The DSD as the ``attributes``/``measures`` projection shows it (attributes left out are not
        read or written). 400 for components the DSD does not have."""
        if req.measures is not None:
            for m in req.measures:
                if m not in ("all", "none", info.primary_measure.id):
                    raise BadRequestError(f"measures: {m} is not a measure of {info.dsd.ref}")
        if req.attributes is None or any(a in ("dsd", "all") for a in req.attributes):
            return info
        keep: dict[str, Any] = {}
        for a in req.attributes:
            if a in ("none", "msd"):
                continue
            if a in ("dataset", "series", "obs"):
                keep.update(
                    {
                        k: c
                        for k, c in info.attributes.items()
                        if c.level == a or (a == "series" and c.level == "group")
                    }
                )
            elif a in info.attributes:
                keep[a] = info.attributes[a]
            else:
                raise BadRequestError(f"attributes: {a} is not an attribute of {info.dsd.ref}")
        ordered = {k: c for k, c in info.attributes.items() if k in keep}
        return replace(info, attributes=ordered, unprojected_attributes=info.all_attributes)

    @staticmethod
    def _provider_pks(session: Session, info: DsdInfo, req: DataRequest) -> list[int] | None:
        if req.providers is None:
            return None
        wanted = {(a, p) for a, p in req.providers}
        pks = []
        for pa in _flow_pas(session, info):
            assert isinstance(pa.details, ProvisionAgreementDetails)
            prov = pa.details.data_provider
            if (None, prov.item_id) in wanted or (prov.scheme.agency, prov.item_id) in wanted:
                scheme = repo.get_row(session, prov.scheme)
                if scheme is not None:
                    pks += list(repo.item_pks(session, scheme.pk, [prov.item_id]).values())
        if not pks:
            raise NoResultsError(
                "No provision agreement of this dataflow matches the data provider(s)"
            )
        return pks

    def prepare(
        self,
        session: Session,
        info: DsdInfo,
        req: DataRequest,
        render: RenderContext,
        dim_at_obs_default: str | None = None,
        *,
        labels: str = "id",
        time_format: str = "original",
        etag: str = "",
        last_modified: datetime | None = None,
        paging: bool = False,
        count_needed: bool = False,
        csv_by_database: bool = False,
        with_labels: bool = False,
        csv_keys: str = "none",
        packed: Callable[[DataContext], PackedWriter | None] | None = None,
    ) -> PreparedData:
        """Build the writer context, apply the size limit, fetch the first batch (404 if none).

        ``packed`` gives the format's packed-path writer for the context, if it has one: plain answers
        are then read one row per series, the database writing each observation's markup (ADR 0016)."""
        now = self.clock.now()
        f = self.build_filter(session, info, req, now)
        total = self._check_size(session, f, req, paging=paging, count_needed=count_needed)
        if total and f.offset is not None and f.offset >= total:
            raise RangeNotSatisfiableError(
                f"The answer has {total} {_unit(req)}",
                headers={"Content-Range": f"values */{total}"},
            )
        ctx = self._context(session, info, req, f, render, labels, time_format, csv_keys)
        if (
            with_labels
        ):  # before any row is read: the connection then streams and can run nothing else
            add_labels(session, ctx)
        if csv_by_database and self._csv_copy_possible(session, info, req, f, labels, time_format):
            if packable(f):
                chunks = packed_csv(
                    session,
                    f,
                    line_markup(ctx),
                    series_attrs=ctx.with_attributes
                    and any(a.level == "series" for a in info.attributes.values()),
                )
            elif session.get_bind().dialect.name == "postgresql":
                chunks = rr.copy_csv(
                    session, f, info.dataflow.ref.triplet, self._csv_attr_columns(info, ctx)
                )
            else:
                coded = frozenset(
                    a for a, comp in info.attributes.items() if comp.codes is not None
                )
                chunks = rr.sqlite_csv(
                    session,
                    f,
                    info.dataflow.ref.triplet,
                    self._csv_attr_columns(info, ctx),
                    coded,
                    info.numeric_measure,
                )
            first_chunk = next(chunks, b"")
            if not first_chunk:
                raise NoDataError("No data match the query")
            prepared = PreparedData(
                info=info,
                filter=f,
                context=ctx,
                etag=etag,
                last_modified=last_modified or now,
                session=session,
                total=total,
                mode=f.mode,
            )
            prepared.first_chunk, prepared.csv_chunks = first_chunk, chunks
            return prepared
        rows: Iterator[list[Row]]
        writer = (
            packed(ctx) if packed is not None and packable(f) and not _series_only(req) else None
        )
        if writer is not None:
            rows = packed_series(session, f, writer.markup)
        elif _series_only(req):
            rows = (_pad(batch, len(f.obs_attrs)) for batch in rr.series_keys(session, f))
        elif session.get_bind().dialect.name == "postgresql":
            rows = rr.copy_rows(session, f)
        else:
            rows = rr.stream_rows(session, f)
        first = next(rows, [])
        if not first:
            raise NoDataError("No data match the query")
        prepared = PreparedData(
            info=info,
            filter=f,
            context=ctx,
            etag=etag,
            last_modified=last_modified or now,
            session=session,
            first=first,
            total=total,
            mode=f.mode,
            packed_write=writer.write if writer is not None else None,
        )
        prepared._rest = rows
        return prepared

    def _check_size(
        self,
        session: Session,
        f: rr.ObservationFilter,
        req: DataRequest,
        *,
        paging: bool,
        count_needed: bool,
    ) -> int | None:
        """413 when the answer, or the page asked for, holds more rows than the limit; the exact row
        count when it was needed (``count_needed``) or computed anyway.

        Rows are observations, or series for ``detail=serieskeysonly|nodata``. A page is
        ``limit`` rows (or ``Range: values=a-b``) from ``offset``, or everything from ``offset`` when
        open-ended; its size is what it would actually hold, so that a page larger than the limit is
        refused only when the answer has that many rows left.
        """
        series_only = _series_only(req)
        offset = f.offset or 0
        if not count_needed and paging and f.limit is not None and f.limit <= self._max:
            return None  # a page within the limit: no count needed
        bound = None
        if f.mode == "current" and not f.provider_pks:
            bound = rr.upper_bound_rows(session, f, series=series_only)
        total: int | None = None
        if count_needed or bound is None or _page(bound, offset, f.limit) > self._max:
            total = rr.count_series(session, f) if series_only else rr.count_rows(session, f)
        size = total if total is not None else bound or 0
        unit, limit = _unit(req), self._max
        if not paging and size > limit:
            raise ResponseTooLargeError(
                f"The answer has {size} {unit}; the limit is {limit}. Narrow the query, or page with the "
                f"Range header (values=0-{limit - 1}, then values={limit}-{2 * limit - 1}, ...) or the offset "
                f"and limit parameters (limit at most {limit})."
            )
        page = _page(size, offset, f.limit)
        if paging and page > limit:
            asked = (
                "from offset "
                + str(offset)
                + (f" (limit {f.limit})" if f.limit is not None else " to the end")
            )
            raise ResponseTooLargeError(
                f"The page asked for holds {page} {unit} ({asked}); the maximum page size is {limit} {unit}. "
                f"Ask for at most {limit} per page: Range: values={offset}-{offset + limit - 1}, or "
                f"offset={offset}&limit={limit}."
            )
        return total

    @staticmethod
    def _csv_copy_possible(
        session: Session,
        info: DsdInfo,
        req: DataRequest,
        f: rr.ObservationFilter,
        labels: str,
        time_format: str,
    ) -> bool:
        """When the database can write the SDMX-CSV 1.0 rows itself (the common, large case)."""
        return (
            labels == "id"
            and time_format == "original"
            and f.mode in ("current", "preview")
            and not f.first_n
            and not f.last_n
            and f.order_dims is None
            and not f.sort
            and req.detail in ("full", "dataonly")
            and not any(a.level == "group" for a in info.attributes.values())
        )

    @property
    def max_rows(self) -> int:
        """The size limit: rows (observations, or series for series-only answers) one answer or page holds."""
        return self._max

    def count(self, session: Session, info: DsdInfo, req: DataRequest, now: datetime) -> int:
        """The exact number of rows ``req`` selects in one dataflow, before offset and limit."""
        f = replace(self.build_filter(session, info, req, now), offset=None, limit=None)
        return rr.count_series(session, f) if _series_only(req) else rr.count_rows(session, f)

    def context_of(
        self,
        session: Session,
        info: DsdInfo,
        req: DataRequest,
        render: RenderContext,
        *,
        labels: str = "id",
        time_format: str = "original",
        with_labels: bool = False,
        csv_keys: str = "none",
    ) -> DataContext:
        """The writer context of ``req`` without reading a row: a message over several dataflows writes
        every structure in its header before the first data set."""
        f = self.build_filter(session, info, req, self.clock.now())
        ctx = self._context(session, info, req, f, render, labels, time_format, csv_keys)
        if with_labels:
            add_labels(session, ctx)
        return ctx

    @staticmethod
    def _csv_attr_columns(info: DsdInfo, ctx: DataContext) -> list[tuple[str, str, str | None]]:
        if not ctx.with_attributes:
            return []
        return [(a, comp.level, ctx.dataset_attrs.get(a)) for a, comp in info.attributes.items()]

    def _context(
        self,
        session: Session,
        info: DsdInfo,
        req: DataRequest,
        f: rr.ObservationFilter,
        render: RenderContext,
        labels: str,
        time_format: str,
        csv_keys: str = "none",
    ) -> DataContext:
        at = f.at or self.clock.now()
        dim_at_obs = req.dim_at_obs or info.time_dimension or ALL_DIMENSIONS
        if req.detail in ("serieskeysonly", "nodata") and info.time_dimension:
            dim_at_obs = info.time_dimension
        # A preview shows the embargoed attribute values with the embargoed observations.
        pending = rr.pending_of(f)
        has_series_attrs = any(a.level == "series" for a in info.attributes.values())
        lookup = None
        if has_series_attrs:
            factory = self._factory

            def lookup(pks: list[int]) -> dict[int, dict[str, str]]:
                # Its own connection: the main one may be busy streaming a COPY.
                with factory() as side:
                    return rr.series_attributes(side, info.dataflow_pk, pks, at, pending)

        pas = []
        if req.providers is not None:
            wanted = {p for _, p in req.providers}
            pas = [
                pa.ref
                for pa in _flow_pas(session, info)
                if isinstance(pa.details, ProvisionAgreementDetails)
                and pa.details.data_provider.item_id in wanted
            ]

        def dataset_info(ds_key: Any) -> DatasetInfo:
            if f.mode == "changes":
                return DatasetInfo(action="Delete" if ds_key else "Replace")
            if f.mode == "history":
                stamp, _, kind = str(ds_key).rpartition("|")
                return DatasetInfo(
                    action="Delete" if kind == "D" else "Replace", valid_from=from_db(stamp or None)
                )
            return DatasetInfo()

        upper: dict[str, dict[str, dict[str, str]]] = {"dataset": {}, "group": {}}
        if any(a.level in ("dataset", "group") for a in info.attributes.values()):
            upper = rr.upper_attributes(session, info.dataflow_pk, at, pending)
        return DataContext(
            info=info,
            render=render,
            dim_at_obs=dim_at_obs,
            detail=req.detail,
            obs_attrs=list(f.obs_attrs),
            dataset_attrs=upper["dataset"].get("", {}),
            group_attrs=upper["group"],
            series_attr_lookup=lookup,
            provision_agreements=pas,
            dataset_info=dataset_info,
            history=f.mode == "history",
            labels=labels,
            time_format=time_format,
            series_only=req.detail in ("serieskeysonly", "nodata"),
            csv_keys=csv_keys,
        )


def _resolve_components(
    info: DsdInfo,
    data_filter: DataFilter,
    key: list[frozenset[str] | None],
    start: str | None,
    end: str | None,
) -> tuple[str | None, str | None, list[ColumnFilter]]:
    """Fold equality filters on dimensions into ``key`` (in place) and single time bounds into
    (start, end); the rest become column filters."""
    columns: list[ColumnFilter] = []
    positions = {d.id: n for n, d in enumerate(info.dimensions)}
    time_id = info.time_dimension or TIME_PERIOD
    for cf in data_filter.components:
        values = cf.equality_values
        if cf.component in positions:
            n = positions[cf.component]
            dim = info.dimensions[n]
            if values is not None:
                unknown = sorted(v for v in values if dim.codes is not None and v not in dim.codes)
                if unknown:
                    raise CodeNotInStructureError(
                        f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not "
                        f"{'a code' if len(unknown) == 1 else 'codes'} of {dim.id} ({dim.codelist})"
                    )
                prev = key[n]
                key[n] = values if prev is None else prev & values
                if not key[n]:
                    raise NoDataError(
                        f"No data match the query: the filters on {dim.id} exclude each other"
                    )
                continue
            columns.append(ColumnFilter("dimension", cf.alternatives, index=n + 1))
        elif cf.component == time_id or cf.component == TIME_PERIOD:
            bounds = _period_bounds(cf)
            if bounds is not None:
                for op, value in bounds:
                    try:
                        b = parse_query_bound(value, is_end=op is Op.LE)
                    except PeriodError as exc:
                        raise BadRequestError(f"{cf.component}: {exc}") from None
                    if op is Op.GE:
                        start = b if start is None else max(start, b)
                    else:
                        end = b if end is None else min(end, b)
                continue
            columns.append(ColumnFilter("time", cf.alternatives))
        elif cf.component == info.primary_measure.id:
            columns.append(ColumnFilter("measure", cf.alternatives, numeric=info.numeric_measure))
        elif cf.component in info.all_attributes:  # shown or not (attributes=)
            level = info.all_attributes[cf.component].level
            kind = {
                "obs": "obs_attribute",
                "series": "series_attribute",
                "group": "group_attribute",
                "dataset": "dataset_attribute",
            }[level]
            groups = tuple(
                (g, tuple(n + 1 for n in info.group_key_positions(g)))
                for g in _groups_holding(info, cf.component)
            )
            columns.append(ColumnFilter(kind, cf.alternatives, name=cf.component, groups=groups))  # type: ignore[arg-type]
        else:
            raise NotInStructureError(
                f"c[{cf.component}]: {cf.component} is not a component of {info.dsd.ref}"
            )
    return start, end, columns


def _groups_holding(info: DsdInfo, attribute: str) -> tuple[str, ...]:
    """The groups whose stored values hold a group attribute: its own group (where validation
    stores it), or every group of the DSD when it names none."""
    comp = info.all_attributes[attribute]
    if comp.level != "group":
        return ()
    if comp.group in info.groups:
        return (comp.group,)
    return tuple(info.groups)


def _period_bounds(cf: Any) -> list[tuple[Op, str]] | None:
    """``ge:X``, ``le:Y`` or both ANDed (``ge:X+le:Y``), without alternatives: period bounds the fast
    paths understand (None for anything else)."""
    if (
        len(cf.alternatives) == 1
        and cf.alternatives[0]
        and all(p.op in (Op.GE, Op.LE) for p in cf.alternatives[0])
    ):
        return [(p.op, p.value) for p in cf.alternatives[0]]
    return None


def _pad(batch: list[Row], n_attrs: int) -> list[Row]:
    """Series-only rows ``(ds, spk, skey)`` in the row layout writers read (no period, value, attributes)."""
    filler = (None,) * (2 + n_attrs)
    return [(ds, spk, skey) + filler for ds, spk, skey in batch]


def _series_only(req: DataRequest) -> bool:
    return req.detail in ("serieskeysonly", "nodata")


def _unit(req: DataRequest) -> str:
    """What the rows of an answer are, in messages."""
    return "series" if _series_only(req) else "observations"


def _page(size: int, offset: int, limit: int | None) -> int:
    """How many of ``size`` rows a page from ``offset`` (at most ``limit`` rows) holds."""
    left = max(0, size - offset)
    return left if limit is None else min(left, limit)


def _flow_pas(session: Session, info: DsdInfo) -> list[Any]:
    row = repo.get_row(
        session,
        MaintainableRef(
            type=ArtefactType.DATAFLOW,
            agency=info.dataflow.agency,
            id=info.dataflow.id,
            version=info.dataflow.version,
        ),
    )
    return provision_agreements_of(session, row) if row is not None else []
