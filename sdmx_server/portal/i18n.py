"""The portal's languages: catalogues of interface strings (JSON, one file per language) and the choice.

The language is the user's: a selector on every page stores it in the ``lmis_lang`` cookie; without
one, the first supported language of ``Accept-Language`` is used, else French (the country's working
language). Texts of the structures (names, descriptions) follow the same language, with the
server's usual fallback (default language, then English).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from sdmx_server.formats.media_types import parse_accept_language

LANGUAGES = ("fr", "ar", "en")
RTL = frozenset({"ar"})
COOKIE = "lmis_lang"
DEFAULT = "fr"
_DIR = Path(__file__).parent / "catalogues"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The interface strings of ``lang`` (English fills the gaps)."""
    base: dict[str, str] = json.loads((_DIR / "en.json").read_text(encoding="utf-8"))
    if lang != "en":
        base = {**base, **json.loads((_DIR / f"{lang}.json").read_text(encoding="utf-8"))}
    return base


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The user's language: the cookie, else ``Accept-Language``, else French."""
    if cookie in LANGUAGES:
        return cookie
    for tag in parse_accept_language(accept_language):
        base = tag.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT


class Translator:
    """``t("key", name=value)``: the string of ``key`` in one language, formatted."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.strings = catalogue(lang)

    @property
    def direction(self) -> str:
        """``rtl`` for Arabic, else ``ltr``."""
        return "rtl" if self.lang in RTL else "ltr"

    def __call__(self, key: str, **values: object) -> str:
        text = self.strings.get(key, key)
        return text.format(**values) if values else text
