"""Artefact versions: ordering and the REST version selectors of v1 and v2.

v1 (SDMX 2.1): an explicit version, ``all`` or ``latest``.
v2 (SDMX 3.0): ``*`` (all), ``+`` (latest stable), ``~`` (latest, drafts
included), and semantic-version wildcards (``querying_versions.md``):
``1.*`` (every 1.x), ``1.2+.0`` (the latest of 1.2.0 and any later 1.x),
``1.~`` (the latest 1.x, drafts included).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_NUM = re.compile(r"^\d+$")


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key: numeric parts compare as numbers; a pre-release (``1.0.0-draft``) sorts first."""
    core, _, pre = version.partition("-")
    parts: list[tuple[int, int | str]] = [(0, int(p)) if _NUM.match(p) else (1, p) for p in core.split(".")]
    while len(parts) < 3:
        parts.append((0, 0))
    parts.append((0, 0) if pre else (1, 0))  # release > pre-release
    return tuple(parts)


def is_stable(version: str) -> bool:
    """SDMX 3.0: a version without a pre-release extension is stable."""
    return "-" not in version


@dataclass(frozen=True)
class VersionSelector:
    """Which versions of one artefact a query wants."""

    mode: str  # "all" | "latest" | "latest_stable" | "exact" | "pattern"
    values: tuple[str, ...] = ()

    def select(self, versions: Sequence[str], finals: dict[str, bool] | None = None) -> list[str]:
        """The stored versions (``versions``) this selector picks."""
        if not versions:
            return []
        if self.mode == "all":
            return list(versions)
        if self.mode == "latest":
            return [max(versions, key=version_key)]
        if self.mode == "latest_stable":
            finals = finals or {}
            stable = [v for v in versions if is_stable(v) and finals.get(v, True)]
            return [max(stable, key=version_key)] if stable else []
        if self.mode == "exact":
            wanted = set(self.values)
            return [v for v in versions if v in wanted]
        picked: list[str] = []
        for pattern in self.values:
            matches = [v for v in versions if _matches(pattern, v)]
            if matches:
                latest_only = "+" in pattern or "~" in pattern
                picked.extend([max(matches, key=version_key)] if latest_only else matches)
        return sorted(set(picked), key=version_key)


def _matches(pattern: str, version: str) -> bool:
    """Whether ``version`` matches a v2 wildcard pattern (``1.*``, ``1.2+.0``, ``2.~``)."""
    pp = pattern.split(".")
    core, _, pre = version.partition("-")
    vp = core.split(".")
    if pre and "~" not in pattern:
        return False  # drafts only match ~ selectors
    for n, part in enumerate(pp):
        if part in ("*", "~"):
            return True
        if n >= len(vp):
            return False
        if part.endswith("+"):
            base = part[:-1]
            if not (_NUM.match(base) and _NUM.match(vp[n])) or int(vp[n]) < int(base):
                return False
            if int(vp[n]) > int(base):
                return True
            continue
        if part != vp[n]:
            return False
    return len(pp) == len(vp)


def parse_v1(token: str) -> VersionSelector:
    """A v1 path version segment: ``latest``, ``all`` or explicit versions joined by ``+``."""
    if token in ("", "latest"):
        return VersionSelector("latest")
    if token in ("all", "*"):
        return VersionSelector("all")
    values = tuple(v for v in token.split("+") if v)
    if any(v == "latest" for v in values):
        return VersionSelector("latest")
    return VersionSelector("exact", values)


def parse_v2(token: str) -> VersionSelector:
    """A v2 path version segment (comma-separated list of versions or selectors)."""
    if token in ("", "~"):
        return VersionSelector("latest")
    if token == "+":
        return VersionSelector("latest_stable")
    if token == "*":
        return VersionSelector("all")
    values = tuple(v for v in token.split(",") if v)
    if any(c in v for v in values for c in "*+~"):
        return VersionSelector("pattern", values)
    return VersionSelector("exact", values)


def latest(versions: Iterable[str]) -> str:
    """The highest version."""
    return max(versions, key=version_key)
