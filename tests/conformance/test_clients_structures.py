"""Real SDMX clients (sdmx1, pysdmx) driven as users drive them, against a live server.

sdmx1 calls are those sdmx1 makes for each structure resource (measured against a logging stub); responses are
also validated against the official XSD through a requests response hook.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sdmx
from sdmx.session import Session

from tests import fixtures
from tests.conftest import LiveServer
from tests.sdmx_validation import validate_response


def _validate_hook(response: Any, *args: Any, **kwargs: Any) -> Any:
    validate_response(response.headers.get("content-type", ""), response.content)
    return response


@pytest.fixture
def sdmx1_client(live_server: LiveServer) -> Iterator[sdmx.Client]:
    """An sdmx1 client for our server, registered as users do with add_source."""
    sdmx.add_source(
        {
            "id": "TESTSRC",
            "name": "our server",
            "url": f"{live_server.url}/rest",
            "versions": ["2.1"],
            "supports": {"availableconstraint": True, "structure-specific data": True},
        },
        override=True,
    )
    session = Session()
    session.hooks["response"].append(_validate_hook)
    yield sdmx.Client("TESTSRC", session=session)


def test_sdmx1_dataflow_list_uses_source_id_as_agency(sdmx1_client: sdmx.Client) -> None:
    msg = sdmx1_client.dataflow()  # GET /dataflow/TESTSRC/all/latest
    assert "EXR" in msg.dataflow


def test_sdmx1_dataflow_with_references_all_includes_dsd_and_codelists(
    sdmx1_client: sdmx.Client,
) -> None:
    msg = sdmx1_client.dataflow("EXR")  # /dataflow/TESTSRC/EXR/latest?references=all
    dsd = msg.dataflow["EXR"].structure
    assert dsd.id == "ECB_EXR1" and not dsd.is_external_reference
    assert len(dsd.dimensions.components) == 6
    # the exact codelists the DSD references came with it
    assert "CL_CURRENCY" in msg.codelist and len(msg.codelist["CL_CURRENCY"]) > 300
    assert "EXR_CONSTRAINTS" in msg.constraint


def test_sdmx1_explicit_agency_and_version(sdmx1_client: sdmx.Client) -> None:
    msg = sdmx1_client.dataflow(
        "EXR", agency_id="ECB", version="1.0", params={"references": "none"}
    )
    assert list(msg.dataflow) == ["EXR"]
    assert all(
        d.is_external_reference for d in msg.structure.values()
    )  # only the reference, no DSD body


def test_sdmx1_datastructure_and_codelist_calls(sdmx1_client: sdmx.Client) -> None:
    msg = sdmx1_client.datastructure("ECB_EXR1")
    assert "ECB_EXR1" in msg.structure
    msg = sdmx1_client.codelist(
        "CL_FREQ", params={"detail": "allstubs", "references": "parentsandsiblings"}
    )
    assert msg.codelist and all(cl.is_external_reference for cl in msg.codelist.values())
    msg = sdmx1_client.categoryscheme()
    assert "MOBILE_NAVI" in msg.category_scheme
    msg = sdmx1_client.codelist("CL_SEX", agency_id="ILO")
    assert len(sdmx.to_pandas(msg.codelist["CL_SEX"])) == 5


def test_sdmx1_not_found_raises_http_error(sdmx1_client: sdmx.Client) -> None:
    with pytest.raises(Exception) as info:
        sdmx1_client.codelist("CL_DOES_NOT_EXIST")
    assert "404" in str(info.value)


def _annotations(obj: Any) -> list[tuple[Any, ...]]:
    return [(a.id, a.title, a.type, a.url, dict(a.text.localizations)) for a in obj.annotations]


def test_ilo_round_trip_through_the_server_equals_the_file(http: httpx.Client) -> None:
    """The ILO structure, loaded, served and re-read by sdmx1, equals the file."""
    original = sdmx.read_sdmx(fixtures.ILO_STRUCTURE)
    served = http.get(
        "/rest/codelist/ILO/CL_ECO/latest", params={"references": "parentsandsiblings"}
    )
    again = sdmx.read_sdmx(io.BytesIO(served.content), format="XML")
    assert set(again.codelist) == set(original.codelist)
    for cl_id, cl in original.codelist.items():
        new = again.codelist[cl_id]
        assert dict(new.name.localizations) == dict(cl.name.localizations)
        assert _annotations(new) == _annotations(cl)
        assert list(new.items) == list(cl.items), cl_id
        for code in cl:
            other = new[code.id]
            assert dict(other.name.localizations) == dict(code.name.localizations), (cl_id, code.id)
            assert dict(other.description.localizations) == dict(code.description.localizations)
            assert _annotations(other) == _annotations(code), (cl_id, code.id)
            assert (other.parent.id if isinstance(other.parent, type(code)) else None) == (
                code.parent.id if isinstance(code.parent, type(code)) else None
            )
    for cs_id, cs in original.concept_scheme.items():
        assert list(again.concept_scheme[cs_id].items) == list(cs.items)
    d0, d1 = original.structure["IMF_ILOSTAT"], again.structure["IMF_ILOSTAT"]
    assert [
        (
            d.id,
            d.order,
            d.local_representation.enumerated.id if d.local_representation.enumerated else None,
        )
        for d in d0.dimensions
    ] == [
        (
            d.id,
            d.order,
            d.local_representation.enumerated.id if d.local_representation.enumerated else None,
        )
        for d in d1.dimensions
    ]
    assert [(a.id, a.usage_status, type(a.related_to).__name__) for a in d0.attributes] == [
        (a.id, a.usage_status, type(a.related_to).__name__) for a in d1.attributes
    ]
    assert sum(len(c) for c in again.codelist.values()) == 2866


def test_pysdmx_reads_structure_responses_with_validation(live_server: LiveServer) -> None:
    from pysdmx.io import read_sdmx

    msg = read_sdmx(f"{live_server.url}/rest/dataflow/ECB/EXR/1.0?references=all", validate=True)
    dataflows = msg.get_dataflows() if hasattr(msg, "get_dataflows") else None
    assert dataflows is None or any(df.id == "EXR" for df in dataflows)
    codelists = msg.get_codelists()
    assert any(cl.id == "CL_CURRENCY" for cl in codelists)
    msg = read_sdmx(f"{live_server.url}/rest/codelist/ILO/CL_AREA/1.0/", validate=True)
    (cl,) = msg.get_codelists()
    assert len(cl.codes) == 331


def test_pysdmx_rest_service_v15_structure_query(live_server: LiveServer) -> None:
    from pysdmx.api.qb import ApiVersion, RestService, StructureQuery, StructureType
    from pysdmx.io.format import StructureFormat

    service = RestService(
        f"{live_server.url}/rest", ApiVersion.V1_5_0, structure_format=StructureFormat.SDMX_ML_2_1
    )
    body = service.structure(StructureQuery(StructureType.CODELIST, "ECB", "CL_FREQ", "1.0"))
    assert b"CL_FREQ" in body and body.startswith(b"<?xml")
