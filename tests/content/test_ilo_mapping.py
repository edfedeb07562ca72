"""dsd/ilo_mapping.json: every mapped code exists in the ILO's lists; every dimension and code of
the corridor and national structures is covered."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sdmx_server.domain.model import Artefact, ArtefactType, DsdDetails
from tests.content.conftest import DSD, ROOT


@pytest.fixture(scope="module")
def mapping() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DSD / "ilo_mapping.json").read_text(encoding="utf-8"))
    return data


def _codes(by_id: dict[tuple[str, str, str], Artefact], agency: str, cl: str) -> set[str]:
    return {i.id for i in by_id[(ArtefactType.CODELIST.value, agency, cl)].items}


def test_every_mapped_code_exists_in_the_ilo_lists(
    mapping: dict[str, Any], by_id: dict[tuple[str, str, str], Artefact]
) -> None:
    relations = set(mapping["about"]["relations"])
    checked = 0
    for entries in mapping["codes"].values():
        for code, entry in entries.items():
            assert entry["relation"] in relations, code
            if "ilo_code" in entry:
                agency, cl = entry["ilo_codelist"].split(":")
                assert agency == "ILO" and entry["ilo_code"] in _codes(by_id, "ILO", cl), code
                checked += 1
            else:
                assert entry["relation"] in ("none", "total"), code
    assert checked > 1000
    partner = {
        "REF_AREA": "CL_AREA",
        "CDS": "CL_CDS",
        "CRS": "CL_CRS",
        "CPR": "CL_CPR",
        "CBR": "CL_CBR",
        "CCT": "CL_CCT",
    }
    lists = {k: _codes(by_id, "ILO", cl) for k, cl in partner.items()}
    assert set(mapping["areas"]) == lists["REF_AREA"]
    for area, row in mapping["areas"].items():
        for k, code in row.items():
            assert code in lists[k], (area, k, code)
    ilo_measures = _codes(by_id, "ILO", "CL_MEASURE")
    for mid, entry in mapping["measures"].items():
        assert entry["ilo_measure"] in ilo_measures | {None}, mid


def test_every_structure_dimension_and_code_is_covered(
    mapping: dict[str, Any], by_id: dict[tuple[str, str, str], Artefact]
) -> None:
    dsds = [a for (t, _, _), a in by_id.items() if t == ArtefactType.DATA_STRUCTURE.value]
    assert set(mapping["dsds"]) == {d.id for d in dsds}
    measures = _codes(by_id, "MA_LMIS", "CL_MEASURE")
    assert set(mapping["measures"]) == measures
    for dsd in dsds:
        rule = mapping["dsds"][dsd.id]
        assert isinstance(dsd.details, DsdDetails)
        if rule["kind"] == "ilo":
            assert rule["rule"] == "identity"
            for dim in dsd.details.key_dimensions:
                assert dim.representation and dim.representation.enumeration
                assert dim.representation.enumeration.agency == "ILO", (dsd.id, dim.id)
            continue
        assert set(rule["dimensions"]) == {d.id for d in dsd.details.key_dimensions}, dsd.id
        for dim in dsd.details.key_dimensions:
            how = rule["dimensions"][dim.id]
            enum = dim.representation.enumeration  # type: ignore[union-attr]
            assert enum is not None
            if how.startswith("codes:"):
                key = how.removeprefix("codes:")
                assert key == f"{enum.agency}:{enum.id}"
                assert set(mapping["codes"][key]) == _codes(by_id, enum.agency, enum.id), (
                    dsd.id,
                    dim.id,
                )
            elif how == "perspective":
                assert rule["kind"] == "corridor" and enum.id == "CL_AREA"
            else:
                assert how == "identity" and enum.agency == "ILO", (dsd.id, dim.id)


def test_corridor_measures_reach_an_ilo_partner_code(
    mapping: dict[str, Any], by_id: dict[tuple[str, str, str], Artefact]
) -> None:
    """Every destination a corridor dataflow allows has the partner code its ILO measure needs."""
    for (t, _, cid), constraint in by_id.items():
        if t != ArtefactType.CONTENT_CONSTRAINT.value:
            continue
        for region in constraint.details.cube_regions:  # type: ignore[union-attr]
            values = {kv.id: kv.values for kv in region.key_values}
            if "DEST_AREA" not in values:
                continue
            for measure in values["MEASURE"]:
                entry = mapping["measures"][measure]
                if not entry.get("perspective"):
                    continue
                other = "DEST_AREA" if entry["perspective"] == "origin" else "ORIGIN_AREA"
                for area in values[other]:
                    assert entry["partner"] in mapping["areas"][area], (cid, measure, area)


def test_the_mapping_is_documented() -> None:
    doc = (ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    assert "ilo_mapping.json" in doc and "CDS_DES_" in doc and "perspective" in doc
