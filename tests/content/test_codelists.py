"""National codelists: ILO ids where the ILO has the code, ISCO-08 and ISIC Rev.4 complete,
regions in HCP order, every measure defined in French and English."""

from __future__ import annotations

import re

import pytest

from sdmx_server.domain.model import Artefact, ArtefactType, DsdDetails, Item

ILO_EXTENDED = {
    "CL_AGE": ("AGE_MA",),
    "CL_EDU": ("EDU_MA",),
    "CL_ECO": ("ECO_MA", "ECO_ISIC4_"),
    "CL_OCU": ("OCU_ISCO08_",),
    "CL_MEASURE": ("NAT_",),
}
ANNOTATION_TYPES = ("CALCULATION_METHOD", "UNIT", "SOURCE", "STANDARD")
MEASURE_ID = re.compile(r"\b(?:[A-Z]{3}_[A-Z0-9]{4}_[A-Z]{2}|NAT_[A-Z0-9_]+?_(?:NB|RT|LC|US))\b")


def _cl(by_id: dict[tuple[str, str, str], Artefact], agency: str, cl: str) -> Artefact:
    return by_id[(ArtefactType.CODELIST.value, agency, cl)]


def _items(a: Artefact) -> dict[str, Item]:
    return {i.id: i for i in a.items}


@pytest.mark.parametrize("cl", sorted(ILO_EXTENDED))
def test_national_lists_reuse_ilo_codes_verbatim(
    by_id: dict[tuple[str, str, str], Artefact], cl: str
) -> None:
    ilo = _items(_cl(by_id, "ILO", cl))
    national = _cl(by_id, "MA_LMIS", cl)
    ilo_names_en = {i.names.get("en"): i.id for i in ilo.values()}
    for item in national.items:
        if item.id in ilo:
            ilo_item = ilo[item.id]
            if cl == "CL_MEASURE":  # the ILO gives no French name for a few measures
                assert item.names["en"] == ilo_item.names["en"], item.id
            else:
                assert {k: item.names[k] for k in ("en", "fr")} == {
                    k: ilo_item.names[k] for k in ("en", "fr")
                }, item.id
        else:
            assert item.id.startswith(ILO_EXTENDED[cl]), (
                f"{cl}: {item.id} is neither an ILO code nor national"
            )
            if cl in (
                "CL_AGE",
                "CL_EDU",
                "CL_MEASURE",
            ):  # a national code must not duplicate an ILO one
                assert item.names["en"] not in ilo_names_en, item.id


def test_every_dsd_uses_ilo_lists_or_ilo_ids(by_id: dict[tuple[str, str, str], Artefact]) -> None:
    ilo_only = {
        "REF_AREA",
        "ORIGIN_AREA",
        "DEST_AREA",
        "FREQ",
        "SEX",
        "GEO",
        "STE",
        "CUR",
        "CBR",
        "CCT",
    }
    dsds = [a for (t, _, _), a in by_id.items() if t == ArtefactType.DATA_STRUCTURE.value]
    assert len(dsds) == 10
    for dsd in dsds:
        details = dsd.details
        assert isinstance(details, DsdDetails)
        comps = [
            c
            for c in details.dimensions + details.attributes
            if c.representation is not None and c.representation.enumeration is not None
        ]
        for comp in comps:
            enum = comp.representation.enumeration  # type: ignore[union-attr]
            assert enum is not None
            if comp.id in ilo_only or comp.id in (
                "OBS_STATUS",
                "UNIT_MEASURE",
                "UNIT_MEASURE_TYPE",
                "UNIT_MULT",
                "DECIMALS",
                "REPORTER",
            ):
                assert enum.agency == "ILO", (dsd.id, comp.id)
            elif enum.agency == "MA_LMIS":
                assert enum.id in set(ILO_EXTENDED) | {
                    "CL_REGION",
                    "CL_PERMIT",
                    "CL_SCHEME",
                    "CL_COST_COMP",
                    "CL_RSP",
                    "CL_SOURCE",
                }, (dsd.id, comp.id)
        ids = [d.id for d in details.dimensions]
        head = (
            ["ORIGIN_AREA", "DEST_AREA", "FREQ", "MEASURE"]
            if "ORIGIN_AREA" in ids
            else ["REF_AREA", "FREQ", "MEASURE"]
        )
        assert ids[: len(head)] == head and ids[-1] == "TIME_PERIOD", dsd.id
        if "SEX" in ids:
            assert ids.index("SEX") == len(head), dsd.id


def test_isco08_is_complete_with_four_levels(by_id: dict[tuple[str, str, str], Artefact]) -> None:
    items = _items(_cl(by_id, "MA_LMIS", "CL_OCU"))
    groups = {i: it for i, it in items.items() if i.startswith("OCU_ISCO08_") and i[11:].isdigit()}
    assert len(groups) == 619
    by_level = {n: [g for g in groups if len(g) - 11 == n] for n in (1, 2, 3, 4)}
    assert [len(by_level[n]) for n in (1, 2, 3, 4)] == [10, 43, 130, 436]
    for gid, item in groups.items():
        code = gid[11:]
        expected_parent = "OCU_ISCO08" if len(code) == 1 else "OCU_ISCO08_" + code[:-1]
        assert item.parent == expected_parent, gid
        assert item.names.get("fr") and item.names.get("en"), gid
        assert item.uri and item.uri.endswith("/C" + code), gid
    assert items["OCU_ISCO08_9211"].names["en"] == "Crop farm labourers"
    assert {"OCU_ISCO08_TOTAL", "OCU_ISCO08_X", "OCU_SKILL_L1"} <= set(items)


def test_isic4_is_complete_to_class_level(by_id: dict[tuple[str, str, str], Artefact]) -> None:
    items = _items(_cl(by_id, "MA_LMIS", "CL_ECO"))
    isic = {i: it for i, it in items.items() if re.fullmatch(r"ECO_ISIC4_[A-U](\d{2,4})?", i)}
    assert len(isic) == 766
    levels = [sum(1 for i in isic if len(i) == n) for n in (11, 13, 14, 15)]
    assert levels == [21, 88, 238, 419]
    for iid, item in isic.items():
        code = iid[10:]
        if len(code) == 1:
            assert item.parent == "ECO_ISIC4"
        elif len(code) == 3:
            assert item.parent == "ECO_ISIC4_" + code[0]
        else:
            assert item.parent == iid[:-1], iid
        assert item.names.get("en") and item.names.get("ar"), iid
        if len(code) <= 3:
            assert item.names.get("fr"), iid
        else:
            assert "fr" not in item.names, f"{iid}: no French source exists for groups and classes"


def test_regions_follow_hcp_and_avoid_iso_names(
    by_id: dict[tuple[str, str, str], Artefact],
) -> None:
    regions = _cl(by_id, "MA_LMIS", "CL_REGION").items
    assert [r.id for r in regions] == ["REG_MA_TOTAL"] + [f"REG_MA_{n:02d}" for n in range(1, 13)]
    assert (
        regions[1].names["fr"] == "Tanger-Tétouan-Al Hoceïma"
        and regions[6].names["fr"] == "Casablanca-Settat"
    )
    for r in regions[1:]:
        assert set(r.names) == {"en", "fr", "ar"}
        assert "EH" not in " ".join(r.names.values()), r.id


def test_every_measure_is_defined_in_french_and_english(
    by_id: dict[tuple[str, str, str], Artefact],
) -> None:
    measures = _cl(by_id, "MA_LMIS", "CL_MEASURE").items
    ids = {m.id for m in measures}
    sources = {i.id for i in _cl(by_id, "MA_LMIS", "CL_SOURCE").items}
    units = {i.id for i in _cl(by_id, "ILO", "CL_UNIT_MEASURE").items}
    assert len(measures) >= 50 and any(m.id.startswith("NAT_") for m in measures)
    for m in measures:
        assert m.names.get("fr") and m.names.get("en"), m.id
        assert len(m.descriptions.get("fr", "")) > 20 and len(m.descriptions.get("en", "")) > 20, (
            m.id
        )
        anns = {a.type: a for a in m.annotations}
        for t in ANNOTATION_TYPES:
            assert t in anns and anns[t].texts.get("fr") and anns[t].texts.get("en"), (m.id, t)
        assert set((anns["SOURCE"].title or "").split(",")) <= sources, m.id
        unit = dict(part.split("=") for part in (anns["UNIT"].title or "").split(";"))
        assert unit.get("UNIT_MEASURE", "PS") in units and unit["UNIT_MEASURE_TYPE"] in (
            "NB",
            "RT",
        ), m.id
        if m.id.endswith("_RT") and "=" in anns["CALCULATION_METHOD"].texts["en"]:
            referenced = set(MEASURE_ID.findall(anns["CALCULATION_METHOD"].texts["en"]))
            assert referenced <= ids, (m.id, referenced - ids)


def test_every_published_measure_has_a_definition(
    by_id: dict[tuple[str, str, str], Artefact],
) -> None:
    defined = {m.id for m in _cl(by_id, "MA_LMIS", "CL_MEASURE").items}
    used: set[str] = set()
    for (t, _, _), a in by_id.items():
        if t == ArtefactType.CONTENT_CONSTRAINT.value:
            for region in a.details.cube_regions:  # type: ignore[union-attr]
                used |= {v for kv in region.key_values if kv.id == "MEASURE" for v in kv.values}
    assert used and used <= defined, used - defined
