"""National codes: age and education bands, permits, schemes, cost components, sources.

Each code is ``Code(id, fr, en, parent, desc_fr, desc_en)``. ILO codes that a
national list reuses are named by id only (``ILO_AGE`` ...): their names come
from the ILO's codelist at generation time.
"""

from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    """A hand-authored national code."""

    id: str
    fr: str
    en: str
    parent: str | None = None
    desc_fr: str = ""
    desc_en: str = ""


# ------------------------------------------------------------------ age (MA_LMIS:CL_AGE)

ILO_AGE = [
    "AGE_YTHADULT",
    "AGE_YTHADULT_YGE15",
    "AGE_YTHADULT_Y15-64",
    "AGE_YTHADULT_Y15-24",
    "AGE_YTHADULT_YGE25",
    "AGE_YTHBANDS",
    "AGE_YTHBANDS_Y15-29",
    "AGE_YTHBANDS_Y15-19",
    "AGE_YTHBANDS_Y20-24",
    "AGE_YTHBANDS_Y25-29",
    "AGE_AGGREGATE",
    "AGE_AGGREGATE_TOTAL",
    "AGE_AGGREGATE_Y15-24",
    "AGE_AGGREGATE_Y25-54",
    "AGE_AGGREGATE_Y55-64",
    "AGE_AGGREGATE_YGE65",
    "AGE_10YRBANDS",
    "AGE_10YRBANDS_TOTAL",
    "AGE_10YRBANDS_Y15-24",
    "AGE_10YRBANDS_Y25-34",
    "AGE_10YRBANDS_Y35-44",
    "AGE_10YRBANDS_Y45-54",
    "AGE_10YRBANDS_Y55-64",
    "AGE_10YRBANDS_YGE65",
]
NATIONAL_AGE = [
    Code(
        "AGE_MA",
        "Tranches d'âge nationales (HCP)",
        "National age bands (HCP)",
        desc_fr="Tranches d'âge publiées par le HCP qui n'ont pas d'équivalent dans la liste de l'OIT.",
        desc_en="Age bands published by HCP that have no equivalent in the ILO's list.",
    ),
    Code(
        "AGE_MA_YGE45",
        "45 ans et plus",
        "45 years and over",
        "AGE_MA",
        "Dernière tranche d'âge de l'enquête nationale sur l'emploi (15-24, 25-34, 35-44, 45 ans et plus).",
        "Last age band of the national employment survey (15-24, 25-34, 35-44, 45 years and over).",
    ),
]

# ------------------------------------------------------------------ education (MA_LMIS:CL_EDU)

ILO_EDU = [
    "EDU_AGGREGATE",
    "EDU_AGGREGATE_TOTAL",
    "EDU_AGGREGATE_LTB",
    "EDU_AGGREGATE_BAS",
    "EDU_AGGREGATE_INT",
    "EDU_AGGREGATE_ADV",
    "EDU_AGGREGATE_X",
    "EDU_ISCED11",
    "EDU_ISCED11_TOTAL",
    "EDU_ISCED11_X",
    "EDU_ISCED11_0",
    "EDU_ISCED11_1",
    "EDU_ISCED11_2",
    "EDU_ISCED11_3",
    "EDU_ISCED11_4",
    "EDU_ISCED11_5",
    "EDU_ISCED11_6",
    "EDU_ISCED11_7",
    "EDU_ISCED11_8",
    "EDU_ISCED11_9",
]
NATIONAL_EDU = [
    Code(
        "EDU_MA",
        "Niveau de diplôme (HCP)",
        "Level of diploma (HCP)",
        desc_fr="Classement par diplôme le plus élevé obtenu, utilisé par l'enquête nationale sur l'emploi. "
        "Il ne correspond pas à un niveau de la CITE : il n'a pas d'équivalent dans la liste de l'OIT.",
        desc_en="Grouping by highest diploma obtained, used by the national employment survey. It does "
        "not match an ISCED level and has no equivalent in the ILO's list.",
    ),
    Code(
        "EDU_MA_NODIP",
        "Sans diplôme",
        "Without a diploma",
        "EDU_MA",
        "Personnes n'ayant obtenu aucun diplôme ni certificat.",
        "Persons who obtained no diploma or certificate.",
    ),
    Code(
        "EDU_MA_DIP",
        "Ayant un diplôme",
        "With a diploma",
        "EDU_MA",
        "Personnes ayant obtenu un diplôme de niveau moyen ou supérieur.",
        "Persons holding a diploma of medium or higher level.",
    ),
    Code(
        "EDU_MA_MOY",
        "Diplôme de niveau moyen",
        "Medium-level diploma",
        "EDU_MA_DIP",
        "Certificats de l'enseignement fondamental et diplômes de qualification ou de spécialisation "
        "professionnelle (définition du HCP, à confirmer).",
        "Certificates of basic education and vocational qualification or specialisation diplomas "
        "(HCP definition, to be confirmed).",
    ),
    Code(
        "EDU_MA_SUP",
        "Diplôme de niveau supérieur",
        "Higher-level diploma",
        "EDU_MA_DIP",
        "Baccalauréat, diplômes de techniciens et de cadres moyens, diplômes de l'enseignement supérieur "
        "(définition du HCP, à confirmer).",
        "Baccalaureate, technician and middle-management diplomas, higher-education degrees "
        "(HCP definition, to be confirmed).",
    ),
]

# ------------------------------------------------------------------ permits (MA_LMIS:CL_PERMIT)

PERMITS = [
    Code("PERMIT_TOTAL", "Total", "Total"),
    Code(
        "PERMIT_SEAS",
        "Travail saisonnier",
        "Seasonal work",
        desc_fr="Titre de séjour ou visa de travail limité à une saison (par exemple l'agriculture en Espagne).",
        desc_en="Residence or work permit limited to a season (e.g. agriculture in Spain).",
    ),
    Code(
        "PERMIT_TEMP",
        "Travail temporaire (hors saisonnier)",
        "Temporary work (other than seasonal)",
        desc_fr="Titre de travail lié à un contrat à durée déterminée non saisonnier.",
        desc_en="Work permit tied to a non-seasonal fixed-term contract.",
    ),
    Code(
        "PERMIT_SKILLED",
        "Travailleur qualifié",
        "Skilled worker",
        desc_fr="Titres pour travailleurs qualifiés ou hautement qualifiés, y compris la carte bleue européenne.",
        desc_en="Permits for skilled or highly skilled workers, including the EU Blue Card.",
    ),
    Code(
        "PERMIT_TRAINING",
        "Formation professionnelle",
        "Vocational training",
        desc_fr="Titres pour une formation en alternance ou un apprentissage rémunéré (par exemple l'Ausbildung allemande).",
        desc_en="Permits for paid dual vocational training or apprenticeship (e.g. the German Ausbildung).",
    ),
    Code("PERMIT_FAMILY", "Regroupement familial", "Family reunification"),
    Code("PERMIT_STUDY", "Études", "Study"),
    Code(
        "PERMIT_HUMAN",
        "Protection internationale ou humanitaire",
        "International or humanitarian protection",
    ),
    Code("PERMIT_OTHER", "Autres titres", "Other permits"),
    Code("PERMIT_X", "Non déterminé", "Not determined"),
]

# ------------------------------------------------------------------ schemes (MA_LMIS:CL_SCHEME)

SCHEMES = [
    Code("SCHEME_TOTAL", "Total", "Total"),
    Code(
        "SCHEME_GECCO_ESP",
        "Espagne : gestion collective des contrats en origine (GECCO)",
        "Spain: collective management of hiring in the country of origin (GECCO)",
        desc_fr="Recrutement au Maroc, par l'ANAPEC, de travailleuses saisonnières agricoles pour la province "
        "de Huelva, avec retour organisé en fin de saison.",
        desc_en="Recruitment in Morocco, through ANAPEC, of seasonal women farm workers for the province of "
        "Huelva, with organised return at the end of the season.",
    ),
    Code(
        "SCHEME_THAMM",
        "Programme THAMM / THAMM Plus",
        "THAMM / THAMM Plus programme",
        desc_fr="Programme « Vers une approche holistique de la gouvernance de la migration et de la mobilité "
        "de main-d'œuvre en Afrique du Nord » (2019-2023, THAMM Plus 2024-2026), mis en œuvre avec "
        "la GIZ, l'OIT, l'OIM, Enabel, l'OFII et l'AICS ; partenaires marocains : ministère chargé "
        "de l'emploi et ANAPEC.",
        desc_en="Programme 'Towards a Holistic Approach to Labour Migration Governance and Labour Mobility "
        "in North Africa' (2019-2023, THAMM Plus 2024-2026), implemented with GIZ, ILO, IOM, "
        "Enabel, OFII and AICS; Moroccan partners: employment ministry and ANAPEC.",
    ),
    Code("SCHEME_THAMM_DEU", "THAMM : Allemagne", "THAMM: Germany", "SCHEME_THAMM"),
    Code("SCHEME_THAMM_BEL", "THAMM : Belgique", "THAMM: Belgium", "SCHEME_THAMM"),
    Code("SCHEME_THAMM_FRA", "THAMM : France (OFII)", "THAMM: France (OFII)", "SCHEME_THAMM"),
    Code(
        "SCHEME_FLUSSI_ITA",
        "Italie : décret flux (decreto flussi)",
        "Italy: flows decree (decreto flussi)",
        desc_fr="Quotas annuels d'entrée de travailleurs non européens fixés par l'Italie.",
        desc_en="Annual entry quotas for non-EU workers set by Italy.",
    ),
    Code(
        "SCHEME_ANAPEC_OTHER",
        "Autres placements internationaux de l'ANAPEC",
        "Other ANAPEC international placements",
    ),
    Code(
        "SCHEME_NONE",
        "Hors programme (migration individuelle)",
        "Outside any scheme (individual migration)",
    ),
    Code("SCHEME_X", "Non déterminé", "Not determined"),
]

# ------------------------------------------------------------------ recruitment costs (MA_LMIS:CL_COST_COMP)

COST_COMPONENTS = [
    Code(
        "COST_TOTAL",
        "Coût total de recrutement",
        "Total recruitment cost",
        desc_fr="Somme de toutes les composantes payées par le travailleur pour obtenir l'emploi à l'étranger "
        "(méthodologie de l'indicateur ODD 10.7.1).",
        desc_en="Sum of all components paid by the worker to obtain the job abroad (methodology of SDG "
        "indicator 10.7.1).",
    ),
    Code(
        "COST_FEE",
        "Frais de recrutement et commissions",
        "Recruitment fees and commissions",
        "COST_TOTAL",
    ),
    Code("COST_VISA", "Visa et titre de travail", "Visa and work permit", "COST_TOTAL"),
    Code("COST_TRAVEL", "Transport international", "International travel", "COST_TOTAL"),
    Code("COST_MEDICAL", "Examens médicaux", "Medical examinations", "COST_TOTAL"),
    Code(
        "COST_DOCS",
        "Documents (passeport, actes, traductions)",
        "Documents (passport, records, translations)",
        "COST_TOTAL",
    ),
    Code(
        "COST_TRAINING",
        "Formation et tests avant le départ",
        "Pre-departure training and tests",
        "COST_TOTAL",
    ),
    Code("COST_OTHER", "Autres coûts", "Other costs", "COST_TOTAL"),
]

# ------------------------------------------------------------------ remittance service providers (MA_LMIS:CL_RSP)

REMITTANCE_PROVIDERS = [
    Code("RSP_TOTAL", "Tous prestataires", "All providers"),
    Code("RSP_BANK", "Banques", "Banks"),
    Code("RSP_MTO", "Opérateurs de transfert d'argent", "Money transfer operators"),
    Code("RSP_POST", "Bureaux de poste", "Post offices"),
    Code("RSP_MOBILE", "Opérateurs de paiement mobile", "Mobile operators"),
]

# ------------------------------------------------------------------ data sources (MA_LMIS:CL_SOURCE)
# (code, ILOSTAT source type, ILOSTAT label): the ILO codes its sources by type and
# survey ("BA:829" = "LFS - Labour Force Survey"); only the types seen in ILOSTAT
# outputs are given, the survey numbers are the ILO's to assign.

SOURCES: list[tuple[Code, str, str]] = [
    (
        Code(
            "SRC_HCP_ENE",
            "HCP : enquête nationale sur l'emploi",
            "HCP: national employment survey",
            desc_fr="Enquête trimestrielle auprès des ménages du Haut-Commissariat au Plan ; résultats "
            "trimestriels et moyennes annuelles.",
            desc_en="Quarterly household survey of the High Commission for Planning; quarterly results "
            "and annual averages.",
        ),
        "BA",
        "LFS - Labour Force Survey",
    ),
    (
        Code(
            "SRC_HCP_RGPH",
            "HCP : recensement général de la population et de l'habitat",
            "HCP: general population and housing census",
        ),
        "AA",
        "PC - Population Census",
    ),
    (
        Code(
            "SRC_HCP_ENMI",
            "HCP : enquête nationale sur la migration internationale",
            "HCP: national survey on international migration",
            desc_fr="Enquête auprès des ménages sur l'émigration, le retour et l'immigration (2018-2019).",
            desc_en="Household survey on emigration, return and immigration (2018-2019).",
        ),
        "",
        "",
    ),
    (
        Code(
            "SRC_CNSS",
            "CNSS : déclarations de salaires (régime général)",
            "CNSS: wage declarations (general scheme)",
        ),
        "XA",
        "Administrative records",
    ),
    (
        Code("SRC_ANAPEC", "ANAPEC : registres d'intermédiation", "ANAPEC: intermediation records"),
        "XA",
        "Administrative records",
    ),
    (
        Code(
            "SRC_MIN_EMPLOI",
            "Ministère chargé de l'emploi : dossiers administratifs",
            "Employment ministry: administrative records",
        ),
        "XA",
        "Administrative records",
    ),
    (
        Code(
            "SRC_MIN_INTERIEUR",
            "Ministère de l'Intérieur : titres de séjour des étrangers",
            "Interior ministry: residence permits of foreigners",
        ),
        "XA",
        "Administrative records",
    ),
    (
        Code(
            "SRC_DGSN", "DGSN : statistiques des postes frontières", "DGSN: border-post statistics"
        ),
        "XA",
        "Administrative records",
    ),
    (
        Code(
            "SRC_MAE",
            "Ministère des Affaires étrangères : registres et estimations consulaires",
            "Foreign ministry: consular registers and estimates",
        ),
        "XA",
        "Administrative records",
    ),
    (
        Code(
            "SRC_OC",
            "Office des Changes : balance des paiements",
            "Office des Changes: balance of payments",
        ),
        "XA",
        "Administrative records",
    ),
    (
        Code(
            "SRC_DEST_NSO",
            "Statistiques officielles du pays de destination",
            "Official statistics of the destination country",
            desc_fr="Permis, registres ou enquêtes du pays de destination, pour les chiffres miroirs (REPORTER = pays de destination).",
            desc_en="Permits, registers or surveys of the destination country, for mirror figures (REPORTER = destination country).",
        ),
        "",
        "",
    ),
    (
        Code(
            "SRC_WB_RPW",
            "Banque mondiale : Remittance Prices Worldwide",
            "World Bank: Remittance Prices Worldwide",
            desc_fr="Enquête trimestrielle de la Banque mondiale sur le coût d'envoi de 200 et 500 USD par corridor.",
            desc_en="The World Bank's quarterly survey of the cost of sending USD 200 and 500 per corridor.",
        ),
        "",
        "",
    ),
]
