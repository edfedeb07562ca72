"""Sample observations of the corridor dataflows (see samples.py for the conventions)."""

from __future__ import annotations

from loaders.content.sources.samples import ILLUSTRATIVE, Obs, o, z

MRE = (
    "Foreign-ministry consular estimate including dual nationals, reported in 2025 "
    "(premiumtravelnews); not a census count."
)
MRE_SPLIT = (
    "Press estimate by country (maghreb-observateur, low-quality source); producer to confirm."
)
OC = "Office des Changes, as quoted by the press."
GECCO = {
    "DEST_AREA": "ESP",
    "SCHEME": "SCHEME_GECCO_ESP",
    "PERMIT": "PERMIT_SEAS",
    "SEX": "SEX_F",
    "OCU": "OCU_ISCO08_9211",
    "ECO": "ECO_ISIC4_A01",
}

CORRIDOR_SAMPLES: dict[str, list[Obs]] = {
    "DF_MIG_ABROAD": [
        o("MNA_TPOP_NB", "2024", "5000", "E", MRE),
        o(
            "MNA_TPOP_NB",
            "2024",
            "1375",
            "E",
            MRE_SPLIT + " Published as a range (1.25-1.5 million): midpoint, with "
            "the range in LOWER_BOUND and UPPER_BOUND.",
            lower="1250",
            upper="1500",
            DEST_AREA="FRA",
        ),
        *[
            o("MNA_TPOP_NB", "2024", v, "E", MRE_SPLIT, DEST_AREA=c)
            for c, v in (
                ("ESP", "870"),
                ("BEL", "700"),
                ("NLD", "600"),
                ("ITA", "430"),
                ("DEU", "180"),
                ("ARE", "160"),
            )
        ],
        z("MNA_TPOP_NB", "2024", "2650", SEX="SEX_M"),
        z("MNA_TPOP_NB", "2024", "2350", SEX="SEX_F"),
    ],
    "DF_MIG_OUTFLOW": [
        z("MNA_OPOP_NB", "2023", "58000"),
        z("MNA_OEMP_NB", "2023", "29400"),
        z("MNA_OEMP_NB", "2023", "12300", SEX="SEX_M"),
        z("MNA_OEMP_NB", "2023", "17100", SEX="SEX_F"),
        *[
            z("MNA_OEMP_NB", "2023", v, DEST_AREA=c)
            for c, v in (
                ("ESP", "16100"),
                ("FRA", "4300"),
                ("DEU", "2200"),
                ("ITA", "1500"),
                ("BEL", "700"),
                ("CAN", "1600"),
                ("SAU", "900"),
                ("ARE", "1100"),
                ("QAT", "500"),
            )
        ],
        z("MNA_OEMP_NB", "2023", "15400", DEST_AREA="ESP", PERMIT="PERMIT_SEAS"),
        Obs(
            "MFL_NEMP_NB",
            "2023",
            "15900",
            "Z",
            ILLUSTRATIVE + " Mirror figure: the destination country reports it.",
            {"DEST_AREA": "ESP"},
            reporter="ESP",
        ),
    ],
    "DF_MIG_RETURN": [
        z("MNA_XRET_NB", "2023", "41000"),
        z("MNA_XRET_NB", "2023", "27900", SEX="SEX_M"),
        z("MNA_XRET_NB", "2023", "13100", SEX="SEX_F"),
        *[
            z("MNA_XRET_NB", "2023", v, DEST_AREA=c)
            for c, v in (
                ("ESP", "11200"),
                ("FRA", "9800"),
                ("ITA", "6900"),
                ("BEL", "2100"),
                ("DEU", "1100"),
                ("LBY", "1800"),
            )
        ],
        *[
            z("MNA_XRET_NB", "2023", v, AGE=a)
            for a, v in (
                ("AGE_10YRBANDS_Y15-24", "4300"),
                ("AGE_10YRBANDS_Y25-34", "11800"),
                ("AGE_10YRBANDS_Y35-44", "10900"),
                ("AGE_MA_YGE45", "14000"),
            )
        ],
    ],
    "DF_MIG_PLACEMENT": [
        o(
            "NAT_PLCX_NB",
            "2023",
            "15350",
            "F",
            "Contracts expected for the 2023 Huelva campaign (hespress).",
            **GECCO,
        ),
        o(
            "NAT_PLCX_NB",
            "2025",
            "17800",
            "F",
            "Moroccan women expected for the 2025/26 campaign, out of about "
            "21,500 seasonal workers (le360, Jan. 2026).",
            **GECCO,
        ),
        z("NAT_PLCX_NB", "2024", "16200", **GECCO),
        z(
            "NAT_PLCX_NB",
            "2023",
            "310",
            DEST_AREA="DEU",
            SCHEME="SCHEME_THAMM_DEU",
            PERMIT="PERMIT_TRAINING",
        ),
        z(
            "NAT_PLCX_NB",
            "2023",
            "190",
            DEST_AREA="DEU",
            SCHEME="SCHEME_THAMM_DEU",
            PERMIT="PERMIT_SKILLED",
        ),
        z(
            "NAT_PLCX_NB",
            "2023",
            "60",
            DEST_AREA="DEU",
            SCHEME="SCHEME_THAMM_DEU",
            PERMIT="PERMIT_TRAINING",
            OCU="OCU_ISCO08_5120",
            ECO="ECO_ISIC4_I56",
        ),
        z(
            "NAT_PLCX_NB",
            "2023",
            "45",
            DEST_AREA="DEU",
            SCHEME="SCHEME_THAMM_DEU",
            PERMIT="PERMIT_TRAINING",
            OCU="OCU_ISCO08_7411",
            ECO="ECO_ISIC4_F43",
        ),
        z(
            "NAT_PLCX_NB",
            "2023",
            "60",
            DEST_AREA="BEL",
            SCHEME="SCHEME_THAMM_BEL",
            PERMIT="PERMIT_SKILLED",
        ),
        z(
            "NAT_PLCX_NB",
            "2023",
            "1200",
            DEST_AREA="FRA",
            SCHEME="SCHEME_ANAPEC_OTHER",
            PERMIT="PERMIT_SEAS",
        ),
        z(
            "NAT_PLCX_NB",
            "2023",
            "850",
            DEST_AREA="ITA",
            SCHEME="SCHEME_FLUSSI_ITA",
            PERMIT="PERMIT_SEAS",
        ),
        z("NAT_PLCX_NB", "2023", "18400", DEST_AREA="X01"),
        z("NAT_PLCX_NB", "2023", "16150", DEST_AREA="X01", SEX="SEX_F"),
    ],
    "DF_MIG_BORDER": [
        z("NAT_BORDER_ENT_NB", "2023", "3310000"),
        z("NAT_BORDER_EXT_NB", "2023", "3240000"),
        *[
            z("NAT_BORDER_ENT_NB", "2023", v, DEST_AREA=c)
            for c, v in (("FRA", "1180000"), ("ESP", "560000"), ("BEL", "430000"))
        ],
        *[
            z("NAT_BORDER_ENT_NB", f"2023-{m}", v, FREQ="M")
            for m, v in (("06", "310000"), ("07", "905000"), ("08", "760000"), ("09", "420000"))
        ],
        *[
            z("NAT_BORDER_EXT_NB", f"2023-{m}", v, FREQ="M")
            for m, v in (("07", "380000"), ("08", "890000"), ("09", "760000"))
        ],
    ],
    "DF_RECRUIT_COST": [
        *[
            z("NAT_SDG1071_RT", "2019", v, DEST_AREA=c)
            for c, v in (
                ("ESP", "18.4"),
                ("FRA", "62.0"),
                ("ITA", "95.3"),
                ("SAU", "55.1"),
                ("DEU", "110.7"),
            )
        ],
        *[
            z("NAT_RCOST_US", "2019", v, DEST_AREA="DEU", COST_COMP=c)
            for c, v in (
                ("COST_TOTAL", "2450"),
                ("COST_FEE", "600"),
                ("COST_VISA", "110"),
                ("COST_TRAVEL", "380"),
                ("COST_MEDICAL", "90"),
                ("COST_DOCS", "170"),
                ("COST_TRAINING", "1050"),
                ("COST_OTHER", "50"),
            )
        ],
    ],
    "DF_REMIT": [
        o("NAT_REM_INFL_LC", "2021", "93600", comment=OC),
        o(
            "NAT_REM_INFL_LC",
            "2022",
            "110720",
            comment=OC + " Revised; first reported as 109 billion MAD.",
        ),
        o("NAT_REM_INFL_LC", "2023", "115150", comment=OC),
        *[
            z("NAT_REM_INFL_LC", "2023", v, DEST_AREA=c)
            for c, v in (
                ("FRA", "35700"),
                ("ESP", "19000"),
                ("ITA", "11500"),
                ("BEL", "5200"),
                ("NLD", "4300"),
                ("DEU", "3800"),
                ("USA", "8600"),
                ("SAU", "7500"),
                ("ARE", "6900"),
                ("QAT", "2100"),
            )
        ],
    ],
    "DF_REMIT_COST": [
        o(
            "NAT_REMCOST200_RT",
            "2025-Q1",
            "4.60",
            comment="World Bank RPW 2025Q1, Spain to Morocco average, as quoted "
            "by a third party (plainremit.com); the cheapest provider charged 1.5%.",
            DEST_AREA="ESP",
        ),
        *[
            z("NAT_REMCOST200_RT", f"2024-Q{q}", v, DEST_AREA="ESP")
            for q, v in (("1", "4.92"), ("2", "4.85"), ("3", "4.77"), ("4", "4.71"))
        ],
        *[
            z("NAT_REMCOST200_RT", "2025-Q1", v, DEST_AREA=c)
            for c, v in (("FRA", "5.48"), ("ITA", "6.12"), ("BEL", "5.87"), ("DEU", "6.80"))
        ],
        z("NAT_REMCOST200_RT", "2024-Q4", "5.61", DEST_AREA="FRA"),
        *[
            z("NAT_REMCOST200_RT", "2025-Q1", v, DEST_AREA="ESP", RSP=r)
            for r, v in (("RSP_BANK", "5.95"), ("RSP_MTO", "3.87"), ("RSP_POST", "6.50"))
        ],
    ],
}
