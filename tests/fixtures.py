"""Paths of the SDMX specimens the tests read, all inside the repository.

Source: the public test-data repository of the sdmx1 library (github
khaeru/sdmx-test-data; see tests/fixtures/sdmx/SOURCE.md), used as test
specimens only; the ILOSTAT structure is the content generators' source
(loaders/content/sources/ilostat, CC BY 4.0).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDMX = ROOT / "tests" / "fixtures" / "sdmx"
ILO_STRUCTURE = (
    ROOT / "loaders" / "content" / "sources" / "ilostat" / "ILO-structure-IMF_ILOSTAT-CL_ECO-parentsandsiblings.xml"
)
ECB_FULL = SDMX / "ECB_EXR" / "1" / "structure-full.xml"
ECB_DATA = SDMX / "ECB_EXR" / "1" / "M.USD.EUR.SP00.A.xml"
V3 = SDMX / "v3"
REQUIRED_STRUCTURE_FILES = (
    [ILO_STRUCTURE, ECB_FULL]
    + sorted((SDMX / "ECB_EXR").glob("*-structure*.xml"))
    + [V3 / "xml" / n for n in ("ECB_EXR1.xml", "codelist.xml", "conceptscheme.xml", "dataflow.xml")]
)
