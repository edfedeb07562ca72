"""Paths of the shared SDMX specimens (../shared, read-only) used by the tests.

Source: the public test-data repository of the sdmx1 library (see
../shared/fixtures/sdmx/SOURCE.md); used as test specimens only.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SDMX = SHARED / "fixtures" / "sdmx"
ILO_STRUCTURE = SDMX / "ILO" / "ILO-structure-IMF_ILOSTAT-CL_ECO-parentsandsiblings.xml"
ECB_FULL = SDMX / "ECB_EXR" / "1" / "structure-full.xml"
ECB_DATA = SDMX / "ECB_EXR" / "1" / "M.USD.EUR.SP00.A.xml"
V3 = SDMX / "v3"
REQUIRED_STRUCTURE_FILES = (
    [ILO_STRUCTURE, ECB_FULL]
    + sorted((SDMX / "ECB_EXR").glob("*-structure*.xml"))
    + [V3 / "xml" / n for n in ("ECB_EXR1.xml", "codelist.xml", "conceptscheme.xml", "dataflow.xml")]
)
