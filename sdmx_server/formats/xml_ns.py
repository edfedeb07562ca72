"""SDMX-ML namespaces and small XML helpers shared by the XML writers."""

from __future__ import annotations

from datetime import datetime

from sdmx_server.domain.clock import as_utc

V21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/"
V30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/"

NS21 = {
    "mes": V21 + "message",
    "str": V21 + "structure",
    "com": V21 + "common",
    "gen": V21 + "data/generic",
    "ss": V21 + "data/structurespecific",
    "footer": V21 + "message/footer",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "xml": "http://www.w3.org/XML/1998/namespace",
}

MES = "{" + NS21["mes"] + "}"
STR = "{" + NS21["str"] + "}"
COM = "{" + NS21["com"] + "}"
GEN = "{" + NS21["gen"] + "}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI = "{" + NS21["xsi"] + "}"

NSMAP21 = {"mes": NS21["mes"], "str": NS21["str"], "com": NS21["com"]}


def bool_attr(value: bool) -> str:
    """xs:boolean lexical form."""
    return "true" if value else "false"


def iso(value: datetime) -> str:
    """xs:dateTime in UTC with a Z suffix, whole seconds."""
    return as_utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def iso_exact(value: datetime) -> str:
    """xs:dateTime in UTC with a Z suffix, with the fraction of a second when there is one.

    For validity dates of data versions: ``asOf`` with a version's exact
    ``validFrom`` then selects that very version.
    """
    return as_utc(value).isoformat().replace("+00:00", "Z")


def escape_attr(value: str) -> str:
    """Escape a string for use inside a double-quoted XML attribute."""
    if not any(c in value for c in '&<>"\n\r\t'):
        return value
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def escape_text(value: str) -> str:
    """Escape a string for use as XML character data."""
    if not any(c in value for c in "&<>"):
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ns3(minor: str) -> dict[str, str]:
    """The SDMX-ML 3.x message, structure and common namespaces (``minor``: ``"0"`` or ``"1"``)."""
    base = f"http://www.sdmx.org/resources/sdmxml/schemas/v3_{minor}/"
    return {"mes": base + "message", "str": base + "structure", "com": base + "common"}


# ---------------------------------------------------------------- SDMX-ML 3.0 and 3.1 data
def ns3_data(minor: str) -> dict[str, str]:
    """The SDMX-ML 3.x namespaces a data message or data XSD uses (``minor``: ``"0"`` or ``"1"``)."""
    base = f"http://www.sdmx.org/resources/sdmxml/schemas/v3_{minor}/"
    return {
        "mes": base + "message",
        "str": base + "structure",
        "com": base + "common",
        "ss": base + "data/structurespecific",
        "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    }


NS30 = ns3_data("0")
NS31 = ns3_data("1")
