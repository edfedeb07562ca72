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
    ROOT
    / "loaders"
    / "content"
    / "sources"
    / "ilostat"
    / "ILO-structure-IMF_ILOSTAT-CL_ECO-parentsandsiblings.xml"
)
ECB_FULL = SDMX / "ECB_EXR" / "1" / "structure-full.xml"
ECB_DATA = SDMX / "ECB_EXR" / "1" / "M.USD.EUR.SP00.A.xml"
V3 = SDMX / "v3"
REQUIRED_STRUCTURE_FILES = (
    [ILO_STRUCTURE, ECB_FULL]
    + sorted((SDMX / "ECB_EXR").glob("*-structure*.xml"))
    + [
        V3 / "xml" / n
        for n in ("ECB_EXR1.xml", "codelist.xml", "conceptscheme.xml", "dataflow.xml")
    ]
)


def sample_data_file(prefix: str, name: str, folder: Path) -> Path:
    """A sample data file of the SDMX 2.1 matrix, made consistent with its structure file.

    The "rg" data files name a DSD ECB_EXR_RG, but the "rg" structure file defines
    ECB_EXR_CG (an inconsistency of the specimens): the server rightly refuses a
    message for another DSD, so the test copy names the DSD that exists.
    """
    source = SDMX / "ECB_EXR" / f"{name}.xml"
    if prefix != "rg":
        return source
    target = folder / f"consistent-{name}.xml"
    target.write_bytes(source.read_bytes().replace(b'id="ECB_EXR_RG"', b'id="ECB_EXR_CG"'))
    return target
