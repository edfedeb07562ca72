"""Sample observations, one list per dataflow, with their provenance.

Published figures are the producers' own, as quoted by the press (collected
in the project's domain notes, section 5.2). ``L`` marks a value
computed from published figures (ILO OBS_STATUS "Computed value"), ``E`` a
producer's own estimate, ``F`` a figure announced in advance. Every value the
project made up to fill a cell has OBS_STATUS ``Z`` (ILO: "Non-official
estimated value") and the COMMENT_OBS text ``ILLUSTRATIVE``: it is not a
published statistic. Dimensions not named in an observation take the
dataflow's default (``DEFAULTS`` then the structure's totals).
"""

from __future__ import annotations

from typing import NamedTuple

ILLUSTRATIVE = (
    "Illustrative value made up for the sample data; not published by any producer. / Valeur "
    "illustrative inventée pour les données d'exemple ; aucun producteur ne la publie."
)
HCP_2023 = "HCP, ENE 2023 annual results, as quoted by the press (Feb.-Mar. 2024)."
HCP_2022 = "HCP, ENE 2022 annual results (HCP note and press, Feb. 2023)."
ICLS13_NOTE = "HCP applies the 13th ICLS (1982) definitions. / Le HCP applique les définitions de la 13e CIST (1982)."


class Obs(NamedTuple):
    """One observation: the measure, period, value and the dimensions that differ from the defaults."""

    measure: str
    time: str
    value: str
    status: str = ""
    comment: str = ""
    dims: dict[str, str] = {}
    lower: str = ""
    upper: str = ""
    reporter: str = ""


def o(
    measure: str,
    time: str,
    value: str,
    status: str = "",
    comment: str = "",
    lower: str = "",
    upper: str = "",
    reporter: str = "",
    **dims: str,
) -> Obs:
    """Shorthand for an observation."""
    return Obs(measure, time, value, status, comment, dims, lower, upper, reporter)


def z(measure: str, time: str, value: str, **dims: str) -> Obs:
    """An illustrative (made-up) observation."""
    return Obs(measure, time, value, "Z", ILLUSTRATIVE, dims)


H = "AGE_10YRBANDS_Y"
REGION_UR = [
    ("01", "10.4"),
    ("02", "20.5"),
    ("03", "15.6"),
    ("04", "13.1"),
    ("05", "13.8"),
    ("06", "12.5"),
    ("07", "9.7"),
    ("08", "14.5"),
    ("09", "11.8"),
    ("10", "22.1"),
    ("11", "17.5"),
    ("12", "11.9"),
]
CNSS_EMPLOYERS = [
    ("06", "102595"),
    ("04", "45621"),
    ("01", "30972"),
    ("07", "30639"),
    ("03", "26325"),
    ("09", "25908"),
    ("02", "18011"),
    ("05", "12005"),
    ("08", "9338"),
    ("11", "6843"),
    ("12", "4998"),
    ("10", "2783"),
]
CNSS_2022 = "CNSS, 2022 activity (aujourdhui.ma; infomediaire.net)."
STATUS_2023 = "Computed from the published 2023 share and total employment."

DEFAULTS: dict[str, dict[str, str]] = {
    "DF_ADMIN_CNSS": {"AGE": "AGE_AGGREGATE_TOTAL"},
    "DF_ADMIN_ANAPEC": {"AGE": "AGE_AGGREGATE_TOTAL"},
    "DF_EAR_SEX_ECO_CUR": {"ECO": "ECO_SECTOR_TOTAL"},
    "DF_HOW_SEX_ECO": {"ECO": "ECO_SECTOR_TOTAL"},
    "DF_MIG_ABROAD": {"AGE": "AGE_AGGREGATE_TOTAL"},
    "DF_MIG_OUTFLOW": {"AGE": "AGE_AGGREGATE_TOTAL"},
    "DF_MIG_RETURN": {"AGE": "AGE_AGGREGATE_TOTAL"},
    "DF_MIG_PLACEMENT": {"AGE": "AGE_AGGREGATE_TOTAL"},
    "DF_MIG_BORDER": {"AGE": "AGE_AGGREGATE_TOTAL"},
    "DF_MST_SEX_AGE_CBR": {"CBR": "CBR_BIR_FOREIGN"},
    "DF_MST_SEX_AGE_CCT": {"CCT": "CCT_CIT_NONCIT"},
    "DF_REMIT_COST": {"FREQ": "Q"},
}
NOTE_INDICATOR = {"DF_LFS_CORE": ICLS13_NOTE}
REPORTER = {"DF_REMIT_COST": "X01"}  # default REPORTER of corridor dataflows: MAR

SAMPLES: dict[str, list[Obs]] = {
    "DF_LFS_CORE": [
        *[
            o(m, "2022", v, comment=HCP_2022)
            for m, v in (
                ("POP_XWAP_NB", "27500"),
                ("EAP_TEAP_NB", "12200"),
                ("EMP_TEMP_NB", "10700"),
                ("UNE_TUNE_NB", "1442"),
                ("EIP_TEIP_NB", "15300"),
                ("EAP_DWAP_RT", "44.3"),
                ("UNE_DEAP_RT", "11.8"),
                ("NAT_UNDEREMP_NB", "972"),
                ("NAT_UNDEREMP_RT", "9.0"),
            )
        ],
        *[
            o(m, "2023", v, comment=HCP_2023)
            for m, v in (
                ("POP_XWAP_NB", "27888"),
                ("EAP_TEAP_NB", "12171"),
                ("EMP_TEMP_NB", "10591"),
                ("UNE_TUNE_NB", "1580"),
                ("EIP_TEIP_NB", "15717"),
                ("EAP_DWAP_RT", "43.6"),
                ("UNE_DEAP_RT", "13.0"),
                ("NAT_UNDEREMP_NB", "1043"),
                ("NAT_UNDEREMP_RT", "9.8"),
            )
        ],
        o(
            "EMP_DWAP_RT",
            "2022",
            "38.9",
            "L",
            "EMP_TEMP_NB / POP_XWAP_NB x 100 from the published 2022 figures.",
        ),
        o(
            "EMP_DWAP_RT",
            "2023",
            "38.0",
            "L",
            "EMP_TEMP_NB / POP_XWAP_NB x 100 from the published 2023 figures.",
        ),
        o(
            "EIP_DWAP_RT",
            "2022",
            "55.6",
            "L",
            "EIP_TEIP_NB / POP_XWAP_NB x 100 from the published 2022 figures.",
        ),
        o(
            "EIP_DWAP_RT",
            "2023",
            "56.4",
            "L",
            "EIP_TEIP_NB / POP_XWAP_NB x 100 from the published 2023 figures.",
        ),
        o("EAP_DWAP_RT", "2023", "41.8", comment=HCP_2023, GEO="GEO_COV_URB"),
        o("EAP_DWAP_RT", "2023", "47.3", comment=HCP_2023, GEO="GEO_COV_RUR"),
        o("EAP_DWAP_RT", "2023", "69.0", comment=HCP_2023, SEX="SEX_M"),
        o("EAP_DWAP_RT", "2023", "19.0", comment=HCP_2023, SEX="SEX_F"),
        o("UNE_DEAP_RT", "2023", "16.8", comment=HCP_2023, GEO="GEO_COV_URB"),
        o("UNE_DEAP_RT", "2023", "6.3", comment=HCP_2023, GEO="GEO_COV_RUR"),
        o("UNE_DEAP_RT", "2023", "11.5", comment=HCP_2023, SEX="SEX_M"),
        o("UNE_DEAP_RT", "2023", "18.3", comment=HCP_2023, SEX="SEX_F"),
        o("UNE_DEAP_RT", "2023", "35.8", comment=HCP_2023, AGE=H + "15-24"),
        o("UNE_DEAP_RT", "2023", "20.6", comment=HCP_2023, AGE=H + "25-34"),
        o("UNE_DEAP_RT", "2023", "7.4", comment=HCP_2023, AGE=H + "35-44"),
        o("UNE_DEAP_RT", "2023", "3.7", comment=HCP_2023, AGE="AGE_MA_YGE45"),
        o("UNE_DEAP_RT", "2023", "19.7", comment=HCP_2023, EDU="EDU_MA_DIP"),
        o("UNE_DEAP_RT", "2023", "4.9", comment=HCP_2023, EDU="EDU_MA_NODIP"),
        o("NAT_UNDEREMP_RT", "2023", "8.7", comment=HCP_2023, GEO="GEO_COV_URB"),
        o("NAT_UNDEREMP_RT", "2023", "11.6", comment=HCP_2023, GEO="GEO_COV_RUR"),
        o(
            "TRU_DEMP_RT",
            "2023-Q1",
            "4.9",
            comment="HCP, ENE first quarter 2023 (hours-related part of underemployment).",
            FREQ="Q",
        ),
        z("TRU_TTRU_NB", "2023", "519"),
        z("TRU_DEMP_RT", "2023", "4.9"),
        z("EIP_WPLF_NB", "2023", "1120"),
        z("LUU_XLU2_RT", "2023", "17.2"),
        z("LUU_XLU3_RT", "2023", "20.3"),
        z("LUU_XLU4_RT", "2023", "24.2"),
        z("EMP_NIFL_NB", "2023", "7138"),
        z("EMP_NIFL_RT", "2023", "67.4"),
        z("EMP_NIFL_RT", "2023", "58.1", GEO="GEO_COV_URB"),
        z("EMP_NIFL_RT", "2023", "81.6", GEO="GEO_COV_RUR"),
        z("EIP_NEET_NB", "2023", "1500", AGE=H + "15-24"),
        z("EIP_NEET_RT", "2023", "25.1", AGE=H + "15-24"),
        z("EIP_NEET_RT", "2023", "16.2", AGE=H + "15-24", SEX="SEX_M"),
        z("EIP_NEET_RT", "2023", "34.3", AGE=H + "15-24", SEX="SEX_F"),
        *[z("UNE_DEAP_RT", "2023", v, REGION=f"REG_MA_{r}") for r, v in REGION_UR],
    ],
    "DF_EMP_STRUCT": [
        o("EMP_TEMP_NB", "2023", "10591", comment=HCP_2023, ECO="ECO_SECTOR_TOTAL"),
        o("EMP_TEMP_NB", "2023", "2947", comment=HCP_2023, ECO="ECO_SECTOR_AGR"),
        o("EMP_TEMP_NB", "2023", "1296", comment=HCP_2023, ECO="ECO_MA_IND"),
        o("EMP_TEMP_NB", "2023", "1228", comment=HCP_2023, ECO="ECO_AGGREGATE_CON"),
        o("EMP_TEMP_NB", "2023", "5114", comment=HCP_2023, ECO="ECO_SECTOR_SER"),
        o(
            "EMP_TEMP_NB",
            "2023",
            "2524",
            "L",
            "Industry including handicrafts plus construction (published).",
            ECO="ECO_SECTOR_IND",
        ),
        o(
            "EMP_TEMP_NB",
            "2023",
            "6",
            "L",
            "Published total minus the four published sectors (rounding, activities "
            "not adequately defined).",
            ECO="ECO_SECTOR_X",
        ),
        *[
            o(m, "2023", v, comment=HCP_2023)
            for m, v in (
                ("NAT_EES_RT", "58.9"),
                ("NAT_UNPAID_RT", "11.0"),
                ("NAT_HOW48_RT", "35.3"),
                ("NAT_MEDCOV_RT", "29.3"),
            )
        ],
        o("EMP_TEMP_NB", "2023", "10591", comment=HCP_2023),
        o(
            "EMP_TEMP_NB",
            "2023",
            "6238",
            "L",
            STATUS_2023 + " (NAT_EES_RT 58.9%)",
            STE="STE_ICSE93_1",
        ),
        o(
            "EMP_TEMP_NB",
            "2023",
            "1165",
            "L",
            STATUS_2023 + " (NAT_UNPAID_RT 11.0%, unpaid employment taken as "
            "contributing family workers)",
            STE="STE_ICSE93_5",
        ),
        *[
            z("EMP_TEMP_NB", "2023", v, STE=f"STE_ICSE93_{s}")
            for s, v in (("2", "230"), ("3", "2870"), ("4", "40"), ("6", "48"))
        ],
        *[
            z("EMP_TEMP_NB", "2023", v, OCU=f"OCU_ISCO08_{g}")
            for g, v in (
                ("1", "320"),
                ("2", "620"),
                ("3", "690"),
                ("4", "480"),
                ("5", "1890"),
                ("6", "1980"),
                ("7", "1410"),
                ("8", "730"),
                ("9", "2380"),
                ("0", "70"),
                ("X", "21"),
            )
        ],
        z("EMP_TEMP_NB", "2023", "1620", OCU="OCU_ISCO08_92"),
        z("EMP_TEMP_NB", "2023", "760", OCU="OCU_ISCO08_61"),
    ],
    "DF_EAR_SEX_ECO_CUR": [
        o(
            "EAR_4MMN_NB",
            "2022",
            "2970.05",
            "Z",
            "Hourly SMIG of 15.55 MAD x 191 hours, as recalled by the project "
            "from the 2022 decree; to be verified by the employment ministry.",
        ),
        o(
            "EAR_4MMN_NB",
            "2023",
            "3111.39",
            "Z",
            "Hourly SMIG of 16.29 MAD x 191 hours, as recalled by the project "
            "from the 2023 decree; to be verified by the employment ministry.",
        ),
        z("EAR_4MTH_NB", "2023", "5120"),
        z("EAR_4MTH_NB", "2023", "5380", SEX="SEX_M"),
        z("EAR_4MTH_NB", "2023", "4300", SEX="SEX_F"),
        z("EAR_4MTH_NB", "2023", "2650", ECO="ECO_SECTOR_AGR"),
        z("EAR_4MTH_NB", "2023", "4900", ECO="ECO_SECTOR_IND"),
        z("EAR_4MTH_NB", "2023", "5900", ECO="ECO_SECTOR_SER"),
        z("EAR_4MTH_NB", "2023", "505", CUR="CUR_TYPE_USD"),
        z("EAR_4MTH_NB", "2022", "4960"),
        z("EAR_4MTH_NB", "2022", "5200", SEX="SEX_M"),
        z("EAR_4MTH_NB", "2022", "4190", SEX="SEX_F"),
    ],
    "DF_HOW_SEX_ECO": [
        z("HOW_TEMP_NB", "2022", "44.6"),
        z("HOW_TEMP_NB", "2023", "44.2"),
        z("HOW_TEMP_NB", "2023", "46.8", SEX="SEX_M"),
        z("HOW_TEMP_NB", "2023", "36.1", SEX="SEX_F"),
        z("HOW_TEMP_NB", "2023", "38.5", ECO="ECO_SECTOR_AGR"),
        z("HOW_TEMP_NB", "2023", "47.6", ECO="ECO_SECTOR_IND"),
        z("HOW_TEMP_NB", "2023", "46.3", ECO="ECO_SECTOR_SER"),
        z("HOW_TEMP_NB", "2022", "47.1", SEX="SEX_M"),
        z("HOW_TEMP_NB", "2022", "36.4", SEX="SEX_F"),
        z("HOW_TEMP_NB", "2022", "38.9", ECO="ECO_SECTOR_AGR"),
        z("HOW_TEMP_NB", "2022", "47.9", ECO="ECO_SECTOR_IND"),
        z("HOW_TEMP_NB", "2022", "46.5", ECO="ECO_SECTOR_SER"),
    ],
    "DF_ADMIN_CNSS": [
        o("NAT_CNSS_EES_NB", "2021", "3490", comment="CNSS, press (2022)."),
        o(
            "NAT_CNSS_EES_NB",
            "2022",
            "3800",
            comment="CNSS, press (2023); another source gives 3.7 million.",
        ),
        o("NAT_CNSS_EES_NB", "2023", "4000", comment="CNSS, press (2024)."),
        o("NAT_CNSS_WAGE_LC", "2021", "169800", comment="CNSS, press (2022)."),
        o(
            "NAT_CNSS_WAGE_LC",
            "2022",
            "188300",
            comment="CNSS, press (2023); another source gives 185 billion MAD.",
        ),
        o("NAT_CNSS_WAGE_LC", "2023", "204400", comment="CNSS, press (2024)."),
        o(
            "NAT_CNSS_AVGWAGE_LC",
            "2021",
            "48653",
            "L",
            "Wage bill / declared employees (published).",
        ),
        o(
            "NAT_CNSS_AVGWAGE_LC",
            "2022",
            "49553",
            "L",
            "Wage bill / declared employees (published).",
        ),
        o(
            "NAT_CNSS_AVGWAGE_LC",
            "2023",
            "51100",
            "L",
            "Wage bill / declared employees (published).",
        ),
        o("NAT_CNSS_EMPLR_NB", "2022", "316038", comment=CNSS_2022),
        *[
            o("NAT_CNSS_EMPLR_NB", "2022", v, comment=CNSS_2022, REGION=f"REG_MA_{r}")
            for r, v in CNSS_EMPLOYERS
        ],
    ],
    "DF_ADMIN_ANAPEC": [
        *[
            z(m, t, v, **({"SEX": s} if s else {}))
            for m, t, v, s in (
                ("NAT_ANAPEC_JSK_NB", "2022", "192400", ""),
                ("NAT_ANAPEC_JSK_NB", "2022", "101300", "SEX_M"),
                ("NAT_ANAPEC_JSK_NB", "2022", "91100", "SEX_F"),
                ("NAT_ANAPEC_JSK_NB", "2023", "204700", ""),
                ("NAT_ANAPEC_JSK_NB", "2023", "107900", "SEX_M"),
                ("NAT_ANAPEC_JSK_NB", "2023", "96800", "SEX_F"),
                ("NAT_ANAPEC_VAC_NB", "2022", "125600", ""),
                ("NAT_ANAPEC_VAC_NB", "2023", "131200", ""),
                ("NAT_ANAPEC_PLC_NB", "2022", "98500", ""),
                ("NAT_ANAPEC_PLC_NB", "2022", "52700", "SEX_M"),
                ("NAT_ANAPEC_PLC_NB", "2022", "45800", "SEX_F"),
                ("NAT_ANAPEC_PLC_NB", "2023", "103900", ""),
                ("NAT_ANAPEC_PLC_NB", "2023", "55100", "SEX_M"),
                ("NAT_ANAPEC_PLC_NB", "2023", "48800", "SEX_F"),
            )
        ],
        *[
            z("NAT_ANAPEC_JSK_NB", "2023", v, EDU=e)
            for e, v in (
                ("EDU_MA_NODIP", "30600"),
                ("EDU_MA_MOY", "71200"),
                ("EDU_MA_SUP", "102900"),
            )
        ],
    ],
    "DF_MST_SEX_AGE_CBR": [
        z("MST_FORP_NB", "2024", "176.0", AGE="AGE_AGGREGATE_TOTAL"),
        *[
            z("MST_FORP_NB", "2024", v, AGE="AGE_AGGREGATE_TOTAL", CBR=f"CBR_BRT_{c}")
            for c, v in (
                ("FRA", "38.5"),
                ("ESP", "9.1"),
                ("DZA", "12.4"),
                ("SEN", "14.6"),
                ("CIV", "9.8"),
                ("SYR", "5.3"),
            )
        ],
        z("MST_XWAP_NB", "2024", "150.4"),
        z("MST_TEAP_NB", "2024", "71.4"),
        z("MST_TEMP_NB", "2024", "61.3"),
        z("MST_TEMP_NB", "2024", "42.0", SEX="SEX_M"),
        z("MST_TEMP_NB", "2024", "19.3", SEX="SEX_F"),
        z("MST_TEMP_NB", "2024", "9.2", CBR="CBR_BRT_FRA"),
        z("MST_TEMP_NB", "2024", "8.4", CBR="CBR_BRT_SEN"),
        z("MST_TEMP_NB", "2024", "5.1", CBR="CBR_BRT_CIV"),
        z("MST_TUNE_RT", "2024", "14.1"),
    ],
    "DF_MST_SEX_AGE_CCT": [
        o(
            "MST_NCTP_NB",
            "2024",
            "148.152",
            "Z",
            "Census count of foreign residents (RGPH 2024: 148,152) as recalled "
            "by the project; to be verified with HCP.",
            AGE="AGE_AGGREGATE_TOTAL",
        ),
        *[
            z("MST_NCTP_NB", "2024", v, AGE="AGE_AGGREGATE_TOTAL", CCT=f"CCT_CTZ_{c}")
            for c, v in (
                ("FRA", "25.3"),
                ("SEN", "14.1"),
                ("SYR", "9.8"),
                ("CIV", "9.3"),
                ("DZA", "8.6"),
                ("GIN", "6.2"),
            )
        ],
        z("MST_XWAP_NB", "2024", "121.7"),
        z("MST_TEAP_NB", "2024", "67.5"),
        z("MST_TEMP_NB", "2024", "58.4"),
        z("MST_TEMP_NB", "2024", "40.7", SEX="SEX_M"),
        z("MST_TEMP_NB", "2024", "17.7", SEX="SEX_F"),
        z("MST_TUNE_RT", "2024", "13.5"),
    ],
}
