"""Mandatory attributes above the observation level: given in the submission or already stored.

A series that a submission adds or changes observations of needs a value for
every mandatory series attribute of the DSD (for ECB_EXR1: TIME_FORMAT,
COLLECTION, DECIMALS, TITLE_COMPL, UNIT, UNIT_MULT), from the submission
itself or from what is stored for it, embargoed (pending) releases included;
likewise the data set for mandatory data set attributes. A refused
submission lists one error per missing attribute and series, and writes
nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from sdmx_server.services.container import Services
from sdmx_server.services.data_write import SubmissionResult
from tests import fixtures
from tests.clock import FakeClock
from tests.conftest import (
    DatabaseFactory,
    add_dataflow,
    load_data,
    load_files,
    make_settings,
    sample_flow,
)
from tests.push.conftest import (
    CSV10_TYPE,
    GENERIC21_TYPE,
    SERIES_ATTRS,
    SS21_TYPE,
    PushEnv,
    exr_observations,
    exr_series_attr_values,
    snapshot,
)
from tests.push.test_embargo import release_in, still_before, wait_until
from tests.push.test_hostile_input import errors, refused

MANDATORY = SERIES_ATTRS.split(",")  # the mandatory series attributes of ECB_EXR1
assert MANDATORY == ["TIME_FORMAT", "COLLECTION", "DECIMALS", "TITLE_COMPL", "UNIT", "UNIT_MULT"]
CHF, GBP, USD = "M.CHF.EUR.SP00.A", "M.GBP.EUR.SP00.A", "M.USD.EUR.SP00.A"
DIMS = ("FREQ", "CURRENCY", "CURRENCY_DENOM", "EXR_TYPE", "EXR_SUFFIX")


def csv10(
    rows: list[tuple[str, str, str, dict[str, str]]],
    flow: str = "ECB:EXR(1.0)",
    columns: list[str] = MANDATORY,
) -> str:
    """SDMX-CSV 1.0: (series key, period, value, attribute values) rows; OBS_STATUS A on every row,
    one column per attribute of ``columns`` (empty where a row has no value)."""
    lines = [",".join(["DATAFLOW", *DIMS, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", *columns])]
    for key, period, value, attrs in rows:
        lines.append(
            ",".join(
                [flow, *key.split("."), period, value, "A", *(attrs.get(c, "") for c in columns)]
            )
        )
    return "\n".join(lines) + "\n"


def ml21(
    series: list[tuple[str, dict[str, str], list[tuple[str, str]]]], generic: bool = False
) -> str:
    """SDMX-ML 2.1 (structure-specific or generic) for ECB:EXR(1.0): (key, series attributes,
    [(period, value)]) per series; OBS_STATUS A on every observation."""
    ns = (
        'xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
        'xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common" '
    )
    head = (
        "<mes:Header><mes:ID>M1</mes:ID><mes:Test>false</mes:Test><mes:Prepared>2026-01-01T00:00:00Z"
        '</mes:Prepared><mes:Sender id="ECB"/><mes:Structure structureID="EXR" dimensionAtObservation="TIME_PERIOD"'
        '><com:StructureUsage><Ref agencyID="ECB" id="EXR" version="1.0"/></com:StructureUsage></mes:Structure>'
        "</mes:Header>"
    )
    body = []
    for key, attrs, observations in series:
        if generic:
            dims = "".join(
                f'<gen:Value id="{d}" value="{v}"/>'
                for d, v in zip(DIMS, key.split("."), strict=True)
            )
            values = "".join(f'<gen:Value id="{a}" value="{v}"/>' for a, v in attrs.items())
            body.append(
                f"<gen:Series><gen:SeriesKey>{dims}</gen:SeriesKey>"
                + (f"<gen:Attributes>{values}</gen:Attributes>" if attrs else "")
                + "".join(
                    f'<gen:Obs><gen:ObsDimension value="{p}"/><gen:ObsValue value="{v}"/>'
                    '<gen:Attributes><gen:Value id="OBS_STATUS" value="A"/></gen:Attributes></gen:Obs>'
                    for p, v in observations
                )
                + "</gen:Series>"
            )
        else:
            cells = {**dict(zip(DIMS, key.split("."), strict=True)), **attrs}
            body.append(
                "<Series"
                + "".join(f' {k}="{v}"' for k, v in cells.items())
                + ">"
                + "".join(
                    f'<Obs TIME_PERIOD="{p}" OBS_VALUE="{v}" OBS_STATUS="A"/>'
                    for p, v in observations
                )
                + "</Series>"
            )
    if generic:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<mes:GenericData {ns}'
            'xmlns:gen="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic">'
            f'{head}\n<mes:DataSet structureRef="EXR" action="Append">\n'
            + "\n".join(body)
            + "\n</mes:DataSet></mes:GenericData>\n"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<mes:StructureSpecificData {ns}'
        'xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'{head}\n<mes:DataSet ss:structureRef="EXR" action="Append">\n'
        + "\n".join(body)
        + "\n</mes:DataSet></mes:StructureSpecificData>\n"
    )


def series_attributes(env: PushEnv, key: str, flow: str = "EXR") -> dict[str, str]:
    """The latest stored (not deleted) series attributes of a series, embargoed ones included."""
    with env.services.engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT p.attrs FROM data_attribute_value p JOIN data_series s ON s.pk = p.series_pk"
                " JOIN structure_artefact a ON a.pk = s.dataflow_pk WHERE a.resource_id = :flow AND s.series_key = :k"
                " AND p.level = 'series' AND p.valid_to IS NULL AND NOT p.is_deleted"
            ),
            {"flow": flow, "k": key},
        ).all()
    assert len(found) <= 1, found
    if not found:
        return {}
    attrs = found[0][0]
    return dict(json.loads(attrs) if isinstance(attrs, str) else attrs)


def written(r: httpx.Response, inserted: int) -> None:
    assert r.status_code == 200, r.text[:1000]
    report = r.json()
    assert (report["status"], report["errorCount"], report["inserted"]) == (
        "written",
        0,
        inserted,
    ), report


def missing_errors(r: httpx.Response) -> dict[tuple[str, str], str]:
    """(series key named in the reason, attribute) -> location, of the missing-attribute errors;
    every error of the report must be one."""
    out = {}
    for e in r.json()["errors"]:
        assert e["reason"].startswith("mandatory series attribute missing for series "), e
        key = (
            e["reason"].removeprefix("mandatory series attribute missing for series ").split(":")[0]
        )
        assert e["value"] == "" and (key, e["component"]) not in out, e
        out[(key, e["component"])] = e["location"]
    return out


CHF_ATTRS = exr_series_attr_values("M", "CHF")
GBP_ATTRS = exr_series_attr_values("M", "GBP")


# ------------------------------------------------------------------ SDMX-CSV


def test_a_new_series_without_its_mandatory_attributes_is_refused_whole(exr_env: PushEnv) -> None:
    partial = {
        a: CHF_ATTRS[a] for a in ("TIME_FORMAT", "COLLECTION", "DECIMALS", "UNIT")
    }  # no TITLE_COMPL, UNIT_MULT
    body = csv10(
        [
            (USD, "2031-01", "1.1", {}),  # a stored series with its attributes: fine without them
            (CHF, "2031-01", "0.9", partial),  # new, two attributes missing
            (CHF, "2031-02", "0.91", {}),
            (GBP, "2031-01", "0.8", {}),  # new, every attribute missing
        ]
    )
    r = refused(exr_env, body)
    assert r.json()["errorCount"] == 2 + len(MANDATORY)
    # One error per series and missing attribute, at the series' first row, naming both.
    assert missing_errors(r) == {
        (CHF, "TITLE_COMPL"): "line 3",
        (CHF, "UNIT_MULT"): "line 3",
        **{(GBP, a): "line 5" for a in MANDATORY},
    }
    assert [e["location"] for e in r.json()["errors"]] == ["line 3"] * 2 + [
        "line 5"
    ] * 6  # in message order
    # The same message with the missing values given (the rest of CHF's on its second row: any row of
    # the series may carry them) is written whole.
    rest = {a: v for a, v in CHF_ATTRS.items() if a not in partial}
    written(
        exr_env.push(
            csv10(
                [
                    (USD, "2031-01", "1.1", {}),
                    (CHF, "2031-01", "0.9", partial),
                    (CHF, "2031-02", "0.91", rest),
                    (GBP, "2031-01", "0.8", GBP_ATTRS),
                ]
            )
        ),
        4,
    )
    assert (
        series_attributes(exr_env, CHF) == CHF_ATTRS
        and series_attributes(exr_env, GBP) == GBP_ATTRS
    )


def test_missing_attributes_are_reported_with_the_rows_errors(exr_env: PushEnv) -> None:
    """One report lists every error: a bad row does not hide the attributes a new series lacks,
    and an attribute with an invalid value is not also reported as missing."""
    bad_unit = {**CHF_ATTRS, "UNIT": "NOT_A_CURRENCY"}
    r = refused(
        exr_env,
        csv10(
            [
                (USD, "2031-01", "abc", {}),  # not a number
                (GBP, "2031-01", "0.8", {}),  # new, every attribute missing
                (CHF, "2031-01", "0.9", bad_unit),
            ]
        ),
    )  # new, one invalid attribute
    found = {(e["location"], e["component"]) for e in r.json()["errors"]}
    assert ("line 2", "OBS_VALUE") in found
    assert {("line 3", a) for a in MANDATORY} <= found
    assert ("line 4", "UNIT") in found
    assert r.json()["errorCount"] == 1 + len(MANDATORY) + 1, r.json()["errors"]


def test_an_append_to_a_stored_series_need_not_repeat_them(exr_env: PushEnv) -> None:
    stored_usd = series_attributes(exr_env, USD)
    assert set(MANDATORY) <= set(stored_usd)  # loaded with the ECB's own message
    written(
        exr_env.push(csv10([(USD, "2031-01", "1.2", {})], columns=[])), 1
    )  # no attribute column at all
    # A series created by one submission, appended to by the next ones (CSV and SDMX-ML) without them.
    written(exr_env.push(csv10([(CHF, "2031-01", "0.9", CHF_ATTRS)])), 1)
    written(exr_env.push(csv10([(CHF, "2031-02", "0.91", {})], columns=[])), 1)
    written(exr_env.push(ml21([(CHF, {}, [("2031-03", "0.92")])]), content_type=SS21_TYPE), 1)
    written(
        exr_env.push(
            ml21([(CHF, {}, [("2031-04", "0.93")])], generic=True), content_type=GENERIC21_TYPE
        ),
        1,
    )
    # Changing one of them alone is fine too; the others stay as stored.
    written(
        exr_env.push(csv10([(CHF, "2031-05", "0.94", {"DECIMALS": "5"})], columns=["DECIMALS"])), 1
    )
    assert series_attributes(exr_env, CHF) == {**CHF_ATTRS, "DECIMALS": "5"}
    assert series_attributes(exr_env, USD) == stored_usd
    assert {p for (k, p) in exr_observations(exr_env.services) if k == CHF} == {
        f"2031-0{m}" for m in range(1, 6)
    }


def test_deletions_need_no_attributes(exr_env: PushEnv) -> None:
    """A message that only deletes observations adds nothing to a series: no attribute is asked for."""
    header = (
        "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,"
        "OBS_VALUE"
    )
    r = exr_env.push(
        f"{header}\ndataflow,ECB:EXR(1.0),D,M,USD,EUR,SP00,A,2019-12,\n"
        "dataflow,ECB:EXR(1.0),D,M,CHF,EUR,SP00,A,2031-01,\n",  # a series that does not exist
        content_type="application/vnd.sdmx.data+csv;version=2.0.0",
    )
    assert r.status_code == 200 and r.json()["deleted"] == 1, r.text


def test_attributes_given_only_in_a_pending_embargoed_release_count(exr_env: PushEnv) -> None:
    release = datetime.now(UTC) + timedelta(hours=1)
    r = exr_env.push(
        csv10([(CHF, "2031-01", "0.9", CHF_ATTRS)]), params={"releaseDate": release.isoformat()}
    )
    written(r, 1)
    # The series and its attributes are stored but not yet public; a live append relies on them.
    written(exr_env.push(ml21([(CHF, {}, [("2031-02", "0.91")])]), content_type=SS21_TYPE), 1)
    assert series_attributes(exr_env, CHF) == CHF_ATTRS
    # A series given nothing anywhere is still refused.
    r = refused(exr_env, ml21([(GBP, {}, [("2031-01", "0.8")])]), SS21_TYPE)
    assert set(missing_errors(r)) == {(GBP, a) for a in MANDATORY}


def test_a_live_attribute_change_gives_way_to_a_pending_release(
    make_exr_env: Callable[..., PushEnv],
) -> None:
    """Attributes follow publication order like observations: a live change made while an embargoed
    release of the same series' attributes is pending holds until that release, which then wins
    (never two current versions: every observation is answered once)."""
    exr_env = make_exr_env(clock=FakeClock())  # the release comes when the test moves the clock
    release = release_in(exr_env, 60)
    written(
        exr_env.push(
            csv10([(CHF, "2031-01", "0.9", CHF_ATTRS)]), params={"releaseDate": release.isoformat()}
        ),
        1,
    )
    written(
        exr_env.push(csv10([(CHF, "2031-02", "0.91", {"DECIMALS": "5"})], columns=["DECIMALS"])), 1
    )

    def public() -> list[tuple[str, str]]:
        with exr_env.client() as client:
            got = client.get(f"/rest/data/ECB,EXR,1.0/{CHF}", headers={"Accept": CSV10_TYPE})
        assert got.status_code == 200, got.text
        return [(r["TIME_PERIOD"], r["DECIMALS"]) for r in csv.DictReader(io.StringIO(got.text))]

    assert public() == [("2031-02", "5")]
    still_before(exr_env, release)
    wait_until(exr_env, release)
    assert public() == [("2031-01", "4"), ("2031-02", "4")]
    assert series_attributes(exr_env, CHF) == CHF_ATTRS


# ------------------------------------------------------------------ SDMX-ML 2.1


@pytest.mark.parametrize("generic", [False, True], ids=["structure-specific", "generic"])
def test_sdmx_ml_series_attributes_on_the_series(exr_env: PushEnv, generic: bool) -> None:
    ctype = GENERIC21_TYPE if generic else SS21_TYPE
    lacking = {a: v for a, v in CHF_ATTRS.items() if a not in ("UNIT", "DECIMALS")}
    message = ml21(
        [
            (USD, {}, [("2031-01", "1.1")]),
            (CHF, lacking, [("2031-01", "0.9"), ("2031-02", "0.91")]),
            (GBP, GBP_ATTRS, [("2031-01", "0.8")]),
        ],
        generic,
    )
    r = refused(exr_env, message, ctype)
    found = missing_errors(r)
    assert set(found) == {(CHF, "UNIT"), (CHF, "DECIMALS")}
    assert all(f"series {CHF}" in loc for loc in found.values()), (
        found
    )  # located at the series' observations
    written(
        exr_env.push(
            ml21(
                [
                    (USD, {}, [("2031-01", "1.1")]),
                    (CHF, CHF_ATTRS, [("2031-01", "0.9"), ("2031-02", "0.91")]),
                    (GBP, GBP_ATTRS, [("2031-01", "0.8")]),
                ],
                generic,
            ),
            content_type=ctype,
        ),
        4,
    )
    assert (
        series_attributes(exr_env, CHF) == CHF_ATTRS
        and series_attributes(exr_env, GBP) == GBP_ATTRS
    )
    # Read back through the pull API: the series attributes are there with the observations.
    with exr_env.client() as client:
        got = client.get(f"/rest/data/ECB,EXR,1.0/{CHF}", headers={"Accept": CSV10_TYPE})
    assert got.status_code == 200, got.text
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [r["TIME_PERIOD"] for r in rows] == ["2031-01", "2031-02"]
    assert all({a: r[a] for a in MANDATORY} == CHF_ATTRS for r in rows), rows


# ------------------------------------------------------------------ data set level


def _dataflow_with_a_dataset_attribute(env: PushEnv) -> None:
    """ECB:EXR_DS(1.0): EXR's dimensions and measure, OBS_STATUS, UNIT (series, mandatory) and
    COLLECTION attached to the data set (mandatory)."""
    from sdmx_server.domain.model import (
        ArtefactType,
        AttributeRelationship,
        DataflowDetails,
        DsdDetails,
        MaintainableRef,
    )
    from sdmx_server.storage import structure_repo as repo

    exr = MaintainableRef(
        type=ArtefactType.DATA_STRUCTURE, agency="ECB", id="ECB_EXR1", version="1.0"
    )
    with env.services.session_factory() as session:
        row = repo.get_row(session, exr)
        assert row is not None
        dsd = repo.row_to_artefact(row)
    assert isinstance(dsd.details, DsdDetails)
    by_id = {a.id: a for a in dsd.details.attributes}
    collection = by_id["COLLECTION"].model_copy(
        update={"relationship": AttributeRelationship(kind="none")}
    )
    details = dsd.details.model_copy(
        update={"attributes": [by_id["OBS_STATUS"], by_id["UNIT"], collection], "groups": []}
    )
    new_dsd = dsd.model_copy(
        update={
            "id": "ECB_EXR_DS",
            "details": details,
            "is_final": False,
            "names": {"en": "EXR with a data set attribute"},
        }
    )
    flow = new_dsd.model_copy(
        update={
            "type": ArtefactType.DATAFLOW,
            "id": "EXR_DS",
            "details": DataflowDetails(structure=new_dsd.ref),
            "names": {"en": "EXR with a data set attribute"},
        }
    )
    report = env.services.structure_store.submit([new_dsd, flow])
    assert not report.refused, report.refused


def test_a_mandatory_data_set_attribute(exr_env: PushEnv) -> None:
    _dataflow_with_a_dataset_attribute(exr_env)
    target = "dataflow/ECB/EXR_DS/1.0"

    def body(collection: str | None) -> str:
        columns = ["UNIT"] + (["COLLECTION"] if collection is not None else [])
        attrs = {"UNIT": "CHF", "COLLECTION": collection or ""}
        return csv10(
            [(CHF, "2031-01", "0.9", attrs), (CHF, "2031-02", "0.91", attrs)],
            "ECB:EXR_DS(1.0)",
            columns,
        )

    r = refused(exr_env, body(None), who="admin", target=target)
    assert errors(r) == [("data set", "COLLECTION", "")]
    assert "mandatory data set attribute missing" in r.json()["errors"][0]["reason"]
    written(exr_env.push(body("A"), who="admin", target=target), 2)
    # Stored now: a later submission need not repeat it.
    r = exr_env.push(
        csv10([(CHF, "2031-03", "0.92", {})], "ECB:EXR_DS(1.0)", []), who="admin", target=target
    )
    written(r, 1)
    with exr_env.services.engine.connect() as conn:
        (attrs,) = (
            conn.execute(
                text(
                    "SELECT p.attrs FROM data_attribute_value p JOIN structure_artefact a ON a.pk = p.dataflow_pk"
                    " WHERE a.resource_id = 'EXR_DS' AND p.level = 'dataset' AND p.valid_to IS NULL"
                )
            )
            .scalars()
            .all()
        )
    assert (json.loads(attrs) if isinstance(attrs, str) else attrs) == {"COLLECTION": "A"}


# ------------------------------------------------------------------ group level

RG_FLOW = sample_flow("rg")
RG_HEADER = (
    "DATAFLOW,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_VAR,TIME_PERIOD,OBS_VALUE,OBS_STATUS"
)
RG_GROUP = ["DECIMALS", "UNIT_MEASURE", "UNIT_MULT", "TITLE"]


@pytest.fixture
def sibling_group_store(db_factory: DatabaseFactory) -> Iterator[Services]:
    """The SDMX 2.1 sample DSD with a sibling group whose attributes DECIMALS, UNIT_MEASURE, UNIT_MULT
    and TITLE are mandatory, and its sample data (monthly CHF, GBP, JPY, USD)."""
    services = Services.build(make_settings(db_factory.migrated_url(), source_alias="TESTSRC"))
    load_files(services, [fixtures.SDMX / "ECB_EXR" / "rg-structure-full.xml"])
    add_dataflow(services, "ECB", "EXR_RG", "ECB_EXR_CG")
    assert load_data(
        services, fixtures.sample_data_file("rg", "rg-ts", db_factory.tmp), dataflow=RG_FLOW
    ).ok  # type: ignore[attr-defined]
    yield services
    services.close()


def test_a_new_group_without_its_mandatory_attributes_is_refused(
    sibling_group_store: Services,
) -> None:
    services = sibling_group_store
    before = snapshot(services)

    def submit(body: str) -> SubmissionResult:
        return services.data_write.submit(io.BytesIO(body.encode()), dataflow=RG_FLOW)  # type: ignore[arg-type]

    # CHF end of period (variation P): a new sibling group (currency, denominator, type, variation),
    # nothing given or stored.
    result = submit(f"{RG_HEADER}\nECB:EXR_RG(1.0),M,CHF,EUR,SP00,P,2010-08,1.31,A\n")
    assert not result.ok
    assert sorted((e.location, e.component) for e in result.errors) == sorted(
        ("line 2", a) for a in RG_GROUP
    )
    assert all(
        "mandatory group attribute missing for group SiblingGroup:CHF.EUR.SP00.P" in e.reason
        for e in result.errors
    )
    assert snapshot(services) == before
    # Given on the row, the group's attributes are fine.
    result = submit(
        f"{RG_HEADER},{','.join(RG_GROUP)}\n"
        "ECB:EXR_RG(1.0),M,CHF,EUR,SP00,P,2010-08,1.31,A,4,CHF,0,Swiss franc/Euro (end of period)\n"
    )
    assert result.ok, [e.as_dict() for e in result.errors]
    # A new series of a stored group (quarterly CHF: the sibling group has no FREQ) needs none of them.
    result = submit(f"{RG_HEADER}\nECB:EXR_RG(1.0),Q,CHF,EUR,SP00,E,2010-Q3,1.3,A\n")
    assert result.ok, [e.as_dict() for e in result.errors]
    # An invalid value is one error, not also "missing".
    result = submit(
        f"{RG_HEADER},{','.join(RG_GROUP)}\n"
        "ECB:EXR_RG(1.0),M,GBP,EUR,SP00,P,2010-08,0.8,A,4,XXX,0,Pound sterling/Euro\n"
    )
    assert [(e.component, e.value) for e in result.errors] == [("UNIT_MEASURE", "XXX")]
