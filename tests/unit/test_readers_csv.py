"""SDMX-CSV 1.0 / 2.0 readers: the specification's examples, broken files, streaming."""

from __future__ import annotations

import io
import time
import tracemalloc
from pathlib import Path

import pytest

from sdmx_server.readers.base import (
    Action,
    ComponentRoles,
    DataReadError,
    DataRecord,
    StructureRefHint,
)
from sdmx_server.readers.sdmx_csv import iter_csv_records, read_csv_info

from .conftest import V3_CSV, requires_specimens

CSV1, CSV2 = "sdmx-csv-1.0", "sdmx-csv-2.0"

# The components of the SDMX-CSV 2.0 specification's examples (v3/csv/example-*.csv).
ESTAT = ComponentRoles(
    dimensions=("DIM_1", "DIM_2"),
    time_dimension="DIM_3",
    attributes=frozenset({"ATTR_1", "ATTR_2", "ATTR_3"}),
)
ILO = ComponentRoles(
    dimensions=("REF_AREA", "SEX", "AGE"),
    attributes=frozenset({"OBS_STATUS", "NOTE", "UNIT_MULT"}),
)
NA_MAIN = StructureRefHint("dataflow", "ESTAT", "NA_MAIN", "1.6.0")
NORMAL = "Normal, special and other values"


def example(name: str, roles: ComponentRoles = ESTAT) -> list[DataRecord]:
    with (V3_CSV / f"example-{name}.csv").open("rb") as f:
        fmt = read_csv_info(f).format
        return list(iter_csv_records(f, roles, fmt))


def info_of(name: str) -> StructureRefHint | None:
    with (V3_CSV / f"example-{name}.csv").open("rb") as f:
        info = read_csv_info(f)
        assert f.tell() == 0  # put back
    assert info.format == CSV2
    return info.structure


def read(text: str | bytes, fmt: str = CSV2, roles: ComponentRoles = ILO) -> list[DataRecord]:
    data = text.encode() if isinstance(text, str) else text
    return list(iter_csv_records(io.BytesIO(data), roles, fmt))


def row(record: DataRecord) -> tuple:
    return (
        record.action,
        record.location,
        record.key,
        record.period,
        record.value,
        record.attrs,
        record.unknown,
    )


INFO, A, R, D, M = Action.INFORMATION, Action.APPEND, Action.REPLACE, Action.DELETE, Action.MERGE

# --------------------------------------------------------------------------- specification examples


@requires_specimens
@pytest.mark.parametrize(
    ("name", "rows"),
    [
        (
            "01",
            [
                (
                    INFO,
                    "line 2",
                    ("A", "B"),
                    "2014-01",
                    "12.4",
                    {"ATTR_2": "Y", "ATTR_3": NORMAL, "ATTR_1": "N"},
                    {"UPDATED": "2021-01-22T13:15:41Z"},
                ),
                (
                    INFO,
                    "line 3",
                    ("A", "B"),
                    "2014-02",
                    "10.8",
                    {"ATTR_2": "Y", "ATTR_3": NORMAL, "ATTR_1": "Y"},
                    {"UPDATED": "2021-01-22T13:15:41Z"},
                ),
            ],
        ),
        # STRUCTURE[;], two measures (neither is OBS_VALUE), a multi-valued ATTR_1[]
        (
            "02",
            [
                (
                    INFO,
                    "line 2",
                    ("A", "B"),
                    "2014-01",
                    None,
                    {"ATTR_3": NORMAL, "ATTR_1": "X;Y"},
                    {"OBS_VALUE1": "12.4", "OBS_VALUE2": "12.5"},
                ),
                (
                    INFO,
                    "line 3",
                    ("A", "B"),
                    "2014-02",
                    None,
                    {"ATTR_3": NORMAL, "ATTR_1": "X;Z"},
                    {"OBS_VALUE1": "10.8", "OBS_VALUE2": "10.9"},
                ),
            ],
        ),
        # SERIES_KEY is ignored
        (
            "03",
            [
                (
                    INFO,
                    "line 2",
                    ("A", "B"),
                    "2014-01",
                    None,
                    {"ATTR_3": NORMAL, "ATTR_1": "N"},
                    {"OBS_VALUE1": "12.4", "OBS_VALUE2": "12.5"},
                ),
                (
                    INFO,
                    "line 3",
                    ("A", "B"),
                    "2014-02",
                    None,
                    {"ATTR_3": NORMAL, "ATTR_1": "Y"},
                    {"OBS_VALUE1": "10.8", "OBS_VALUE2": "10.9"},
                ),
            ],
        ),
        # ';' delimiter, STRUCTURE[|], labels=both, SERIES_KEY and OBS_KEY; the decimal comma stays
        (
            "04",
            [
                (
                    INFO,
                    "line 2",
                    ("A", "B"),
                    "2014-01",
                    "12,4",
                    {"ATTR_2": "Y", "ATTR_3": NORMAL, "ATTR_1": "N"},
                    {},
                ),
                (
                    INFO,
                    "line 3",
                    ("A", "B"),
                    "2014-02",
                    "10,8",
                    {"ATTR_2": "Y", "ATTR_3": NORMAL, "ATTR_1": "Y"},
                    {},
                ),
            ],
        ),
        (
            "05",
            [
                (
                    INFO,
                    "line 2",
                    ("A", "B"),
                    "2014-01-01",
                    "12.4",
                    {"ATTR_2": "Y", "ATTR_3": NORMAL, "ATTR_1": "N"},
                    {},
                ),
                (
                    INFO,
                    "line 3",
                    ("A", "B"),
                    "2014-02-01",
                    "10.8",
                    {"ATTR_2": "Y", "ATTR_3": NORMAL, "ATTR_1": "Y"},
                    {},
                ),
            ],
        ),
        # labels=name: a name column after each component, skipped
        (
            "06",
            [
                (
                    INFO,
                    "line 2",
                    ("A", "B"),
                    "2014-01",
                    "12.4",
                    {"ATTR_1": "Y", "ATTR_2": NORMAL, "ATTR_3": "N"},
                    {},
                ),
                (
                    INFO,
                    "line 3",
                    ("A", "B"),
                    "2014-02",
                    "10.8",
                    {"ATTR_1": "Y", "ATTR_2": NORMAL, "ATTR_3": "Y"},
                    {},
                ),
            ],
        ),
        (
            "07",
            [
                (
                    INFO,
                    "line 2",
                    ("A", "B"),
                    "2014-01",
                    "12.4",
                    {"ATTR_1": "Value X;Value Y", "ATTR_2": "M, N & O;P & Q", "ATTR_3": "A;B;C"},
                    {},
                ),
                (
                    INFO,
                    "line 3",
                    ("A", "B"),
                    "2014-02",
                    "10.8",
                    {"ATTR_1": "Value X;Value Y", "ATTR_2": "M, N & O;P & Q", "ATTR_3": "A;C"},
                    {},
                ),
            ],
        ),
        # the second row is for another version of the dataflow
        (
            "08",
            [
                (
                    INFO,
                    "line 2",
                    ("A", "B"),
                    "2014-01",
                    "12.4",
                    {"ATTR_1": "en:Any Value;fr:N'importe quelle Valeur"},
                    {},
                ),
                (
                    INFO,
                    "line 3",
                    ("A", "B"),
                    "2014-02",
                    "10.8",
                    {"ATTR_1": 'en:Value "X";fr:Valeur "X"'},
                    {
                        "__row__": "the row is for dataflow ESTAT:NA_MAIN(1.7.0), "
                        "the first row for dataflow ESTAT:NA_MAIN(1.6.0)"
                    },
                ),
            ],
        ),
        (
            "10",
            [
                (A, "line 2", ("A", "B"), "2014-01", "12.4", {"ATTR_1": "X"}, {}),
                (R, "line 3", ("A", "B"), "2014-02", "10.8", {"ATTR_1": "Y"}, {}),
            ],
        ),
        # a quoted value over two physical lines
        (
            "15",
            [
                (
                    INFO,
                    "line 2",
                    ("A", "B"),
                    "2014-01",
                    "12.4",
                    {"ATTR_1": '<p>This is some "xhtml" with a line\nbreak</p>'},
                    {},
                ),
                (
                    INFO,
                    "line 4",
                    ("A", "B"),
                    "2014-02",
                    "10.8",
                    {"ATTR_1": '<p>This is some other "xhtml"</p>'},
                    {},
                ),
            ],
        ),
        (
            "16",
            [
                (D, "line 2", ("A", "B"), "2014-01", "-", {}, {}),
                (D, "line 3", ("A", "B"), "2014-02", None, {"ATTR_3": "-"}, {}),
            ],
        ),
        (
            "17",
            [
                (D, "line 2", ("", "A"), "", "-", {}, {}),
                (D, "line 3", ("", "B"), "", None, {"ATTR_3": "-"}, {}),
            ],
        ),
        ("19B", [(D, "line 2", ("", ""), "", None, {}, {})]),
    ],
)
def test_specification_examples(name: str, rows: list[tuple]) -> None:
    records = example(name)
    assert [row(r) for r in records] == rows
    assert all(r.kind == "obs" and r.dataset == 0 and r.group_id is None for r in records)


@requires_specimens
def test_example_with_several_structures() -> None:
    records = example("09A")
    first = "the first row for dataflow ESTAT:DF_NA_MAIN(1.6.0)"
    assert [r.unknown for r in records] == [
        {},
        {"__row__": f"the row is for datastructure ESTAT:DSD_NA_MAIN(1.7.0), {first}"},
        {"__row__": f"the row is for dataprovision ESTAT:DPA_NA_MAIN(1.8.0), {first}"},
    ]


@requires_specimens
def test_example_with_other_measure_and_a_partial_key() -> None:
    roles = ComponentRoles(
        dimensions=("DIM_1", "DIM_2"),
        time_dimension="DIM_3",
        primary_measure="MEAS_1",
        attributes=frozenset({"ATTR_1", "ATTR_2"}),
    )
    assert [row(r) for r in example("13", roles)] == [
        (INFO, "line 2", ("A", "B"), "2014-01", "12.4", {"ATTR_1": "N"}, {}),
        (INFO, "line 3", ("", "B"), "", None, {"ATTR_2": "Y"}, {}),
    ]


@requires_specimens
@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("09B", "DIM_1, DIM_2, DIM_3"),
        ("12", "DIM_1"),
        ("14", "DIM_1, DIM_3"),
        ("18", "DIM_1"),
        ("19A", "DIM_1, DIM_2, DIM_3"),
    ],
)
def test_examples_without_key_columns_are_refused(name: str, missing: str) -> None:
    with (V3_CSV / f"example-{name}.csv").open("rb") as f, pytest.raises(DataReadError) as info:
        iter_csv_records(f, ESTAT, CSV2)  # raises before any record
    assert info.value.location == "line 1"
    assert info.value.message == f"missing column(s) {missing}"


@requires_specimens
@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("01", NA_MAIN),
        ("02", NA_MAIN),
        ("04", NA_MAIN),
        ("05", NA_MAIN),
        ("06", NA_MAIN),
        ("08", NA_MAIN),
        ("09A", StructureRefHint("dataflow", "ESTAT", "DF_NA_MAIN", "1.6.0")),
        ("11", StructureRefHint("datastructure", "AGENCY", "DF_ID", None)),
        ("12", StructureRefHint("provisionagreement", "AGENCY", "DPA_ID", "1.0.0")),
        ("19A", StructureRefHint("datastructure", "ESTAT", "DSD_NA_MAIN", "1.6.0")),
    ],
)
def test_structure_of_examples(name: str, hint: StructureRefHint) -> None:
    assert info_of(name) == hint


# --------------------------------------------------------------------------- crafted files

HEADER = "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,SEX,AGE,TIME_PERIOD,OBS_VALUE,OBS_STATUS,NOTE\n"


def test_csv_10_with_labels() -> None:
    text = (
        "DATAFLOW,REF_AREA: Reference area,SEX: Sex,AGE: Age,TIME_PERIOD: Time,OBS_VALUE: Value,"
        "OBS_STATUS: Status\n"
        "ILO:DF_UNE(1.0): Unemployment,MA: Morocco,F: Female,Y15T24: 15-24 years,2020: 2020,12.5,E: Estimated\n"
    )
    info = read_csv_info(io.BytesIO(text.encode()))
    assert info.format == CSV1
    assert info.structure == StructureRefHint("dataflow", "ILO", "DF_UNE", "1.0")
    [record] = read(text, CSV1)
    assert row(record) == (
        INFO,
        "line 2",
        ("MA", "F", "Y15T24"),
        "2020",
        "12.5",
        {"OBS_STATUS": "E"},
        {},
    )


def test_csv_10_has_no_action_column() -> None:
    text = "DATAFLOW,REF_AREA,SEX,AGE,TIME_PERIOD,OBS_VALUE,ACTION\nILO:DF(1.0),MA,F,T,2020,1,D\n"
    [record] = read(text, CSV1)
    assert record.action is INFO and record.unknown == {"ACTION": "D"}


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(delimiter: str) -> None:
    text = HEADER + "dataflow,ILO:DF(1.0),A,MA,F,Y15T64,2020-Q1,4.5,,\n"
    [record] = read(text.replace(",", delimiter))
    assert row(record) == (A, "line 2", ("MA", "F", "Y15T64"), "2020-Q1", "4.5", {}, {})


def test_bom_blank_lines_crlf_and_quoting() -> None:
    text = (
        "\ufeff" + HEADER.replace("\n", "\r\n") + "\r\n"
        'dataflow,ILO:DF(1.0),R,MA,F,"Y15T64",2020,"1,5",A,"two\r\nlines, ""quoted"""\r\n'
        "\r\n"
        "dataflow,ILO:DF(1.0),R,DZ,M,Y15T64,2020,2,,\r\n"
    )
    first, second = read(text)
    assert row(first) == (
        R,
        "line 3",
        ("MA", "F", "Y15T64"),
        "2020",
        "1,5",
        {"OBS_STATUS": "A", "NOTE": 'two\r\nlines, "quoted"'},
        {},
    )
    assert row(second) == (R, "line 6", ("DZ", "M", "Y15T64"), "2020", "2", {}, {})


@pytest.mark.parametrize(
    ("cell", "action", "unknown"),
    [
        ("I", INFO, {}),
        ("A", A, {}),
        ("R", R, {}),
        ("D", D, {}),
        ("M", M, {}),
        ("", INFO, {}),
        ("d", D, {}),
        ("D: Delete", D, {}),
        ("X", INFO, {"__row__": "unknown ACTION 'X' (expected I, A, R, D or M)"}),
        ("Upsert", INFO, {"__row__": "unknown ACTION 'Upsert' (expected I, A, R, D or M)"}),
    ],
)
def test_actions(cell: str, action: Action, unknown: dict[str, str]) -> None:
    [record] = read(HEADER + f"dataflow,ILO:DF(1.0),{cell},MA,F,T,2020,1,,\n")
    assert (record.action, record.unknown) == (action, unknown)


def test_several_row_problems() -> None:
    text = (
        HEADER + "dataflow,ILO:DF(1.0),I,MA,F,T,2020,1,,\ndataflow,ILO:DF(2.0),Z,MA,F,T,2021,1,,\n"
    )
    assert read(text)[1].unknown == {
        "__row__": (
            "unknown ACTION 'Z' (expected I, A, R, D or M); "
            "the row is for dataflow ILO:DF(2.0), the first row for dataflow ILO:DF(1.0)"
        )
    }


def test_no_action_column_means_information() -> None:
    text = "STRUCTURE,STRUCTURE_ID,REF_AREA,SEX,AGE,TIME_PERIOD,OBS_VALUE\ndataflow,ILO:DF(1.0),MA,F,T,2020,1\n"
    assert read(text)[0].action is INFO


def test_unknown_and_output_only_columns() -> None:
    text = (
        "STRUCTURE,STRUCTURE_ID,SERIES_KEY,OBS_KEY,REF_AREA,SEX,AGE,TIME_PERIOD,OBS_VALUE,COMMENT,UNIT_MULT\n"
        "dataflow,ILO:DF(1.0),MA.F.T,MA.F.T.2020,MA,F,T,2020,1,hello,3\n"
        "dataflow,ILO:DF(1.0),MA.F.T,MA.F.T.2021,MA,F,T,2021,2,,\n"
    )
    first, second = read(text)
    assert (first.attrs, first.unknown) == ({"UNIT_MULT": "3"}, {"COMMENT": "hello"})
    assert (second.attrs, second.unknown) == ({}, {})


def test_labels_name_columns_are_skipped() -> None:
    """With STRUCTURE_NAME (labels=name), the column after each component holds its label."""
    text = (
        "STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,ACTION,REF_AREA,Reference area,SEX,Sex,AGE,Age,"
        "TIME_PERIOD,Time,OBS_VALUE,Value,OBS_STATUS,Status,COMMENT,Comment\n"
        "dataflow,ILO:DF(1.0),Unemployment,I,MA,Morocco,F,Female,T,Total,2020,2020,1,,E,Estimated,hi,\n"
    )
    [record] = read(text)
    assert row(record) == (
        INFO,
        "line 2",
        ("MA", "F", "T"),
        "2020",
        "1",
        {"OBS_STATUS": "E"},
        {"COMMENT": "hi"},
    )


def test_wrong_cell_counts_do_not_stop_the_read() -> None:
    text = HEADER + (
        "dataflow,ILO:DF(1.0),A,MA,F,T,2020,1,,\n"
        "dataflow,ILO:DF(1.0),A,MA,F,T,2021,2,,,extra\n"
        "dataflow,ILO:DF(1.0),A,MA\n"
        "dataflow,ILO:DF(1.0),A,MA,F,T,2022,3,,\n"
    )
    records = read(text)
    assert [(r.location, r.unknown) for r in records] == [
        ("line 2", {}),
        ("line 3", {"__row__": "expected 10 cells, got 11"}),
        ("line 4", {"__row__": "expected 10 cells, got 4"}),
        ("line 5", {}),
    ]
    assert records[1].key == ("", "", "") and records[1].attrs == {} and records[1].value is None
    assert records[3].period == "2022"


def test_missing_columns_are_refused_before_any_record() -> None:
    text = "STRUCTURE,STRUCTURE_ID,REF_AREA,TIME_PERIOD,OBS_VALUE\ndataflow,ILO:DF(1.0),MA,2020,1\n"
    with pytest.raises(DataReadError) as info:
        iter_csv_records(io.BytesIO(text.encode()), ILO, CSV2)
    assert (info.value.location, info.value.message) == ("line 1", "missing column(s) SEX, AGE")
    with pytest.raises(DataReadError, match="missing column\\(s\\) TIME_PERIOD"):
        read("STRUCTURE,STRUCTURE_ID,REF_AREA,SEX,AGE,OBS_VALUE\n")
    with pytest.raises(DataReadError, match="missing column\\(s\\) STRUCTURE_ID"):
        read("STRUCTURE,REF_AREA,SEX,AGE,TIME_PERIOD\n")
    # no time dimension in the DSD: no time column needed, and the measure column is optional
    roles = ComponentRoles(dimensions=("REF_AREA",), time_dimension=None)
    [record] = read("STRUCTURE,STRUCTURE_ID,REF_AREA\ndataflow,ILO:DF(1.0),MA\n", roles=roles)
    assert (record.key, record.period, record.value) == (("MA",), "", None)


def test_duplicate_columns_are_refused() -> None:
    with pytest.raises(DataReadError, match="duplicate column SEX"):
        read("STRUCTURE,STRUCTURE_ID,REF_AREA,SEX,AGE,TIME_PERIOD,SEX: Sex\n")


def test_sub_value_delimiter_is_normalised() -> None:
    text = (
        "STRUCTURE[|];STRUCTURE_ID;REF_AREA;SEX;AGE;TIME_PERIOD;NOTE[];OBS_STATUS\n"
        "dataflow;ILO:DF(1.0);MA;F;T;2020;a|b|c;A|B\n"
    )
    [record] = read(text)
    assert record.attrs == {
        "NOTE": "a;b;c",
        "OBS_STATUS": "A|B",
    }  # only [] columns are multi-valued


def test_invalid_utf8_is_located() -> None:
    lines = [HEADER] + [
        f"dataflow,ILO:DF(1.0),A,MA,F,T,{2000 + i % 20},{i},,\n" for i in range(60_000)
    ]
    data = bytearray("".join(lines).encode())
    position = data.index(b"\n", len("".join(lines[:49_999]).encode()) - 1)  # end of line 49,999
    data[position + 10] = 0xE9  # inside line 50,000, past the first 1 MiB block
    seen = 0
    with pytest.raises(DataReadError, match="invalid UTF-8 \\(byte 0xe9\\)") as info:
        for _record in iter_csv_records(io.BytesIO(bytes(data)), ILO, CSV2):
            seen += 1
    assert info.value.location == "line 50000"
    assert seen > 1000  # the rows before were delivered
    with pytest.raises(DataReadError, match="invalid UTF-8") as info:
        read(HEADER.encode() + "dataflow,ILO:DF(1.0),A,MA,F,T,2020,1,Québec,\n".encode("latin-1"))
    assert info.value.location == "line 2"
    with pytest.raises(DataReadError, match="invalid UTF-8") as info:
        read(b"STRUCTURE,STRUCTURE_ID,\xff\n")
    assert info.value.location == "line 1"


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        (HEADER + 'dataflow,ILO:DF(1.0),A,MA,F,T,2020,"1"x,,\n', "line 2", "malformed CSV"),
        (
            HEADER + 'dataflow,ILO:DF(1.0),A,MA,F,T,2020,1,,"unclosed\nmore\n',
            "line 2",
            "malformed CSV",
        ),
        (
            HEADER + "dataflow,ILO:DF(1.0),A,MA,F,T,2020,1,," + '"' + "x" * 200_000 + '"\n',
            "line 2",
            "malformed CSV",
        ),
        ("", "line 1", "empty message"),
        ("FREQ,REF_AREA\nA,MA\n", "line 1", "DATAFLOW"),
    ],
)
def test_broken_files(text: str, location: str, message: str) -> None:
    with pytest.raises(DataReadError, match=message) as info:
        read(text)
    assert info.value.location == location


def test_declared_format_must_match() -> None:
    with pytest.raises(DataReadError, match="is sdmx-csv-2.0, not sdmx-csv-1.0"):
        read(HEADER, CSV1)
    with pytest.raises(ValueError, match="not an SDMX-CSV format"):
        iter_csv_records(io.BytesIO(HEADER.encode()), ILO, "sdmx-ml-2.1-generic")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (HEADER, None),
        (
            HEADER + "\n\ndataprovision,ILO:MA_HCP.DF_UNE(1.2): Agreement,A,MA,F,T,2020,1,,\n",
            StructureRefHint("provisionagreement", "ILO", "MA_HCP.DF_UNE", "1.2"),
        ),
        (
            HEADER + "datastructure: Data structure,ILO:DSD_UNE,A,MA,F,T,2020,1,,\n",
            StructureRefHint("datastructure", "ILO", "DSD_UNE", None),
        ),
    ],
)
def test_info(text: str, hint: StructureRefHint | None) -> None:
    stream = io.BytesIO(text.encode())
    stream.seek(0)
    assert read_csv_info(stream).structure == hint
    assert stream.tell() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + "dataset,ILO:DF(1.0),A,MA,F,T,2020,1,,\n", "unknown STRUCTURE 'dataset'"),
        (HEADER + "dataflow,DF_UNE,A,MA,F,T,2020,1,,\n", "cannot read structure 'DF_UNE'"),
        ("DATAFLOW,REF_AREA\nnonsense,MA\n", "cannot read structure 'nonsense'"),
    ],
)
def test_info_refuses_bad_structures(text: str, message: str) -> None:
    with pytest.raises(DataReadError, match=message) as info:
        read_csv_info(io.BytesIO(text.encode()))
    assert info.value.location == "line 2"


# --------------------------------------------------------------------------- streaming


def _write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER.replace("NOTE", "UNIT_MULT"))
        f.writelines(
            f"dataflow,ILO:DF_UNE(1.0),I,A{i // 300:04d},F,Y15T64,{1990 + (i % 300) // 12}-{i % 12 + 1:02d},"
            f"{i}.5,A,0\n"
            for i in range(rows)
        )


@pytest.mark.slow
def test_memory_stays_flat(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    _write_csv(path, 300_000)
    count = 0
    last: DataRecord | None = None
    tracemalloc.start()
    try:
        with path.open("rb") as f:
            for record in iter_csv_records(f, ILO, CSV2):
                count += 1
                last = record
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 300_000
    assert peak < 30 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert (
        last is not None and last.location == "line 300001" and last.key == ("A0999", "F", "Y15T64")
    )
    assert (last.period, last.value, last.attrs) == (
        "2014-12",
        "299999.5",
        {"OBS_STATUS": "A", "UNIT_MULT": "0"},
    )


@pytest.mark.slow
def test_a_million_rows_in_a_few_seconds(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    _write_csv(path, 1_000_000)
    started = time.process_time()  # CPU time of this process: the figure holds on a loaded machine
    with path.open("rb") as f:
        count = sum(1 for _ in iter_csv_records(f, ILO, CSV2))
    elapsed = time.process_time() - started
    assert count == 1_000_000
    assert elapsed < 15, f"{elapsed:.1f} s of CPU"  # about 2.5 s on the 2-core development machine


def test_records_come_before_the_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    _write_csv(path, 100_000)

    class Counting(io.FileIO):
        bytes_read = 0

        def read(self, size: int = -1) -> bytes:
            data = super().read(size)
            Counting.bytes_read += len(data)
            return data

    with Counting(path, "rb") as f:
        first = next(iter_csv_records(f, ILO, CSV2))
        assert first.location == "line 2"
        assert Counting.bytes_read <= 2**20 < path.stat().st_size
