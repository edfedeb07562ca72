"""SDMX REST v2 data queries that match several dataflows: one message, one data set per dataflow
(ADR 0014, ``services/data_several.py``), against a live server over the shipped content.

Data: the shipped MA_LMIS dataflows and their sample data (DF_ADMIN_ANAPEC and DF_ADMIN_CNSS share
DSD_ADMIN; DF_REMIT has other dimensions), plus a version 1.1 of DF_ADMIN_CNSS with data of its own;
DF_MIG_BORDER is made non-public; the size limit is 200 observations (the sample data hold more).
Every JSON and generic XML body is validated against the official schemas by the client hook;
structure-specific bodies against the official message schema and our own /schema answers.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lxml import etree
from pysdmx.io import read_sdmx

from sdmx_server.domain.model import Artefact, ArtefactType, DataflowDetails, MaintainableRef
from sdmx_server.services.bootstrap import load_shipped_content
from sdmx_server.services.container import Services
from sdmx_server.storage.schema import upgrade_to_head
from tests import fixtures
from tests.conftest import DatabaseFactory, LiveServer, make_settings
from tests.data_parsers import parse_json20
from tests.sdmx_validation import assert_valid_xml, httpx_hooks
from tests.ss_validation import ss_errors_several

ML30 = "application/vnd.sdmx.data+xml;version=3.0.0"
ML31 = "application/vnd.sdmx.data+xml;version=3.1.0"
JSON20 = "application/vnd.sdmx.data+json;version=2.0.0"
JSON21 = "application/vnd.sdmx.data+json;version=2.1.0"
JSON10 = "application/vnd.sdmx.data+json;version=1.0.0"
CSV20 = "application/vnd.sdmx.data+csv;version=2.0.0"
CSV21 = "application/vnd.sdmx.data+csv;version=2.1.0"
CSV10 = "application/vnd.sdmx.data+csv;version=1.0.0"
GENERIC = "application/vnd.sdmx.genericdata+xml;version=2.1"
SS21 = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
DATA = "/rest/v2/data"
TWO = f"{DATA}/dataflow/MA_LMIS/DF_ADMIN_ANAPEC,DF_REMIT/1.0"  # two DSDs
ANAPEC, CNSS, REMIT = (
    "MA_LMIS:DF_ADMIN_ANAPEC(1.0)",
    "MA_LMIS:DF_ADMIN_CNSS(1.0)",
    "MA_LMIS:DF_REMIT(1.0)",
)
CNSS11 = "MA_LMIS:DF_ADMIN_CNSS(1.1)"
BORDER = MaintainableRef(
    type=ArtefactType.DATAFLOW, agency="MA_LMIS", id="DF_MIG_BORDER", version="1.0"
)
LIMIT = 200
LEAD = ("STRUCTURE", "STRUCTURE_ID", "ACTION")


@pytest.fixture(scope="module")
def several(db_factory: DatabaseFactory) -> Iterator[tuple[Services, LiveServer]]:
    services = Services.build(
        make_settings(
            db_factory.new_url(),
            load_shipped_structures=True,
            load_sample_data=True,
            max_response_observations=LIMIT,
        )
    )
    upgrade_to_head(services.engine)
    assert load_shipped_content(services)
    flow = Artefact(
        type=ArtefactType.DATAFLOW,
        agency="MA_LMIS",
        id="DF_ADMIN_CNSS",
        version="1.1",
        names={"en": "CNSS, second version"},
        details=DataflowDetails(
            structure=MaintainableRef(
                type=ArtefactType.DATA_STRUCTURE, agency="MA_LMIS", id="DSD_ADMIN", version="1.0"
            )
        ),
    )
    report = services.structure_store.submit([flow])
    assert not report.refused, report.refused
    text = (fixtures.ROOT / "data" / "sample" / "DF_ADMIN_CNSS.csv").read_text()
    result = services.data_write.submit(
        io.BytesIO(text.replace("DF_ADMIN_CNSS(1.0)", "DF_ADMIN_CNSS(1.1)").encode())
    )
    assert result.ok, [e.as_dict() for e in result.errors[:5]]
    services.auth.set_dataflow_public(BORDER, False)
    with LiveServer(services) as server:
        yield services, server
    services.close()


@pytest.fixture
def v2(several: tuple[Services, LiveServer]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=several[1].url, timeout=60, event_hooks=httpx_hooks) as c:
        yield c


@pytest.fixture(scope="module")
def admin(several: tuple[Services, LiveServer]) -> dict[str, str]:
    return {"Authorization": f"Bearer {several[0].auth.create_token('admin')[0]}"}


def get(client: httpx.Client, path: str, accept: str, **kw: Any) -> httpx.Response:
    headers = {"Accept": accept, **kw.pop("headers", {})}
    return client.get(path, headers=headers, **kw)


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def by_flow(body: bytes) -> dict[str, set[frozenset[tuple[str, str]]]]:
    """SDMX-CSV 2.x rows per STRUCTURE_ID, each the set of its non-empty cells."""
    out: dict[str, set[frozenset[tuple[str, str]]]] = {}
    for row in csv_rows(body):
        assert row["STRUCTURE"] == "dataflow"
        cells = frozenset((k, v) for k, v in row.items() if v and k not in LEAD)
        out.setdefault(row["STRUCTURE_ID"], set()).add(cells)
    return out


def single(client: httpx.Client, flow: str, query: str = "") -> set[frozenset[tuple[str, str]]]:
    """One dataflow's rows, asked for alone."""
    agency, rest = flow.split(":")
    fid, version = rest.rstrip(")").split("(")
    r = get(client, f"{DATA}/dataflow/{agency}/{fid}/{version}{query}", CSV20)
    assert r.status_code == 200, r.text
    return by_flow(r.content)[flow]


def schemas(client: httpx.Client, flows: list[str], version: str) -> list[tuple[bytes, str]]:
    """Each dataflow's structure-specific XSD as our /schema routes serve it, and its namespace."""
    out = []
    for flow in flows:
        agency, rest = flow.split(":")
        fid, ver = rest.rstrip(")").split("(")
        if version == "2.1":
            path, accept = f"/rest/schema/dataflow/{agency}/{fid}/{ver}", None
        else:
            path = f"/rest/v2/schema/dataflow/{agency}/{fid}/{ver}"
            accept = f"application/vnd.sdmx.schema+xml;version={version}.0"
        xsd = client.get(
            path,
            params={"dimensionAtObservation": "TIME_PERIOD"},
            headers={"Accept": accept} if accept else {},
        )
        assert xsd.status_code == 200, xsd.text
        ns = f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={flow}:ObsLevelDim:TIME_PERIOD"
        out.append((xsd.content, ns))
    return out


def data_sets(body: bytes) -> list[tuple[str, str, int]]:
    """SDMX-ML data sets: (structureRef, dataflow of that structure, observations)."""
    root = etree.fromstring(body)
    usages = {}
    for s in root.findall("{*}Header/{*}Structure"):
        usage = s.find("{*}StructureUsage")
        if usage is not None:
            text = (usage.text or "").strip()
            if not text:
                ref = usage.find("Ref")
                text = f"{ref.get('agencyID')}:{ref.get('id')}({ref.get('version')})"
            usages[s.get("structureID")] = text.rpartition("=")[2]
    out = []
    for ds in root.findall("{*}DataSet"):
        sid = next(v for k, v in ds.attrib.items() if k.rpartition("}")[2] == "structureRef")
        out.append((sid, usages[sid], len(ds.findall(".//{*}Obs"))))
    return out


# ------------------------------------------------------------------ lists of ids, every format


@pytest.mark.parametrize("accept,version", [(ML30, "3.0"), (ML31, "3.1")])
def test_ml3_two_dataflows_of_two_dsds(v2: httpx.Client, accept: str, version: str) -> None:
    r = get(v2, TWO, accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == accept
    assert ss_errors_several(r.content, schemas(v2, [ANAPEC, REMIT], version), version) == []
    sets = data_sets(r.content)
    assert [(s, f) for s, f, _ in sets] == [("STR1", ANAPEC), ("STR2", REMIT)]
    assert [n for _, _, n in sets] == [len(single(v2, ANAPEC)), len(single(v2, REMIT))]
    root = etree.fromstring(r.content)
    for ds, flow in zip(root.findall("{*}DataSet"), (ANAPEC, REMIT), strict=True):
        assert ds.nsmap["ns1"].endswith(f"Dataflow={flow}:ObsLevelDim:TIME_PERIOD")
    if version == "3.0":
        msg = read_sdmx(io.BytesIO(r.content), validate=True)
        got = {ds.short_urn: len(ds.data) for ds in msg.data}
        assert got == {
            f"Dataflow={ANAPEC}": len(single(v2, ANAPEC)),
            f"Dataflow={REMIT}": len(single(v2, REMIT)),
        }


def test_ml21_generic_and_structure_specific(v2: httpx.Client) -> None:
    generic = get(v2, TWO, GENERIC)  # validated against the official 2.1 schema by the hook
    assert generic.status_code == 200, generic.text
    assert_valid_xml(generic.content, "2.1")
    expected = [("STR1", ANAPEC, len(single(v2, ANAPEC))), ("STR2", REMIT, len(single(v2, REMIT)))]
    assert data_sets(generic.content) == expected
    ss = get(v2, TWO, SS21)
    assert ss.status_code == 200, ss.text
    assert ss_errors_several(ss.content, schemas(v2, [ANAPEC, REMIT], "2.1"), "2.1") == []
    assert data_sets(ss.content) == expected
    # the time-series variants: GenericTimeSeriesData's header has exactly one Structure
    gts = get(v2, TWO, "application/vnd.sdmx.generictimeseriesdata+xml;version=2.1")
    assert gts.status_code == 406 and b"one structure per message" in gts.content
    sts = get(v2, TWO, "application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1")
    assert etree.fromstring(sts.content).tag.endswith("}StructureSpecificTimeSeriesData")
    assert ss_errors_several(sts.content, schemas(v2, [ANAPEC, REMIT], "2.1"), "2.1") == []
    assert data_sets(sts.content) == expected


@pytest.mark.parametrize("accept", [JSON20, JSON21])
def test_json2_structures_list_and_data_sets_pointing_at_them(
    v2: httpx.Client, accept: str
) -> None:
    r = get(v2, TWO, accept, headers={"Accept-Language": "en"})  # schema-validated by the hook
    assert r.status_code == 200, r.text
    doc = r.json()
    structures, sets = doc["data"]["structures"], doc["data"]["dataSets"]
    assert [s["links"][0]["urn"].rpartition("=")[2] for s in structures] == [ANAPEC, REMIT]
    assert [ds["structure"] for ds in sets] == [0, 1]
    assert [s["dataSets"] for s in structures] == [[0], [1]]
    for n, flow in enumerate((ANAPEC, REMIT)):
        # one structure and its data sets, as a single-dataflow message, read by the usual parser
        alone = {
            **doc,
            "data": {
                "structures": [structures[n]],
                "dataSets": [{**sets[i], "structure": 0} for i in structures[n]["dataSets"]],
            },
        }
        got = parse_json20(json.dumps(alone).encode())
        one = get(v2, f"{DATA}/dataflow/{flow.replace(':', '/').replace('(', '/')[:-1]}", accept)
        assert got == parse_json20(one.content) and got


@pytest.mark.parametrize("accept", [CSV20, CSV21])
def test_csv2_union_of_columns_empty_where_a_dsd_lacks_them(v2: httpx.Client, accept: str) -> None:
    r = get(v2, TWO, accept)
    assert r.status_code == 200, r.text
    header = next(csv.reader(io.StringIO(r.text)))
    anapec = next(
        csv.reader(
            io.StringIO(get(v2, f"{DATA}/dataflow/MA_LMIS/DF_ADMIN_ANAPEC/1.0", accept).text)
        )
    )
    remit = next(
        csv.reader(io.StringIO(get(v2, f"{DATA}/dataflow/MA_LMIS/DF_REMIT/1.0", accept).text))
    )
    assert header[:3] == list(LEAD)
    assert set(header) == set(anapec) | set(remit) and len(header) == len(set(header))
    # SDMX-CSV 2.0 order: dimensions of the first DSD, then the new ones of the next, then measures, attributes
    dims_a = anapec[3 : anapec.index("TIME_PERIOD") + 1]
    new_dims = [d for d in remit[3 : remit.index("TIME_PERIOD") + 1] if d not in dims_a]
    assert header[3 : 3 + len(dims_a) + len(new_dims)] == dims_a + new_dims
    assert header[3 + len(dims_a) + len(new_dims)] == "OBS_VALUE"
    got = by_flow(r.content)
    assert got == {ANAPEC: single(v2, ANAPEC), REMIT: single(v2, REMIT)}
    for row in csv_rows(r.content):
        if row["STRUCTURE_ID"] == ANAPEC:
            assert row["ORIGIN_AREA"] == row["DEST_AREA"] == ""
        else:
            assert row["SEX"] == row["REGION"] == ""
    if accept == CSV20:
        msg = read_sdmx(io.BytesIO(r.content))
        assert sorted((ds.short_urn, len(ds.data)) for ds in msg.data) == [
            (f"Dataflow={ANAPEC}", len(got[ANAPEC])),
            (f"Dataflow={REMIT}", len(got[REMIT])),
        ]


@pytest.mark.parametrize(
    "query",
    ["includeHistory=true", "updatedAfter=2000-01-01T00:00:00Z", "attributes=none&measures=none"],
)
def test_history_changes_and_series_only_across_dataflows(v2: httpx.Client, query: str) -> None:
    for accept in (JSON20, CSV20, ML30):  # JSON validated by the hook
        r = get(v2, f"{TWO}?{query}", accept)
        assert r.status_code == 200, (accept, r.text)
        alone = [
            get(v2, f"{DATA}/dataflow/{f.replace(':', '/').replace('(', '/')[:-1]}?{query}", accept)
            for f in (ANAPEC, REMIT)
        ]
        if accept == JSON20:
            sets = r.json()["data"]["dataSets"]
            assert len(sets) == sum(len(a.json()["data"]["dataSets"]) for a in alone)
            assert {ds["structure"] for ds in sets} == {0, 1}
        elif accept == CSV20:
            assert len(csv_rows(r.content)) == sum(len(csv_rows(a.content)) for a in alone)
        else:
            assert ss_errors_several(r.content, schemas(v2, [ANAPEC, REMIT], "3.0"), "3.0") == []
            got = data_sets(r.content)
            assert {f for _, f, _ in got} == {ANAPEC, REMIT}
            assert len(got) == sum(len(data_sets(a.content)) for a in alone)


def test_csv2_options_across_dataflows(v2: httpx.Client) -> None:
    r = get(v2, TWO, CSV20 + ";labels=name;keys=both", headers={"Accept-Language": "en"})
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.text)))
    head = rows[0]
    assert head[:6] == [
        "STRUCTURE",
        "STRUCTURE_ID",
        "STRUCTURE_NAME",
        "ACTION",
        "SERIES_KEY",
        "OBS_KEY",
    ]
    ids = next(csv.reader(io.StringIO(get(v2, TWO, CSV20).text)))
    assert head[6::2] == ids[3:]  # each component's id column, then its name column
    assert all(len(row) == len(head) for row in rows)
    flows = {row[1] for row in rows[1:]}
    assert flows == {ANAPEC, REMIT}
    for row in rows[1:]:
        assert row[2] and row[4] and row[5].startswith(row[4])


def test_one_structure_formats_answer_406_or_one_dataflow_column(v2: httpx.Client) -> None:
    for accept in (JSON10, CSV10, "application/vnd.sdmx.draft-sdmx-json+json"):
        r = get(v2, TWO, accept)
        assert r.status_code == 406, (accept, r.text)
        assert b"dataflow" in r.content and b"500" not in r.content[:200]
    # decided on every matched dataflow, not on those of the page (the first 10 rows: DF_ADMIN_ANAPEC's)
    first_rows = get(v2, f"{DATA}/dataflow/MA_LMIS/*/*", CSV10, params={"limit": 10})
    assert first_rows.status_code == 406
    # SDMX-CSV 1.0 carries dataflows of the same columns: its DATAFLOW column names each row's
    same = get(v2, f"{DATA}/dataflow/MA_LMIS/DF_ADMIN_ANAPEC,DF_ADMIN_CNSS/1.0", CSV10)
    assert same.status_code == 200, same.text
    rows = csv_rows(same.content)
    assert list(rows[0])[0] == "DATAFLOW"
    counts = {f: sum(r["DATAFLOW"] == f for r in rows) for f in (ANAPEC, CNSS)}
    assert counts == {ANAPEC: len(single(v2, ANAPEC)), CNSS: len(single(v2, CNSS))}


# ------------------------------------------------------------------ wildcards, versions, contexts

SAMPLE_FLOWS = sorted(
    f"MA_LMIS:{p.stem}(1.0)" for p in (fixtures.ROOT / "data" / "sample").glob("DF_*.csv")
)
PUBLIC_FLOWS = [f for f in SAMPLE_FLOWS if "DF_MIG_BORDER" not in f]


def cells(rows: list[dict[str, str]]) -> list[frozenset[tuple[str, str]]]:
    """Rows as their non-empty cells (the columns of a page are those of the dataflows in it)."""
    return [frozenset((k, v) for k, v in r.items() if v) for r in rows]


def all_pages(client: httpx.Client, path: str, **kw: Any) -> tuple[list[dict[str, str]], int]:
    """Every row of a paged SDMX-CSV 2.0 answer (pages of the size limit), and the number of pages."""
    rows: list[dict[str, str]] = []
    pages = 0
    while True:
        r = get(client, path, CSV20, params={"offset": len(rows), "limit": LIMIT}, **kw)
        if r.status_code == 416:
            return rows, pages
        assert r.status_code == 200, r.text
        pages += 1
        rows += csv_rows(r.content)


def test_star_id_every_readable_dataflow_one_data_set_each(
    v2: httpx.Client, admin: dict[str, str]
) -> None:
    path = f"{DATA}/dataflow/MA_LMIS/*/1.0"
    too_large = get(v2, path, CSV20)
    assert too_large.status_code == 413 and b"limit is 200" in too_large.content
    rows, pages = all_pages(v2, path)
    assert pages > 1
    flows = {}
    for row in rows:
        flows.setdefault(row["STRUCTURE_ID"], set()).add(
            frozenset((k, v) for k, v in row.items() if v and k not in LEAD)
        )
    assert sorted(flows) == PUBLIC_FLOWS  # in the answer's order too
    assert list(dict.fromkeys(r["STRUCTURE_ID"] for r in rows)) == PUBLIC_FLOWS
    for flow in ("MA_LMIS:DF_REMIT(1.0)", "MA_LMIS:DF_LFS_CORE(1.0)", ANAPEC):
        assert flows[flow] == single(v2, flow)
    assert sum(len(v) for v in flows.values()) == len(rows)  # each row once
    admin_rows, _ = all_pages(v2, path, headers=admin)
    assert sorted({r["STRUCTURE_ID"] for r in admin_rows}) == SAMPLE_FLOWS
    # one SDMX-ML 3.0 page: a data set per dataflow in it, valid against the official and our schemas
    # (150 rows: pysdmx 1.x misreads a 3.0 header naming a structure whose URN holds "URN", as
    # DF_MIG_RETURN's does, whether one dataflow is answered or several)
    page = get(v2, path, ML30, params={"limit": 150})
    assert page.status_code == 200, page.text
    sets = data_sets(page.content)
    in_page = list(dict.fromkeys(r["STRUCTURE_ID"] for r in rows[:150]))
    assert [f for _, f, _ in sets] == in_page and len(in_page) > 2
    assert sum(n for _, _, n in sets) == 150
    assert ss_errors_several(page.content, schemas(v2, in_page, "3.0"), "3.0") == []
    msg = read_sdmx(io.BytesIO(page.content), validate=True)
    assert [ds.short_urn for ds in msg.data] == [f"Dataflow={f}" for f in in_page]


def test_version_wildcards(v2: httpx.Client) -> None:
    base = f"{DATA}/dataflow/MA_LMIS/DF_ADMIN_CNSS"
    for version in ("*", "1.*", "1.0,1.1", ""):
        r = get(v2, f"{base}/{version}" if version else base, CSV20)
        assert r.status_code == 200, (version, r.text)
        got = by_flow(r.content)
        assert sorted(got) == [CNSS, CNSS11], version
        assert got[CNSS] == single(v2, CNSS) and got[CNSS11] == single(v2, CNSS11)
    latest = get(v2, f"{base}/~", CSV20)
    assert sorted(by_flow(latest.content)) == [CNSS11]
    ml = get(v2, f"{base}/*", ML30)
    assert [f for _, f, _ in data_sets(ml.content)] == [CNSS, CNSS11]
    msg = read_sdmx(io.BytesIO(ml.content), validate=True)
    assert len(msg.data) == 2


def test_contexts_datastructure_provision_agreement_and_star(v2: httpx.Client) -> None:
    admin_flows = [ANAPEC, CNSS, CNSS11]
    for path in (
        f"{DATA}/datastructure/MA_LMIS/DSD_ADMIN/1.0",
        f"{DATA}/*/MA_LMIS/DSD_ADMIN",
        f"{DATA}/*/*/DSD_ADMIN,DF_ADMIN_ANAPEC/*",  # the dataflow also matched as a dataflow: once
    ):
        r = get(v2, path, CSV20)
        assert r.status_code == 200, (path, r.text)
        got = by_flow(r.content)
        assert sorted(got) == admin_flows, path
        assert len(csv_rows(r.content)) == sum(len(single(v2, f)) for f in admin_flows)
    # one data set per provision agreement, even of one dataflow (doc/data.md)
    pas = [f"PA_{p}_MIG_OUTFLOW" for p in ("ANAPEC", "HCP", "MIN_EMPLOI")]
    r = get(v2, f"{DATA}/provisionagreement/MA_LMIS/{','.join(pas)}/1.0", ML30)
    assert r.status_code == 200, r.text
    root = etree.fromstring(r.content)
    structures = root.findall("{*}Header/{*}Structure")
    agreements = [
        s.findtext("{*}ProvisionAgreement").rpartition("=")[2]
        for s in structures
        if s.find("{*}ProvisionAgreement") is not None
    ]
    # the sample data of DF_MIG_OUTFLOW come through HCP and MIN_EMPLOI: ANAPEC's data set is empty
    assert get(v2, f"{DATA}/provisionagreement/MA_LMIS/{pas[0]}/1.0", CSV20).status_code == 204
    assert agreements == [f"MA_LMIS:{pa}(1.0)" for pa in pas[1:]]
    sets = data_sets(r.content)
    outflow = "MA_LMIS:DF_MIG_OUTFLOW(1.0)"
    assert [f for _, f, _ in sets] == [outflow] * 2
    for (_, _, n), pa in zip(sets, pas[1:], strict=True):
        alone = get(v2, f"{DATA}/provisionagreement/MA_LMIS/{pa}/1.0", CSV20)
        assert n == len(csv_rows(alone.content)) > 0
    assert sum(n for _, _, n in sets) <= len(single(v2, outflow))
    # context *: the agreement's dataflow is already there as a whole
    star = get(v2, f"{DATA}/*/MA_LMIS/DF_MIG_OUTFLOW,PA_HCP_MIG_OUTFLOW,DF_REMIT/*", CSV20)
    assert by_flow(star.content) == {outflow: single(v2, outflow), REMIT: single(v2, REMIT)}


# ------------------------------------------------------------------ who sees what


def test_non_public_dataflow_is_not_leaked_to_anonymous(
    v2: httpx.Client, admin: dict[str, str]
) -> None:
    path = f"{DATA}/dataflow/MA_LMIS/DF_MIG_BORDER,DF_REMIT/1.0"
    anonymous = get(v2, path, ML30)
    assert anonymous.status_code == 200, anonymous.text
    assert b"DF_MIG_BORDER" not in anonymous.content
    assert [f for _, f, _ in data_sets(anonymous.content)] == [REMIT]
    assert "private" not in anonymous.headers.get("cache-control", "")
    for accept in (CSV20, JSON20):
        assert b"DF_MIG_BORDER" not in get(v2, path, accept).content
    hidden = get(v2, f"{DATA}/dataflow/MA_LMIS/DF_MIG_BORDER/*", CSV20)
    assert hidden.status_code == 404  # a wildcard answers what the caller may see: nothing
    assert b"DF_MIG_BORDER" in hidden.content  # the query's own text, nothing more
    assert get(v2, f"{DATA}/dataflow/MA_LMIS/DF_MIG_BORDER/1.0", ML30).status_code == 401  # named
    seen = get(v2, path, ML30, headers=admin)
    assert [f for _, f, _ in data_sets(seen.content)] == ["MA_LMIS:DF_MIG_BORDER(1.0)", REMIT]
    assert seen.headers["cache-control"] == "private"
    assert "Authorization" in seen.headers["vary"]


def test_preview_follows_the_rights_of_each_dataflow(
    v2: httpx.Client, admin: dict[str, str], several: tuple[Services, LiveServer]
) -> None:
    path = f"{TWO}?preview=true"
    assert get(v2, path, ML30).status_code == 401  # a preview needs a token, whatever it matches
    everything = get(v2, path, ML30, headers=admin)
    assert [f for _, f, _ in data_sets(everything.content)] == [ANAPEC, REMIT]
    assert everything.headers["cache-control"] == "private"
    # a producer previews its own dataflows only: the others are left out, not refused
    token = several[0].auth.create_token("provider", provider="OFFICE_CHANGES")[0]
    producer = get(v2, path, ML30, headers={"Authorization": f"Bearer {token}"})
    assert producer.status_code == 200, producer.text
    assert [f for _, f, _ in data_sets(producer.content)] == [REMIT]
    assert producer.headers["cache-control"] == "private"


# ------------------------------------------------------------------ filters per structure


def test_filters_apply_per_structure(v2: httpx.Client) -> None:
    # ORIGIN_AREA is a dimension of DF_REMIT only: DF_ADMIN_ANAPEC makes no match
    r = get(v2, f"{TWO}?c[ORIGIN_AREA]=MAR", CSV20)
    assert by_flow(r.content) == {REMIT: single(v2, REMIT, "?c[ORIGIN_AREA]=MAR")}
    # a code of one structure's dimension only
    r = get(v2, f"{TWO}?c[SEX]=SEX_F", CSV20)
    assert sorted(by_flow(r.content)) == [ANAPEC]
    # a positional key fits the structures with that many dimensions
    r = get(v2, f"{TWO}/MAR.A.*.SEX_F.*.*.*.*", CSV20)
    assert by_flow(r.content) == {ANAPEC: single(v2, ANAPEC, "/MAR.A.*.SEX_F.*.*.*.*")}
    # filters on components every structure has apply to each
    r = get(v2, f"{TWO}?c[TIME_PERIOD]=ge:2023", CSV20)
    got = by_flow(r.content)
    assert got == {f: single(v2, f, "?c[TIME_PERIOD]=ge:2023") for f in (ANAPEC, REMIT)}
    # nothing matches anywhere: no data (204), not an error
    assert get(v2, f"{TWO}?c[NO_SUCH]=X", CSV20).status_code == 204
    # projections and layouts: where the structure has the component; 400 when none has it
    r = get(v2, f"{TWO}?attributes=REPORTER", CSV20)
    header = next(csv.reader(io.StringIO(r.text)))
    assert "REPORTER" in header and "OBS_STATUS" not in header
    assert get(v2, f"{TWO}?attributes=NO_SUCH", CSV20).status_code == 400
    assert get(v2, f"{TWO}?dimensionAtObservation=NO_SUCH", CSV20).status_code == 400
    cross = get(v2, f"{TWO}?dimensionAtObservation=SEX", ML30)
    dims = [
        s.get("dimensionAtObservation")
        for s in etree.fromstring(cross.content).findall("{*}Header/{*}Structure")
    ]
    assert dims == ["SEX", "TIME_PERIOD"]  # DF_REMIT has no SEX: its default layout


# ------------------------------------------------------------------ validators, gzip, paging


def test_validators_304_and_gzip(v2: httpx.Client) -> None:
    path = f"{DATA}/dataflow/MA_LMIS/*/*"
    first = get(v2, path, ML30, params={"limit": 50})
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = get(v2, path, ML30, params={"limit": 50}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    since = get(v2, path, ML30, params={"limit": 50}, headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    other = get(v2, path, CSV20, params={"limit": 50}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    assert get(v2, TWO, ML30).headers["etag"] != etag
    head = v2.head(path, params={"limit": 50}, headers={"Accept": ML30})
    assert head.status_code == 200 and head.headers["etag"] == etag and head.content == b""
    with httpx.Client(base_url=str(v2.base_url), timeout=60) as raw:
        zipped = raw.get(
            path,
            params={"limit": 50},
            headers={"Accept": ML30, "Accept-Encoding": "gzip"},
            extensions={},
        )
        assert zipped.headers["content-encoding"] == "gzip"
        plain = (
            gzip.decompress(zipped.read()) if zipped.content[:2] == b"\x1f\x8b" else zipped.content
        )
    assert data_sets(plain) == data_sets(first.content)


def test_paging_and_range_across_dataflows(v2: httpx.Client) -> None:
    path = f"{DATA}/dataflow/MA_LMIS/*/*"
    rows, _ = all_pages(v2, path)
    total = len(rows)
    assert total > LIMIT
    ranged = get(v2, path, CSV20, headers={"Range": "values=100-249"})
    assert ranged.status_code == 206, ranged.text
    assert ranged.headers["content-range"] == f"values 100-249/{total}"
    assert cells(csv_rows(ranged.content)) == cells(rows[100:250])
    page = get(v2, path, CSV20, params={"offset": 10, "limit": 30})
    assert cells(csv_rows(page.content)) == cells(rows[10:40])
    assert len(set(cells(rows))) == total  # no row twice
    assert get(v2, path, CSV20, params={"limit": LIMIT + 1}).status_code == 413
    past = get(v2, path, CSV20, headers={"Range": f"values={total}-{total + 5}"})
    assert past.status_code == 416 and past.headers["content-range"] == f"values */{total}"


def test_new_data_in_one_dataflow_changes_the_etag(
    v2: httpx.Client, several: tuple[Services, LiveServer]
) -> None:
    path = f"{DATA}/dataflow/MA_LMIS/DF_ADMIN_CNSS/*"
    before = get(v2, path, ML30)
    text = (fixtures.ROOT / "data" / "sample" / "DF_ADMIN_CNSS.csv").read_text()
    lines = text.splitlines()
    changed = [
        lines[0],
        lines[1]
        .replace("DF_ADMIN_CNSS(1.0)", "DF_ADMIN_CNSS(1.1)")
        .replace(",2021,3490,", ",2021,3491,"),
    ]
    assert changed[1] != lines[1].replace("DF_ADMIN_CNSS(1.0)", "DF_ADMIN_CNSS(1.1)")
    result = several[0].data_write.submit(io.BytesIO(("\n".join(changed) + "\n").encode()))
    assert result.ok, [e.as_dict() for e in result.errors[:5]]
    after = get(v2, path, ML30, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert b'OBS_VALUE="3491"' in after.content
