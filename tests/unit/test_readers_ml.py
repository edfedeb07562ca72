"""SDMX-ML data readers: real specimens, every layout, hostile input, streaming."""

from __future__ import annotations

import io
import os
import resource
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import BinaryIO

import pytest
import sdmx

from sdmx_server.readers.base import (
    FORMATS,
    Action,
    ComponentRoles,
    DataReadError,
    DataRecord,
    StructureRefHint,
)
from sdmx_server.readers.sdmx_ml import iter_ml_records, read_ml_info

from .conftest import (
    ECB_EXR,
    V3_XML,
    effective_observations,
    obs_tuples,
    read_structure,
    requires_specimens,
    roles_from_structure,
)

GENERIC, SS21, SS30, _CSV1, _CSV2 = FORMATS
MES21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
MES30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"
GEN21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
SSNS21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
SSNS30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
COM30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common"

ROLES = ComponentRoles(
    dimensions=("FREQ", "REF_AREA", "SEX"),
    attributes=frozenset({"UNIT_MULT", "OBS_STATUS", "NOTE", "TITLE"}),
)


def read_file(path: Path, roles: ComponentRoles) -> list[DataRecord]:
    with path.open("rb") as f:
        fmt = read_ml_info(f).format
        return list(iter_ml_records(f, roles, fmt))


def read_bytes(
    body: str | bytes, fmt: str = SS21, roles: ComponentRoles = ROLES
) -> list[DataRecord]:
    data = body.encode() if isinstance(body, str) else body
    return list(iter_ml_records(io.BytesIO(data), roles, fmt))


def ss21(dataset: str, header: str = "<m:Header><m:ID>T</m:ID></m:Header>") -> str:
    return (
        f'<m:StructureSpecificData xmlns:m="{MES21}" xmlns:ss="{SSNS21}" xmlns:xsi="{XSI}">\n'
        f"{header}\n{dataset}\n</m:StructureSpecificData>\n"
    )


def ss30(dataset: str, header: str = "<m:Header><m:ID>T</m:ID></m:Header>") -> str:
    return (
        f'<m:StructureSpecificData xmlns:m="{MES30}" xmlns:ss="{SSNS30}" xmlns:xsi="{XSI}" '
        f'xmlns:c="{COM30}">\n{header}\n{dataset}\n</m:StructureSpecificData>\n'
    )


def generic(dataset: str, header: str = "<m:Header><m:ID>T</m:ID></m:Header>") -> str:
    return (
        f'<m:GenericData xmlns:m="{MES21}" xmlns:g="{GEN21}">\n{header}\n{dataset}\n'
        "</m:GenericData>\n"
    )


def kinds(records: list[DataRecord]) -> Counter[str]:
    return Counter(r.kind for r in records)


# --------------------------------------------------------------------------- ECB EXR, generic


@requires_specimens
class TestEcbMonthlyUsd:
    """ECB_EXR/1/M.USD.EUR.SP00.A.xml: generic 2.1, one series, 252 observations."""

    path = ECB_EXR / "1" / "M.USD.EUR.SP00.A.xml"

    @pytest.fixture(scope="class")
    @classmethod
    def records(cls) -> list[DataRecord]:
        return read_file(cls.path, roles_from_structure(ECB_EXR / "1" / "structure.xml"))

    def test_info(self) -> None:
        with self.path.open("rb") as f:
            info = read_ml_info(f)
            assert f.tell() == 0  # put back
        assert info.format == GENERIC
        assert info.structure == StructureRefHint("datastructure", "ECB", "ECB_EXR1", "1.0")
        assert info.dimension_at_observation == "TIME_PERIOD"
        assert info.header_id == "3a2ac479-1998-4fc7-824d-51fa08322adc"
        assert info.prepared == "2020-01-16T08:16:20.341+01:00"
        assert info.sender == "ECB"

    def test_counts(self, records: list[DataRecord]) -> None:
        assert kinds(records) == {"dataset": 1, "series": 1, "obs": 252}
        assert [r.kind for r in records[:3]] == ["dataset", "series", "obs"]

    def test_dataset(self, records: list[DataRecord]) -> None:
        dataset = records[0]
        assert dataset.action is Action.REPLACE
        assert dataset.valid_from == "2020-01-16T08:16:20.341+01:00"
        assert dataset.attrs == {} and dataset.key == ("", "", "", "", "")
        assert all(r.action is Action.REPLACE and r.dataset == 0 for r in records)

    def test_series(self, records: list[DataRecord]) -> None:
        series = records[1]
        assert series.key == ("M", "USD", "EUR", "SP00", "A")
        assert series.location == "line 14 (series M.USD.EUR.SP00.A)"
        assert series.attrs == {
            "DECIMALS": "4",
            "TIME_FORMAT": "P1M",
            "SOURCE_AGENCY": "4F0",
            "TITLE_COMPL": "ECB reference exchange rate, US dollar/Euro, 2:15 pm (C.E.T.)",
            "COLLECTION": "A",
            "UNIT": "USD",
            "TITLE": "US dollar/Euro",
            "UNIT_MULT": "0",
        }

    def test_observations(self, records: list[DataRecord]) -> None:
        obs = [r for r in records if r.kind == "obs"]
        first, last = obs[0], obs[-1]
        assert (first.key, first.period, first.value) == (
            ("M", "USD", "EUR", "SP00", "A"),
            "1999-01",
            "1.16078",
        )
        assert first.attrs == {"OBS_STATUS": "A"} and first.unknown == {}
        assert first.location == "line 32 (series M.USD.EUR.SP00.A, 1999-01)"
        assert (last.period, last.value, last.location) == (
            "2019-12",
            "1.111345",
            "line 1789 (series M.USD.EUR.SP00.A, 2019-12)",
        )
        assert [o.period for o in obs] == [
            f"{y}-{m:02d}" for y in range(1999, 2020) for m in range(1, 13)
        ]
        assert all(not r.unknown for r in records)

    def test_unknown_components(self) -> None:
        roles = ComponentRoles(
            dimensions=("FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX"),
            attributes=frozenset({"TITLE"}),
        )
        records = read_file(self.path, roles)
        assert records[1].attrs == {"TITLE": "US dollar/Euro"}
        assert records[1].unknown["DECIMALS"] == "4"
        assert records[2].unknown == {"OBS_STATUS": "A"}


# --------------------------------------------------------------------------- ECB EXR sample matrix

MATRIX = {
    "ng": [
        "ng-flat",
        "ng-flat-ss",
        "ng-ts",
        "ng-ts-ss",
        "ng-ts-gf",
        "ng-ts-gf-ss",
        "ng-xs",
        "ng-xs-ss",
    ],
    "rg": [
        "rg-flat",
        "rg-flat-ss",
        "rg-ts",
        "rg-ts-ss",
        "rg-ts-gf",
        "rg-ts-gf-ss",
        "rg-xs",
        "rg-xs-ss",
    ],
    "sg": [
        "sg-flat",
        "sg-ts-gf-flat-ss",
        "sg-ts",
        "sg-ts-ss",
        "sg-ts-gf",
        "sg-ts-gf-ss",
        "sg-xs",
        "sg-xs-ss",
    ],
}
GROUPS = {"ng": 0, "rg": 5, "sg": 4}
SAMPLES = [(dsd, name) for dsd, names in MATRIX.items() for name in names]
PAIRS = [(dsd, names[i], names[i + 1]) for dsd, names in MATRIX.items() for i in range(0, 8, 2)]
# The generic cross-sectional rg/sg specimens carry two data errors of their own (the
# structure-specific ones do not): the third cross-section is dated 2010-08 instead of
# 2010-10, and CHF for 2010-09 reads 1.3809 instead of 1.3089.
FAULTY = {"rg-xs", "sg-xs"}


def sample(dsd: str, name: str) -> list[DataRecord]:
    return read_file(
        ECB_EXR / f"{name}.xml", roles_from_structure(ECB_EXR / f"{dsd}-structure.xml")
    )


@requires_specimens
@pytest.mark.parametrize(("dsd", "name"), SAMPLES)
def test_sample_counts(dsd: str, name: str) -> None:
    records = sample(dsd, name)
    layout = "flat" if "flat" in name else "xs" if "xs" in name else "ts"
    expected = {
        "dataset": 1,
        "obs": 12,
        "group": GROUPS[dsd],
        "series": {"flat": 0, "xs": 3, "ts": 4}[layout],
    }
    assert kinds(records) == {k: v for k, v in expected.items() if v}
    assert all(not r.unknown for r in records)
    assert all(r.action is Action.INFORMATION for r in records)
    with (ECB_EXR / f"{name}.xml").open("rb") as f:
        info = read_ml_info(f)
    dsd_id = (
        "ECB_EXR_CG" if name == "rg-ts-ss" else f"ECB_EXR_{dsd.upper()}"
    )  # sic, in the specimen
    assert info.structure == StructureRefHint("datastructure", "ECB", dsd_id, "1.0")
    assert (
        info.dimension_at_observation
        == {"flat": "AllDimensions", "xs": "CURRENCY", "ts": "TIME_PERIOD"}[layout]
    )
    assert info.format == (SS21 if name.endswith("-ss") else GENERIC)


@requires_specimens
@pytest.mark.parametrize(("dsd", "generic_name", "ss_name"), PAIRS)
def test_generic_and_structure_specific_agree(dsd: str, generic_name: str, ss_name: str) -> None:
    gen, ss = sample(dsd, generic_name), sample(dsd, ss_name)

    def groups(records: list[DataRecord]) -> list[tuple]:
        return sorted(
            (r.key, r.group_id, sorted(r.attrs.items())) for r in records if r.kind == "group"
        )

    assert groups(gen) == groups(ss)
    if generic_name in FAULTY:
        only_gen, only_ss = obs_tuples(gen) - obs_tuples(ss), obs_tuples(ss) - obs_tuples(gen)
        assert {(k[1], p, v) for k, p, v, _a in only_gen} == {
            ("CHF", "2010-09", "1.3809"),
            ("CHF", "2010-08", "1.3452"),
            ("GBP", "2010-08", "0.87637"),
            ("JPY", "2010-08", "113.67"),
            ("USD", "2010-08", "1.3898"),
        }
        assert {(k[1], p) for k, p, _v, _a in only_ss} == {
            ("CHF", "2010-09"),
            ("CHF", "2010-10"),
            ("GBP", "2010-10"),
            ("JPY", "2010-10"),
            ("USD", "2010-10"),
        }
        return
    assert obs_tuples(gen) == obs_tuples(ss)

    def series(records: list[DataRecord]) -> list[tuple]:
        return sorted(
            (r.key, r.period, sorted(r.attrs.items())) for r in records if r.kind == "series"
        )

    assert series(gen) == series(ss)


@requires_specimens
@pytest.mark.parametrize("dsd", list(MATRIX))
def test_every_layout_gives_the_same_observations(dsd: str) -> None:
    """Time series, cross-sections and flat files hold the same data, attributes included."""
    reference = effective_observations(sample(dsd, f"{dsd}-ts-ss"))
    assert len(reference) == 12
    assert all(len(attrs) == 7 for _k, _p, _v, attrs in reference)  # every attribute, once
    for name in MATRIX[dsd]:
        if name not in FAULTY:
            assert effective_observations(sample(dsd, name)) == reference, name


@requires_specimens
def test_cross_sectional_series_carry_the_period() -> None:
    records = sample("ng", "ng-xs-ss")
    series = [r for r in records if r.kind == "series"]
    assert [(s.key, s.period) for s in series] == [
        (("M", "", "EUR", "SP00", "E"), p) for p in ("2010-08", "2010-09", "2010-10")
    ]
    assert series[0].attrs == {"COLL_METHOD": "Average of observations through period"}
    assert series[0].location == "line 15 (series M..EUR.SP00.E 2010-08)"
    first_obs = records[2]
    assert first_obs.key == ("M", "CHF", "EUR", "SP00", "E") and first_obs.period == "2010-08"
    assert first_obs.attrs["TITLE"] == "ECB reference exchange rate, Swiss franc/Euro"
    # generic: ObsDimension carries id="CURRENCY"
    assert obs_tuples(sample("ng", "ng-xs")) == obs_tuples(records)


@requires_specimens
def test_groups() -> None:
    records = sample("rg", "rg-ts-gf-ss")
    groups = [r for r in records if r.kind == "group"]
    assert groups[0].group_id == "RateGroup"
    assert groups[0].key == ("", "", "", "SP00", "E")
    assert groups[0].attrs == {"COLL_METHOD": "Average of observations through period"}
    assert groups[1].group_id == "SiblingGroup"
    assert groups[1].key == ("", "CHF", "EUR", "SP00", "E")
    assert groups[1].attrs == {
        "DECIMALS": "4",
        "UNIT_MEASURE": "CHF",
        "UNIT_MULT": "0",
        "TITLE": "ECB reference exchange rate, Swiss franc/Euro",
    }
    assert groups[1].location == "line 16 (group SiblingGroup)"
    generic_groups = [r for r in sample("rg", "rg-ts-gf") if r.kind == "group"]
    assert [(g.group_id, g.key) for g in generic_groups] == [(g.group_id, g.key) for g in groups]


@requires_specimens
@pytest.mark.parametrize("name", ["ng-ts-ss", "ng-xs-ss", "ng-flat-ss", "ng-ts"])
def test_agrees_with_sdmx1(name: str) -> None:
    """sdmx1 reads the same observations (key, period, value) from the same file."""
    dsd = read_structure(ECB_EXR / "ng-structure.xml")
    message = sdmx.read_sdmx(ECB_EXR / f"{name}.xml", structure=dsd)
    theirs = {
        (frozenset((kv.id, kv.value) for kv in obs.key.values.values()), float(obs.value))
        for ds in message.data
        for obs in ds.obs
    }
    assert sum(len(ds.obs) for ds in message.data) == len(theirs) == 12
    roles = roles_from_structure(ECB_EXR / "ng-structure.xml")
    ours = {
        (
            frozenset([*zip(roles.dimensions, r.key, strict=True), ("TIME_PERIOD", r.period)]),
            float(r.value or "nan"),
        )
        for r in sample("ng", name)
        if r.kind == "obs"
    }
    assert ours == theirs


# --------------------------------------------------------------------------- SDMX-ML 3.0


@requires_specimens
def test_v3_exchange_rates() -> None:
    roles = roles_from_structure(V3_XML / "ECB_EXR1.xml")
    path = V3_XML / "ECB_EXR0.xml"
    with path.open("rb") as f:
        info = read_ml_info(f)
    assert info.format == SS30
    assert info.structure == StructureRefHint("dataflow", "ECB", "EXR", "1.0")
    assert info.header_id == "IREF411123" and info.sender == "Unknown"
    records = read_file(path, roles)
    assert kinds(records) == {"dataset": 1, "series": 6, "obs": 116}
    assert all(r.action is Action.INFORMATION and not r.unknown for r in records)
    series = records[1]
    assert series.key == ("A", "CAD", "EUR", "SP00", "A")
    assert series.attrs["TITLE"] == "Canadian dollar/Euro" and series.attrs["UNIT_MULT"] == "0"
    obs = records[2]
    assert (obs.period, obs.value, obs.attrs) == ("1999", "1.583993822393823", {"OBS_STATUS": "A"})
    assert obs.location == "line 20 (series A.CAD.EUR.SP00.A, 1999)"
    # and sdmx1 finds the same observations
    message = sdmx.read_sdmx(path, structure=read_structure(V3_XML / "ECB_EXR1.xml"))
    theirs = {
        (tuple(kv.value for kv in o.key.values.values()), float(o.value))
        for o in message.data[0].obs
    }
    ours = {((*r.key, r.period), float(r.value or "nan")) for r in records if r.kind == "obs"}
    assert ours == theirs and len(ours) == 116


@requires_specimens
def test_v3_multi_valued_and_localised_attributes() -> None:
    records = read_file(V3_XML / "ECB_EXR_CA.xml", roles_from_structure(V3_XML / "ECB_EXR1.xml"))
    assert kinds(records) == {"dataset": 1, "series": 1, "obs": 3}
    series = records[1]
    assert series.attrs["SOURCE_AGENCY"] == "4F0;4D0;CZ2"
    assert series.attrs["SOURCE_PUB"] == "First publication source;Second publication source"
    assert (
        series.attrs["TITLE"]
        == "Some English Text;Additional English Text where lang defaults to en"
    )
    assert [(o.period, o.attrs["OBS_STATUS"]) for o in records[2:]] == [
        ("2017", "A;F"),
        ("2018", "J;U;N"),
        ("2019", "A"),
    ]


def test_v3_crafted() -> None:
    body = ss30(
        '<m:DataSet ss:structureRef="S" ss:action="Merge" xsi:type="x:DataSetType" TITLE="ds">\n'
        '<Atts REF_AREA="MA"><Comp id="NOTE"><Value><c:Text xml:lang="fr">Note</c:Text></Value></Comp></Atts>\n'
        '<Series FREQ="A" REF_AREA="MA" SEX="F"><Comp id="TITLE"><Value>a</Value><Value>b</Value></Comp>\n'
        '<Obs TIME_PERIOD="2020" type="x" OBS_VALUE="1"><Comp id="OBS_STATUS"><Value> A </Value></Comp></Obs>\n'
        "</Series>\n"
        '<Obs FREQ="A" REF_AREA="MA" TIME_PERIOD="2021" OBS_VALUE="2"/>\n'
        "</m:DataSet>",
        header="<m:Header><m:DataSetAction>Delete</m:DataSetAction></m:Header>",
    )
    records = read_bytes(body, SS30)
    assert [r.kind for r in records] == ["dataset", "group", "series", "obs", "obs"]
    assert all(r.action is Action.MERGE for r in records)
    assert records[0].attrs == {"TITLE": "ds"}
    atts = records[1]
    assert (atts.group_id, atts.key, atts.attrs) == (None, ("", "MA", ""), {"NOTE": "Note"})
    assert atts.location == "line 4 (attributes)"
    assert records[2].attrs == {"TITLE": "a;b"}
    assert (records[3].value, records[3].attrs, records[3].unknown) == (
        "1",
        {"OBS_STATUS": "A"},
        {},
    )
    flat = records[4]
    assert (flat.key, flat.period, flat.value, flat.location) == (
        ("A", "MA", ""),
        "2021",
        "2",
        "line 8",
    )


def test_v3_header_action_is_the_default() -> None:
    body = ss30(
        '<m:DataSet ss:structureRef="S"><Series FREQ="A" REF_AREA="MA" SEX="F"/></m:DataSet>',
        header="<m:Header><m:DataSetAction>Delete</m:DataSetAction></m:Header>",
    )
    assert {r.action for r in read_bytes(body, SS30)} == {Action.DELETE}


# --------------------------------------------------------------------------- crafted 2.1


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (None, Action.INFORMATION),
        ("Information", Action.INFORMATION),
        ("Append", Action.APPEND),
        ("Replace", Action.REPLACE),
        ("Delete", Action.DELETE),
        ("Merge", Action.MERGE),
    ],
)
def test_dataset_actions(action: str | None, expected: Action) -> None:
    attr = f' ss:action="{action}"' if action else ""
    records = read_bytes(
        ss21(
            f'<m:DataSet{attr}><Obs FREQ="A" REF_AREA="MA" SEX="F" TIME_PERIOD="2020"/></m:DataSet>'
        )
    )
    assert [r.action for r in records] == [expected, expected]
    attr = f' action="{action}"' if action else ""
    body = generic(
        f"<m:DataSet{attr}><g:Obs><g:ObsKey><g:Value id='FREQ' value='A'/></g:ObsKey></g:Obs></m:DataSet>"
    )
    assert [r.action for r in read_bytes(body, GENERIC)] == [expected, expected]


def test_unknown_action_is_an_error() -> None:
    with pytest.raises(DataReadError, match="unknown action 'Upsert'") as info:
        read_bytes(ss21('<m:DataSet ss:action="Upsert">\n</m:DataSet>'))
    assert info.value.location == "line 3"


def test_structure_specific_dataset_attributes_and_standard_ones() -> None:
    body = ss21(
        '<m:DataSet ss:structureRef="S" ss:setID="X" ss:dataScope="DataStructure" ss:action="Append" '
        'ss:validFromDate="2020-01-01T00:00:00" ss:validToDate="2021-01-01T00:00:00" '
        'ss:reportingBeginDate="2020" ss:reportingEndDate="2020" ss:publicationYear="2020" '
        'ss:publicationPeriod="2020" xsi:type="x:DataSetType" structureRef="S" setID="Y" dataScope="D" '
        'publicationYear="2020" UNIT_MULT="3" FOO="bar"/>'
    )
    [dataset] = read_bytes(body)
    assert dataset.kind == "dataset" and dataset.action is Action.APPEND
    assert dataset.attrs == {"UNIT_MULT": "3"} and dataset.unknown == {"FOO": "bar"}
    assert (dataset.valid_from, dataset.valid_to) == ("2020-01-01T00:00:00", "2021-01-01T00:00:00")


def test_generic_dataset_attributes_and_flat_obs() -> None:
    body = generic(
        '<m:DataSet action="Replace" validFromDate="2020-01-01T00:00:00">\n'
        "<g:Attributes><g:Value id='UNIT_MULT' value='3'/></g:Attributes>\n"
        "<g:Obs>\n<g:ObsKey><g:Value id='FREQ' value='A'/><g:Value id='SEX' value='F'/>"
        "<g:Value id='TIME_PERIOD' value='2020'/></g:ObsKey>\n<g:ObsValue value='7'/>\n"
        "<g:Attributes><g:Value id='OBS_STATUS' value='E'/><g:Value id='XX' value='1'/></g:Attributes>\n"
        "</g:Obs>\n</m:DataSet>"
    )
    dataset, obs = read_bytes(body, GENERIC)
    assert dataset.attrs == {"UNIT_MULT": "3"} and dataset.valid_from == "2020-01-01T00:00:00"
    assert (obs.key, obs.period, obs.value) == (("A", "", "F"), "2020", "7")
    assert (obs.attrs, obs.unknown, obs.location) == ({"OBS_STATUS": "E"}, {"XX": "1"}, "line 5")
    assert obs.action is Action.REPLACE and obs.valid_from == "2020-01-01T00:00:00"


def test_series_without_observations_and_missing_dimensions() -> None:
    body = ss21(
        '<m:DataSet ss:action="Delete">\n'
        '<Series FREQ="A" REF_AREA="MA"/>\n'
        '<Series FREQ="A" REF_AREA="DZ" SEX="M" UNIT_MULT="0">\n<Obs TIME_PERIOD="2020"/>\n</Series>\n'
        "</m:DataSet>"
    )
    records = read_bytes(body)
    assert [(r.kind, r.key, r.period, r.value) for r in records] == [
        ("dataset", ("", "", ""), "", None),
        ("series", ("A", "MA", ""), "", None),
        ("series", ("A", "DZ", "M"), "", None),
        ("obs", ("A", "DZ", "M"), "2020", None),
    ]
    assert records[1].location == "line 4 (series A.MA.)"
    assert records[2].attrs == {"UNIT_MULT": "0"} and records[3].attrs == {}
    assert all(r.action is Action.DELETE for r in records)


def test_empty_dataset_still_gives_a_dataset_record() -> None:
    assert [r.kind for r in read_bytes(ss21("<m:DataSet/>"))] == ["dataset"]
    assert read_bytes(ss21("")) == []


def test_several_datasets() -> None:
    body = ss21(
        '<m:DataSet ss:action="Delete"><Series FREQ="A" REF_AREA="MA" SEX="F"/></m:DataSet>\n'
        '<m:DataSet ss:action="Append"><Series FREQ="A" REF_AREA="MA" SEX="F">'
        '<Obs TIME_PERIOD="2020" OBS_VALUE="1"/></Series></m:DataSet>'
    )
    records = read_bytes(body)
    assert [(r.kind, r.dataset, r.action) for r in records] == [
        ("dataset", 0, Action.DELETE),
        ("series", 0, Action.DELETE),
        ("dataset", 1, Action.APPEND),
        ("series", 1, Action.APPEND),
        ("obs", 1, Action.APPEND),
    ]


def test_namespaced_attributes_are_not_components_and_elements_may_be_qualified() -> None:
    body = ss21(
        '<m:DataSet xmlns:e="urn:e"><e:Series FREQ="A" REF_AREA="MA" SEX="F" e:private="1">'
        '<e:Obs TIME_PERIOD="2020" OBS_VALUE="1" xsi:type="e:ObsType" e:x="y"/></e:Series></m:DataSet>'
    )
    _ds, series, obs = read_bytes(body)
    assert series.unknown == {} and obs.unknown == {} and obs.value == "1"


def test_generic_time_series_uses_dimension_at_observation() -> None:
    header = (
        "<m:Header><m:Structure structureID='S' dimensionAtObservation='REF_AREA'>"
        "<com:Structure xmlns:com='http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common'>"
        "<URN>urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_X(1.0)</URN>"
        "</com:Structure></m:Structure></m:Header>"
    )
    body = generic(
        "<m:DataSet><g:Series><g:SeriesKey><g:Value id='FREQ' value='A'/><g:Value id='SEX' value='F'/>"
        "<g:Value id='TIME_PERIOD' value='2020'/></g:SeriesKey>"
        "<g:Obs><g:ObsDimension value='MA'/><g:ObsValue value='5'/></g:Obs></g:Series></m:DataSet>",
        header=header,
    )
    records = read_bytes(body, GENERIC)
    assert (records[-1].key, records[-1].period, records[-1].value) == (
        ("A", "MA", "F"),
        "2020",
        "5",
    )
    info = read_ml_info(io.BytesIO(body.encode()))
    assert info.structure == StructureRefHint("datastructure", "ILO", "DSD_X", "1.0")
    assert info.dimension_at_observation == "REF_AREA"


@pytest.mark.parametrize(
    ("ref", "hint"),
    [
        (
            '<c:StructureUsage><Ref agencyID="ILO" id="DF_X" version="1.2"/></c:StructureUsage>',
            StructureRefHint("dataflow", "ILO", "DF_X", "1.2"),
        ),
        (
            '<c:ProvisionAgrement><Ref agencyID="ILO" id="PA_X" version="1.0"/></c:ProvisionAgrement>',
            StructureRefHint("provisionagreement", "ILO", "PA_X", "1.0"),
        ),
        (
            '<c:Structure><Ref agencyID="ILO" id="DSD_X"/></c:Structure>',
            StructureRefHint("datastructure", "ILO", "DSD_X", None),
        ),
    ],
)
def test_header_structure_references_21(ref: str, hint: StructureRefHint) -> None:
    header = (
        "<m:Header><m:ID>H1</m:ID><m:Prepared>2024-01-01T00:00:00</m:Prepared><m:Sender id='MA1'/>"
        f"<m:Structure xmlns:c='http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common' "
        f"structureID='S'>{ref}</m:Structure></m:Header>"
    )
    info = read_ml_info(io.BytesIO(ss21("<m:DataSet/>", header).encode()))
    assert info.structure == hint
    assert (info.header_id, info.prepared, info.sender) == ("H1", "2024-01-01T00:00:00", "MA1")


@pytest.mark.parametrize(
    ("element", "urn", "hint"),
    [
        (
            "StructureUsage",
            "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ILO:DF_X(1.0.0)",
            StructureRefHint("dataflow", "ILO", "DF_X", "1.0.0"),
        ),
        (
            "Structure",
            "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ILO:DSD_X(2.0)",
            StructureRefHint("datastructure", "ILO", "DSD_X", "2.0"),
        ),
        (
            "ProvisionAgreement",
            "urn:sdmx:org.sdmx.infomodel.registry.ProvisionAgreement=ILO:PA(1.0)",
            StructureRefHint("provisionagreement", "ILO", "PA", "1.0"),
        ),
        ("StructureUsage", "not a urn", None),
    ],
)
def test_header_structure_references_30(
    element: str, urn: str, hint: StructureRefHint | None
) -> None:
    header = f"<m:Header><m:Structure structureID='S'><c:{element}>{urn}</c:{element}></m:Structure></m:Header>"
    info = read_ml_info(io.BytesIO(ss30("<m:DataSet/>", header).encode()))
    assert info.structure == hint and info.format == SS30


def test_declared_format_must_match() -> None:
    with pytest.raises(
        DataReadError, match="is sdmx-ml-2.1-structurespecific, not sdmx-ml-2.1-generic"
    ):
        read_bytes(ss21("<m:DataSet/>"), GENERIC)
    with pytest.raises(ValueError, match="not an SDMX-ML data format"):
        iter_ml_records(io.BytesIO(b""), ROLES, "sdmx-csv-2.0")


# --------------------------------------------------------------------------- hostile input

EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE m:StructureSpecificData [\n'
    '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + ss21('<m:DataSet><Obs FREQ="&xxe;" TIME_PERIOD="2020"/></m:DataSet>')
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
    + ss21('<m:DataSet><Obs FREQ="A" NOTE="&lol9;" TIME_PERIOD="2020"/></m:DataSet>')
)
REMOTE_DTD = '<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">\n' + ss21(
    "<m:DataSet/>"
)
LATE_DOCTYPE = (
    "<!--" + "x" * 100_000 + "-->\n<!DOCTYPE x [<!ENTITY a 'b'>]>\n" + ss21("<m:DataSet/>")
)


@pytest.mark.parametrize(
    ("body", "location"),
    [
        (EXTERNAL_ENTITY, "line 2"),
        (BILLION_LAUGHS, "line 2"),
        (REMOTE_DTD, "line 2"),
        (LATE_DOCTYPE, "line 1"),
    ],
    ids=["external-entity", "billion-laughs", "remote-dtd", "doctype-after-long-comment"],
)
def test_doctype_is_refused(body: str, location: str) -> None:
    for encoding in ("utf-8", "utf-16"):
        data = body.replace(
            '<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>'
        ).encode(encoding)
        with pytest.raises(DataReadError, match="DOCTYPE declarations are not allowed") as info:
            read_bytes(data)
        if encoding == "utf-8":
            assert info.value.location == location
        with pytest.raises(DataReadError, match="DOCTYPE"):
            read_ml_info(io.BytesIO(data))


@pytest.mark.parametrize(
    ("body", "location", "message"),
    [
        (
            ss21('<m:DataSet>\n<Obs FREQ="A"/>\n<Obs FREQ="B"').rsplit("\n", 2)[0],
            "line 5",
            "malformed XML: (attributes construct error|Couldn't find end of Start Tag)",
        ),
        (
            ss21('<m:DataSet>\n<Obs FREQ="A"/>\n').rsplit("\n", 2)[0],
            "line 5",
            "Premature end of data",
        ),
        (ss21('<m:DataSet>\n<Obs FREQ="A"/>\n</m:Foo>'), "line 5", "mismatch"),
        (
            ss21('<m:DataSet>\n<Obs FREQ="&undefined;"/>\n</m:DataSet>'),
            "line 4",
            "Entity 'undefined' not defined",
        ),
        (ss21('<m:DataSet>\n<Obs FREQ="A" FREQ="B"/>\n</m:DataSet>'), "line 4", "redefined"),
        ("", "line 1", "empty document"),
        ("  \n", "line 1", "empty document"),
        ("not xml", "line 1", "malformed XML"),
    ],
)
def test_malformed_xml(body: str, location: str, message: str) -> None:
    with pytest.raises(DataReadError, match=message) as info:
        read_bytes(body)
    assert info.value.location == location


def test_records_before_the_error_are_delivered() -> None:
    body = ss21('<m:DataSet>\n<Obs FREQ="A" TIME_PERIOD="2020"/>\n' + "<Obs/>\n" * 5000 + "<Obs")
    seen = []
    with pytest.raises(DataReadError):
        for record in iter_ml_records(io.BytesIO(body.encode()), ROLES, SS21):
            seen.append(record)
    assert seen[0].kind == "dataset" and seen[1].period == "2020"


@requires_specimens
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            (ECB_EXR / "ng-structure.xml").read_bytes(),
            "this is a structure message, not a data message",
        ),
        ((V3_XML / "ECB_EXR1.xml").read_bytes(), "this is a structure message, not a data message"),
        (b"<html><body><p>Obs</p></body></html>", "root element html"),
        (b'<Obs xmlns="urn:x"/>', "root element Obs"),
        (
            f'<m:Error xmlns:m="{MES21}"><m:ErrorMessage code="100"/></m:Error>'.encode(),
            "error message",
        ),
    ],
)
def test_not_a_data_message(body: bytes, message: str) -> None:
    with pytest.raises(DataReadError, match=message):
        read_bytes(body)
    with pytest.raises(DataReadError, match=message):
        read_ml_info(io.BytesIO(body))


# --------------------------------------------------------------------------- streaming


class CountingStream(io.RawIOBase):
    """A file that counts the bytes handed out."""

    def __init__(self, path: Path) -> None:
        self.file: BinaryIO = path.open("rb")
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self.file.readinto(buffer)
        self.bytes_read += n or 0
        return n or 0

    def close(self) -> None:
        self.file.close()
        super().close()


def _write_ss(path: Path, series: int, per_series: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<m:StructureSpecificData xmlns:m="{MES21}" '
            f'xmlns:ss="{SSNS21}">\n<m:Header><m:ID>BIG</m:ID></m:Header>\n<m:DataSet ss:action="Replace">\n'
        )
        for s in range(series):
            f.write(f'<Series FREQ="M" REF_AREA="A{s:04d}" SEX="F" UNIT_MULT="0">\n')
            f.writelines(
                f'<Obs TIME_PERIOD="{1990 + o // 12}-{o % 12 + 1:02d}" OBS_VALUE="{o}.5" OBS_STATUS="A"/>\n'
                for o in range(per_series)
            )
            f.write("</Series>\n")
        f.write("</m:DataSet>\n</m:StructureSpecificData>\n")


def _write_generic(path: Path, series: int, per_series: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(f'<m:GenericData xmlns:m="{MES21}" xmlns:g="{GEN21}">\n<m:DataSet>\n')
        for s in range(series):
            f.write(
                f"<g:Series><g:SeriesKey><g:Value id='FREQ' value='M'/><g:Value id='REF_AREA' value='A{s:04d}'/>"
                "<g:Value id='SEX' value='F'/></g:SeriesKey>\n"
            )
            f.writelines(
                f"<g:Obs><g:ObsDimension value='{1990 + o // 12}-{o % 12 + 1:02d}'/><g:ObsValue value='{o}'/>"
                "<g:Attributes><g:Value id='OBS_STATUS' value='A'/></g:Attributes></g:Obs>\n"
                for o in range(per_series)
            )
            f.write("</g:Series>\n")
        f.write("</m:DataSet>\n</m:GenericData>\n")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("writer", "fmt", "series", "header_lines"),
    [(_write_ss, SS21, 1000, 4), (_write_generic, GENERIC, 400, 2)],
    ids=["ss-300k", "generic-120k"],
)
def test_memory_stays_flat(
    tmp_path: Path, writer: object, fmt: str, series: int, header_lines: int
) -> None:
    """Python allocations (tracemalloc) and libxml2's tree (RSS) stay small over 300 obs x series."""
    path = tmp_path / "big.xml"
    writer(path, series, 300)  # type: ignore[operator]
    has_proc = os.path.exists("/proc/self/statm")
    rss_before = _rss() if has_proc else 0
    rss_peak = rss_before
    count = 0
    last: DataRecord | None = None
    tracemalloc.start()
    try:
        with path.open("rb") as f:
            for record in iter_ml_records(f, ROLES, fmt):
                if record.kind == "obs":
                    count += 1
                    last = record
                    if has_proc and count % 20_000 == 0:
                        rss_peak = max(rss_peak, _rss())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == series * 300
    assert peak < 30 * 2**20, f"Python peak {peak / 2**20:.1f} MiB"
    if has_proc:
        # a full lxml tree of the 300k file takes 300-500 MB
        assert rss_peak - rss_before < 60 * 2**20, (
            f"RSS grew {(rss_peak - rss_before) / 2**20:.1f} MiB"
        )
    assert (
        last is not None
        and last.key == ("M", f"A{series - 1:04d}", "F")
        and last.period == "2014-12"
    )
    # beyond line 65535, where libxml2 stops counting for elements
    last_line = header_lines + (series - 1) * 302 + 1 + 300
    assert last.location == f"line {last_line} (series M.A{series - 1:04d}.F, 2014-12)"


def test_locations_are_exact_beyond_line_65535(tmp_path: Path) -> None:
    """Pretty-printed generic data, 7 lines per observation, across libxml2's line limit."""
    path = tmp_path / "pretty.xml"
    lines = [f'<m:GenericData xmlns:m="{MES21}" xmlns:g="{GEN21}">', "<m:DataSet>"]
    expected = []
    for s in range(40):
        lines += [
            "<g:Series>",
            "<g:SeriesKey>",
            f'<g:Value id="FREQ" value="M"/><g:Value id="REF_AREA" value="S{s}"/>',
            "</g:SeriesKey>",
        ]
        for o in range(400):
            expected.append((f"S{s}", len(lines) + 1))
            lines += [
                "<g:Obs>",
                f'<g:ObsDimension value="{2000 + o // 12}-{o % 12 + 1:02d}"/>',
                f'<g:ObsValue value="{o}"/>',
                "<g:Attributes>",
                '<g:Value id="OBS_STATUS" value="A"/>',
                "</g:Attributes>",
                "</g:Obs>",
            ]
        lines.append("</g:Series>")
    lines += ["</m:DataSet>", "</m:GenericData>"]
    path.write_text("\n".join(lines) + "\n")
    assert len(lines) > 100_000
    with path.open("rb") as f:
        obs = [r for r in iter_ml_records(f, ROLES, GENERIC) if r.kind == "obs"]
    assert [(r.key[1], int(r.location.split()[1])) for r in obs] == expected


def test_records_come_before_the_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    _write_ss(path, 200, 300)
    stream = CountingStream(path)
    records = iter_ml_records(stream, ROLES, SS21)  # type: ignore[arg-type]
    first_obs = next(r for r in records if r.kind == "obs")
    assert first_obs.period == "1990-01"
    assert stream.bytes_read < path.stat().st_size / 10
    stream.close()
