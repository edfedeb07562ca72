"""pysdmx's RegistryClient (sync and async) and sdmx1 with an SDMX 3.0 source, against a live server's
``/rest/v2`` structure API (the shipped content: providers, agreements, categories, constraints).

pysdmx asks for SDMX-JSON 2.0 structures (``structure+json;version=2.0.0``), percent-encodes and
appends a trailing slash; sdmx1 sends ``*/*``, its source id as the agency and ``+`` as the version.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import sdmx
from sdmx.session import Session

from tests.conftest import DatabaseFactory, LiveServer
from tests.sdmx_validation import validate_response
from tests.shipped_content import shipped_services


@pytest.fixture(scope="module")
def lmis(db_factory: DatabaseFactory) -> Iterator[LiveServer]:
    """The shipped structures, served (read only)."""
    services = shipped_services(db_factory)
    try:
        with LiveServer(services) as server:
            yield server
    finally:
        services.close()


def _validate(response: Any, *args: Any, **kwargs: Any) -> Any:
    validate_response(response.headers.get("content-type", ""), response.content)
    return response


@pytest.fixture
def registry(lmis: LiveServer) -> Any:
    from pysdmx.api.fmr import RegistryClient

    return RegistryClient(f"{lmis.url}/rest/v2")


def test_pysdmx_agencies_providers_and_agreements(registry: Any) -> None:
    agencies = {a.id for a in registry.get_agencies("SDMX")}
    assert {"ILO", "MA_LMIS"} <= agencies
    providers = registry.get_providers("MA_LMIS")
    assert "HCP" in {p.id for p in providers}
    with_flows = registry.get_providers("MA_LMIS", with_flows=True)
    hcp = next(p for p in with_flows if p.id == "HCP")
    assert hcp.dataflows and all(df.agency for df in hcp.dataflows)
    pa = registry.get_provision_agreement("MA_LMIS", "PA_ANAPEC_ADMIN_ANAPEC", "1.0")
    assert pa.id == "PA_ANAPEC_ADMIN_ANAPEC"


def test_pysdmx_codes_concepts_and_categories(registry: Any) -> None:
    cl = registry.get_codes("ILO", "CL_SEX")
    assert cl.id == "CL_SEX" and len(cl.codes) == 5 and cl.version == "1.0"
    assert len(registry.get_codes("ILO", "CL_SEX", "1.0").codes) == 5
    cs = registry.get_concepts("ILO", "CS_ILOSTAT", "1.0")
    assert cs.id == "CS_ILOSTAT" and len(cs.concepts) > 5
    cats = registry.get_categories("MA_LMIS", "LMIS_THEMES", "1.0")
    assert len(cats.categories) >= 3
    flows = [df for cat in cats for df in getattr(cat, "dataflows", ())]
    assert any(df.id == "DF_LFS_CORE" for df in flows)  # categorisations came with the scheme


def test_pysdmx_dataflows_and_details(registry: Any) -> None:
    flows = registry.get_dataflows("MA_LMIS")
    assert {"DF_LFS_CORE", "DF_REMIT"} <= {df.id for df in flows}
    (one,) = registry.get_dataflows("MA_LMIS", "DF_LFS_CORE", "1.0")
    assert one.structure and "DSD_" in str(one.structure)
    core = registry.get_dataflow_details("MA_LMIS", "DF_LFS_CORE", "1.0", detail="core")
    assert core.id == "DF_LFS_CORE" and core.name
    providers = registry.get_dataflow_details("MA_LMIS", "DF_LFS_CORE", "1.0", detail="providers")
    assert "HCP" in {p.id for p in providers.providers}
    dsds = registry.get_data_structures("MA_LMIS", "DSD_ADMIN", "1.0")
    assert dsds[0].components and any(c.id == "SEX" for c in dsds[0].components)
    constraint = registry.get_data_constraint("MA_LMIS", "CC_DF_LFS_CORE", "1.0")
    assert constraint.id == "CC_DF_LFS_CORE"


def test_pysdmx_hierarchies_and_mappings_fail_cleanly(registry: Any) -> None:
    from pysdmx.errors import NotFound

    for call in (
        lambda: registry.get_hierarchy("MA_LMIS", "H", "1.0"),
        lambda: registry.get_mapping("MA_LMIS", "M", "1.0"),
        lambda: registry.get_code_map("MA_LMIS", "M", "1.0"),
    ):
        with pytest.raises(NotFound):  # types not stored here: nothing matches (404), never a 5xx
            call()
    with pytest.raises(
        NotFound
    ):  # a 404 for the codelist, then for the value list pysdmx tries next
        registry.get_codes("ILO", "CL_DOES_NOT_EXIST")


def test_pysdmx_async_client(lmis: LiveServer) -> None:
    from pysdmx.api.fmr import AsyncRegistryClient

    async def run() -> tuple[Any, ...]:
        client = AsyncRegistryClient(f"{lmis.url}/rest/v2")
        return await asyncio.gather(
            client.get_codes("ILO", "CL_SEX"),
            client.get_dataflows("MA_LMIS"),
            client.get_providers("MA_LMIS"),
            client.get_concepts("MA_LMIS", "CS_LMIS"),
            client.get_categories("MA_LMIS", "LMIS_THEMES"),
            client.get_agencies("SDMX"),
        )

    codes, flows, providers, concepts, cats, agencies = asyncio.run(run())
    assert len(codes.codes) == 5 and any(df.id == "DF_REMIT" for df in flows)
    assert providers and concepts.concepts and cats.categories and agencies


@pytest.fixture
def sdmx1_v3(lmis: LiveServer) -> Iterator[sdmx.Client]:
    sdmx.add_source(
        {
            "id": "LMIS",
            "name": "our server, SDMX 3.0",
            "url": f"{lmis.url}/rest/v2",
            "versions": ["3.0.0"],
        },
        override=True,
    )
    session = Session()
    session.hooks["response"].append(_validate)
    yield sdmx.Client("LMIS", session=session)


def test_sdmx1_v3_dataflow_datastructure_codelist(sdmx1_v3: sdmx.Client) -> None:
    msg = (
        sdmx1_v3.dataflow()
    )  # /structure/dataflow/LMIS/*/+ : the source id as agency, + as version
    assert (
        msg.response.headers["content-type"] == "application/vnd.sdmx.structure+xml;version=3.0.0"
    )
    assert {"DF_LFS_CORE", "DF_REMIT"} <= set(msg.dataflow)
    msg = sdmx1_v3.dataflow("DF_LFS_CORE")
    assert msg.dataflow["DF_LFS_CORE"].structure.id.startswith("DSD_")
    msg = sdmx1_v3.datastructure("DSD_ADMIN")
    dsd = msg.structure["DSD_ADMIN"]
    assert not dsd.is_external_reference and "SEX" in [d.id for d in dsd.dimensions.components]
    msg = sdmx1_v3.codelist("CL_SEX", agency_id="ILO", version="1.0")
    assert len(sdmx.to_pandas(msg.codelist["CL_SEX"])) == 5
    assert len(sdmx1_v3.codelist("CL_SEX").codelist["CL_SEX"]) == 5
    msg = sdmx1_v3.conceptscheme("CS_LMIS")
    assert "CS_LMIS" in msg.concept_scheme


@pytest.mark.parametrize(
    "accept",
    [
        "application/vnd.sdmx.structure+xml;version=3.0.0",
        "application/vnd.sdmx.structure+xml;version=3.1.0",
        "application/vnd.sdmx.structure+json;version=2.0.0",
    ],
)
def test_pysdmx_reads_every_v2_format_with_validation(lmis: LiveServer, accept: str) -> None:
    import httpx
    from pysdmx.io import read_sdmx

    r = httpx.get(
        f"{lmis.url}/rest/v2/structure/dataflow/MA_LMIS/DF_LFS_CORE/1.0",
        params={"references": "descendants"},
        headers={"Accept": accept},
    )
    assert r.status_code == 200 and r.headers["content-type"] == accept
    msg = read_sdmx(r.text, validate=True)
    assert any(cl.id == "CL_SEX" for cl in msg.get_codelists())
    assert [df.id for df in msg.get_dataflows()] == ["DF_LFS_CORE"]
