"""What data writers are given: the structure, the layout and the attribute values.

Rows arrive in batches (see :mod:`sdmx_server.storage.data_read_repo`) and
writers stream bytes: no writer holds more than one batch of observations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sdmx_server.domain.dsd_info import DsdInfo
from sdmx_server.domain.kinds import DataDetail
from sdmx_server.domain.model import MaintainableRef
from sdmx_server.domain.obs_markup import Escape, ObsMarkup
from sdmx_server.formats.common import RenderContext

Row = tuple[Any, ...]
ALL_DIMENSIONS = "AllDimensions"
CHUNK_BYTES = 1 << 16


@dataclass
class DatasetInfo:
    """How one data set of the message is labelled."""

    action: str | None = None  # None (plain), "Replace", "Delete", "Information"
    valid_from: datetime | None = None
    valid_to: datetime | None = None


@dataclass
class DataContext:
    """Everything a data writer needs besides the rows."""

    info: DsdInfo
    render: RenderContext
    dim_at_obs: str
    detail: DataDetail = "full"
    obs_attrs: list[str] = field(default_factory=list)  # stored at observation level, in row order
    dataset_attrs: dict[str, str] = field(default_factory=dict)
    group_attrs: dict[str, dict[str, str]] = field(default_factory=dict)  # "GROUP:v1.v2" -> values
    series_attr_lookup: Callable[[list[int]], dict[int, dict[str, str]]] | None = None
    provision_agreements: list[MaintainableRef] = field(default_factory=list)
    dataset_info: Callable[[Any], DatasetInfo] = lambda _key: DatasetInfo()
    history: bool = False
    labels: str = "id"  # SDMX-CSV: id | both
    time_format: str = "original"  # SDMX-CSV: original | normalized
    series_only: bool = False  # serieskeysonly / nodata: rows carry no observations
    code_labels: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # component -> code -> name
    component_names: dict[str, str] = field(default_factory=dict)  # component -> concept name
    csv_keys: str = "none"  # SDMX-CSV 2.0: none | series | obs | both

    @property
    def with_attributes(self) -> bool:
        """False for detail=dataonly and serieskeysonly."""
        return self.detail in ("full", "nodata")

    @property
    def with_observations(self) -> bool:
        """False for serieskeysonly and nodata."""
        return self.detail in ("full", "dataonly")

    @property
    def dim_ids(self) -> tuple[str, ...]:
        """Key dimension ids."""
        return self.info.dimension_ids

    @property
    def time_id(self) -> str:
        """The time dimension id."""
        return self.info.time_dimension or "TIME_PERIOD"

    @property
    def obs_dim_index(self) -> int | None:
        """Index of the observation dimension among key dimensions (None for time / AllDimensions)."""
        if self.dim_at_obs in (self.time_id, ALL_DIMENSIONS):
            return None
        return self.dim_ids.index(self.dim_at_obs)

    def presentation(self, attr_id: str) -> str:
        """Where an attribute is written for this layout: dataset, group, series or obs."""
        comp = self.info.attributes[attr_id]
        level = comp.level
        if level in ("dataset", "obs"):
            return level
        if self.dim_at_obs == ALL_DIMENSIONS:
            return "obs"
        if self.dim_at_obs != self.time_id:
            dims = self._related_dims(attr_id)
            if self.dim_at_obs in dims:
                return "obs"
        return level

    def _related_dims(self, attr_id: str) -> set[str]:
        dsd = self.info.dsd.details
        for a in getattr(dsd, "attributes", []):
            if a.id == attr_id and a.relationship is not None:
                if a.relationship.kind == "group" and a.relationship.group:
                    return set(self.info.groups.get(a.relationship.group, ()))
                return set(a.relationship.dimensions)
        return set(self.dim_ids)

    def escape_of(self, attr_id: str) -> Escape:
        """How the packed read path escapes an attribute's values in XML: coded values are SDMX ids,
        which need no escaping (ADR 0016)."""
        return "none" if self.info.attributes[attr_id].codes is not None else "xml"

    def series_attrs_for(self, rows: list[Row]) -> dict[int, dict[str, str]]:
        """Attributes above the observation of each series in a batch: its series-level values
        and the values of the group keys it belongs to (empty when attributes are not wanted)."""
        if not self.with_attributes or (self.series_attr_lookup is None and not self.group_attrs):
            return {}
        keys = {r[1]: r[2] for r in rows}
        out = self.series_attr_lookup(list(keys)) if self.series_attr_lookup is not None else {}
        if self.group_attrs:
            positions = {d: i for i, d in enumerate(self.dim_ids)}
            for spk, skey in keys.items():
                parts = skey.split(".")
                merged = dict(out.get(spk, {}))
                for group, dims in self.info.groups.items():
                    gkey = (
                        group + ":" + ".".join(parts[positions[d]] for d in dims if d in positions)
                    )
                    values = self.group_attrs.get(gkey)
                    if values:
                        merged.update(values)
                if merged:
                    out[spk] = merged
        return out

    def groups_for(
        self, key: tuple[str, ...]
    ) -> Iterator[tuple[str, tuple[str, ...], dict[str, str]]]:
        """Every group key with attribute values (group id, its dimension values, values)."""
        for target, values in self.group_attrs.items():
            group, _, gkey = target.partition(":")
            yield group, tuple(gkey.split(".")) if gkey else (), values


@dataclass(frozen=True)
class PackedWriter:
    """A writer of the packed read path (ADR 0016): ``markup`` is how the database writes each
    observation; ``write`` streams the message from batches of ``(0, series_pk, series_key, markup of
    the series' observations)``."""

    markup: ObsMarkup
    write: Callable[[Iterator[list[Row]]], Iterator[bytes]]


def chunked(parts: Iterable[str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Join strings into UTF-8 chunks of about ``size`` bytes."""
    buf: list[str] = []
    n = 0
    for p in parts:
        buf.append(p)
        n += len(p)
        if n >= size:
            yield "".join(buf).encode()
            buf, n = [], 0
    if buf:
        yield "".join(buf).encode()
