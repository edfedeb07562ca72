"""Golden tests of every data writer, for every data media type the server offers: a hand-made context
and rows in (:mod:`tests.unit.golden_data`), bytes out, compared byte for byte with the files under
``tests/unit/golden/<format id>/`` and validated against the official schemas (SDMX-ML 2.1 generic
data against the SDMX-ML 2.1 XSDs; structure-specific data, 2.1 and 3.x, against the XSD the server
writes for the DSD on top of the official ones; SDMX-JSON against its JSON schemas; SDMX-CSV, which
has no schema, against the rules of its specification). The full answers are also decoded by the
independent parsers of :mod:`tests.data_parsers` and compared with what the rows say.

Every output is written three times, from the rows cut into batches as the database would, one row
per batch and all rows in one batch: the bytes must not depend on where batches end.

No server, no database (run once, in the SQLite pass). ``UPDATE_GOLDEN=1`` rewrites the golden files
(see :mod:`tests.golden`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sdmx_server.formats.data_context import ALL_DIMENSIONS, DataContext, Row
from sdmx_server.formats.media_types import MediaType
from sdmx_server.formats.registry import (
    DATA_V1,
    DATA_V2,
    DataFormat,
    data_format,
    data_writer,
    raw_data_writer,
)
from sdmx_server.formats.sdmx_json10_data import SCHEMA_URL
from sdmx_server.formats.sdmx_ml21_schema import write_schema
from sdmx_server.formats.sdmx_ml21_ss import ss_namespace
from sdmx_server.formats.sdmx_ml30_schema import write_schema_3
from sdmx_server.readers.base import ComponentRoles, DataRecord
from sdmx_server.readers.sdmx_csv import iter_csv_records
from sdmx_server.readers.sdmx_ml import iter_ml_records
from sdmx_server.readers.sniff import sniff_format
from tests.data_parsers import (
    parse_generic,
    parse_json10,
    parse_json20,
    parse_structure_specific,
)
from tests.golden import UPDATE, assert_golden
from tests.json_schemas import json_errors
from tests.sdmx_validation import xml_errors
from tests.ss_validation import ss_errors
from tests.unit import golden_data as g
from tests.unit.conftest import effective_observations

GOLDEN = Path(__file__).parent / "golden"
SCHEMA_BASE = "http://golden.example/schemas"


def _media_types() -> dict[str, MediaType]:
    """One media type per data format the server offers (v1 and v2 offer the same formats)."""
    out: dict[str, MediaType] = {}
    for media in DATA_V1 + DATA_V2:
        out.setdefault(media.format_id, media)
    return out


MEDIA = _media_types()


@dataclass(frozen=True)
class Case:
    """One golden output: which rows, which context, and whether to decode it."""

    name: str
    rows: Callable[[], list[list[Row]]]
    options: dict[str, Any] = field(default_factory=dict)  # for golden_data.context
    decode: bool = False  # compare the decoded observations with golden_data.expected_observations


COMMON = [
    Case("time", g.time_rows, decode=True),
    Case("dataonly", g.time_rows, {"detail": "dataonly"}, decode=True),
    Case("serieskeysonly", g.series_rows, {"detail": "serieskeysonly", "series_only": True}),
    Case("nodata", g.series_rows, {"detail": "nodata", "series_only": True}),
    Case("empty", list),
    Case("text-measure", g.text_rows, {"measure_type": "String"}),
    Case("french", g.time_rows, {"language": "fr"}),
    Case("arabic-some-names-missing", g.time_rows, {"language": "ar"}),
    Case("no-upper-attributes", g.time_rows, {"upper_attributes": False}),
    Case("measure-not-obs-value", g.time_rows, {"measure_id": "EMP_VALUE"}),
    Case("provision-agreement", g.time_rows, {"provision_agreements": [g.PA]}),
]
LAYOUTS = [  # not for the time-series-only formats
    Case("cross-ref-area", g.cross_rows, {"dim_at_obs": "REF_AREA"}, decode=True),
    Case("cross-indicator", lambda: g.cross_rows("INDICATOR"), {"dim_at_obs": "INDICATOR"}),
    Case("flat", g.time_rows, {"dim_at_obs": ALL_DIMENSIONS}, decode=True),
]
VERSIONS = [  # formats that carry actions and versions
    Case("history", g.history_rows, {"mode": "history"}),
    Case("changes", g.changes_rows, {"mode": "changes", "provision_agreements": [g.PA]}),
]
CSV10 = [
    Case("labels-both", g.time_rows, {"labels": "both"}),
    Case("labels-both-french", g.time_rows, {"labels": "both", "language": "fr"}),
    Case("labels-both-arabic", g.time_rows, {"labels": "both", "language": "ar"}),
    Case("time-normalized", g.time_rows, {"time_format": "normalized"}),
]
CSV2X = [
    *CSV10,
    Case("labels-name", g.time_rows, {"labels": "name"}),
    Case("labels-name-french", g.time_rows, {"labels": "name", "language": "fr"}),
    Case("labels-name-arabic", g.time_rows, {"labels": "name", "language": "ar"}),
    Case("keys-series", g.time_rows, {"csv_keys": "series"}),
    Case("keys-obs", g.time_rows, {"csv_keys": "obs"}),
    Case("keys-both", g.time_rows, {"csv_keys": "both"}),
    Case("keys-both-cross", g.cross_rows, {"csv_keys": "both", "dim_at_obs": "REF_AREA"}),
    Case("keys-both-flat", g.time_rows, {"csv_keys": "both", "dim_at_obs": ALL_DIMENSIONS}),
    Case(
        "keys-both-serieskeysonly",
        g.series_rows,
        {"csv_keys": "both", "detail": "serieskeysonly", "series_only": True},
    ),
    Case("keys-both-history", g.history_rows, {"csv_keys": "both", "mode": "history"}),
]


def cases_for(fmt: DataFormat) -> list[Case]:
    """The golden outputs of one format."""
    cases = list(COMMON)
    if not fmt.time_series_only:
        cases += LAYOUTS
    if fmt.carries_versions:
        cases += VERSIONS
    if fmt.id == "data-csv-1.0":
        cases += CSV10
    elif fmt.id.startswith("data-csv-"):
        cases += CSV2X
    return cases


def _extension(format_id: str) -> str:
    return "json" if "-json-" in format_id else "csv" if "-csv-" in format_id else "xml"


ALL_CASES = [
    pytest.param(format_id, case, id=f"{format_id}/{case.name}")
    for format_id, media in MEDIA.items()
    for case in cases_for(data_format(media))
]


def golden_path(format_id: str, case: Case) -> Path:
    """Where the golden output of one case is committed."""
    return GOLDEN / format_id / f"{case.name}.{_extension(format_id)}"


def make_context(format_id: str, case: Case) -> DataContext:
    """The context of a case, labelled as the service labels it for this format."""
    options = dict(case.options)
    fmt = data_format(MEDIA[format_id])
    options["with_labels"] = fmt.needs_labels or options.get("labels") in ("both", "name")
    return g.context(**options)


def write(format_id: str, case: Case, batches: list[list[Row]] | None = None) -> bytes:
    """The bytes the format's writer writes for the case."""
    rows = case.rows() if batches is None else batches
    writer = data_writer(MEDIA[format_id])
    return b"".join(writer(make_context(format_id, case), iter(rows)))


# ---------------------------------------------------------------- validation


def schema_errors(format_id: str, ctx: DataContext, body: bytes) -> list[str]:
    """The errors of ``body`` against the official schema of its format (the spec's rules for CSV)."""
    media = MEDIA[format_id]
    if format_id.startswith("data-generic-"):
        return xml_errors(body, "2.1")
    if format_id.startswith("data-ss-") or format_id.startswith("data-ml-3"):
        namespace = ss_namespace(ctx)
        if format_id.startswith("data-ss-"):
            xsd = write_schema(ctx.info, namespace, ctx.dim_at_obs, SCHEMA_BASE)
            return ss_errors(body, xsd, namespace, "2.1")
        version = "3.1" if format_id == "data-ml-3.1" else "3.0"
        xsd = write_schema_3(ctx.info, namespace, ctx.dim_at_obs, SCHEMA_BASE, version)
        return ss_errors(body, xsd, namespace, version)
    if "-json-" in format_id:
        doc = json.loads(body)
        if format_id == "data-json-1.0-draft":
            return _draft_json_errors(doc)
        return json_errors(media.content_type, doc)
    return csv_errors(format_id, ctx, body)


def _draft_json_errors(doc: Any) -> list[str]:
    """The draft layout has no schema: it must be the official 1.0 body at the top level."""
    errors = [f"missing {k}" for k in ("header", "dataSets", "structure") if k not in doc]
    if not errors:
        official = {
            "meta": {**doc["header"], "schema": SCHEMA_URL},
            "data": {"dataSets": doc["dataSets"], "structure": doc["structure"]},
        }
        errors = json_errors("application/vnd.sdmx.data+json;version=1.0.0", official)
    return errors


ACTIONS = {"I", "A", "R", "M", "D"}


def csv_errors(format_id: str, ctx: DataContext, body: bytes) -> list[str]:
    """SDMX-CSV 1.0 and 2.x rules: a header then one record per observation, every record as wide as
    the header; the first columns (``DATAFLOW``; ``STRUCTURE``, ``STRUCTURE_ID``, ``ACTION``); a
    column per dimension, the time period, the measure and each attribute."""
    text = body.decode("utf-8")
    errors = [] if text.endswith("\n") else ["the last record does not end with a line break"]
    records = list(csv.reader(io.StringIO(text)))
    header = records[0]
    ids = [h.split(": ", 1)[0] for h in header]
    flow = f"{g.AGENCY}:{g.FLOW}(1.0)"
    version2 = format_id != "data-csv-1.0"
    if version2:
        if ids[:2] != ["STRUCTURE", "STRUCTURE_ID"] or "ACTION" not in ids:
            errors.append(f"header starts {header[:4]}")
    elif ids[0] != "DATAFLOW":
        errors.append(f"header starts {header[0]}")
    wanted = [*g.DIMS, "TIME_PERIOD", ctx.info.primary_measure.id]
    if ctx.with_attributes:
        wanted += list(ctx.info.attributes)
    missing = [c for c in wanted if c not in ids]
    if missing:
        errors.append(f"no column for {missing}")
    if ctx.labels != "name" and len(set(header)) != len(header):
        errors.append(f"duplicate columns in {header}")
    for n, record in enumerate(records[1:], start=2):
        if len(record) != len(header):
            errors.append(f"record {n} has {len(record)} fields, the header {len(header)}")
            continue
        cells = dict(zip(ids, record, strict=True))
        if version2:
            if cells["STRUCTURE"] != "dataflow" or not cells["STRUCTURE_ID"].startswith(flow):
                errors.append(f"record {n} names {cells['STRUCTURE']} {cells['STRUCTURE_ID']}")
            if cells["ACTION"] not in ACTIONS:
                errors.append(f"record {n} has the action {cells['ACTION']!r}")
        elif not cells["DATAFLOW"].startswith(flow):
            errors.append(f"record {n} names {cells['DATAFLOW']}")
    return errors


def decode(format_id: str, body: bytes, with_attrs: bool) -> set[Any]:
    """The observations of an answer, decoded by the independent parsers of ``tests.data_parsers``."""
    dims = list(g.DIMS)
    if format_id.startswith("data-generic-"):
        return parse_generic(body, dims, with_attrs=with_attrs)
    if format_id.startswith("data-ss-") or format_id.startswith("data-ml-3"):
        return parse_structure_specific(body, dims, with_attrs=with_attrs)
    if format_id == "data-json-1.0-draft":
        doc = json.loads(body)
        official = {"data": {"structure": doc["structure"], "dataSets": doc["dataSets"]}}
        return parse_json10(json.dumps(official).encode(), with_attrs=with_attrs)
    if format_id == "data-json-1.0":
        return parse_json10(body, with_attrs=with_attrs)
    if "-json-" in format_id:
        return parse_json20(body, with_attrs=with_attrs)
    out = set()
    for row in csv.DictReader(io.StringIO(body.decode())):
        attrs = {
            k: v
            for k, v in row.items()
            if k not in (*dims, "TIME_PERIOD", "OBS_VALUE", "DATAFLOW", "STRUCTURE")
            and k not in ("STRUCTURE_ID", "ACTION")
            and v
        }
        out.add(
            (
                tuple(row[d] for d in dims),
                row["TIME_PERIOD"],
                row["OBS_VALUE"] or None,
                frozenset(attrs.items()) if with_attrs else frozenset(),
            )
        )
    return out


# ---------------------------------------------------------------- tests


def _one_row_per_batch(batches: list[list[Row]]) -> list[list[Row]]:
    return [[row] for batch in batches for row in batch]


def _one_batch(batches: list[list[Row]]) -> list[list[Row]]:
    rows = [row for batch in batches for row in batch]
    return [rows] if rows else []


@pytest.mark.parametrize(("format_id", "case"), ALL_CASES)
def test_writer_matches_its_golden_file(format_id: str, case: Case) -> None:
    body = write(format_id, case)
    assert_golden(golden_path(format_id, case), body)
    batches = case.rows()
    for recut in (_one_row_per_batch(batches), _one_batch(batches)):
        assert write(format_id, case, recut) == body, "the bytes depend on where batches end"


# Outputs the official schema refuses today: each is a bug of its writer, kept here (strict) so that
# the fix shows up as an unexpected pass and its mark is removed.
KNOWN_INVALID: dict[tuple[str, str], str] = {}  # none known


def _known_bug(reason: str | None) -> list[pytest.MarkDecorator]:
    """A strict xfail mark for a known bug (none without one)."""
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def _schema_params() -> list[Any]:
    out = []
    for p in ALL_CASES:
        format_id, case = p.values
        reason = KNOWN_INVALID.get((format_id, case.name))  # type: ignore[union-attr]
        out.append(pytest.param(format_id, case, id=p.id, marks=_known_bug(reason)))
    return out


def _every_format(bugs: dict[str, str]) -> list[Any]:
    """One parameter per data format, marked where ``bugs`` names a known bug of its writer."""
    return [pytest.param(f, marks=_known_bug(bugs.get(f)), id=f) for f in MEDIA]


@pytest.mark.parametrize(("format_id", "case"), _schema_params())
def test_writer_output_is_valid(format_id: str, case: Case) -> None:
    body = write(format_id, case)
    assert schema_errors(format_id, make_context(format_id, case), body) == []


DECODED = [p for p in ALL_CASES if p.values[1].decode]  # type: ignore[union-attr]


@pytest.mark.parametrize(("format_id", "case"), DECODED)
def test_full_answers_decode_to_the_rows(format_id: str, case: Case) -> None:
    with_attrs = case.options.get("detail", "full") == "full"
    json_format = "-json-" in format_id
    expected = g.expected_observations(with_attrs=with_attrs, nan=None if json_format else "NaN")
    assert decode(format_id, write(format_id, case), with_attrs) == expected


def test_every_data_format_has_golden_files_and_none_is_stale() -> None:
    offered = {m.format_id for m in DATA_V1 + DATA_V2}
    assert offered == set(MEDIA)
    written = {golden_path(p.values[0], p.values[1]) for p in ALL_CASES}  # type: ignore[arg-type]
    on_disk = {p for p in GOLDEN.rglob("*") if p.is_file() and p.name != "README.md"}
    if not UPDATE:
        assert on_disk == written, f"stale: {sorted(on_disk - written)}"
    for format_id in offered:
        assert {c.name for c in cases_for(data_format(MEDIA[format_id]))} >= {
            "time",
            "empty",
            "serieskeysonly",
        }


@pytest.mark.parametrize("format_id", ["data-csv-1.0", "data-csv-2.0", "data-csv-2.1"])
def test_csv_from_database_lines_is_the_csv_from_rows(format_id: str) -> None:
    """The fast path (the database writes the SDMX-CSV 1.0 lines) gives the bytes of the row writer."""
    case = Case("time", g.time_rows)
    raw = raw_data_writer(MEDIA[format_id])
    assert raw is not None
    csv10 = write("data-csv-1.0", case)
    lines = csv10.split(b"\n", 1)[1].splitlines(keepends=True)
    chunks = [b"".join(lines[:3]), b"".join(lines[3:])]  # whole lines per chunk, as COPY sends them
    body = b"".join(raw(make_context(format_id, case), iter(chunks)))
    assert body == write(format_id, case)


# ---------------------------------------------------------------- uncoded dimension values

AWKWARD_KEY = (
    'R&D "x", <y>'  # the store accepts any uncoded key value without '.' or control characters
)
AWKWARD_BUGS: dict[str, str] = {}  # every writer escapes and quotes dimension values


@pytest.mark.parametrize("format_id", _every_format(AWKWARD_BUGS))
def test_an_uncoded_key_value_to_escape_comes_back_whole(format_id: str) -> None:
    key = f"A.MAR.{AWKWARD_KEY}"
    case = Case(
        "awkward",
        lambda: [[(0, 9, key, "2020", "1.5", "A", None), (0, 9, key, "2021", "2", None, None)]],
    )
    body = write(format_id, case)
    assert {(k, p, v) for k, p, v, _ in decode(format_id, body, with_attrs=False)} == {
        (("A", "MAR", AWKWARD_KEY), "2020", "1.5"),
        (("A", "MAR", AWKWARD_KEY), "2021", "2"),
    }


NON_ID_KEY = (
    "CHÔMAGE des jeunes"  # the store accepts it: an uncoded dimension's values need not be ids
)
NON_ID_BUGS = dict.fromkeys(
    ("data-json-1.0", "data-json-1.0-draft", "data-json-2.0", "data-json-2.1"),
    "SDMX-JSON wants dimension values that are ids ([A-Za-z0-9_@$-]+); the store accepts others",
)


@pytest.mark.parametrize("format_id", _every_format(NON_ID_BUGS))
def test_an_uncoded_key_value_that_is_not_an_id_validates(format_id: str) -> None:
    key = f"A.MAR.{NON_ID_KEY}"
    case = Case("non-id", lambda: [[(0, 9, key, "2020", "1.5", "A", None)]])
    body = write(format_id, case)
    assert schema_errors(format_id, make_context(format_id, case), body) == []
    assert {k for k, _, _, _ in decode(format_id, body, with_attrs=False)} == {
        ("A", "MAR", NON_ID_KEY)
    }


# ---------------------------------------------------------------- read back by the server's readers

# The push API reads SDMX-ML 2.1 and 3.0 and SDMX-CSV (not SDMX-JSON, nor SDMX-ML 3.1 yet).
READABLE = [f for f in MEDIA if "-json-" not in f and f != "data-ml-3.1"]
ROLES = ComponentRoles(
    dimensions=g.DIMS,
    attributes=frozenset(g.info().attributes),
    groups={"SIBLING": ("REF_AREA", "INDICATOR")},
)


def read_back(body: bytes) -> list[DataRecord]:
    """The records the server's own readers (those of pushes and loads) find in a message."""
    fmt = sniff_format(body[:4096])
    if fmt.startswith("sdmx-csv"):
        return list(iter_csv_records(io.BytesIO(body), ROLES, fmt))
    return list(iter_ml_records(io.BytesIO(body), ROLES, fmt))


@pytest.mark.parametrize(
    ("format_id", "case"),
    [p for p in DECODED if p.values[0] in READABLE and "dataonly" not in str(p.id)],
)
def test_the_server_reads_back_what_it_writes(format_id: str, case: Case) -> None:
    assert effective_observations(read_back(write(format_id, case))) == g.expected_observations()


@pytest.mark.parametrize(
    "format_id", [f for f in READABLE if data_format(MEDIA[f]).carries_versions]
)
def test_the_server_reads_back_the_versions_it_writes(format_id: str) -> None:
    """Each published version comes back in its own data set, with its action and date."""
    case = next(c for c in VERSIONS if c.name == "history")
    records = [r for r in read_back(write(format_id, case)) if r.kind == "obs"]
    got = [(r.action.value, r.key, r.period, r.value) for r in records]
    assert got == [
        ("D" if str(ds).endswith("|D") else "R", tuple(key.split(".")), period, value)
        for batch in g.history_rows()
        for ds, _, key, period, value, *_ in batch
    ]
    if not format_id.startswith("data-csv-"):  # SDMX-CSV has no validity dates
        stamps = {(r.dataset, r.valid_from) for r in records}
        assert [s for _, s in sorted(stamps)] == [
            "2024-01-01T00:00:00Z",
            "2024-03-15T10:30:00.250000Z",
            "2024-06-01T08:00:00Z",
        ]
