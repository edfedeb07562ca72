"""SDMX-ML 2.1 RegistryInterface ``SubmitStructureResponse`` (valid against SDMXMessage.xsd).

The answer to every structure write (``POST``/``PUT``/``DELETE
/rest/v2/structure``): one ``SubmissionResult`` per artefact, with the
artefact's reference, the action (Append, Replace, Delete), and a status
(Success, Warning, Failure) whose ``MessageText`` carries the artefact's HTTP
code and the reason, as the SDMX REST maintenance guidelines describe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, cast

from lxml import etree

from sdmx_server.domain.model import MaintainableRef, urn_of
from sdmx_server.formats.common import RenderContext
from sdmx_server.formats.errors import xml_safe
from sdmx_server.formats.sdmx_ml21_structure import write_header
from sdmx_server.formats.xml_ns import COM, MES, NS21, XML_LANG

REG_NS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/registry"
REG = "{" + REG_NS + "}"
NSMAP = {"mes": NS21["mes"], "reg": REG_NS, "com": NS21["com"]}

E = etree.SubElement
V21_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*$")


class SubmittedStructure(Protocol):
    """What the writer reads of one artefact's result.

    ``ref`` is None for constructs the server does not model (then ``urn``
    names them); ``texts`` are the message lines (the reason, warnings).
    """

    @property
    def ref(self) -> MaintainableRef | None: ...
    @property
    def urn(self) -> str | None: ...
    @property
    def action(self) -> str: ...  # Append | Replace | Delete
    @property
    def status(self) -> str: ...  # Success | Warning | Failure
    @property
    def code(self) -> int: ...  # the artefact's HTTP code
    @property
    def texts(self) -> Sequence[str]: ...


def _maintainable(parent: etree._Element, result: SubmittedStructure) -> None:
    box = E(parent, REG + "MaintainableObject")
    # A Ref needs an SDMX 2.1 version (1.0, 2.3.1); other versions (3.0 semver drafts) go by URN alone.
    if result.ref is not None and V21_VERSION.match(result.ref.version):
        info = result.ref.type.info
        E(
            box,
            "Ref",
            {
                "agencyID": result.ref.agency,
                "id": result.ref.id,
                "version": result.ref.version,
                "class": info.cls,
                "package": info.package,
            },
        )
        E(box, "URN").text = urn_of(result.ref)
    elif result.ref is not None:
        E(box, "URN").text = urn_of(result.ref)
    else:
        E(box, "URN").text = (
            result.urn or "urn:sdmx:org.sdmx.infomodel.base.Unknown=unknown:unknown(1.0)"
        )


def write_submit_structure_response(
    results: Sequence[SubmittedStructure], ctx: RenderContext, receiver: str = "ANONYMOUS"
) -> bytes:
    """A ``mes:RegistryInterface`` message with one ``SubmissionResult`` per artefact (at least one)."""
    if not results:
        raise ValueError("a SubmitStructureResponse needs at least one result")
    root = etree.Element(MES + "RegistryInterface", nsmap=NSMAP)
    header = write_header(root, ctx)
    E(header, MES + "Receiver", {"id": receiver})
    response = E(root, MES + "SubmitStructureResponse")
    for result in results:
        el = E(response, REG + "SubmissionResult")
        submitted = E(el, REG + "SubmittedStructure", {"action": result.action})
        _maintainable(submitted, result)
        status = E(el, REG + "StatusMessage", {"status": result.status})
        # One MessageText per reason or warning (parallel Text elements are for languages).
        for line in list(result.texts) or [result.status]:
            text = E(status, REG + "MessageText", {"code": str(result.code)})
            E(text, COM + "Text", {XML_LANG: "en"}).text = xml_safe(line)
    return cast(bytes, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
