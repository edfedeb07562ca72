"""SQL: what stored data, tokens and artefacts depend on a structure.

Structure writes ask these questions before they change or delete an
artefact, so that a structure change never invalidates stored data silently.
"Current" data are the observation versions in effect now or pending release
(not deleted, not superseded); superseded versions are history, kept as they
were published.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from sdmx_server.domain.kinds import AttachmentLevel
from sdmx_server.storage.tables import (
    AuthToken,
    DataAttributeValue,
    DataBatch,
    DataObservation,
    DataSeries,
    StructureArtefact,
    StructureItem,
)

CHUNK = 500


@dataclass(frozen=True)
class Usage:
    """How much stored data use something: series and current observations."""

    series: int = 0
    observations: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.series + other.series, self.observations + other.observations)

    def __bool__(self) -> bool:
        return self.series > 0 or self.observations > 0

    def describe(self) -> str:
        """``3 series (120 observations)``."""
        return f"{self.series} series ({self.observations} observations)"


def _current(now: datetime) -> ColumnElement[bool]:
    return and_(
        DataObservation.is_deleted.is_(False),
        or_(DataObservation.valid_to.is_(None), DataObservation.valid_to > now),
    )


def _chunks(values: Collection[str]) -> Iterator[list[str]]:
    items = sorted(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def dataflows_holding_data(session: Session, dataflow_pks: Iterable[int]) -> set[int]:
    """Those of ``dataflow_pks`` with any stored series or submission."""
    pks = sorted(set(dataflow_pks))
    if not pks:
        return set()
    found = set(
        session.execute(
            select(DataSeries.dataflow_pk).where(DataSeries.dataflow_pk.in_(pks)).distinct()
        ).scalars()
    )
    found |= set(
        session.execute(
            select(DataBatch.dataflow_pk).where(DataBatch.dataflow_pk.in_(pks)).distinct()
        ).scalars()
    )
    return found


def provider_holds_data(session: Session, dataflow_pk: int, provider_pk: int) -> bool:
    """True when this data provider has written into this dataflow."""
    stmt = select(DataBatch.pk).where(
        DataBatch.dataflow_pk == dataflow_pk, DataBatch.provider_pk == provider_pk
    )
    return session.execute(stmt.limit(1)).first() is not None


def held(
    session: Session, dataflow_pk: int, now: datetime, provider_pk: int | None = None
) -> tuple[int, Usage]:
    """(submissions, current usage) of a dataflow, or of one provider's data in it."""
    batches = (
        select(func.count()).select_from(DataBatch).where(DataBatch.dataflow_pk == dataflow_pk)
    )
    usage = (
        select(func.count(func.distinct(DataSeries.pk)), func.count(DataObservation.pk))
        .select_from(DataSeries)
        .join(DataObservation, DataObservation.series_pk == DataSeries.pk)
        .where(DataSeries.dataflow_pk == dataflow_pk, _current(now))
    )
    if provider_pk is not None:
        batches = batches.where(DataBatch.provider_pk == provider_pk)
        usage = usage.join(DataBatch, DataBatch.pk == DataObservation.batch_pk).where(
            DataBatch.provider_pk == provider_pk
        )
    n_batches = int(session.execute(batches).scalar_one())
    series, obs = session.execute(usage).one()
    if provider_pk is None and not series:
        # Series whose observations were all deleted are still part of the stored history.
        series = int(
            session.execute(
                select(func.count())
                .select_from(DataSeries)
                .where(DataSeries.dataflow_pk == dataflow_pk)
            ).scalar_one()
        )
    return n_batches, Usage(int(series or 0), int(obs or 0))


def dimension_usage(
    session: Session,
    dataflow_pk: int,
    position: int,
    now: datetime,
    values: Collection[str] | None = None,
) -> dict[str, Usage]:
    """Current usage of each value of the key dimension at ``position`` (1-based), optionally only ``values``."""
    column = getattr(DataSeries, f"k{position}")
    base = (
        select(column, func.count(func.distinct(DataSeries.pk)), func.count(DataObservation.pk))
        .select_from(DataSeries)
        .join(DataObservation, DataObservation.series_pk == DataSeries.pk)
        .where(DataSeries.dataflow_pk == dataflow_pk, _current(now))
        .group_by(column)
    )
    out: dict[str, Usage] = {}
    for chunk in [None] if values is None else list(_chunks(values)):
        stmt = base if chunk is None else base.where(column.in_(chunk))
        for value, series, obs in session.execute(stmt):
            out[str(value)] = Usage(int(series), int(obs))
    return out


def series_in_use(
    session: Session, dataflow_pk: int, n_dims: int, now: datetime, provider_pk: int | None = None
) -> Iterator[tuple[tuple[str, ...], int]]:
    """Each series key with current observations (optionally one provider's) and how many."""
    cols = [getattr(DataSeries, f"k{n}") for n in range(1, n_dims + 1)]
    stmt = (
        select(DataSeries.pk, *cols, func.count(DataObservation.pk))
        .select_from(DataSeries)
        .join(DataObservation, DataObservation.series_pk == DataSeries.pk)
        .where(DataSeries.dataflow_pk == dataflow_pk, _current(now))
    )
    if provider_pk is not None:
        stmt = stmt.join(DataBatch, DataBatch.pk == DataObservation.batch_pk).where(
            DataBatch.provider_pk == provider_pk
        )
    stmt = stmt.group_by(DataSeries.pk, *cols)
    for row in session.execute(stmt.execution_options(yield_per=5000)):
        yield tuple(str(v) if v is not None else "" for v in row[1:-1]), int(row[-1])


def _attr_expr(attrs: Any, attr_id: str) -> ColumnElement[str]:
    expr: ColumnElement[str] = attrs[attr_id].as_string()
    return expr


def attribute_usage(
    session: Session,
    dataflow_pk: int,
    attr_id: str,
    level: AttachmentLevel,
    now: datetime,
    values: Collection[str] | None = None,
) -> dict[str, int]:
    """How many current observations (``level`` obs) or attachments (series, group, data set) hold each value."""
    out: dict[str, int] = {}
    if level == "obs":
        expr = _attr_expr(DataObservation.attrs, attr_id)
        base = (
            select(expr, func.count())
            .select_from(DataSeries)
            .join(DataObservation, DataObservation.series_pk == DataSeries.pk)
            .where(DataSeries.dataflow_pk == dataflow_pk, _current(now), expr.is_not(None))
            .group_by(expr)
        )
    else:
        expr = _attr_expr(DataAttributeValue.attrs, attr_id)
        base = (
            select(expr, func.count())
            .select_from(DataAttributeValue)
            .where(
                DataAttributeValue.dataflow_pk == dataflow_pk,
                DataAttributeValue.is_deleted.is_(False),
                or_(DataAttributeValue.valid_to.is_(None), DataAttributeValue.valid_to > now),
                expr.is_not(None),
            )
            .group_by(expr)
        )
    for chunk in [None] if values is None else list(_chunks(values)):
        stmt = base if chunk is None else base.where(expr.in_(chunk))
        for value, count in session.execute(stmt):
            out[str(value)] = out.get(str(value), 0) + int(count)
    return out


def observations_lacking(session: Session, dataflow_pk: int, attr_id: str, now: datetime) -> int:
    """Current observations with no value for an observation-level attribute."""
    expr = _attr_expr(DataObservation.attrs, attr_id)
    stmt = (
        select(func.count())
        .select_from(DataSeries)
        .join(DataObservation, DataObservation.series_pk == DataSeries.pk)
        .where(
            DataSeries.dataflow_pk == dataflow_pk,
            _current(now),
            or_(DataObservation.attrs.is_(None), expr.is_(None)),
        )
    )
    return int(session.execute(stmt).scalar_one())


def item_pks(session: Session, artefact_pk: int) -> list[int]:
    """Primary keys of every item of a scheme."""
    return list(
        session.execute(
            select(StructureItem.pk).where(StructureItem.artefact_pk == artefact_pk)
        ).scalars()
    )


def data_of_providers(session: Session, provider_item_pks: Collection[int]) -> int:
    """Submissions written by these data providers (items of a data provider scheme)."""
    if not provider_item_pks:
        return 0
    stmt = (
        select(func.count())
        .select_from(DataBatch)
        .where(DataBatch.provider_pk.in_(sorted(provider_item_pks)))
    )
    return int(session.execute(stmt).scalar_one())


def tokens_of_providers(session: Session, provider_item_pks: Collection[int]) -> int:
    """Tokens (revoked or not) bound to these data providers."""
    if not provider_item_pks:
        return 0
    stmt = (
        select(func.count())
        .select_from(AuthToken)
        .where(AuthToken.provider_pk.in_(sorted(provider_item_pks)))
    )
    return int(session.execute(stmt).scalar_one())


def artefacts_maintained_by(
    session: Session, agencies: Collection[str], parent: str | None = None
) -> list[str]:
    """Up to 10 stored artefacts (``type agency:id(version)``) maintained by these agencies.

    Agencies of ``SDMX:AGENCIES`` are top-level ids; those of another agency's
    scheme are ``PARENT.ID`` (``parent`` is that agency).
    """
    if not agencies:
        return []
    ids = sorted(f"{parent}.{a}" if parent and parent != "SDMX" else a for a in agencies)
    stmt = (
        select(
            StructureArtefact.type,
            StructureArtefact.agency_id,
            StructureArtefact.resource_id,
            StructureArtefact.version,
        )
        .where(StructureArtefact.agency_id.in_(ids))
        .limit(10)
    )
    return [f"{t} {a}:{i}({v})" for t, a, i, v in session.execute(stmt)]
