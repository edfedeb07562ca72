"""Golden tests of the SDMX 3.x data writers: a context and rows in, bytes out, validated against the
official schemas (SDMX-ML 3.0/3.1 with the XSD our own schema writer builds for the same DSD,
SDMX-JSON 2.0 with its JSON schema). No server, no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from lxml import etree

from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    AttributeRelationship,
    Component,
    DataflowDetails,
    DsdDetails,
    MaintainableRef,
)
from sdmx_server.formats.common import RenderContext
from sdmx_server.formats.data_context import DataContext, DatasetInfo
from sdmx_server.formats.sdmx_csv20 import write_csv20
from sdmx_server.formats.sdmx_json20_data import write_json20
from sdmx_server.formats.sdmx_json21_data import write_json21
from sdmx_server.formats.sdmx_ml30_data import write_data30, write_data31
from sdmx_server.formats.sdmx_ml30_schema import write_schema_3
from sdmx_server.services.dsd_info import ComponentInfo, DsdInfo
from tests.json_schemas import json_errors
from tests.ss_validation import ss_errors

PREPARED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
DSD_REF = MaintainableRef(
    type=ArtefactType.DATA_STRUCTURE, agency="LMIS", id="DSD_T", version="1.0"
)


def info() -> DsdInfo:
    dims = [
        Component(id="FREQ", kind="dimension", position=1),
        Component(id="AREA", kind="dimension", position=2),
        Component(id="TIME_PERIOD", kind="time", position=3),
    ]
    attrs = [
        Component(
            id="OBS_STATUS",
            kind="attribute",
            relationship=AttributeRelationship(kind="primary_measure"),
        ),
        Component(
            id="UNIT",
            kind="attribute",
            relationship=AttributeRelationship(kind="dimensions", dimensions=["FREQ", "AREA"]),
        ),
    ]
    dsd = Artefact(
        type=ArtefactType.DATA_STRUCTURE,
        agency="LMIS",
        id="DSD_T",
        version="1.0",
        details=DsdDetails(
            dimensions=dims,
            attributes=attrs,
            primary_measure=Component(id="OBS_VALUE", kind="primary_measure"),
        ),
    )
    flow = Artefact(
        type=ArtefactType.DATAFLOW,
        agency="LMIS",
        id="DF_T",
        version="1.0",
        names={"en": "Test flow"},
        details=DataflowDetails(structure=DSD_REF),
    )
    return DsdInfo(
        dataflow=flow,
        dsd=dsd,
        dataflow_pk=1,
        dimensions=[
            ComponentInfo(id="FREQ", codes=frozenset({"A", "M"})),
            ComponentInfo(id="AREA", codes=frozenset({"MAR", "TUN"})),
        ],
        time_dimension="TIME_PERIOD",
        primary_measure=ComponentInfo(id="OBS_VALUE"),
        attributes={
            "OBS_STATUS": ComponentInfo(id="OBS_STATUS", codes=frozenset({"A", "E"}), level="obs"),
            "UNIT": ComponentInfo(id="UNIT", level="series"),
        },
        groups={},
        constraints=[],
        freq_dimension="FREQ",
    )


ROWS = [
    [
        (0, 1, "A.MAR", "2020", "1.5", "A"),
        (0, 1, "A.MAR", "2021", "1.75", "E"),
        (0, 2, "A.TUN", "2020", "2", None),
    ]
]
# The database's cross-sectional order (other dimensions, time, then the observation dimension).
CROSS_ROWS = [[ROWS[0][0], ROWS[0][2], ROWS[0][1]]]
UNITS = {1: {"UNIT": "Persons & <more>"}, 2: {"UNIT": "Percent"}}


def ctx(dim_at_obs: str = "TIME_PERIOD", **kw: object) -> DataContext:
    return DataContext(
        info=info(),
        render=RenderContext(public_url="http://x", prepared=PREPARED, message_id="M1"),
        dim_at_obs=dim_at_obs,
        obs_attrs=["OBS_STATUS"],
        series_attr_lookup=lambda pks: UNITS,
        **kw,
    )


def body(chunks: object) -> bytes:
    return b"".join(chunks)  # type: ignore[arg-type]


NS = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=LMIS:DF_T(1.0):ObsLevelDim:"


@pytest.mark.parametrize("minor", ["0", "1"])
@pytest.mark.parametrize("dim_at_obs", ["TIME_PERIOD", "AREA", "AllDimensions"])
def test_ml3_valid_against_own_schema(minor: str, dim_at_obs: str) -> None:
    writer = write_data30 if minor == "0" else write_data31
    out = body(writer(ctx(dim_at_obs), iter(CROSS_ROWS if dim_at_obs == "AREA" else ROWS)))
    xsd = write_schema_3(info(), NS + dim_at_obs, dim_at_obs, "http://x/schemas", f"3.{minor}")
    assert ss_errors(out, xsd, NS + dim_at_obs, f"3.{minor}") == []


def test_ml30_golden_time_series() -> None:
    out = body(write_data30(ctx(), iter(ROWS))).decode()
    assert out == (
        "<?xml version='1.0' encoding='UTF-8'?><mes:StructureSpecificData"
        ' xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"'
        ' xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common"'
        ' xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        f' xmlns:ns1="{NS}TIME_PERIOD"><mes:Header><mes:ID>M1</mes:ID><mes:Test>false</mes:Test>'
        '<mes:Prepared>2025-01-02T03:04:05Z</mes:Prepared><mes:Sender id="SDMX_SERVER"/>'
        f'<mes:Structure structureID="STR1" namespace="{NS}TIME_PERIOD" dimensionAtObservation="TIME_PERIOD">'
        "<com:StructureUsage>urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=LMIS:DF_T(1.0)</com:StructureUsage>"
        '</mes:Structure></mes:Header><mes:DataSet ss:structureRef="STR1" xsi:type="ns1:DataSetType">'
        '<Series FREQ="A" AREA="MAR" UNIT="Persons &amp; &lt;more&gt;">'
        '<Obs TIME_PERIOD="2020" OBS_VALUE="1.5" OBS_STATUS="A"/><Obs TIME_PERIOD="2021" OBS_VALUE="1.75" OBS_STATUS="E"/>'
        '</Series><Series FREQ="A" AREA="TUN" UNIT="Percent"><Obs TIME_PERIOD="2020" OBS_VALUE="2"/></Series>'
        "</mes:DataSet></mes:StructureSpecificData>"
    )


def test_ml30_history_and_deletions_validate() -> None:
    rows = [
        [
            ("2024-01-01T00:00:00|R", 1, "A.MAR", "2020", "1.5", "A"),
            ("2024-02-01T00:00:00|D", 1, "A.MAR", "2020", None, None),
        ]
    ]

    def ds_info(key: object) -> DatasetInfo:
        stamp, _, kind = str(key).rpartition("|")
        return DatasetInfo(
            action="Delete" if kind == "D" else "Replace",
            valid_from=datetime.fromisoformat(stamp).replace(tzinfo=UTC),
        )

    out = body(write_data30(ctx(dataset_info=ds_info, history=True), iter(rows)))
    xsd = write_schema_3(info(), NS + "TIME_PERIOD", "TIME_PERIOD", "http://x/schemas", "3.0")
    assert ss_errors(out, xsd, NS + "TIME_PERIOD", "3.0") == []
    sets = etree.fromstring(out).findall("{*}DataSet")
    ss = "{http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific}"
    assert [s.get(ss + "action") for s in sets] == ["Replace", "Delete"]


@pytest.mark.parametrize("dim_at_obs", ["TIME_PERIOD", "AREA", "AllDimensions"])
def test_json20_valid_and_decodes_to_the_rows(dim_at_obs: str) -> None:
    from tests.data_parsers import parse_json20

    out = body(write_json20(ctx(dim_at_obs), iter(CROSS_ROWS if dim_at_obs == "AREA" else ROWS)))
    doc = json.loads(out)
    assert json_errors("application/vnd.sdmx.data+json;version=2.0.0", doc) == []
    assert doc["data"]["structures"][0]["measures"]["observation"][0]["id"] == "OBS_VALUE"
    got = {(k, p, v) for k, p, v, _ in parse_json20(out)}
    assert got == {
        (("A", "MAR"), "2020", "1.5"),
        (("A", "MAR"), "2021", "1.75"),
        (("A", "TUN"), "2020", "2"),
    }


def test_json20_series_only_keeps_value_lists_non_empty() -> None:
    rows = [[(0, 1, "A.MAR", None, None, None), (0, 2, "A.TUN", None, None, None)]]
    out = body(write_json20(ctx(detail="serieskeysonly", series_only=True), iter(rows)))
    assert json_errors("application/vnd.sdmx.data+json;version=2.0.0", json.loads(out)) == []


JSON21 = "application/vnd.sdmx.data+json;version=2.1.0"


@pytest.mark.parametrize("dim_at_obs", ["TIME_PERIOD", "AREA", "AllDimensions"])
def test_json21_valid_and_decodes_to_the_rows(dim_at_obs: str) -> None:
    from tests.data_parsers import parse_json20

    out = body(write_json21(ctx(dim_at_obs), iter(CROSS_ROWS if dim_at_obs == "AREA" else ROWS)))
    doc = json.loads(out)
    assert json_errors(JSON21, doc) == []
    assert list(doc) == ["$schema", "meta", "data"]
    assert (
        doc["$schema"] == "https://json.sdmx.org/2.1/sdmx-json-data-schema.json"
        and "schema" not in doc["meta"]
    )
    got = {(k, p, v) for k, p, v, _ in parse_json20(out)}
    assert got == {
        (("A", "MAR"), "2020", "1.5"),
        (("A", "MAR"), "2021", "1.75"),
        (("A", "TUN"), "2020", "2"),
    }


def test_json21_languages_history_and_series_only_validate() -> None:
    from sdmx_server.formats.common import Languages

    rows = [
        [
            ("2024-01-01T00:00:00|R", 1, "A.MAR", "2020", "1.5", "A"),
            ("2024-02-01T00:00:00|D", 1, "A.MAR", "2020", None, None),
        ]
    ]

    def ds_info(key: object) -> DatasetInfo:
        stamp, _, kind = str(key).rpartition("|")
        return DatasetInfo(
            action="Delete" if kind == "D" else "Replace",
            valid_from=datetime.fromisoformat(stamp).replace(tzinfo=UTC),
        )

    c = DataContext(
        info=info(),
        dim_at_obs="TIME_PERIOD",
        render=RenderContext(
            public_url="http://x",
            prepared=PREPARED,
            message_id="M1",
            languages=Languages(("fr-FR", "fr", "en")),
        ),
        obs_attrs=["OBS_STATUS"],
        series_attr_lookup=lambda pks: UNITS,
        dataset_info=ds_info,
        history=True,
    )
    doc = json.loads(body(write_json21(c, iter(rows))))
    assert json_errors(JSON21, doc) == []
    assert [d["action"] for d in doc["data"]["dataSets"]] == ["Replace", "Delete"]
    series_only = [[(0, 1, "A.MAR", None, None, None), (0, 2, "A.TUN", None, None, None)]]
    out = body(write_json21(ctx(detail="serieskeysonly", series_only=True), iter(series_only)))
    assert json_errors(JSON21, json.loads(out)) == []


def test_csv20_golden() -> None:
    out = body(write_csv20(ctx(), iter(ROWS))).decode()
    assert out == (
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,AREA,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT\n"
        "dataflow,LMIS:DF_T(1.0),I,A,MAR,2020,1.5,A,Persons & <more>\n"
        "dataflow,LMIS:DF_T(1.0),I,A,MAR,2021,1.75,E,Persons & <more>\n"
        "dataflow,LMIS:DF_T(1.0),I,A,TUN,2020,2,,Percent\n"
    )


def test_every_offered_data_format_is_declared_with_a_writer() -> None:
    from sdmx_server.formats.registry import DATA_V1, DATA_V2, data_format, data_writer

    for media in DATA_V1 + DATA_V2:
        assert data_format(media).id == media.format_id
        assert callable(data_writer(media))
    assert not data_format(DATA_V1[5]).carries_versions  # SDMX-CSV 1.0 has no ACTION column


def test_csv20_labels_name_golden() -> None:
    c = ctx(labels="name")
    c.code_labels.update(
        {
            "FREQ": {"A": "Annual"},
            "AREA": {"MAR": "Morocco", "TUN": "Tunisia"},
            "OBS_STATUS": {"A": "Normal", "E": "Estimated"},
        }
    )
    c.component_names.update(
        {
            "FREQ": "Frequency",
            "AREA": "Area",
            "TIME_PERIOD": "Time",
            "OBS_VALUE": "Value",
            "OBS_STATUS": "Status",
            "UNIT": "Unit",
        }
    )
    out = body(write_csv20(c, iter(ROWS))).decode()
    assert out == (
        "STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,ACTION,FREQ,Frequency,AREA,Area,TIME_PERIOD,Time,"
        "OBS_VALUE,Value,OBS_STATUS,Status,UNIT,Unit\n"
        "dataflow,LMIS:DF_T(1.0),Test flow,I,A,Annual,MAR,Morocco,2020,,1.5,,A,Normal,Persons & <more>,\n"
        "dataflow,LMIS:DF_T(1.0),Test flow,I,A,Annual,MAR,Morocco,2021,,1.75,,E,Estimated,Persons & <more>,\n"
        "dataflow,LMIS:DF_T(1.0),Test flow,I,A,Annual,TUN,Tunisia,2020,,2,,,,Percent,\n"
    )


def test_csv20_series_key_leaves_out_the_observation_dimension() -> None:
    out = body(write_csv20(ctx("AREA", csv_keys="both"), iter(CROSS_ROWS))).decode().splitlines()
    assert out[0].startswith("STRUCTURE,STRUCTURE_ID,ACTION,SERIES_KEY,OBS_KEY,FREQ,AREA,")
    assert [line.split(",")[3:5] for line in out[1:]] == [
        ["A", "A.MAR.2020"],
        ["A", "A.TUN.2020"],
        ["A", "A.MAR.2021"],
    ]
