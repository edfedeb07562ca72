"""Sample data: one SDMX-CSV 1.0 file per dataflow under data/sample/.

Columns: ``DATAFLOW`` (``MA_LMIS:DF_xxx(1.0)``), every dimension in the
structure's order, ``TIME_PERIOD``, ``OBS_VALUE``, then every attribute in the
structure's order. The unit attributes and SOURCE come from the measure's
definition (CL_MEASURE annotations); DECIMALS from the value as written.
"""

from __future__ import annotations

import csv
import io

from loaders.content.common import AGENCY, VERSION, Outputs
from loaders.content.dsds import dsd_artefact
from loaders.content.national import MEASURES
from loaders.content.sources.samples import DEFAULTS, NOTE_INDICATOR, REPORTER, SAMPLES, Obs
from loaders.content.sources.samples_mig import CORRIDOR_SAMPLES
from loaders.content.sources.structures import DATAFLOWS, DSDS, TOTALS, DataflowSpec

ALL_SAMPLES: dict[str, list[Obs]] = {**SAMPLES, **CORRIDOR_SAMPLES}


def decimals(value: str) -> str:
    """Number of decimals written in ``value``."""
    return str(len(value.split(".", 1)[1])) if "." in value else "0"


def rows(spec: DataflowSpec) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one dataflow's sample."""
    dsd_spec = next(d for d in DSDS if d.id == spec.dsd)
    dsd = dsd_artefact(dsd_spec)
    assert dsd.details is not None and hasattr(dsd.details, "attributes")
    dims = [d for d, _ in dsd_spec.dimensions]
    attrs = [a.id for a in dsd.details.attributes]
    header = ["DATAFLOW", *dims, "TIME_PERIOD", "OBS_VALUE", *attrs]
    defaults = {**TOTALS, **DEFAULTS.get(spec.id, {})}
    out = []
    for obs in ALL_SAMPLES[spec.id]:
        unknown = set(obs.dims) - set(dims)
        if unknown:
            raise ValueError(f"{spec.id}: {obs} names unknown dimensions {sorted(unknown)}")
        key = {d: obs.dims.get(d, defaults.get(d, "")) for d in dims}
        key["MEASURE"] = obs.measure
        m = MEASURES[obs.measure]
        values = {
            "OBS_STATUS": obs.status,
            "UNIT_MEASURE_TYPE": m.unit.type,
            "UNIT_MEASURE": m.unit.measure,
            "UNIT_MULT": m.unit.mult,
            "SOURCE": m.sources[0],
            "NOTE_INDICATOR": NOTE_INDICATOR.get(spec.id, ""),
            "DECIMALS": decimals(obs.value),
            "UPPER_BOUND": obs.upper,
            "LOWER_BOUND": obs.lower,
            "REPORTER": obs.reporter or REPORTER.get(spec.id, "MAR"),
            "COMMENT_OBS": obs.comment,
        }
        out.append(
            [
                f"{AGENCY}:{spec.id}({VERSION})",
                *(key[d] for d in dims),
                obs.time,
                obs.value,
                *(values.get(a, "") for a in attrs),
            ]
        )
    return header, out


def sample_csv(spec: DataflowSpec) -> bytes:
    """One dataflow's sample as SDMX-CSV 1.0 bytes (UTF-8, LF line ends)."""
    header, body = rows(spec)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return buf.getvalue().encode("utf-8")


def generate(out: Outputs) -> None:
    """Add data/sample/<DF>.csv for every dataflow."""
    missing = [f.id for f in DATAFLOWS if f.id not in ALL_SAMPLES]
    if missing:
        raise ValueError(f"dataflows without sample data: {missing}")
    for spec in DATAFLOWS:
        out.add(f"data/sample/{spec.id}.csv", sample_csv(spec))
