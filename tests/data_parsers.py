"""Independent parsers of the data formats the server writes, for comparing answers.

Each returns a set of observations ``(series key, period, value, attrs)``
with attribute values of every level flattened onto observations, so that
every format of the same query can be compared exactly.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from lxml import etree

Obs = tuple[tuple[str, ...], str, str | None, frozenset[tuple[str, str]]]

GEN = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SS_SKIP = {"structureRef", "setID", "action", "validFromDate", "validToDate", "dataScope", "type"}


def _key(values: dict[str, str], dims: list[str]) -> tuple[str, ...]:
    return tuple(values[d] for d in dims)


def parse_generic(
    body: bytes, dims: list[str], time_id: str = "TIME_PERIOD", with_attrs: bool = True
) -> set[Obs]:
    """Generic (and generic time-series) SDMX-ML 2.1 data."""
    root = etree.fromstring(body)
    header_struct = root.find("{*}Header/{*}Structure")
    dim_at_obs = (
        header_struct.get("dimensionAtObservation") if header_struct is not None else time_id
    )
    out: set[Obs] = set()
    for ds in root.iter("{*}DataSet"):
        ds_attrs = {v.get("id"): v.get("value") for v in ds.findall(f"{GEN}Attributes/{GEN}Value")}
        groups = []
        for g in ds.findall(f"{GEN}Group"):
            groups.append(
                (
                    {v.get("id"): v.get("value") for v in g.findall(f"{GEN}GroupKey/{GEN}Value")},
                    {v.get("id"): v.get("value") for v in g.findall(f"{GEN}Attributes/{GEN}Value")},
                )
            )
        for series in ds.findall(f"{GEN}Series"):
            skey = {
                v.get("id"): v.get("value") for v in series.findall(f"{GEN}SeriesKey/{GEN}Value")
            }
            sattrs = {
                v.get("id"): v.get("value") for v in series.findall(f"{GEN}Attributes/{GEN}Value")
            }
            for obs in series.findall(f"{GEN}Obs"):
                values = dict(skey)
                values[dim_at_obs] = obs.find(f"{GEN}ObsDimension").get("value")
                out.add(_obs(values, obs, dims, time_id, [ds_attrs, sattrs], groups, with_attrs))
        for obs in ds.findall(f"{GEN}Obs"):
            values = {v.get("id"): v.get("value") for v in obs.findall(f"{GEN}ObsKey/{GEN}Value")}
            out.add(_obs(values, obs, dims, time_id, [ds_attrs], groups, with_attrs))
    return out


def _obs(
    values: dict[str, str],
    obs: Any,
    dims: list[str],
    time_id: str,
    uppers: list[dict[str, str]],
    groups: list[tuple[dict[str, str], dict[str, str]]],
    with_attrs: bool,
) -> Obs:
    value_el = obs.find(f"{GEN}ObsValue")
    attrs: dict[str, str] = {}
    if with_attrs:
        for upper in uppers:
            attrs.update(upper)
        for gkey, gattrs in groups:
            if all(values.get(k) == v for k, v in gkey.items()):
                attrs.update(gattrs)
        attrs.update(
            {v.get("id"): v.get("value") for v in obs.findall(f"{GEN}Attributes/{GEN}Value")}
        )
    return (
        _key(values, dims),
        values[time_id],
        value_el.get("value") if value_el is not None else None,
        frozenset(attrs.items()),
    )


def parse_structure_specific(
    body: bytes,
    dims: list[str],
    measure: str = "OBS_VALUE",
    time_id: str = "TIME_PERIOD",
    with_attrs: bool = True,
) -> set[Obs]:
    """Structure-specific SDMX-ML 2.1 data (any layout)."""
    root = etree.fromstring(body)
    out: set[Obs] = set()
    comps = set(dims) | {time_id, measure}
    for ds in root.iter("{*}DataSet"):
        ds_attrs = {k: v for k, v in ds.attrib.items() if "}" not in k and k not in SS_SKIP}
        groups = []
        for g in ds.findall("Group"):
            gkey = {k: v for k, v in g.attrib.items() if k in dims}
            gattrs = {
                k: v for k, v in g.attrib.items() if "}" not in k and k not in dims and k != "type"
            }
            groups.append((gkey, gattrs))
        for series in ds.findall("Series"):
            for obs in series.findall("Obs"):
                merged = {k: v for k, v in series.attrib.items() if "}" not in k}
                merged.update({k: v for k, v in obs.attrib.items() if "}" not in k and k != "type"})
                out.add(
                    _ss_obs(merged, dims, measure, time_id, comps, [ds_attrs], groups, with_attrs)
                )
        for obs in ds.findall("Obs"):
            merged = {k: v for k, v in obs.attrib.items() if "}" not in k and k != "type"}
            out.add(_ss_obs(merged, dims, measure, time_id, comps, [ds_attrs], groups, with_attrs))
    return out


def _ss_obs(
    values: dict[str, str],
    dims: list[str],
    measure: str,
    time_id: str,
    comps: set[str],
    uppers: list[dict[str, str]],
    groups: list[tuple[dict[str, str], dict[str, str]]],
    with_attrs: bool,
) -> Obs:
    attrs: dict[str, str] = {}
    if with_attrs:
        for upper in uppers:
            attrs.update(upper)
        for gkey, gattrs in groups:
            if all(values.get(k) == v for k, v in gkey.items()):
                attrs.update(gattrs)
        attrs.update({k: v for k, v in values.items() if k not in comps})
    return _key(values, dims), values[time_id], values.get(measure), frozenset(attrs.items())


def parse_csv10(
    body: bytes,
    dims: list[str],
    time_id: str = "TIME_PERIOD",
    measure: str = "OBS_VALUE",
    with_attrs: bool = True,
) -> set[Obs]:
    """SDMX-CSV 1.0 (labels=id)."""
    reader = csv.DictReader(io.StringIO(body.decode()))
    out: set[Obs] = set()
    for row in reader:
        attrs = {
            k: v
            for k, v in row.items()
            if k not in dims and k not in (time_id, measure, "DATAFLOW") and v
        }
        out.add(
            (
                _key(row, dims),
                row[time_id],
                row[measure] or None,
                frozenset(attrs.items()) if with_attrs else frozenset(),
            )
        )
    return out


def parse_json10(body: bytes, with_attrs: bool = True) -> set[Obs]:
    """SDMX-JSON 1.0 data in the official layout (``meta``, ``data.structure``, ``data.dataSets``)."""
    doc = json.loads(body)
    data = doc["data"]
    structure = data["structure"]
    dims = structure["dimensions"]
    attrs = structure["attributes"]
    all_dims = sorted(dims["series"] + dims["observation"], key=lambda d: d["keyPosition"])
    time_dim = next(
        d["id"] for d in all_dims if "time" in d.get("roles", []) or d["id"] == "TIME_PERIOD"
    )
    key_dims = [d["id"] for d in all_dims if d["id"] != time_dim]
    out: set[Obs] = set()

    def decode(level: str, key: str) -> dict[str, str]:
        return (
            {
                d["id"]: d["values"][int(i)]["id"]
                for d, i in zip(dims[level], key.split(":"), strict=True)
            }
            if key
            else {}
        )

    def attr_values(level: str, idx: list[int | None]) -> dict[str, str]:
        result = {}
        for a, i in zip(attrs[level], idx, strict=False):
            if i is not None:
                v = a["values"][i]
                result[a["id"]] = v.get("id", v.get("name"))
        return result

    for ds in data["dataSets"]:
        ds_attrs = attr_values("dataSet", ds.get("attributes", []))
        series_items = ds.get("series", {}).items() or [
            ("", {"observations": ds.get("observations", {})})
        ]
        for skey, series in series_items:
            svalues = decode("series", skey)
            sattrs = attr_values("series", series.get("attributes", []))
            for okey, obs in series.get("observations", {}).items():
                values = {**svalues, **decode("observation", okey)}
                merged = {**ds_attrs, **sattrs, **attr_values("observation", obs[1:])}
                value = obs[0]
                out.add(
                    (
                        tuple(values[d] for d in key_dims),
                        values[time_dim],
                        None
                        if value is None
                        else (value if isinstance(value, str) else _num(value)),
                        frozenset(merged.items()) if with_attrs else frozenset(),
                    )
                )
    return out


def _num(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def values_only(obs: set[Obs]) -> set[tuple[tuple[str, ...], str, float | None]]:
    """Observations without attributes, values as floats (JSON numbers lose lexical form)."""
    return {(k, p, None if v is None else float(v)) for k, p, v, _ in obs}


def parse_json20(body: bytes, with_attrs: bool = True) -> set[Obs]:
    """SDMX-JSON 2.0 data (``data.structures[]``, data sets naming their structure by position)."""
    doc = json.loads(body)
    structure = doc["data"]["structures"][0]
    assert all(ds["structure"] == 0 for ds in doc["data"]["dataSets"])
    for entries in structure["attributes"].values():
        for a in entries:
            a["values"] = [
                {"name": v["value"]} if v is not None and "value" in v else v for v in a["values"]
            ]
    for d in structure["dimensions"].get("observation", []) + structure["dimensions"].get(
        "series", []
    ):
        if "TIME_PERIOD" in d.get("roles", []):
            d["roles"] = ["time"]
    legacy = {"data": {"structure": structure, "dataSets": doc["data"]["dataSets"]}}
    return parse_json10(json.dumps(legacy).encode(), with_attrs=with_attrs)
