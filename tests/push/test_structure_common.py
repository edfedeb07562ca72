"""Structure messages shared by the hostile-input tests."""

from __future__ import annotations

MES = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"


def structure_message_with_code_attributes(count: int) -> bytes:
    """An SDMX-ML 2.1 structure message whose one code carries ``count`` extra XML attributes."""
    attrs = " ".join(f'a{i}="1"' for i in range(count))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><mes:Structure xmlns:mes="{MES}" xmlns:str="{STR}" '
        f'xmlns:com="{COM}"><mes:Header><mes:ID>T</mes:ID><mes:Test>false</mes:Test>'
        '<mes:Prepared>2024-05-01T00:00:00Z</mes:Prepared><mes:Sender id="T"/></mes:Header><mes:Structures>'
        '<str:Codelists><str:Codelist id="CL_WIDE" agencyID="ECB" version="1.0"><com:Name xml:lang="en">W'
        f'</com:Name><str:Code id="A" {attrs}><com:Name xml:lang="en">A</com:Name></str:Code></str:Codelist>'
        "</str:Codelists></mes:Structures></mes:Structure>"
    ).encode()
