"""Types and units shared by the measure definitions."""

from __future__ import annotations

from typing import NamedTuple


class Unit(NamedTuple):
    """A measure's unit: the ILO attribute codes and a readable text."""

    type: str  # UNIT_MEASURE_TYPE (ILO:CL_UNIT_MEASURE_TYPE)
    measure: str  # UNIT_MEASURE (ILO:CL_UNIT_MEASURE); "" when no ILO unit fits
    mult: str  # UNIT_MULT (ILO:CL_UNIT_MULT)
    fr: str
    en: str


class Measure(NamedTuple):
    """A measure with its definition, calculation, unit, sources and standard (fr, en).

    ``name_fr``/``name_en`` are None for ILO measures: their names come from ILO:CL_MEASURE.
    """

    id: str
    name_fr: str | None
    name_en: str | None
    def_fr: str
    def_en: str
    calc_fr: str
    calc_en: str
    unit: Unit
    sources: tuple[str, ...]
    std_fr: str
    std_en: str


THOUSAND_PERSONS = Unit("NB", "PS", "3", "Milliers de personnes", "Thousands of persons")
PERSONS = Unit("NB", "PS", "0", "Personnes", "Persons")
PERCENT = Unit("RT", "PT", "0", "Pourcentage (%)", "Percentage (%)")
MAD_MILLIONS = Unit(
    "NB",
    "LC",
    "6",
    "Millions de dirhams (MAD), prix courants",
    "Millions of dirhams (MAD), current prices",
)
MAD = Unit("NB", "LC", "0", "Dirhams (MAD), prix courants", "Dirhams (MAD), current prices")
CURRENCY = Unit(
    "NB",
    "CR",
    "0",
    "Unités monétaires par mois, selon la dimension CUR (monnaie locale, USD, PPA)",
    "Currency units per month, as given by the CUR dimension (local currency, USD, PPP)",
)
HOURS = Unit("NB", "HR", "0", "Heures par semaine", "Hours per week")
USD = Unit("NB", "US", "0", "Dollars des États-Unis (USD)", "US dollars (USD)")
JOBS = Unit("NB", "JS", "0", "Postes (offres d'emploi)", "Jobs (vacancies)")
EMPLOYERS = Unit(
    "NB", "", "0", "Employeurs (entreprises affiliées)", "Employers (affiliated firms)"
)

# Standards cited by several measures.
ICLS13_FR = (
    "13e CIST (1982), résolution concernant les statistiques de la population active, telle "
    "qu'appliquée par le HCP ; la norme actuelle de l'OIT est la 19e CIST (2013), résolution I."
)
ICLS13_EN = (
    "13th ICLS (1982), resolution concerning statistics of the economically active population, as "
    "applied by HCP; the ILO's current standard is the 19th ICLS (2013), resolution I."
)
ICLS19_FR = (
    "19e CIST (2013), résolution I concernant les statistiques du travail, de l'emploi et de la "
    "sous-utilisation de la main-d'œuvre."
)
ICLS19_EN = (
    "19th ICLS (2013), resolution I concerning statistics of work, employment and labour "
    "underutilization."
)
MIG_FR = (
    "20e CIST (2018), directives concernant les statistiques des migrations internationales de main-d'œuvre ; "
    "Nations Unies, Recommandations en matière de statistiques des migrations internationales (rév. 1)."
)
MIG_EN = (
    "20th ICLS (2018), guidelines concerning statistics of international labour migration; United Nations, "
    "Recommendations on Statistics of International Migration (Rev. 1)."
)
ADMIN_FR = "Définition administrative nationale du producteur ; pas de norme internationale."
ADMIN_EN = "The producer's national administrative definition; no international standard."
