"""Shared helpers for the unit tests: specimen paths and DSD roles.

The SDMX specimens come from the sdmx1 test-data repository (github
khaeru/sdmx-test-data), copied into ``tests/fixtures/sdmx``; see its SOURCE.md.
They are used as test inputs only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import pytest

# sdmx1 2.28 fails to import its SDMX-ML 3.0 reader lazily once it has read
# structure-specific 2.1 data (it registers the DSD-specific namespace as a
# prefix); importing it up front avoids that.
import sdmx
import sdmx.reader.xml.v21  # noqa: F401
import sdmx.reader.xml.v30  # noqa: F401

from sdmx_server.readers.base import ComponentRoles, DataRecord
from tests.fixtures import SDMX

SPECIMENS = SDMX
ECB_EXR = SPECIMENS / "ECB_EXR"
V3_XML = SPECIMENS / "v3" / "xml"
V3_CSV = SPECIMENS / "v3" / "csv"

requires_specimens = pytest.mark.skipif(
    not SPECIMENS.is_dir(), reason=f"SDMX specimens not found at {SPECIMENS}"
)


@functools.cache
def read_structure(path: Path) -> sdmx.model.common.BaseDataStructureDefinition:
    """The (first) DSD of an SDMX-ML structure message, read with sdmx1."""
    message = sdmx.read_sdmx(path)
    return next(iter(message.structure.values()))


@functools.cache
def roles_from_structure(path: Path) -> ComponentRoles:
    """The :class:`ComponentRoles` of the DSD in a structure message, read with sdmx1."""
    dsd = read_structure(path)
    time_dims = [d.id for d in dsd.dimensions if type(d).__name__ == "TimeDimension"]
    return ComponentRoles(
        dimensions=tuple(d.id for d in dsd.dimensions if d.id not in time_dims),
        time_dimension=time_dims[0] if time_dims else None,
        primary_measure=dsd.measures[0].id,
        attributes=frozenset(a.id for a in dsd.attributes),
        groups={gid: tuple(d.id for d in g.components) for gid, g in dsd.group_dimensions.items()},
    )


def obs_tuples(
    records: Iterable[DataRecord],
) -> set[tuple[tuple[str, ...], str, str | None, frozenset]]:
    """The observations of a record stream as (key, period, value, attrs) tuples."""
    return {
        (r.key, r.period, r.value, frozenset(r.attrs.items())) for r in records if r.kind == "obs"
    }


def _matches(pattern: tuple[str, ...], key: tuple[str, ...]) -> bool:
    return all(p in ("", k) for p, k in zip(pattern, key, strict=True))


def effective_observations(
    records: Iterable[DataRecord],
) -> set[tuple[tuple[str, ...], str, str | None, frozenset]]:
    """Observations with every attribute that applies to them, whatever level it came at.

    Data-set attributes, then those of every group whose (partial) key
    matches, then those of the enclosing series (a cross-sectional series
    also matches on its period), then the observation's own.
    """
    dataset: dict[str, str] = {}
    groups: list[DataRecord] = []
    series: DataRecord | None = None
    out = set()
    for r in records:
        if r.kind == "dataset":
            dataset, groups, series = r.attrs, [], None
        elif r.kind == "group":
            groups.append(r)
        elif r.kind == "series":
            series = r
        else:
            attrs = dict(dataset)
            for g in groups:
                if _matches(g.key, r.key):
                    attrs.update(g.attrs)
            if (
                series is not None
                and _matches(series.key, r.key)
                and series.period in ("", r.period)
            ):
                attrs.update(series.attrs)
            attrs.update(r.attrs)
            out.add((r.key, r.period, r.value, frozenset(attrs.items())))
    return out
