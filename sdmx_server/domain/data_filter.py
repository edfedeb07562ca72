"""Typed data-query predicates: what SDMX REST 2.x ``c[COMPONENT]=op:value`` filters say, and what the
v1 key and ``startPeriod``/``endPeriod`` compile to.

A :class:`DataFilter` is an AND of :class:`ComponentFilter` s; each component filter is an OR of
alternatives, each alternative an AND of :class:`Predicate` s. ``c[FREQ]=A,M`` is one component
filter with two alternatives; ``c[TIME_PERIOD]=ge:2020+le:2023`` one alternative with two predicates;
several ``c[]`` parameters (or the same one repeated) are ANDed. No SQL and no DSD here: the
data-query service resolves component ids against the DSD and the storage layer compiles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sdmx_server.domain.errors import BadRequestError


class Op(StrEnum):
    """The SDMX REST 2.x operators (``eq`` is the default)."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    CO = "co"  # contains
    NC = "nc"  # does not contain
    SW = "sw"  # starts with
    EW = "ew"  # ends with


OPS = frozenset(o.value for o in Op)
TIME_PERIOD = "TIME_PERIOD"


@dataclass(frozen=True, slots=True)
class Predicate:
    """``op:value`` on one component."""

    op: Op
    value: str


@dataclass(frozen=True, slots=True)
class ComponentFilter:
    """A filter on one component: OR over ``alternatives``, each an AND of predicates."""

    component: str
    alternatives: tuple[tuple[Predicate, ...], ...]

    @property
    def equality_values(self) -> frozenset[str] | None:
        """The values when the filter is a plain list of equalities (``A,M``), else None."""
        if all(len(alt) == 1 and alt[0].op is Op.EQ for alt in self.alternatives):
            return frozenset(alt[0].value for alt in self.alternatives)
        return None


@dataclass(frozen=True, slots=True)
class DataFilter:
    """An AND of component filters (empty: everything)."""

    components: tuple[ComponentFilter, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.components)

    def and_(self, other: DataFilter) -> DataFilter:
        """Both filters."""
        return DataFilter(self.components + other.components)

    @property
    def canonical(self) -> str:
        """A stable text form (for ETags)."""
        return "&".join(
            f"{c.component}="
            + ",".join("+".join(f"{p.op}:{p.value}" for p in alt) for alt in c.alternatives)
            for c in sorted(self.components, key=lambda c: c.component)
        )


def parse_predicate(text: str, component: str) -> Predicate:
    """``ge:2020`` or ``2020`` (equality). A value that itself holds ``:`` (a date-time) keeps it:
    only a known operator before the first ``:`` is one."""
    op, sep, value = text.partition(":")
    if sep and op in OPS:
        result = Predicate(Op(op), value)
    else:
        result = Predicate(Op.EQ, text)
    if result.value == "":
        raise BadRequestError(f"c[{component}]: '{text}' has no value")
    if len(result.value) > 1000:
        raise BadRequestError(f"c[{component}]: the value is too long")
    return result


def parse_component_filter(component: str, text: str) -> ComponentFilter:
    """One ``c[component]`` value: ``,`` separates alternatives (OR), ``+`` predicates (AND).

    ``text`` must be percent-decoded without turning ``+`` into a space (the route reads the raw query).
    """
    if (
        not component
        or len(component) > 200
        or not all(ch.isalnum() or ch in "_@$-" for ch in component)
    ):
        raise BadRequestError(f"'{component[:60]}' is not a valid component id in c[...]")
    alternatives = []
    for alt in text.split(","):
        preds = tuple(parse_predicate(p, component) for p in alt.split("+"))
        alternatives.append(preds)
    return ComponentFilter(component, tuple(alternatives))


def key_filter(
    dimension_ids: tuple[str, ...], key: tuple[tuple[str, ...] | None, ...]
) -> DataFilter:
    """A positional key (v1 ``M.USD+JPY..``, v2 ``M.USD,JPY.*``) as equality filters."""
    return DataFilter(
        tuple(
            ComponentFilter(dim, tuple((Predicate(Op.EQ, v),) for v in values))
            for dim, values in zip(dimension_ids, key, strict=True)
            if values is not None
        )
    )


def period_filter(start: str | None, end: str | None) -> DataFilter:
    """v1 ``startPeriod``/``endPeriod`` (as given) as ``ge``/``le`` on the time period."""
    preds = []
    if start is not None:
        preds.append(ComponentFilter(TIME_PERIOD, ((Predicate(Op.GE, start),),)))
    if end is not None:
        preds.append(ComponentFilter(TIME_PERIOD, ((Predicate(Op.LE, end),),)))
    return DataFilter(tuple(preds))
