"""Whose word a stored artefact carries: the rule by which agreements and constraints grant anything.

A provision agreement entitles its data provider to a dataflow, and a content
constraint restricts what may be reported, only when the artefact has
*authority* over that dataflow: it is maintained by the dataflow's agency (or
by a parent of it: a maintainer of ``IMF`` maintains ``IMF.STA``), or it was
written by someone with rights on that agency — an administrator or the
command line (authority ``*``), or a maintainer of that agency (ADR 0011).
Anything else (e.g. ``ILO:PA_X`` pointing at ``MA_LMIS:DF_LFS_CORE``, loaded
by an older version) grants nothing.
"""

from __future__ import annotations

ANY_AGENCY = "*"  # the authority of administrators and of the command line


def agency_covers(authority: str | None, agency: str) -> bool:
    """Whether rights on ``authority`` include ``agency`` (itself, a sub-agency of it, or ``*``: all)."""
    if not authority:
        return False
    return authority == ANY_AGENCY or agency == authority or agency.startswith(authority + ".")


def has_authority(maintainer: str, written_with: str | None, agency: str) -> bool:
    """Whether an artefact maintained by ``maintainer`` and written with the rights ``written_with``
    (None: unknown, e.g. an older version wrote it) speaks for ``agency``."""
    return agency_covers(maintainer, agency) or agency_covers(written_with, agency)
