"""SDMX error messages and submission reports in the language of Accept-Language (fr, ar; else en)."""

from __future__ import annotations

import httpx
from lxml import etree

from sdmx_server.domain.messages import translate
from tests.conftest import LiveServer
from tests.sdmx_validation import httpx_hooks

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _text(body: bytes) -> etree._Element:
    root = etree.fromstring(body)
    (text,) = root.iter("{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common}Text")
    return text


def test_api_errors_follow_accept_language(portal_server: LiveServer) -> None:
    # the hooks validate every SDMX body against the official schemas (xml:lang included)
    with httpx.Client(base_url=portal_server.url, event_hooks=httpx_hooks) as c:
        en = c.get("/rest/data/DF_MIG_OUTFLOW/MAR.XXX.A" + "." * 8)
        fr = c.get(
            "/rest/data/DF_MIG_OUTFLOW/MAR.XXX.A" + "." * 8,
            headers={"Accept-Language": "fr-MA,fr;q=0.9"},
        )
        assert en.status_code == fr.status_code == 403
        assert "is not a code of DEST_AREA" in _text(en.content).text
        t = _text(fr.content)
        assert t.get(XML_LANG) == "fr" and "code(s) absent(s) de la liste de DEST_AREA" in (
            t.text or ""
        )
        assert fr.headers["content-language"] == "fr"
        key = c.get("/rest/data/DF_MIG_OUTFLOW/A.B", headers={"Accept-Language": "ar"})
        assert key.status_code == 400 and _text(key.content).get(XML_LANG) == "ar"
        j = c.get(
            "/rest/data/DF_MIG_OUTFLOW/A.B",
            headers={"Accept": "application/json", "Accept-Language": "fr"},
        )
        err = j.json()["errors"][0]
        assert err["title"] == "Erreur de syntaxe" and err["detail"].startswith(
            "La clé a 2 parties"
        )
        # a language without translations gets English, marked as such
        de = c.get("/rest/data/DF_MIG_OUTFLOW/A.B", headers={"Accept-Language": "de"})
        assert _text(de.content).get(XML_LANG) is None and "The key has 2 parts" in (
            _text(de.content).text or ""
        )


def test_untranslated_messages_stay_english() -> None:
    assert translate("something nobody translated", "fr") == ("something nobody translated", "en")
    assert translate("not a code of MA_LMIS:CL_SEX(1.0)", "fr") == (
        "n'est pas un code de MA_LMIS:CL_SEX(1.0)",
        "fr",
    )
