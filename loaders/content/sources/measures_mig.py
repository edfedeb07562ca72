"""Measures of administrative labour-market data, labour migration and remittances (fr, en)."""

from __future__ import annotations

from loaders.content.sources.measure_types import (
    ADMIN_EN,
    ADMIN_FR,
    EMPLOYERS,
    JOBS,
    MAD,
    MAD_MILLIONS,
    MIG_EN,
    MIG_FR,
    PERCENT,
    PERSONS,
    THOUSAND_PERSONS,
    USD,
    Measure,
)

ADMIN_COUNT_FR = "Dénombrement des enregistrements administratifs de la période."
ADMIN_COUNT_EN = "Count of the administrative records of the period."
CENSUS = ("SRC_HCP_RGPH", "SRC_HCP_ENE")

ADMIN_MEASURES: list[Measure] = [
    Measure("NAT_CNSS_EES_NB", "Salariés déclarés à la CNSS", "Employees declared to the CNSS",
            "Nombre de salariés distincts déclarés au moins une fois dans l'année par leur employeur au régime "
            "général de la Caisse nationale de sécurité sociale.",
            "Number of distinct employees declared at least once in the year by their employer to the general "
            "scheme of the National Social Security Fund.",
            ADMIN_COUNT_FR, ADMIN_COUNT_EN, THOUSAND_PERSONS, ("SRC_CNSS",), ADMIN_FR, ADMIN_EN),
    Measure("NAT_CNSS_WAGE_LC", "Masse salariale déclarée à la CNSS", "Wage bill declared to the CNSS",
            "Somme des salaires bruts déclarés par les employeurs au régime général de la CNSS pendant l'année.",
            "Sum of the gross wages declared by employers to the CNSS general scheme during the year.",
            "Somme des salaires déclarés.", "Sum of declared wages.", MAD_MILLIONS, ("SRC_CNSS",), ADMIN_FR, ADMIN_EN),
    Measure("NAT_CNSS_AVGWAGE_LC", "Salaire annuel moyen déclaré à la CNSS", "Average annual wage declared to the CNSS",
            "Masse salariale déclarée divisée par le nombre de salariés déclarés ; elle sous-estime le salaire "
            "annuel des salariés déclarés toute l'année.",
            "Declared wage bill divided by the number of declared employees; it understates the annual wage of "
            "employees declared all year round.",
            "NAT_CNSS_AVGWAGE_LC = NAT_CNSS_WAGE_LC × 10^6 / (NAT_CNSS_EES_NB × 10^3)",
            "NAT_CNSS_AVGWAGE_LC = NAT_CNSS_WAGE_LC × 10^6 / (NAT_CNSS_EES_NB × 10^3)",
            MAD, ("SRC_CNSS",), ADMIN_FR, ADMIN_EN),
    Measure("NAT_CNSS_EMPLR_NB", "Employeurs affiliés déclarants", "Declaring affiliated employers",
            "Entreprises affiliées au régime général de la CNSS ayant déposé au moins une déclaration de salaires dans l'année.",
            "Firms affiliated to the CNSS general scheme that filed at least one wage declaration in the year.",
            ADMIN_COUNT_FR, ADMIN_COUNT_EN, EMPLOYERS, ("SRC_CNSS",), ADMIN_FR, ADMIN_EN),
    Measure("NAT_ANAPEC_JSK_NB", "Nouveaux demandeurs d'emploi inscrits à l'ANAPEC",
            "New job seekers registered with ANAPEC",
            "Personnes inscrites pour la première fois comme demandeurs d'emploi dans une agence de l'ANAPEC pendant la période.",
            "Persons registered for the first time as job seekers with an ANAPEC agency during the period.",
            ADMIN_COUNT_FR, ADMIN_COUNT_EN, PERSONS, ("SRC_ANAPEC",),
            ADMIN_FR + " Ce n'est pas le chômage au sens de l'OIT.", ADMIN_EN + " This is not ILO unemployment."),
    Measure("NAT_ANAPEC_VAC_NB", "Offres d'emploi reçues par l'ANAPEC", "Job vacancies received by ANAPEC",
            "Postes à pourvoir déposés par les employeurs auprès de l'ANAPEC pendant la période.",
            "Posts to fill notified by employers to ANAPEC during the period.",
            ADMIN_COUNT_FR, ADMIN_COUNT_EN, JOBS, ("SRC_ANAPEC",), ADMIN_FR, ADMIN_EN),
    Measure("NAT_ANAPEC_PLC_NB", "Insertions dans l'emploi salarié au Maroc (ANAPEC)",
            "Placements in paid employment in Morocco (ANAPEC)",
            "Demandeurs d'emploi insérés dans un emploi salarié au Maroc par l'intermédiation de l'ANAPEC pendant la période.",
            "Job seekers placed in paid employment in Morocco through ANAPEC's intermediation during the period.",
            ADMIN_COUNT_FR, ADMIN_COUNT_EN, PERSONS, ("SRC_ANAPEC",), ADMIN_FR, ADMIN_EN),
]

STOCK_MEASURES: list[Measure] = [
    Measure("MST_XWAP_NB", None, None,
            "Population en âge de travailler (15 ans et plus), selon le pays de naissance ou la citoyenneté.",
            "Working-age population (15 years and over), by country of birth or citizenship.",
            "Dénombrement direct.", "Direct count.", THOUSAND_PERSONS, CENSUS, MIG_FR, MIG_EN),
    Measure("MST_TEAP_NB", None, None,
            "Population active (en emploi ou au chômage), selon le pays de naissance ou la citoyenneté.",
            "Labour force (employed or unemployed), by country of birth or citizenship.",
            "MST_TEAP_NB = MST_TEMP_NB + chômeurs", "MST_TEAP_NB = MST_TEMP_NB + unemployed",
            THOUSAND_PERSONS, CENSUS, MIG_FR, MIG_EN),
    Measure("MST_TEMP_NB", None, None,
            "Travailleurs migrants internationaux en emploi : personnes en emploi résidant dans le pays, selon le "
            "pays de naissance ou la citoyenneté.",
            "Employed international migrant workers: employed persons resident in the country, by country of "
            "birth or citizenship.",
            "Dénombrement direct.", "Direct count.", THOUSAND_PERSONS, CENSUS, MIG_FR, MIG_EN),
    Measure("MST_TUNE_RT", None, None,
            "Taux de chômage de la population considérée (nés à l'étranger ou étrangers).",
            "Unemployment rate of the population considered (foreign-born or foreign citizens).",
            "MST_TUNE_RT = chômeurs / MST_TEAP_NB × 100", "MST_TUNE_RT = unemployed / MST_TEAP_NB × 100",
            PERCENT, CENSUS, MIG_FR, MIG_EN),
    Measure("MST_FORP_NB", None, None,
            "Personnes résidant dans le pays et nées à l'étranger.",
            "Persons resident in the country and born abroad.",
            "Dénombrement direct.", "Direct count.", THOUSAND_PERSONS, CENSUS, MIG_FR, MIG_EN),
    Measure("MST_NCTP_NB", None, None,
            "Personnes résidant dans le pays qui n'en ont pas la nationalité.",
            "Persons resident in the country who are not its citizens.",
            "Dénombrement direct.", "Direct count.", THOUSAND_PERSONS, ("SRC_HCP_RGPH", "SRC_MIN_INTERIEUR"),
            MIG_FR, MIG_EN),
]

CORRIDOR_MEASURES: list[Measure] = [
    Measure("MNA_TPOP_NB", "Stock de ressortissants à l'étranger", None,
            "Ressortissants marocains, y compris les binationaux, dont le pays de résidence habituelle est DEST_AREA "
            "(ORIGIN_AREA = pays de nationalité).",
            "Moroccan nationals, including dual citizens, whose country of usual residence is DEST_AREA "
            "(ORIGIN_AREA = country of citizenship).",
            "Estimation consulaire : personnes immatriculées et estimation des non-immatriculés.",
            "Consular estimate: registered persons plus an estimate of those not registered.",
            THOUSAND_PERSONS, ("SRC_MAE",), MIG_FR, MIG_EN),
    Measure("MNA_OPOP_NB", None, None,
            "Ressortissants ayant transféré leur résidence habituelle à l'étranger pendant la période, par pays de "
            "destination (hors voyages de loisirs, d'affaires, médicaux ou religieux).",
            "Nationals who moved their usual residence abroad during the period, by country of destination "
            "(excluding holiday, business, medical or pilgrimage travel).",
            "Dénombrement des départs de la période.", "Count of departures in the period.",
            PERSONS, ("SRC_HCP_ENMI", "SRC_MIN_EMPLOI"), MIG_FR, MIG_EN),
    Measure("MNA_OEMP_NB", None, None,
            "Ressortissants partis pendant la période pour travailler ou chercher du travail à l'étranger, par pays de destination.",
            "Nationals who left during the period to work or seek work abroad, by country of destination.",
            "Dénombrement des départs pour le travail de la période.", "Count of departures for work in the period.",
            PERSONS, ("SRC_MIN_EMPLOI", "SRC_ANAPEC"), MIG_FR, MIG_EN),
    Measure("MFL_NEMP_NB", None, None,
            "Vue du pays de destination : non-ressortissants entrés pendant la période et en emploi, par citoyenneté "
            "(ORIGIN_AREA = pays de citoyenneté, DEST_AREA = pays déclarant). Mesure miroir de MNA_OEMP_NB.",
            "Destination-country view: non-citizens who entered during the period and are employed, by citizenship "
            "(ORIGIN_AREA = country of citizenship, DEST_AREA = reporting country). Mirror measure of MNA_OEMP_NB.",
            "Dénombrement des entrées de la période.", "Count of entries in the period.",
            PERSONS, ("SRC_DEST_NSO",), MIG_FR, MIG_EN),
    Measure("MNA_XRET_NB", None, None,
            "Ressortissants revenus résider au Maroc pendant la période après avoir résidé à l'étranger, par pays "
            "de résidence précédente.",
            "Nationals who came back to live in Morocco during the period after living abroad, by country of "
            "previous residence.",
            "Dénombrement des retours de la période.", "Count of returns in the period.",
            PERSONS, ("SRC_HCP_ENMI",), MIG_FR, MIG_EN),
    Measure("NAT_PLCX_NB", "Placements à l'étranger par l'ANAPEC", "Placements abroad through ANAPEC",
            "Personnes placées auprès d'un employeur à l'étranger par l'intermédiation de l'ANAPEC pendant la "
            "période (contrats signés), y compris les contrats saisonniers.",
            "Persons placed with an employer abroad through ANAPEC's intermediation during the period (contracts "
            "signed), including seasonal contracts.",
            ADMIN_COUNT_FR, ADMIN_COUNT_EN, PERSONS, ("SRC_ANAPEC",),
            ADMIN_FR + " Voir " + MIG_FR, ADMIN_EN + " See " + MIG_EN),
    Measure("NAT_BORDER_ENT_NB", "Entrées au Maroc de Marocains résidant à l'étranger",
            "Entries into Morocco of Moroccans residing abroad",
            "Passages aux postes frontières, à l'entrée au Maroc, de ressortissants résidant à l'étranger "
            "(un même voyageur peut être compté plusieurs fois).",
            "Crossings of border posts into Morocco by nationals residing abroad (one traveller may be counted "
            "several times).",
            "Dénombrement des passages.", "Count of crossings.", PERSONS, ("SRC_DGSN",), ADMIN_FR, ADMIN_EN),
    Measure("NAT_BORDER_EXT_NB", "Sorties du Maroc de Marocains résidant à l'étranger",
            "Exits from Morocco of Moroccans residing abroad",
            "Passages aux postes frontières, à la sortie du Maroc, de ressortissants résidant à l'étranger.",
            "Crossings of border posts out of Morocco by nationals residing abroad.",
            "Dénombrement des passages.", "Count of crossings.", PERSONS, ("SRC_DGSN",), ADMIN_FR, ADMIN_EN),
    Measure("NAT_SDG1071_RT", "Coût de recrutement en proportion du revenu mensuel (ODD 10.7.1)",
            "Recruitment cost as a proportion of monthly income (SDG 10.7.1)",
            "Coût de recrutement supporté par le salarié en proportion du revenu mensuel gagné dans le pays de "
            "destination, pour les migrants récents partis travailler comme salariés.",
            "Recruitment cost borne by the employee as a proportion of the monthly income earned in the country "
            "of destination, for recent migrants who moved to work as employees.",
            "NAT_SDG1071_RT = moyenne des coûts de recrutement (COST_TOTAL) / moyenne des gains du premier mois × 100",
            "NAT_SDG1071_RT = mean recruitment cost (COST_TOTAL) / mean first-month earnings × 100",
            PERCENT, ("SRC_HCP_ENMI",),
            "Indicateur ODD 10.7.1 ; méthodologie OIT-Banque mondiale (enquêtes KNOMAD-OIT sur les coûts de migration).",
            "SDG indicator 10.7.1; ILO-World Bank methodology (KNOMAD-ILO migration cost surveys)."),
    Measure("NAT_RCOST_US", "Coût moyen de recrutement payé par le travailleur", "Mean recruitment cost paid by the worker",
            "Montant moyen payé par le travailleur migrant pour obtenir son emploi à l'étranger, par composante du coût.",
            "Mean amount paid by the migrant worker to obtain the job abroad, by cost component.",
            "Moyenne des montants déclarés, convertis en USD au taux de la période.",
            "Mean of reported amounts, converted to USD at the period's rate.",
            USD, ("SRC_HCP_ENMI",), "Méthodologie de l'indicateur ODD 10.7.1.", "Methodology of SDG indicator 10.7.1."),
]

REMITTANCE_MEASURES: list[Measure] = [
    Measure("NAT_REM_INFL_LC", "Transferts des Marocains résidant à l'étranger", "Remittances of Moroccans residing abroad",
            "Transferts reçus au Maroc des ressortissants résidant à l'étranger (ORIGIN_AREA = pays bénéficiaire, "
            "DEST_AREA = pays d'envoi) : transferts personnels et rémunération des salariés de la balance des paiements.",
            "Transfers received in Morocco from nationals residing abroad (ORIGIN_AREA = receiving country, "
            "DEST_AREA = sending country): personal transfers and compensation of employees in the balance of payments.",
            "Somme des opérations enregistrées.", "Sum of recorded transactions.",
            MAD_MILLIONS, ("SRC_OC",), "FMI, Manuel de la balance des paiements, 6e édition (MBP6).",
            "IMF, Balance of Payments Manual, 6th edition (BPM6)."),
    Measure("NAT_REMCOST200_RT", "Coût moyen d'envoi de 200 USD (ODD 10.c.1)",
            "Average cost of sending USD 200 (SDG 10.c.1)",
            "Coût total moyen (frais et marge de change) d'un envoi de l'équivalent de 200 USD, en pourcentage du "
            "montant envoyé, du pays d'envoi (DEST_AREA) vers le pays bénéficiaire (ORIGIN_AREA).",
            "Average total cost (fees and exchange-rate margin) of sending the equivalent of USD 200, as a "
            "percentage of the amount sent, from the sending country (DEST_AREA) to the receiving country (ORIGIN_AREA).",
            "NAT_REMCOST200_RT = moyenne simple, sur les prestataires enquêtés, de (frais + marge de change) / 200 USD × 100",
            "NAT_REMCOST200_RT = simple mean, over surveyed providers, of (fee + exchange-rate margin) / USD 200 × 100",
            PERCENT, ("SRC_WB_RPW",), "Indicateur ODD 10.c.1 (cible : moins de 3 %) ; méthodologie Remittance Prices Worldwide.",
            "SDG indicator 10.c.1 (target: below 3%); Remittance Prices Worldwide methodology."),
]
