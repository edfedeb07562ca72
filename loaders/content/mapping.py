"""dsd/ilo_mapping.json: how the ILO harvests the national and corridor structures.

ILOSTAT-shaped structures need no mapping (``"rule": "identity"``). For the
others the file gives, per structure, what each dimension becomes; per
measure, the ILO measure and (corridors) the perspective and the ILO partner
classification; per area code, the ILO's REF_AREA and CDS_/CRS_/CPR_/CBR_/CCT_
codes; per national code, the ILO code and the relation. Relations:
``identical`` (same id in the ILO list), ``renamed`` (same content, another ILO
id or list), ``aggregate_to`` (sum into the ILO code before harvesting),
``total`` (the dimension has no ILO counterpart: only its total is harvested
and the dimension is dropped), ``none`` (not harvestable).
"""

from __future__ import annotations

import json
from typing import Any

from loaders.content.common import AGENCY, ILO, Outputs
from loaders.content.dsds import codelist_items, dimension_codelist
from loaders.content.ilo import ilo_codelist
from loaders.content.national import ALL_MEASURES
from loaders.content.sources.structures import DSDS

# Corridor measures: (perspective, ILO partner classification of the other area).
CORRIDOR_MEASURES = {
    "MNA_TPOP_NB": ("origin", "CRS"),
    "MNA_OPOP_NB": ("origin", "CDS"),
    "MNA_OEMP_NB": ("origin", "CDS"),
    "MNA_XRET_NB": ("origin", "CPR"),
    "MFL_NEMP_NB": ("destination", "CCT"),
}
PARTNER_LISTS = {
    "CDS": ("CL_CDS", "CDS_DES_"),
    "CRS": ("CL_CRS", "CRS_RES_"),
    "CPR": ("CL_CPR", "CPR_PRV_"),
    "CBR": ("CL_CBR", "CBR_BRT_"),
    "CCT": ("CL_CCT", "CCT_CTZ_"),
}
MEASURE_NOTES = {
    "NAT_UNDEREMP_NB": "HCP's underemployment adds income and skill inadequacy to hours: not TRU_TTRU_NB.",
    "NAT_UNDEREMP_RT": "HCP's underemployment adds income and skill inadequacy to hours: not TRU_DEMP_RT.",
    "NAT_PLCX_NB": "Part of MNA_OEMP_NB (outflows of nationals for employment); no ILO measure of its own.",
    "NAT_SDG1071_RT": "SDG 10.7.1 (ILO and World Bank custodians): the ILO measure id is to be agreed with the ILO.",
    "NAT_REMCOST200_RT": "SDG 10.c.1 is a World Bank indicator; not in ILOSTAT.",
    "NAT_REM_INFL_LC": "Balance-of-payments series; not in ILOSTAT.",
}
CODE_NOTES = {
    "AGE_MA_YGE45": "The ILO has no 45+ band; harvestable only if HCP also supplies the 10-year bands from 45.",
    "ECO_MA_IND": "ISIC B-E: equals ECO_AGGREGATE_MIN + ECO_AGGREGATE_MANEL (or MAN + MEL); no single ILO code.",
}


def _ilo_ids(cl: str) -> set[str]:
    return {i.id for i in ilo_codelist(cl).items}


def area_table() -> dict[str, dict[str, str]]:
    """Every ILO:CL_AREA code -> ILO REF_AREA and partner-classification codes."""
    lists = {k: _ilo_ids(cl) for k, (cl, _) in PARTNER_LISTS.items()}
    out: dict[str, dict[str, str]] = {}
    for item in ilo_codelist("CL_AREA").items:
        row = {"REF_AREA": item.id}
        for k, (_, prefix) in PARTNER_LISTS.items():
            code = prefix + ("TOTAL" if item.id == "X01" else item.id)
            if code in lists[k]:
                row[k] = code
        out[item.id] = row
    return out


def _code_entry(codelist: str, code: str, dims_ilo: dict[str, str]) -> dict[str, str]:
    """The ILO counterpart of one national code."""
    ilo_same = f"CL_{codelist.removeprefix('CL_')}"
    if codelist in ("CL_AGE", "CL_EDU", "CL_ECO", "CL_OCU", "CL_MEASURE") and code in dims_ilo:
        return {"relation": "identical", "ilo_codelist": f"{ILO}:{ilo_same}", "ilo_code": code}
    if codelist == "CL_OCU" and code.startswith("OCU_ISCO08_") and code[11:].isdigit():
        digits = code[11:]
        target = "OC2_ISCO08_" + digits[:2]
        return {
            "relation": "renamed" if len(digits) == 2 else "aggregate_to",
            "ilo_codelist": f"{ILO}:CL_OC2",
            "ilo_code": target,
        }
    if codelist == "CL_ECO" and code.startswith("ECO_ISIC4_") and code[11:].isdigit():
        target = "EC2_ISIC4_" + code[10:13]
        return {
            "relation": "renamed" if len(code) == 13 else "aggregate_to",
            "ilo_codelist": f"{ILO}:CL_EC2",
            "ilo_code": target,
        }
    if code.endswith("_TOTAL") and codelist in (
        "CL_REGION",
        "CL_PERMIT",
        "CL_SCHEME",
        "CL_COST_COMP",
        "CL_RSP",
    ):
        return {"relation": "total"}
    entry = {"relation": "none"}
    note = CODE_NOTES.get(code) or MEASURE_NOTES.get(code)
    if note:
        entry["note"] = note
    return entry


def code_table() -> dict[str, dict[str, dict[str, str]]]:
    """Every code of every national codelist a structure uses -> its ILO counterpart."""
    lists = sorted(
        {dimension_codelist(d, owner) for s in DSDS for d, owner in s.dimensions if owner == "MA"}
    )
    out: dict[str, dict[str, dict[str, str]]] = {}
    for agency, cl in lists:
        assert agency == AGENCY
        ilo_ids = (
            _ilo_ids(cl) if cl in ("CL_AGE", "CL_EDU", "CL_ECO", "CL_OCU", "CL_MEASURE") else set()
        )
        out[f"{AGENCY}:{cl}"] = {
            i.id: _code_entry(cl, i.id, {x: x for x in ilo_ids}) for i in codelist_items(agency, cl)
        }
    return out


def measure_table() -> dict[str, dict[str, Any]]:
    """Every LMIS measure -> ILO measure, perspective and partner classification."""
    ilo_ids = _ilo_ids("CL_MEASURE")
    out: dict[str, dict[str, Any]] = {}
    for m in ALL_MEASURES:
        entry: dict[str, Any] = {"ilo_measure": m.id if m.id in ilo_ids else None}
        if m.id in CORRIDOR_MEASURES:
            entry["perspective"], entry["partner"] = CORRIDOR_MEASURES[m.id]
        if m.id in MEASURE_NOTES:
            entry["note"] = MEASURE_NOTES[m.id]
        out[m.id] = entry
    return out


def dsd_table() -> dict[str, dict[str, Any]]:
    """Per structure: the rule of each dimension."""
    out: dict[str, dict[str, Any]] = {}
    for spec in DSDS:
        if spec.kind == "ilo":
            out[spec.id] = {"kind": "ilo", "rule": "identity"}
            continue
        dims: dict[str, str] = {}
        for dim, owner in spec.dimensions:
            agency, cl = dimension_codelist(dim, owner)
            if dim in ("ORIGIN_AREA", "DEST_AREA"):
                dims[dim] = "perspective"
            elif agency == ILO:
                dims[dim] = "identity"
            else:
                dims[dim] = f"codes:{agency}:{cl}"
        entry: dict[str, Any] = {"kind": spec.kind, "dimensions": dims}
        if spec.kind == "corridor":
            entry["perspectives"] = {
                "origin": {
                    "REF_AREA": "ORIGIN_AREA",
                    "partner_area": "DEST_AREA",
                    "REPORTER": "ORIGIN_AREA",
                },
                "destination": {
                    "REF_AREA": "DEST_AREA",
                    "partner_area": "ORIGIN_AREA",
                    "REPORTER": "DEST_AREA",
                },
            }
        out[spec.id] = entry
    return out


ABOUT = {
    "what": "How the ILO harvests the MA_LMIS structures into ILOSTAT; see docs/content.md.",
    "ilo_indicator": (
        "ILO indicator id = MEASURE stem + '_SEX' + '_' + each ILO classification dimension "
        "whose code is not a total + unit suffix, e.g. UNE_DEAP_RT by AGE -> UNE_DEAP_SEX_AGE_RT; "
        "the dataflow is DF_ + indicator id."
    ),
    "corridor": (
        "A corridor observation has a perspective from its measure (measures.perspective). origin: "
        "REF_AREA = ORIGIN_AREA and DEST_AREA becomes the measure's partner classification code "
        "(areas[DEST_AREA][partner]); destination: REF_AREA = DEST_AREA and ORIGIN_AREA becomes "
        "areas[ORIGIN_AREA][partner]. X01 (World) maps to the partner list's TOTAL."
    ),
    "relations": {
        "identical": "same id in the ILO list",
        "renamed": "same content under another ILO id or list",
        "aggregate_to": "sum into the ILO code before harvesting",
        "total": "the dimension has no ILO counterpart: only this total is harvested, the dimension is dropped",
        "none": "not harvestable",
    },
}


def mapping() -> dict[str, Any]:
    """The whole mapping document."""
    return {
        "about": ABOUT,
        "dsds": dsd_table(),
        "measures": measure_table(),
        "areas": area_table(),
        "codes": code_table(),
    }


def generate(out: Outputs) -> None:
    """Add dsd/ilo_mapping.json."""
    text = json.dumps(mapping(), ensure_ascii=False, indent=1) + "\n"
    out.add("dsd/ilo_mapping.json", text.encode("utf-8"))
