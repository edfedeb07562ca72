"""Error messages and validation reasons in French and Arabic (English is what the code writes).

The server's messages are written in English where they are raised; this table translates the
common ones, pattern by pattern, for clients that ask for another language with
``Accept-Language`` (the API's SDMX error messages and submission reports, the portal's pages).
A message with no pattern stays in English: a partial translation is never invented.
"""

from __future__ import annotations

import re

SUPPORTED = ("en", "fr", "ar")

# (pattern on the English message, {language: template using the pattern's groups})
_PATTERNS: list[tuple[re.Pattern[str], dict[str, str]]] = [
    (re.compile(p), t)
    for p, t in [
        (
            r"^No data match the query$",
            {"fr": "Aucune donnée ne correspond à la requête", "ar": "لا توجد بيانات تطابق الطلب"},
        ),
        (
            r"^Dataflow (?P<f>\S+) not found$",
            {"fr": "Flux de données {f} introuvable", "ar": "تدفق البيانات {f} غير موجود"},
        ),
        (
            r"^No resource at (?P<p>.+)$",
            {"fr": "Aucune ressource à l'adresse {p}", "ar": "لا يوجد مورد في {p}"},
        ),
        (r"^Unknown token$", {"fr": "Jeton inconnu", "ar": "رمز غير معروف"}),
        (
            r"^This token has been revoked$",
            {"fr": "Ce jeton a été révoqué", "ar": "تم إلغاء هذا الرمز"},
        ),
        (r"^This token has expired$", {"fr": "Ce jeton a expiré", "ar": "انتهت صلاحية هذا الرمز"}),
        (
            r"^Use 'Authorization: Bearer <token>'$",
            {"fr": "Utilisez « Authorization: Bearer <jeton> »"},
        ),
        (
            r"^This operation needs a token: (?P<h>.+)$",
            {"fr": "Cette opération demande un jeton : {h}", "ar": "تتطلب هذه العملية رمزا: {h}"},
        ),
        (
            r"^The data of (?P<f>\S+) are not public: use a token that grants them$",
            {
                "fr": "Les données de {f} ne sont pas publiques : utilisez un jeton qui y donne accès",
                "ar": "بيانات {f} ليست عمومية: استعمل رمزا يمنح الوصول إليها",
            },
        ),
        (
            r"^(?P<who>.+) may not read the data of (?P<f>\S+)$",
            {"fr": "{who} ne peut pas lire les données de {f}"},
        ),
        (
            r"^The key has (?P<n>\d+) parts but (?P<d>\S+) has (?P<m>\d+) dimensions \((?P<ids>[^)]*)\)$",
            {
                "fr": "La clé a {n} parties mais {d} a {m} dimensions ({ids})",
                "ar": "للمفتاح {n} أجزاء بينما لـ {d} {m} أبعاد ({ids})",
            },
        ),
        (
            r"^(?P<c>.+) (is|are) not (a code|codes) of (?P<dim>\S+) \((?P<cl>.*)\)$",
            {
                "fr": "{c} : code(s) absent(s) de la liste de {dim} ({cl})",
                "ar": "{c}: ليس من رموز {dim} ({cl})",
            },
        ),
        (
            r"^not a code of (?P<cl>\S+)$",
            {"fr": "n'est pas un code de {cl}", "ar": "ليس رمزا من {cl}"},
        ),
        (r"^not a number(?: \((?P<t>[^)]*)\))?$", {"fr": "n'est pas un nombre", "ar": "ليس عددا"}),
        (
            r"^not an integer(?: \((?P<t>[^)]*)\))?$",
            {"fr": "n'est pas un nombre entier", "ar": "ليس عددا صحيحا"},
        ),
        (
            r"^not a valid time period: (?P<r>.+)$",
            {"fr": "n'est pas une période valide : {r}", "ar": "ليست فترة زمنية صالحة: {r}"},
        ),
        (
            r"^does not match the frequency (?P<f>\S+)$",
            {"fr": "ne correspond pas à la fréquence {f}", "ar": "لا يطابق التردد {f}"},
        ),
        (
            r"^missing dimension value$",
            {"fr": "valeur de dimension manquante", "ar": "قيمة البعد مفقودة"},
        ),
        (r"^missing time period$", {"fr": "période manquante", "ar": "الفترة الزمنية مفقودة"}),
        (
            r"^mandatory attribute missing$",
            {"fr": "attribut obligatoire manquant", "ar": "سمة إلزامية مفقودة"},
        ),
        (
            r"^not allowed by constraint (?P<c>.+)$",
            {"fr": "non autorisé par la contrainte {c}", "ar": "غير مسموح به بموجب القيد {c}"},
        ),
        (
            r"^excluded by constraint (?P<c>.+)$",
            {"fr": "exclu par la contrainte {c}", "ar": "مستبعد بموجب القيد {c}"},
        ),
        (r"^longer than (?P<n>\d+) characters$", {"fr": "plus long que {n} caractères"}),
        (r"^shorter than (?P<n>\d+) characters$", {"fr": "plus court que {n} caractères"}),
        (
            r"^a key value cannot contain '\.'$",
            {"fr": "une valeur de clé ne peut pas contenir « . »"},
        ),
        (r"^duplicate (?P<rest>.*)$", {"fr": "doublon {rest}"}),
        (r"^Invalid request parameters$", {"fr": "Paramètres de requête invalides"}),
    ]
]

_TITLES = {
    "fr": {
        "No Results Found": "Aucun résultat",
        "Unauthorized": "Non autorisé",
        "Syntax error": "Erreur de syntaxe",
        "Semantic error": "Erreur sémantique",
        "Forbidden": "Interdit",
        "Not acceptable": "Format non disponible",
        "Not implemented": "Non implémenté",
        "Response size exceeds service limit": "La réponse dépasse la limite du service",
        "Unprocessable submission": "Transmission non traitable",
        "Internal server error": "Erreur interne du serveur",
        "Conflict": "Conflit",
    },
    "ar": {
        "No Results Found": "لا توجد نتائج",
        "Unauthorized": "غير مصرح",
        "Syntax error": "خطأ في الصياغة",
        "Forbidden": "ممنوع",
        "Internal server error": "خطأ داخلي في الخادم",
    },
}


def language_of(tags: tuple[str, ...]) -> str:
    """The first supported language of an ``Accept-Language`` list; English otherwise."""
    for tag in tags:
        base = tag.split("-")[0].lower()
        if base in SUPPORTED:
            return base
    return "en"


def translate(message: str, lang: str) -> tuple[str, str]:
    """``(text, language)``: ``message`` in ``lang`` where a translation exists, else in English."""
    if lang == "en" or not message:
        return message, "en"
    for pattern, templates in _PATTERNS:
        m = pattern.match(message)
        if m and lang in templates:
            return templates[lang].format(**{k: v or "" for k, v in m.groupdict().items()}), lang
    return message, "en"


def title(default_message: str, lang: str) -> str:
    """An error class's title in ``lang`` (English when not translated)."""
    return _TITLES.get(lang, {}).get(default_message, default_message)


def localise_report(report: dict[str, object], lang: str) -> dict[str, object]:
    """A submission report with its errors' reasons in ``lang`` where translated (the English
    original kept as ``reasonEn``); unchanged for English."""
    errors = report.get("errors")
    if lang == "en" or not isinstance(errors, list):
        return report
    out = []
    for e in errors:
        if isinstance(e, dict) and isinstance(e.get("reason"), str):
            text, used = translate(e["reason"], lang)
            if used != "en":
                e = {**e, "reason": text, "reasonEn": e["reason"]}
        out.append(e)
    return {**report, "errors": out, "language": lang}
