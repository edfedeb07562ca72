"""Data availability: an Actual content constraint of the values present.

Computed from series statistics (``data_series.obs_count`` and period range)
and, for the whole dataflow, from the precomputed per-dimension summary,
so that no query scans every observation. A period window is answered from
the observations inside the window only (index range scans).

``mode=exact``: values present in data matching the whole query.
``mode=available``: for each dimension, the values present in data matching
the query on the *other* dimensions (what a user can still pick).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sdmx_server.domain.errors import BadRequestError, NoResultsError
from sdmx_server.domain.kinds import AvailabilityMode
from sdmx_server.domain.model import (
    Annotation,
    Artefact,
    ArtefactType,
    ConstraintAttachmentRef,
    ConstraintDetails,
    CubeRegion,
    DsdDetails,
    KeyValue,
    MaintainableRef,
    TimeRange,
)
from sdmx_server.formats.common import StructureEntry
from sdmx_server.services.data_query import DataQueryService, DataRequest
from sdmx_server.services.dsd_info import DsdInfo
from sdmx_server.storage import data_read_repo as rr
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage.sqltime import to_db
from sdmx_server.storage.tables import DataflowState

REFERENCES = (
    "none",
    "all",
    "datastructure",
    "conceptscheme",
    "codelist",
    "dataproviderscheme",
    "dataflow",
)


@dataclass
class Availability:
    """Values present per dimension, time range and counts."""

    values: dict[str, set[str]]
    first: str | None
    last: str | None
    series: int
    observations: int


def _key_conds(
    key: Sequence[frozenset[str] | None], skip: int | None, params: dict[str, Any]
) -> list[str]:
    conds = []
    for n, values in enumerate(key, start=1):
        if values is None or n - 1 == skip:
            continue
        names = []
        for m, v in enumerate(sorted(values)):
            params[f"k{n}_{m}"] = v
            names.append(f":k{n}_{m}")
        conds.append(f"s.k{n} IN ({', '.join(names)})")
    return conds


class AvailabilityService:
    """Answers availableconstraint queries."""

    def __init__(self, data: DataQueryService) -> None:
        self.data = data

    def compute(
        self,
        session: Session,
        info: DsdInfo,
        req: DataRequest,
        mode: AvailabilityMode,
        component: str | None,
        now: datetime,
    ) -> Availability:
        """Availability for the query (NoResultsError if nothing is there)."""
        f = self.data.build_filter(session, info, req, now)
        n_dims = len(info.dimensions)
        plain = (
            all(v is None for v in f.key)
            and f.start is None
            and f.end is None
            and f.provider_pks is None
            and not f.columns
            and f.mode == "current"
            and f.at is not None
            and f.at >= now
        )
        if plain:
            state = session.get(DataflowState, info.dataflow_pk)
            if state is not None and state.summary.get("series"):
                summary = state.summary
                values = {
                    d.id: set(summary["dims"][i])
                    for i, d in enumerate(info.dimensions)
                    if i < len(summary["dims"])
                }
                if component is not None:
                    values = {k: v for k, v in values.items() if k == component}
                return Availability(
                    values,
                    summary["first"],
                    summary["last"],
                    summary["series"],
                    summary["observations"],
                )
        result = self._from_data(session, info, f, mode, n_dims)
        if component is not None:
            result.values = {k: v for k, v in result.values.items() if k == component}
        if result.series == 0:
            raise NoResultsError("No data match the query")
        return result

    def _from_data(
        self, session: Session, info: DsdInfo, f: rr.ObservationFilter, mode: str, n_dims: int
    ) -> Availability:
        windowed = (
            f.start is not None
            or f.end is not None
            or f.provider_pks is not None
            or f.mode != "current"
            or bool(f.columns)
            or (f.at is not None and f.mode == "current" and f.at < self.data.clock.now())
        )
        values: dict[str, set[str]] = {d.id: set() for d in info.dimensions}
        skips: list[int | None] = [None] if mode == "exact" else list(range(n_dims))
        totals: tuple[int, int, str | None, str | None] = (0, 0, None, None)
        if not windowed and mode != "exact" and n_dims > 1:
            return self._available_in_one_query(session, info, f, n_dims)
        dialect = session.get_bind().dialect.name
        # c[] conditions on the series (dimensions, attributes above the observation) filter the
        # series rows once; only the observation-level ones go into the per-observation probes
        in_window = replace(f, columns=[c for c in f.columns if not c.series_level])
        for skip in skips:
            params: dict[str, Any] = {"df": info.dataflow_pk}
            conds = ["s.dataflow_pk = :df"] + _key_conds(f.key, skip, params)
            if windowed:
                sub = self._series_in_window(in_window, params, dialect)
                conds.append(f"s.pk IN ({sub})")
                conds += rr.series_conditions(f, params, dialect)
                source = (
                    f"SELECT s.pk AS pk, {', '.join(f's.k{n}' for n in range(1, n_dims + 1))} FROM data_series s"
                    f" WHERE {' AND '.join(conds)}"
                )
                bound = {
                    k: to_db(session, v) if isinstance(v, datetime) else v
                    for k, v in params.items()
                }
                rows = session.execute(text(source), bound).all()
                for row in rows:
                    for i in range(n_dims):
                        if skip is None or i == skip:
                            values[info.dimensions[i].id].add(row[1 + i])
                if skip is None or skip == 0:
                    totals = self._window_totals(session, in_window, conds, params, dialect)
            else:
                conds.append("s.obs_count > 0")
                where = " AND ".join(conds)
                for i in range(n_dims):
                    if skip is not None and i != skip:
                        continue
                    col = f"s.k{i + 1}"
                    for (code,) in session.execute(
                        text(f"SELECT DISTINCT {col} FROM data_series s WHERE {where}"), params
                    ):
                        values[info.dimensions[i].id].add(code)
                if skip is None or skip == 0:
                    n_series, n_obs, first, last = session.execute(
                        text(
                            f"SELECT COUNT(*), COALESCE(SUM(s.obs_count), 0), MIN(s.first_period), MAX(s.last_period)"
                            f" FROM data_series s WHERE {where}"
                        ),
                        params,
                    ).one()
                    totals = (int(n_series), int(n_obs), first, last)
        return Availability(values, totals[2], totals[3], totals[0], totals[1])

    @staticmethod
    def _available_in_one_query(
        session: Session, info: DsdInfo, f: rr.ObservationFilter, n_dims: int
    ) -> Availability:
        """``mode=available`` without a period window: for each dimension, the codes present when
        every other dimension's filter applies, in one round trip (a UNION ALL of one grouped
        select per dimension) instead of one query each."""
        params: dict[str, Any] = {"df": info.dataflow_pk}
        parts = []
        for i in range(n_dims):
            # _key_conds names parameters by dimension and position: the same names hold the same
            # values whichever dimension is left out, so one parameter set serves every part.
            where = " AND ".join(
                ["s.dataflow_pk = :df", "s.obs_count > 0"] + _key_conds(f.key, i, params)
            )
            parts.append(
                f"SELECT {i} AS d, s.k{i + 1} AS code FROM data_series s WHERE {where} GROUP BY s.k{i + 1}"
            )
        values: dict[str, set[str]] = {d.id: set() for d in info.dimensions}
        for d, code in session.execute(text(" UNION ALL ".join(parts)), params):
            values[info.dimensions[int(d)].id].add(code)
        where0 = " AND ".join(
            ["s.dataflow_pk = :df", "s.obs_count > 0"] + _key_conds(f.key, 0, params)
        )
        n_series, n_obs, first, last = session.execute(
            text(
                f"SELECT COUNT(*), COALESCE(SUM(s.obs_count), 0), MIN(s.first_period), MAX(s.last_period)"
                f" FROM data_series s WHERE {where0}"
            ),
            params,
        ).one()
        return Availability(values, first, last, int(n_series), int(n_obs))

    @staticmethod
    def _series_in_window(f: rr.ObservationFilter, params: dict[str, Any], dialect: str) -> str:
        obs_params: dict[str, Any] = {}
        # The subquery is correlated with the series row: the c[] conditions (cf* parameters),
        # series-level ones included, apply in it as they are.
        conds = [
            c
            for c in rr._where(f, obs_params, dialect)  # noqa: SLF001 - same module family
            if not c.startswith("s.") or ":cf" in c
        ]
        for k, v in obs_params.items():
            if k.startswith(("start", "end", "since", "at", "cf")):
                params[k] = v
        return "SELECT o.series_pk FROM data_observation o WHERE " + " AND ".join(
            ["o.series_pk = s.pk"] + conds
        )

    @staticmethod
    def _window_totals(
        session: Session,
        f: rr.ObservationFilter,
        conds: list[str],
        params: dict[str, Any],
        dialect: str,
    ) -> tuple[int, int, str | None, str | None]:
        obs_params: dict[str, Any] = {}
        ocs = [c for c in rr._where(f, obs_params, dialect) if not c.startswith("s.") or ":cf" in c]  # noqa: SLF001
        p = dict(params)
        p.update(
            {
                k: v
                for k, v in obs_params.items()
                if k.startswith(("start", "end", "since", "at", "cf"))
            }
        )
        p = {k: to_db(session, v) if isinstance(v, datetime) else v for k, v in p.items()}
        s_conds = [c for c in conds if not c.startswith("s.pk IN")]
        n_series, n_obs, first, last = session.execute(
            text(
                f"SELECT COUNT(DISTINCT s.pk), COUNT(*), MIN(o.period_start), MAX(o.period_end) FROM data_series s"
                f" JOIN data_observation o ON o.series_pk = s.pk WHERE {' AND '.join(s_conds + ocs)}"
            ),
            p,
        ).one()
        return int(n_series), int(n_obs), first, last

    # ------------------------------------------------------------------ output

    def entries(
        self,
        session: Session,
        info: DsdInfo,
        avail: Availability,
        references: str,
        mode: AvailabilityMode,
        req: DataRequest | None = None,
        now: datetime | None = None,
    ) -> list[StructureEntry]:
        """The constraint (and referenced artefacts) as structure entries.

        ``conceptscheme``: the concept schemes of the constrained dimensions, holding only
        their concepts (partial); ``dataproviderscheme``: the data provider schemes holding the
        providers that reported data the query selects (``req``; partial); ``codelist``: the
        dimensions' codelists with the available codes; ``all``: every one of these, the dataflow
        and the DSD.
        """
        if references not in REFERENCES:
            raise BadRequestError(f"references={references} is not one of {', '.join(REFERENCES)}")
        df = info.dataflow
        key_values = [KeyValue(id=d, values=sorted(v)) for d, v in avail.values.items() if v]
        if avail.first and avail.last and info.time_dimension:
            key_values.append(
                KeyValue(
                    id=info.time_dimension,
                    time_range=TimeRange(start=_date(avail.first), end=_date(avail.last)),
                )
            )
        constraint = Artefact(
            type=ArtefactType.CONTENT_CONSTRAINT,
            agency=df.agency,
            id=f"AVAILABILITY_{df.id}",
            version="1.0",
            names={"en": f"Availability of {df.id} ({mode})"},
            annotations=[
                Annotation(id="series_count", title=str(avail.series), type="sdmx_metrics"),
                Annotation(id="obs_count", title=str(avail.observations), type="sdmx_metrics"),
                Annotation(id="mode", title=mode, type="sdmx_availability"),
            ],
            details=ConstraintDetails(
                role="Actual",
                attachments=[ConstraintAttachmentRef(ref=df.ref)],
                cube_regions=[CubeRegion(include=True, key_values=key_values)],
            ),
        )
        entries = [StructureEntry(constraint)]
        if references == "none":
            return entries
        wanted = {
            "all": {"dataflow", "datastructure", "conceptscheme", "codelist", "dataproviderscheme"}
        }.get(references, {references})
        if "dataflow" in wanted:
            entries.append(StructureEntry(df))
        dsd = info.dsd
        if "datastructure" in wanted:
            entries.append(StructureEntry(dsd))
        d = dsd.details
        assert isinstance(d, DsdDetails)
        if "conceptscheme" in wanted:
            entries += self._partial_concept_schemes(session, d, avail, info)
        if "codelist" in wanted:
            entries += self._partial_codelists(session, info, avail)
        if "dataproviderscheme" in wanted and req is not None:
            entries += self._provider_schemes(session, info, req, now or self.data.clock.now())
        return entries

    @staticmethod
    def _partial_concept_schemes(
        session: Session, d: DsdDetails, avail: Availability, info: DsdInfo
    ) -> list[StructureEntry]:
        """The concepts of the dimensions the constraint holds (the time dimension with a time
        range), in their schemes marked partial; attribute and measure concepts are left out."""
        constrained = {k for k, v in avail.values.items() if v}
        if avail.first and avail.last and info.time_dimension:
            constrained.add(info.time_dimension)
        wanted: dict[MaintainableRef, set[str]] = {}
        for dim in d.dimensions:
            if dim.id in constrained and dim.concept is not None:
                wanted.setdefault(dim.concept.scheme, set()).add(dim.concept.item_id)
        return [
            StructureEntry(_restricted(a, ids))
            for scheme, ids in wanted.items()
            for a in _load(session, scheme)
        ]

    def _provider_schemes(
        self, session: Session, info: DsdInfo, req: DataRequest, now: datetime
    ) -> list[StructureEntry]:
        """Data provider schemes holding only the providers that reported the selected data."""
        f = self.data.build_filter(session, info, req, now)
        pks = rr.providers_with_data(session, f)
        wanted: dict[int, set[str]] = {}
        for artefact_pk, item_id in repo.items_by_pk(session, pks):
            wanted.setdefault(artefact_pk, set()).add(item_id)
        rows = sorted(
            repo.rows_by_pk(session, wanted), key=lambda r: (r.agency_id, r.resource_id, r.version)
        )
        return [
            StructureEntry(_restricted(a, wanted[r.pk]))
            for r, a in zip(rows, repo.load_artefacts(session, rows), strict=True)
        ]

    @staticmethod
    def _partial_codelists(
        session: Session, info: DsdInfo, avail: Availability
    ) -> list[StructureEntry]:
        """Codelists of the dimensions, with only the available codes (of every dimension using them)
        and their parents."""
        wanted: dict[str, set[str]] = {}
        refs = {}
        for dim in info.dimensions:
            if dim.codelist is None or dim.id not in avail.values:
                continue
            wanted.setdefault(str(dim.codelist), set()).update(avail.values[dim.id])
            refs[str(dim.codelist)] = dim.codelist
        out = []
        for key, codes in wanted.items():
            row = repo.get_row(session, refs[key])
            if row is None:
                continue
            cl = repo.load_artefacts(session, [row])[0]
            by_id = {i.id: i for i in cl.items}
            keep: set[str] = set()
            for code in codes:
                item = by_id.get(code)
                while item is not None and item.id not in keep:
                    keep.add(item.id)
                    item = by_id.get(item.parent) if item.parent else None
            out.append(
                StructureEntry(
                    cl.model_copy(
                        update={"items": [i for i in cl.items if i.id in keep], "is_partial": True}
                    )
                )
            )
        return out


def _load(session: Session, ref: MaintainableRef) -> list[Artefact]:
    row = repo.get_row(session, ref)
    return repo.load_artefacts(session, [row]) if row is not None else []


def _restricted(scheme: Artefact, ids: set[str]) -> Artefact:
    """The scheme with only these items and their ancestors, in stored order, marked partial."""
    by_id = {i.id: i for i in scheme.items}
    keep: set[str] = set()
    for item_id in ids:
        item = by_id.get(item_id)
        while item is not None and item.id not in keep:
            keep.add(item.id)
            item = by_id.get(item.parent) if item.parent else None
    return scheme.model_copy(
        update={"items": [i for i in scheme.items if i.id in keep], "is_partial": True}
    )


def _date(storage: str) -> str:
    return storage[:10] if storage.endswith(("T00:00:00", "T23:59:59")) else storage
