"""Sample data: one SDMX-CSV 1.0 file per dataflow, every row made of the structure's codes and
inside the dataflow's allowed constraint (checked here from the shipped structures)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loaders.content.sources.samples import ILLUSTRATIVE
from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    ConstraintDetails,
    DataflowDetails,
    DsdDetails,
)
from tests.content.conftest import SAMPLE, read_csv

PERIOD = {"A": r"\d{4}", "Q": r"\d{4}-Q[1-4]", "M": r"\d{4}-(0[1-9]|1[0-2])"}


def _dataflows(by_id: dict[tuple[str, str, str], Artefact]) -> list[Artefact]:
    return sorted(
        (a for (t, _, _), a in by_id.items() if t == ArtefactType.DATAFLOW.value),
        key=lambda a: a.id,
    )


def test_one_sample_file_per_dataflow(by_id: dict[tuple[str, str, str], Artefact]) -> None:
    flows = {a.id for a in _dataflows(by_id)}
    files = {p.stem for p in SAMPLE.glob("*.csv")}
    assert len(flows) >= 15
    assert files == flows


def _codes(by_id: dict[tuple[str, str, str], Artefact], agency: str, cl: str) -> set[str]:
    return {i.id for i in by_id[(ArtefactType.CODELIST.value, agency, cl)].items}


@pytest.mark.parametrize("path", sorted(SAMPLE.glob("*.csv")), ids=lambda p: p.stem)
def test_sample_rows_fit_the_structure_and_constraint(
    path: Path, by_id: dict[tuple[str, str, str], Artefact]
) -> None:
    flow = by_id[(ArtefactType.DATAFLOW.value, "MA_LMIS", path.stem)]
    assert isinstance(flow.details, DataflowDetails)
    dsd = by_id[
        (
            ArtefactType.DATA_STRUCTURE.value,
            flow.details.structure.agency,
            flow.details.structure.id,
        )
    ]
    assert isinstance(dsd.details, DsdDetails)
    constraint = by_id[(ArtefactType.CONTENT_CONSTRAINT.value, "MA_LMIS", f"CC_{path.stem}")]
    assert (
        isinstance(constraint.details, ConstraintDetails) and constraint.details.role == "Allowed"
    )
    assert [a.ref for a in constraint.details.attachments if a.ref] == [flow.ref]
    dims = [d.id for d in dsd.details.key_dimensions]
    attrs = [a.id for a in dsd.details.attributes]
    header, rows = read_csv(path)
    assert header == ["DATAFLOW", *dims, "TIME_PERIOD", "OBS_VALUE", *attrs]
    assert 5 <= len(rows) <= 500
    enumerated = {
        c.id: c.representation.enumeration
        for c in dsd.details.dimensions + dsd.details.attributes
        if c.representation is not None and c.representation.enumeration is not None
    }
    codes = {cid: _codes(by_id, ref.agency, ref.id) for cid, ref in enumerated.items()}
    regions = [
        {kv.id: set(kv.values) for kv in r.key_values}
        for r in constraint.details.cube_regions
        if r.include
    ]
    keys = set()
    for n, row in enumerate(rows, start=2):
        where = f"{path.name}:{n}"
        assert row["DATAFLOW"] == f"MA_LMIS:{path.stem}(1.0)", where
        for cid, allowed in codes.items():
            if row.get(cid):
                assert row[cid] in allowed, f"{where}: {cid}={row[cid]} is not in its codelist"
        assert all(row[d] for d in dims), where
        assert any(all(row[d] in region[d] for d in region) for region in regions), (
            f"{where}: outside the constraint"
        )
        assert re.fullmatch(PERIOD[row["FREQ"]], row["TIME_PERIOD"]), where
        value = float(row["OBS_VALUE"])
        assert value >= 0, where
        if row["LOWER_BOUND"] or row["UPPER_BOUND"]:
            assert float(row["LOWER_BOUND"]) <= value <= float(row["UPPER_BOUND"]), where
        if row["OBS_STATUS"] == "Z":
            assert (
                row["COMMENT_OBS"].startswith(ILLUSTRATIVE[:40]) or "recalled" in row["COMMENT_OBS"]
            ), where
        else:
            assert row["COMMENT_OBS"] and ILLUSTRATIVE not in row["COMMENT_OBS"], (
                f"{where}: say where it comes from"
            )
        if "REPORTER" in attrs:
            assert row["REPORTER"] in {row["ORIGIN_AREA"], row["DEST_AREA"], "X01"}, where
        key = tuple(row[d] for d in dims) + (row["TIME_PERIOD"],)
        assert key not in keys, f"{where}: duplicate key"
        keys.add(key)


def test_units_and_sources_follow_the_measure_definitions(
    by_id: dict[tuple[str, str, str], Artefact],
) -> None:
    measures = {
        i.id: {a.type: a for a in i.annotations}
        for i in by_id[(ArtefactType.CODELIST.value, "MA_LMIS", "CL_MEASURE")].items
    }
    for path in sorted(SAMPLE.glob("*.csv")):
        for row in read_csv(path)[1]:
            anns = measures[row["MEASURE"]]
            unit = dict(p.split("=") for p in (anns["UNIT"].title or "").split(";"))
            got = {k: row[k] for k in ("UNIT_MEASURE_TYPE", "UNIT_MEASURE", "UNIT_MULT") if row[k]}
            assert got == unit, (path.name, row["MEASURE"])
            assert row["SOURCE"] in (anns["SOURCE"].title or "").split(","), (
                path.name,
                row["MEASURE"],
            )


def test_invented_figures_are_flagged_and_published_ones_are_kept() -> None:
    statuses: dict[str, int] = {}
    for path in SAMPLE.glob("*.csv"):
        for row in read_csv(path)[1]:
            statuses[row["OBS_STATUS"]] = statuses.get(row["OBS_STATUS"], 0) + 1
    assert statuses.get("", 0) >= 40, "published figures should make a good part of the sample"
    assert statuses.get("Z", 0) > 0 and set(statuses) <= {"", "L", "E", "F", "Z"}
    lfs = {
        (r["MEASURE"], r["TIME_PERIOD"]): r
        for r in read_csv(SAMPLE / "DF_LFS_CORE.csv")[1]
        if r["SEX"] == "SEX_T"
        and r["GEO"] == "GEO_COV_NAT"
        and r["AGE"] == "AGE_YTHADULT_YGE15"
        and r["EDU"] == "EDU_AGGREGATE_TOTAL"
        and r["REGION"] == "REG_MA_TOTAL"
    }
    assert (
        lfs[("UNE_DEAP_RT", "2023")]["OBS_VALUE"] == "13.0"
        and lfs[("UNE_DEAP_RT", "2023")]["OBS_STATUS"] == ""
    )
    assert lfs[("EMP_TEMP_NB", "2023")]["OBS_VALUE"] == "10591"
    remit = {
        (r["DEST_AREA"], r["TIME_PERIOD"]): r["OBS_VALUE"]
        for r in read_csv(SAMPLE / "DF_REMIT.csv")[1]
    }
    assert remit[("X01", "2023")] == "115150"


def test_sample_files_load_through_the_data_write_service(services: object) -> None:
    """The server's own data path accepts every sample file against the shipped structures."""
    import io

    from sdmx_server.domain.model import MaintainableRef
    from sdmx_server.services.container import Services
    from sdmx_server.services.file_loading import load_structure_files
    from tests.content.conftest import CODELISTS, DSD

    assert isinstance(services, Services)
    assert load_structure_files([CODELISTS, DSD], services.structure_store).ok
    for path in sorted(SAMPLE.glob("*.csv")):
        flow = MaintainableRef(
            type=ArtefactType.DATAFLOW, agency="MA_LMIS", id=path.stem, version="1.0"
        )
        result = services.data_write.submit(
            io.BytesIO(path.read_bytes()),
            dataflow=flow,
            keep_errors=5,
            content_type="application/vnd.sdmx.data+csv;version=1.0.0",
        )
        assert result.ok, (path.name, [str(e) for e in result.errors])
        assert result.as_dict()["inserted"] == len(read_csv(path)[1]), path.name
