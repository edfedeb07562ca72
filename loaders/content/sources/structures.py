"""Data structures, dataflows, producers and themes: what the LMIS publishes and who supplies it.

Dimension lists follow ILOSTAT: ``REF_AREA, FREQ, MEASURE, SEX, <classification
dimensions>, TIME_PERIOD`` (corridor structures put ``ORIGIN_AREA, DEST_AREA``
in place of ``REF_AREA``). Each dimension names its codelist: ``ILO`` for the
ILO's own list, ``MA`` for the national list of the same id (see
``loaders/content/dsds.py`` for the concepts and attributes).

Allowed content: each dataflow lists one or more cube regions (their union is
allowed). A region gives the codes of each dimension; a dimension left out is
restricted to its total code (``TOTALS``). Tokens stand for long lists:
``COUNTRIES`` (every country of ILO:CL_AREA that the ILO's migration lists
CDS/CRS/CPR/CBR/CCT all have, less Morocco and Western Sahara),
``WORLD_COUNTRIES`` (X01 World and COUNTRIES), ``ISCO_1``/``ISCO_12``/
``ISCO_ALL`` (ISCO-08 major groups; with sub-major groups; all groups; each
with total and not classified), ``ISIC_SECTIONS``/``ISIC_DIVISIONS``
(sections, or sections and divisions, with not classified), ``REGIONS``
(total and the 12 regions), ``ALL``/``CBR_ALL``/``CCT_ALL`` (every code of
the dimension's codelist).
"""

from __future__ import annotations

from typing import NamedTuple

Region = dict[str, list[str] | str]


class DsdSpec(NamedTuple):
    """A data structure: id, names, description, kind and dimensions (id, codelist owner)."""

    id: str
    fr: str
    en: str
    desc_fr: str
    desc_en: str
    kind: str  # "ilo" (ILOSTAT-shaped, ILO codelists only), "national" or "corridor"
    dimensions: list[tuple[str, str]]


class DataflowSpec(NamedTuple):
    """A dataflow: its structure, providers, themes and allowed cube regions."""

    id: str
    dsd: str
    fr: str
    en: str
    desc_fr: str
    desc_en: str
    providers: list[str]
    categories: list[str]
    regions: list[Region]


TOTALS = {
    "REF_AREA": "MAR",
    "FREQ": "A",
    "SEX": "SEX_T",
    "AGE": "AGE_YTHADULT_YGE15",
    "EDU": "EDU_AGGREGATE_TOTAL",
    "GEO": "GEO_COV_NAT",
    "REGION": "REG_MA_TOTAL",
    "ECO": "ECO_ISIC4_TOTAL",
    "OCU": "OCU_ISCO08_TOTAL",
    "STE": "STE_ICSE93_TOTAL",
    "CUR": "CUR_TYPE_LCU",
    "CBR": "CBR_BRT_TOTAL",
    "CCT": "CCT_CTZ_TOTAL",
    "ORIGIN_AREA": "MAR",
    "DEST_AREA": "X01",
    "PERMIT": "PERMIT_TOTAL",
    "SCHEME": "SCHEME_TOTAL",
    "COST_COMP": "COST_TOTAL",
    "RSP": "RSP_TOTAL",
}

ILO, MA = "ILO", "MA"
HEAD = [("REF_AREA", ILO), ("FREQ", ILO)]
CORRIDOR_HEAD = [("ORIGIN_AREA", ILO), ("DEST_AREA", ILO), ("FREQ", ILO)]

DSDS: list[DsdSpec] = [
    DsdSpec(
        "DSD_LFS",
        "Enquête sur la main-d'œuvre : indicateurs de base",
        "Labour force survey: core indicators",
        "Population, main-d'œuvre, emploi, chômage, sous-utilisation, NEET et informalité par sexe, âge, "
        "diplôme, milieu et région (ventilations nationales).",
        "Population, labour force, employment, unemployment, underutilisation, NEET and informality by sex, "
        "age, diploma, area type and region (national breakdowns).",
        "national",
        HEAD
        + [("MEASURE", MA), ("SEX", ILO), ("AGE", MA), ("EDU", MA), ("GEO", ILO), ("REGION", MA)],
    ),
    DsdSpec(
        "DSD_EMP_STRUCT",
        "Structure de l'emploi",
        "Employment structure",
        "Emploi par activité économique (CITI Rév.4), profession (CITP-08) et situation dans la profession.",
        "Employment by economic activity (ISIC Rev.4), occupation (ISCO-08) and status in employment.",
        "national",
        HEAD
        + [("MEASURE", MA), ("SEX", ILO), ("ECO", MA), ("OCU", MA), ("STE", ILO), ("GEO", ILO)],
    ),
    DsdSpec(
        "DSD_SEX_ECO_CUR",
        "Gains par sexe, activité économique et monnaie (forme ILOSTAT)",
        "Earnings by sex, economic activity and currency (ILOSTAT shape)",
        "Même forme que les indicateurs EAR_…_SEX_ECO_CUR d'ILOSTAT ; listes de codes de l'OIT uniquement.",
        "Same shape as ILOSTAT's EAR_…_SEX_ECO_CUR indicators; ILO codelists only.",
        "ilo",
        HEAD + [("MEASURE", ILO), ("SEX", ILO), ("ECO", ILO), ("CUR", ILO)],
    ),
    DsdSpec(
        "DSD_SEX_ECO",
        "Indicateurs par sexe et activité économique (forme ILOSTAT)",
        "Indicators by sex and economic activity (ILOSTAT shape)",
        "Même forme que les indicateurs …_SEX_ECO d'ILOSTAT ; listes de codes de l'OIT uniquement.",
        "Same shape as ILOSTAT's …_SEX_ECO indicators; ILO codelists only.",
        "ilo",
        HEAD + [("MEASURE", ILO), ("SEX", ILO), ("ECO", ILO)],
    ),
    DsdSpec(
        "DSD_ADMIN",
        "Données administratives du marché du travail",
        "Administrative labour-market data",
        "Registres de la CNSS et de l'ANAPEC par sexe, âge, diplôme, activité et région.",
        "CNSS and ANAPEC records by sex, age, diploma, activity and region.",
        "national",
        HEAD
        + [("MEASURE", MA), ("SEX", ILO), ("AGE", MA), ("EDU", MA), ("ECO", MA), ("REGION", MA)],
    ),
    DsdSpec(
        "DSD_SEX_AGE_CBR",
        "Migrants internationaux par sexe, âge et pays de naissance (forme ILOSTAT)",
        "International migrants by sex, age and country of birth (ILOSTAT shape)",
        "Même forme que les indicateurs MST_…_SEX_AGE_CBR d'ILOSTAT (ILMS) ; listes de codes de l'OIT uniquement.",
        "Same shape as ILOSTAT's MST_…_SEX_AGE_CBR indicators (ILMS); ILO codelists only.",
        "ilo",
        HEAD + [("MEASURE", ILO), ("SEX", ILO), ("AGE", ILO), ("CBR", ILO)],
    ),
    DsdSpec(
        "DSD_SEX_AGE_CCT",
        "Migrants internationaux par sexe, âge et citoyenneté (forme ILOSTAT)",
        "International migrants by sex, age and citizenship (ILOSTAT shape)",
        "Même forme que les indicateurs MST_…_SEX_AGE_CCT d'ILOSTAT (ILMS) ; listes de codes de l'OIT uniquement.",
        "Same shape as ILOSTAT's MST_…_SEX_AGE_CCT indicators (ILMS); ILO codelists only.",
        "ilo",
        HEAD + [("MEASURE", ILO), ("SEX", ILO), ("AGE", ILO), ("CCT", ILO)],
    ),
    DsdSpec(
        "DSD_MIG_CORRIDOR",
        "Corridors de migration de main-d'œuvre",
        "Labour migration corridors",
        "Flux et stocks entre un pays d'origine (ORIGIN_AREA) et un pays de destination (DEST_AREA), sur la "
        "même liste de zones ; l'attribut REPORTER indique le pays dont la source a produit la donnée.",
        "Flows and stocks between a country of origin (ORIGIN_AREA) and a country of destination "
        "(DEST_AREA), on the same area list; the REPORTER attribute names the country whose source "
        "produced the figure.",
        "corridor",
        CORRIDOR_HEAD
        + [
            ("MEASURE", MA),
            ("SEX", ILO),
            ("AGE", MA),
            ("EDU", MA),
            ("OCU", MA),
            ("ECO", MA),
            ("PERMIT", MA),
            ("SCHEME", MA),
        ],
    ),
    DsdSpec(
        "DSD_RECRUIT_COST",
        "Coûts de recrutement des travailleurs migrants (ODD 10.7.1)",
        "Recruitment costs of migrant workers (SDG 10.7.1)",
        "Coûts supportés par les travailleurs, par corridor, sexe, profession et composante.",
        "Costs borne by workers, by corridor, sex, occupation and component.",
        "corridor",
        CORRIDOR_HEAD + [("MEASURE", MA), ("SEX", ILO), ("OCU", MA), ("COST_COMP", MA)],
    ),
    DsdSpec(
        "DSD_REMIT",
        "Envois de fonds et leur coût (ODD 10.c.1)",
        "Remittances and their cost (SDG 10.c.1)",
        "Transferts reçus et coût des envois par corridor de migration : ORIGIN_AREA est le pays d'origine "
        "des migrants (bénéficiaire), DEST_AREA le pays de destination (d'envoi).",
        "Transfers received and cost of sending them by migration corridor: ORIGIN_AREA is the migrants' "
        "country of origin (receiving), DEST_AREA the country of destination (sending).",
        "corridor",
        CORRIDOR_HEAD + [("MEASURE", MA), ("RSP", MA)],
    ),
]

SEX3 = ["SEX_T", "SEX_M", "SEX_F"]
GEO3 = ["GEO_COV_NAT", "GEO_COV_URB", "GEO_COV_RUR"]
AGE_HCP = [
    "AGE_YTHADULT_YGE15",
    "AGE_10YRBANDS_Y15-24",
    "AGE_10YRBANDS_Y25-34",
    "AGE_10YRBANDS_Y35-44",
    "AGE_MA_YGE45",
]
EDU_HCP = ["EDU_AGGREGATE_TOTAL", "EDU_MA_NODIP", "EDU_MA_DIP", "EDU_MA_MOY", "EDU_MA_SUP"]
AGE_ALL = [
    "AGE_AGGREGATE_TOTAL",
    "AGE_10YRBANDS_Y15-24",
    "AGE_10YRBANDS_Y25-34",
    "AGE_10YRBANDS_Y35-44",
    "AGE_MA_YGE45",
]
ECO_HCP = [
    "ECO_SECTOR_TOTAL",
    "ECO_SECTOR_AGR",
    "ECO_MA_IND",
    "ECO_AGGREGATE_CON",
    "ECO_SECTOR_SER",
    "ECO_SECTOR_IND",
    "ECO_SECTOR_X",
]
ECO_BROAD = ["ECO_SECTOR_TOTAL", "ECO_SECTOR_AGR", "ECO_SECTOR_IND", "ECO_SECTOR_SER"]
LFS_CORE = [
    "POP_XWAP_NB",
    "EAP_TEAP_NB",
    "EMP_TEMP_NB",
    "UNE_TUNE_NB",
    "EIP_TEIP_NB",
    "EAP_DWAP_RT",
    "EMP_DWAP_RT",
    "UNE_DEAP_RT",
    "EIP_DWAP_RT",
    "TRU_TTRU_NB",
    "TRU_DEMP_RT",
    "EIP_WPLF_NB",
    "LUU_XLU2_RT",
    "LUU_XLU3_RT",
    "LUU_XLU4_RT",
    "EMP_NIFL_NB",
    "EMP_NIFL_RT",
    "NAT_UNDEREMP_NB",
    "NAT_UNDEREMP_RT",
]
ALL_REG = "REGIONS"

DATAFLOWS: list[DataflowSpec] = [
    DataflowSpec(
        "DF_LFS_CORE",
        "DSD_LFS",
        "Indicateurs de base de l'enquête nationale sur l'emploi",
        "Core indicators of the national employment survey",
        "Enquête nationale sur l'emploi du HCP : moyennes annuelles et résultats trimestriels.",
        "HCP national employment survey: annual averages and quarterly results.",
        ["HCP"],
        ["EMP", "UNE", "SDG.SDG08"],
        [
            {
                "FREQ": ["A", "Q"],
                "MEASURE": LFS_CORE,
                "SEX": SEX3,
                "AGE": AGE_HCP,
                "EDU": EDU_HCP,
                "GEO": GEO3,
            },
            {
                "FREQ": ["A", "Q"],
                "MEASURE": [
                    "POP_XWAP_NB",
                    "EAP_TEAP_NB",
                    "EMP_TEMP_NB",
                    "UNE_TUNE_NB",
                    "EAP_DWAP_RT",
                    "EMP_DWAP_RT",
                    "UNE_DEAP_RT",
                    "NAT_UNDEREMP_RT",
                ],
                "SEX": SEX3,
                "GEO": GEO3,
                "REGION": ALL_REG,
            },
            {
                "FREQ": ["A", "Q"],
                "MEASURE": ["EIP_NEET_NB", "EIP_NEET_RT"],
                "SEX": SEX3,
                "AGE": ["AGE_10YRBANDS_Y15-24"],
                "GEO": GEO3,
            },
        ],
    ),
    DataflowSpec(
        "DF_EMP_STRUCT",
        "DSD_EMP_STRUCT",
        "Structure de l'emploi",
        "Employment structure",
        "Emploi par secteur, profession et situation dans la profession, et qualité de l'emploi.",
        "Employment by sector, occupation and status in employment, and job quality.",
        ["HCP"],
        ["EMP", "OCU"],
        [
            {
                "MEASURE": ["EMP_TEMP_NB"],
                "SEX": SEX3,
                "GEO": GEO3,
                "ECO": ECO_HCP + ["ECO_ISIC4_TOTAL", "ISIC_SECTIONS"],
            },
            {"MEASURE": ["EMP_TEMP_NB"], "SEX": SEX3, "GEO": GEO3, "OCU": "ISCO_12"},
            {
                "MEASURE": ["EMP_TEMP_NB"],
                "SEX": SEX3,
                "GEO": GEO3,
                "STE": [
                    "STE_ICSE93_TOTAL",
                    "STE_ICSE93_1",
                    "STE_ICSE93_2",
                    "STE_ICSE93_3",
                    "STE_ICSE93_4",
                    "STE_ICSE93_5",
                    "STE_ICSE93_6",
                ],
            },
            {
                "MEASURE": ["NAT_EES_RT", "NAT_UNPAID_RT", "NAT_HOW48_RT", "NAT_MEDCOV_RT"],
                "SEX": SEX3,
                "GEO": GEO3,
            },
        ],
    ),
    DataflowSpec(
        "DF_EAR_SEX_ECO_CUR",
        "DSD_SEX_ECO_CUR",
        "Gains et salaire minimum",
        "Earnings and minimum wage",
        "Gains mensuels moyens des salariés et salaire minimum légal, forme ILOSTAT.",
        "Average monthly earnings of employees and statutory minimum wage, ILOSTAT shape.",
        ["HCP", "MIN_EMPLOI"],
        ["EAR"],
        [
            {
                "MEASURE": ["EAR_4MTH_NB"],
                "SEX": SEX3,
                "ECO": ECO_BROAD,
                "CUR": ["CUR_TYPE_LCU", "CUR_TYPE_USD"],
            },
            {"MEASURE": ["EAR_4MMN_NB"], "ECO": ["ECO_SECTOR_TOTAL"], "CUR": ["CUR_TYPE_LCU"]},
        ],
    ),
    DataflowSpec(
        "DF_HOW_SEX_ECO",
        "DSD_SEX_ECO",
        "Durée du travail",
        "Working hours",
        "Nombre moyen d'heures effectivement travaillées par semaine, forme ILOSTAT.",
        "Mean weekly hours actually worked, ILOSTAT shape.",
        ["HCP"],
        ["EAR"],
        [{"MEASURE": ["HOW_TEMP_NB"], "SEX": SEX3, "ECO": ECO_BROAD}],
    ),
    DataflowSpec(
        "DF_ADMIN_CNSS",
        "DSD_ADMIN",
        "Salariés et salaires déclarés à la CNSS",
        "Employees and wages declared to the CNSS",
        "Régime général de la CNSS : salariés déclarés, masse salariale, employeurs déclarants.",
        "CNSS general scheme: declared employees, wage bill, declaring employers.",
        ["CNSS"],
        ["EMP", "EAR"],
        [
            {
                "MEASURE": [
                    "NAT_CNSS_EES_NB",
                    "NAT_CNSS_WAGE_LC",
                    "NAT_CNSS_AVGWAGE_LC",
                    "NAT_CNSS_EMPLR_NB",
                ],
                "FREQ": ["A", "M"],
                "SEX": SEX3,
                "AGE": AGE_ALL,
                "ECO": ["ECO_ISIC4_TOTAL", "ISIC_SECTIONS"],
                "REGION": ALL_REG,
            }
        ],
    ),
    DataflowSpec(
        "DF_ADMIN_ANAPEC",
        "DSD_ADMIN",
        "Intermédiation de l'ANAPEC",
        "ANAPEC intermediation",
        "Demandeurs d'emploi inscrits, offres d'emploi reçues et insertions au Maroc.",
        "Registered job seekers, vacancies received and placements in Morocco.",
        ["ANAPEC"],
        ["UNE", "EMP"],
        [
            {
                "MEASURE": ["NAT_ANAPEC_JSK_NB", "NAT_ANAPEC_VAC_NB", "NAT_ANAPEC_PLC_NB"],
                "FREQ": ["A", "M"],
                "SEX": SEX3,
                "AGE": AGE_ALL,
                "EDU": EDU_HCP,
                "ECO": ["ECO_ISIC4_TOTAL", "ISIC_SECTIONS"],
                "REGION": ALL_REG,
            }
        ],
    ),
    DataflowSpec(
        "DF_MST_SEX_AGE_CBR",
        "DSD_SEX_AGE_CBR",
        "Migrants internationaux par pays de naissance",
        "International migrants by country of birth",
        "Population née à l'étranger résidant au Maroc et sa situation sur le marché du travail.",
        "Foreign-born population resident in Morocco and its labour market situation.",
        ["HCP"],
        ["MIG.STOCK"],
        [
            {
                "MEASURE": [
                    "MST_XWAP_NB",
                    "MST_TEAP_NB",
                    "MST_TEMP_NB",
                    "MST_TUNE_RT",
                    "MST_FORP_NB",
                ],
                "SEX": SEX3,
                "AGE": [
                    "AGE_YTHADULT_YGE15",
                    "AGE_YTHADULT_Y15-24",
                    "AGE_YTHADULT_YGE25",
                    "AGE_AGGREGATE_TOTAL",
                ],
                "CBR": "CBR_ALL",
            }
        ],
    ),
    DataflowSpec(
        "DF_MST_SEX_AGE_CCT",
        "DSD_SEX_AGE_CCT",
        "Migrants internationaux par citoyenneté",
        "International migrants by citizenship",
        "Population étrangère résidant au Maroc et sa situation sur le marché du travail.",
        "Foreign population resident in Morocco and its labour market situation.",
        ["HCP", "MIN_INTERIEUR"],
        ["MIG.STOCK"],
        [
            {
                "MEASURE": [
                    "MST_XWAP_NB",
                    "MST_TEAP_NB",
                    "MST_TEMP_NB",
                    "MST_TUNE_RT",
                    "MST_NCTP_NB",
                ],
                "SEX": SEX3,
                "AGE": [
                    "AGE_YTHADULT_YGE15",
                    "AGE_YTHADULT_Y15-24",
                    "AGE_YTHADULT_YGE25",
                    "AGE_AGGREGATE_TOTAL",
                ],
                "CCT": "CCT_ALL",
            }
        ],
    ),
    DataflowSpec(
        "DF_MIG_OUTFLOW",
        "DSD_MIG_CORRIDOR",
        "Départs de ressortissants pour le travail",
        "Outflows of nationals for work",
        "Ressortissants partis à l'étranger, dont pour le travail, par pays de destination.",
        "Nationals who left for abroad, including for work, by country of destination.",
        ["MIN_EMPLOI", "ANAPEC", "HCP"],
        ["MIG.CORRIDOR"],
        [
            {
                "MEASURE": ["MNA_OPOP_NB", "MNA_OEMP_NB", "MFL_NEMP_NB"],
                "DEST_AREA": "WORLD_COUNTRIES",
                "SEX": SEX3,
                "AGE": AGE_ALL,
                "EDU": EDU_HCP,
                "OCU": "ISCO_1",
                "ECO": ["ECO_ISIC4_TOTAL", "ISIC_SECTIONS"],
                "PERMIT": "ALL",
            }
        ],
    ),
    DataflowSpec(
        "DF_MIG_ABROAD",
        "DSD_MIG_CORRIDOR",
        "Marocains résidant à l'étranger",
        "Moroccans residing abroad",
        "Stock de ressortissants à l'étranger par pays de résidence (estimations consulaires).",
        "Stock of nationals abroad by country of residence (consular estimates).",
        ["MIN_AFF_ETR"],
        ["MIG.CORRIDOR"],
        [
            {
                "MEASURE": ["MNA_TPOP_NB"],
                "DEST_AREA": "WORLD_COUNTRIES",
                "SEX": SEX3,
                "AGE": ["AGE_AGGREGATE_TOTAL"],
            }
        ],
    ),
    DataflowSpec(
        "DF_MIG_RETURN",
        "DSD_MIG_CORRIDOR",
        "Retours de ressortissants",
        "Returns of nationals",
        "Ressortissants revenus résider au Maroc, par pays de résidence précédente (DEST_AREA).",
        "Nationals who came back to live in Morocco, by country of previous residence (DEST_AREA).",
        ["HCP"],
        ["MIG.CORRIDOR"],
        [
            {
                "MEASURE": ["MNA_XRET_NB"],
                "DEST_AREA": "WORLD_COUNTRIES",
                "SEX": SEX3,
                "AGE": AGE_ALL,
                "EDU": EDU_HCP,
                "OCU": "ISCO_1",
            }
        ],
    ),
    DataflowSpec(
        "DF_MIG_PLACEMENT",
        "DSD_MIG_CORRIDOR",
        "Placements à l'étranger",
        "Placements abroad",
        "Placements de travailleurs à l'étranger par l'ANAPEC, par programme, titre et profession.",
        "Placements of workers abroad through ANAPEC, by scheme, permit and occupation.",
        ["ANAPEC"],
        ["MIG.CORRIDOR", "OCU"],
        [
            {
                "MEASURE": ["NAT_PLCX_NB"],
                "DEST_AREA": "WORLD_COUNTRIES",
                "SEX": SEX3,
                "AGE": AGE_ALL,
                "OCU": "ISCO_ALL",
                "ECO": ["ECO_ISIC4_TOTAL", "ISIC_DIVISIONS"],
                "PERMIT": "ALL",
                "SCHEME": "ALL",
            }
        ],
    ),
    DataflowSpec(
        "DF_MIG_BORDER",
        "DSD_MIG_CORRIDOR",
        "Passages aux frontières des Marocains résidant à l'étranger",
        "Border crossings of Moroccans residing abroad",
        "Entrées et sorties aux postes frontières, par pays de résidence.",
        "Entries and exits at border posts, by country of residence.",
        ["DGSN"],
        ["MIG.CORRIDOR"],
        [
            {
                "MEASURE": ["NAT_BORDER_ENT_NB", "NAT_BORDER_EXT_NB"],
                "FREQ": ["A", "M"],
                "DEST_AREA": "WORLD_COUNTRIES",
                "AGE": ["AGE_AGGREGATE_TOTAL"],
            }
        ],
    ),
    DataflowSpec(
        "DF_RECRUIT_COST",
        "DSD_RECRUIT_COST",
        "Coûts de recrutement (ODD 10.7.1)",
        "Recruitment costs (SDG 10.7.1)",
        "Coût de recrutement supporté par les travailleurs migrants, par corridor et composante.",
        "Recruitment cost borne by migrant workers, by corridor and component.",
        ["HCP"],
        ["MIG.CORRIDOR", "SDG.SDG10"],
        [
            {
                "MEASURE": ["NAT_SDG1071_RT"],
                "DEST_AREA": "WORLD_COUNTRIES",
                "SEX": SEX3,
                "OCU": "ISCO_1",
            },
            {
                "MEASURE": ["NAT_RCOST_US"],
                "DEST_AREA": "WORLD_COUNTRIES",
                "SEX": SEX3,
                "OCU": "ISCO_1",
                "COST_COMP": "ALL",
            },
        ],
    ),
    DataflowSpec(
        "DF_REMIT",
        "DSD_REMIT",
        "Transferts des Marocains résidant à l'étranger",
        "Remittances of Moroccans residing abroad",
        "Transferts reçus au Maroc par pays d'envoi (balance des paiements).",
        "Transfers received in Morocco by sending country (balance of payments).",
        ["OFFICE_CHANGES"],
        ["REM"],
        [{"MEASURE": ["NAT_REM_INFL_LC"], "FREQ": ["A", "Q", "M"], "DEST_AREA": "WORLD_COUNTRIES"}],
    ),
    DataflowSpec(
        "DF_REMIT_COST",
        "DSD_REMIT",
        "Coût des envois de fonds (ODD 10.c.1)",
        "Cost of remittances (SDG 10.c.1)",
        "Coût moyen d'envoi de 200 USD vers le Maroc, par pays d'envoi et type de prestataire.",
        "Average cost of sending USD 200 to Morocco, by sending country and provider type.",
        ["WB"],
        ["REM", "SDG.SDG10"],
        [{"MEASURE": ["NAT_REMCOST200_RT"], "FREQ": ["Q"], "DEST_AREA": "COUNTRIES", "RSP": "ALL"}],
    ),
]

# (id, French name, English name, French description, English description)
PROVIDERS: list[tuple[str, str, str, str, str]] = [
    (
        "HCP",
        "Haut-Commissariat au Plan",
        "High Commission for Planning",
        "Institut statistique national : enquête nationale sur l'emploi, recensements, enquêtes sur la migration.",
        "National statistical office: national employment survey, censuses, migration surveys.",
    ),
    (
        "MIN_EMPLOI",
        "Ministère chargé de l'emploi",
        "Ministry in charge of employment",
        "Ministère de l'Inclusion économique, de la Petite entreprise, de l'Emploi et des Compétences ; l'identifiant "
        "reste neutre pour survivre aux changements d'intitulé.",
        "Ministry of Economic Inclusion, Small Business, Employment and Skills; the id stays neutral so that it "
        "survives changes of title.",
    ),
    (
        "ANAPEC",
        "Agence nationale de promotion de l'emploi et des compétences",
        "National Agency for the Promotion of Employment and Skills",
        "Service public de l'emploi : intermédiation au Maroc et placements à l'étranger.",
        "Public employment service: intermediation in Morocco and placements abroad.",
    ),
    (
        "CNSS",
        "Caisse nationale de sécurité sociale",
        "National Social Security Fund",
        "Régime général de sécurité sociale des salariés du secteur privé.",
        "General social security scheme for private-sector employees.",
    ),
    (
        "DGSN",
        "Direction générale de la sûreté nationale",
        "General Directorate for National Security",
        "Police des frontières : statistiques des entrées et sorties.",
        "Border police: statistics of entries and exits.",
    ),
    (
        "MIN_AFF_ETR",
        "Ministère des Affaires étrangères, de la Coopération africaine et des Marocains résidant à l'étranger",
        "Ministry of Foreign Affairs, African Cooperation and Moroccan Expatriates",
        "Réseau consulaire : registres et estimations des Marocains résidant à l'étranger.",
        "Consular network: registers and estimates of Moroccans residing abroad.",
    ),
    (
        "MIN_INTERIEUR",
        "Ministère de l'Intérieur",
        "Ministry of the Interior",
        "Titres de séjour et régularisation des étrangers.",
        "Residence permits and regularisation of foreigners.",
    ),
    (
        "OFFICE_CHANGES",
        "Office des Changes",
        "Foreign Exchange Office",
        "Balance des paiements : transferts des Marocains résidant à l'étranger.",
        "Balance of payments: remittances of Moroccans residing abroad.",
    ),
    (
        "WB",
        "Banque mondiale",
        "World Bank",
        "Remittance Prices Worldwide : coût des envois de fonds par corridor (ODD 10.c.1).",
        "Remittance Prices Worldwide: cost of remittances by corridor (SDG 10.c.1).",
    ),
]

# (path, French name, English name): dots separate parent and child.
CATEGORIES: list[tuple[str, str, str]] = [
    ("EMP", "Emploi", "Employment"),
    (
        "UNE",
        "Chômage et sous-utilisation de la main-d'œuvre",
        "Unemployment and labour underutilisation",
    ),
    ("OCU", "Professions", "Occupations"),
    ("EAR", "Salaires et durée du travail", "Earnings and working hours"),
    ("MIG", "Migration de main-d'œuvre", "Labour migration"),
    (
        "MIG.CORRIDOR",
        "Corridors, départs, retours et Marocains à l'étranger",
        "Corridors, departures, returns and Moroccans abroad",
    ),
    ("MIG.STOCK", "Travailleurs migrants au Maroc", "Migrant workers in Morocco"),
    ("REM", "Envois de fonds", "Remittances"),
    ("SDG", "Objectifs de développement durable", "Sustainable Development Goals"),
    (
        "SDG.SDG08",
        "ODD 8 : travail décent et croissance économique",
        "SDG 8: decent work and economic growth",
    ),
    (
        "SDG.SDG10",
        "ODD 10 : inégalités réduites (migrations, envois de fonds)",
        "SDG 10: reduced inequalities (migration, remittances)",
    ),
]
