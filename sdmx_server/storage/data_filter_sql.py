"""The one compiler of data-query predicates into SQL conditions (on ``data_series s`` joined with
``data_observation o``).

Predicates (:mod:`sdmx_server.domain.data_filter`) arrive resolved against the DSD as
:class:`ColumnFilter` s: which stored column a component lives in. Values are always bound
parameters; only the dialect pieces (JSON access, substring search, numeric casts) are written per
database. The conditions join the WHERE clauses of :mod:`sdmx_server.storage.data_read_repo`, which
every reading path (cursor, COPY, SQLite CSV, counts, availability) shares.

Attributes above the observation level live in ``data_attribute_value`` (ADR 0003): series-level
rows by series, the data set's with no series, a group's under its target key ``GROUP:v1.v2``
(the series' values on the group's dimensions). A series' value of such an attribute is the one its
visible row carries (for a group attribute: the row of a group the series belongs to), absent if
there is none; ``ne``/``nc`` keep absent values at every level, as on observations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sdmx_server.domain.data_filter import Op, Predicate
from sdmx_server.domain.errors import BadRequestError
from sdmx_server.domain.kinds import FilterTarget
from sdmx_server.domain.periods import PeriodError, parse_query_bound

TargetKind = FilterTarget
SERIES_LEVEL: frozenset[TargetKind] = frozenset(
    {"dimension", "series_attribute", "group_attribute", "dataset_attribute"}
)
_ABOVE_OBSERVATION: frozenset[TargetKind] = frozenset(
    {"series_attribute", "group_attribute", "dataset_attribute"}
)


@dataclass(frozen=True, slots=True)
class ColumnFilter:
    """A component filter resolved to where the component is stored."""

    kind: TargetKind
    alternatives: tuple[tuple[Predicate, ...], ...]
    index: int = 0  # dimension: 1-based key column ``s.k{index}``
    name: str = ""  # attribute id
    numeric: bool = False  # measure: compare as numbers
    # group attribute: the groups holding its values as (group id, 1-based key columns of the
    # group's dimensions in the group's order), the parts of their stored target keys
    groups: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def series_level(self) -> bool:
        """True when the condition needs no observation row (kept for the series-statistics bound)."""
        return self.kind in SERIES_LEVEL


_COMPARE = {Op.EQ: "=", Op.NE: "<>", Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">="}


def _json(dialect: str, alias: str, attr: str) -> str:
    safe = attr.replace("'", "").replace('"', "")
    if dialect == "postgresql":
        return f"{alias}.attrs ->> '{safe}'"
    return f"json_extract({alias}.attrs, '$.\"{safe}\"')"


def _text_op(dialect: str, expr: str, op: Op, name: str) -> str:
    """``co nc sw ew`` (case-sensitive on both databases: no LIKE, whose case rules differ)."""
    find = f"strpos({expr}, :{name})" if dialect == "postgresql" else f"instr({expr}, :{name})"
    if op is Op.CO:
        return f"{find} > 0"
    if op is Op.NC:
        return f"({expr} IS NULL OR {find} = 0)"
    if op is Op.SW:
        return f"substr({expr}, 1, length(:{name})) = :{name}"
    # ew
    return f"(length({expr}) >= length(:{name}) AND substr({expr}, length({expr}) - length(:{name}) + 1) = :{name})"


class _Names:
    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    def bind(self, value: Any) -> str:
        name = f"cf{len(self.params)}"
        while name in self.params:
            name += "_"
        self.params[name] = value
        return name


def _value_condition(
    dialect: str, expr: str, pred: Predicate, names: _Names, *, numeric: bool
) -> str:
    if pred.op in _COMPARE:
        value: Any = pred.value
        if numeric:
            try:
                value = float(pred.value)
            except ValueError:
                raise BadRequestError(
                    f"'{pred.value[:40]}' is not a number (the measure is numeric)"
                ) from None
            expr = (
                f"CAST({expr} AS DOUBLE PRECISION)"
                if dialect == "postgresql"
                else f"CAST({expr} AS REAL)"
            )
        name = names.bind(value)
        cond = f"{expr} {_COMPARE[pred.op]} :{name}"
        return f"({expr} IS NULL OR {cond})" if pred.op is Op.NE else cond
    return _text_op(dialect, expr, pred.op, names.bind(pred.value))


def _time_condition(dialect: str, pred: Predicate, names: _Names) -> str:
    """Periods compare as the intervals they cover (as v1 startPeriod/endPeriod do): ``ge:2020``
    keeps what ends in 2020 or later, ``le:2020`` what starts in 2020 or earlier, ``eq`` what
    overlaps the period; text operators compare the period as written."""
    if pred.op in (Op.CO, Op.NC, Op.SW, Op.EW):
        return _text_op(dialect, "o.period", pred.op, names.bind(pred.value))
    try:
        start = parse_query_bound(pred.value, is_end=False)
        end = parse_query_bound(pred.value, is_end=True)
    except PeriodError as exc:
        raise BadRequestError(f"c[TIME_PERIOD]: {exc}") from None
    s, e = names.bind(start), names.bind(end)
    overlap = f"(o.period_end >= :{s} AND o.period_start <= :{e})"
    return {
        Op.GE: f"o.period_end >= :{s}",
        Op.LE: f"o.period_start <= :{e}",
        Op.GT: f"o.period_start > :{e}",
        Op.LT: f"o.period_end < :{s}",
        Op.EQ: overlap,
        Op.NE: f"NOT {overlap}",
    }[pred.op]


def _absent_matches(alternatives: Sequence[Sequence[Predicate]]) -> bool:
    """Whether an absent value satisfies the filter: an alternative of ``ne``/``nc`` only does."""
    return any(all(p.op in (Op.NE, Op.NC) for p in alt) for alt in alternatives)


def _attribute_target(cf: ColumnFilter, names: _Names) -> str:
    """SQL: attribute row ``p`` holds values of series ``s`` at the filter's level."""
    if cf.kind == "series_attribute":
        return "p.level = 'series' AND p.series_pk = s.pk"
    if cf.kind == "dataset_attribute":
        return "p.level = 'dataset' AND p.series_pk IS NULL"
    keys = [_group_key(group, columns, names) for group, columns in cf.groups]
    if not keys:
        return "1 = 0"  # a group attribute of a DSD without groups: no value is ever stored
    target = (
        f"p.target_key = {keys[0]}" if len(keys) == 1 else f"p.target_key IN ({', '.join(keys)})"
    )
    return f"p.level = 'group' AND p.series_pk IS NULL AND {target}"


def _group_key(group: str, columns: Sequence[int], names: _Names) -> str:
    """SQL: the target key a group's values of series ``s`` are stored under (``GROUP:v1.v2``)."""
    parts = [f":{names.bind(group + ':')}"]
    for n, column in enumerate(columns):
        parts += (["'.'"] if n else []) + [f"s.k{int(column)}"]
    return " || ".join(parts)


def _attribute_condition(cf: ColumnFilter, body: str, visible: str, names: _Names) -> str:
    """Attributes above the observation: the visible rows of the series' target in
    ``data_attribute_value``. A series matches when such a row satisfies ``body``; when an absent
    value also satisfies it (``ne``/``nc``), when no such row fails it (no row: the value is absent)."""
    rows = (
        "SELECT 1 FROM data_attribute_value p WHERE p.dataflow_pk = s.dataflow_pk"
        f" AND {_attribute_target(cf, names)} AND {visible}"
    )
    if _absent_matches(cf.alternatives):
        return f"NOT EXISTS ({rows} AND CASE WHEN ({body}) THEN 0 ELSE 1 END = 1)"
    return f"EXISTS ({rows} AND ({body}))"


def _alternative(dialect: str, cf: ColumnFilter, preds: Sequence[Predicate], names: _Names) -> str:
    if cf.kind == "time":
        return " AND ".join(_time_condition(dialect, p, names) for p in preds)
    if cf.kind == "dimension":
        expr = f"s.k{int(cf.index)}"
    elif cf.kind == "measure":
        expr = "o.value"
    elif cf.kind == "obs_attribute":
        expr = _json(dialect, "o", cf.name)
    else:
        expr = _json(dialect, "p", cf.name)
    return " AND ".join(
        _value_condition(dialect, expr, p, names, numeric=cf.numeric) for p in preds
    )


def compile_filters(
    filters: Sequence[ColumnFilter],
    dialect: str,
    params: dict[str, Any],
    *,
    attr_visible: str,
    series_only: bool = False,
) -> list[str]:
    """SQL conditions (ANDed by the caller) for ``filters``, their values bound in ``params``.

    ``attr_visible`` is the condition on ``p`` (a ``data_attribute_value`` row) that selects the
    version seen at ``:at``. With ``series_only`` the observation-level filters are left out (an
    upper bound from series statistics stays an upper bound).
    """
    names = _Names(params)
    out = []
    for cf in filters:
        if series_only and not cf.series_level:
            continue
        alts = [_alternative(dialect, cf, alt, names) for alt in cf.alternatives]
        if cf.kind in _ABOVE_OBSERVATION:
            body = " OR ".join(f"({a})" for a in alts)
            out.append(_attribute_condition(cf, body, attr_visible, names))
        else:
            out.append(
                alts[0] if len(alts) == 1 else "(" + " OR ".join(f"({a})" for a in alts) + ")"
            )
    return out
