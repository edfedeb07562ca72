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

from sdmx_server.domain.kinds import VersionMode

_NUM = re.compile(r"^\d+$")


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key: numeric parts compare as numbers; a pre-release (``1.0.0-draft``) sorts first."""
    core, _, pre = version.partition("-")
    parts: list[tuple[int, int | str]] = [
        (0, int(p)) if _NUM.match(p) else (1, p) for p in core.split(".")
    ]
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

    mode: VersionMode
    values: tuple[str, ...] = ()

    def select(self, versions: Sequence[str], finals: dict[str, bool] | None = None) -> list[str]:
        """The stored versions (``versions``) this selector picks."""
        if not versions:
            return []
        if self.mode == "all":
            return list(versions)
        if self.mode == "latest":
            return [max(versions, key=version_key)]
        if self.mode == "exact":
            wanted = set(self.values)
            return [v for v in versions if v in wanted]
        picked: list[str] = []
        for text in self.values:
            term = parse_term(text)
            if term is None:
                picked.extend(v for v in versions if v == text)
                continue
            # SDMX 3.0 stability is the version string alone; a 2.1 isFinal=false artefact stays
            # eligible for ``+`` (ADR 0013), so only an extension (``1.0.0-draft``) makes it unstable.
            matches = [v for v in versions if term.matches(v, stable=is_stable(v))]
            if matches:
                picked.extend([max(matches, key=version_key)] if term.op in "+~" else matches)
        return sorted(set(picked), key=version_key)


_TERM_PART = re.compile(r"^(\d*)([+~*]?)$")


@dataclass(frozen=True)
class VersionTerm:
    """One term of a v2 version query (``querying_versions.md``), e.g. ``1.2+.0``.

    ``fixed``: the parts before the operator; ``minimum``: the parts from the
    operator on (the operator's own number first, 0 when bare), compared as a
    tuple; ``op``: ``+`` (latest stable), ``~`` (latest, drafts included),
    ``*`` (all); ``size``: how many parts matching versions have (None: any).
    """

    fixed: tuple[int, ...]
    minimum: tuple[int, ...]
    op: str
    size: int | None

    def matches(self, version: str, stable: bool) -> bool:
        """Whether a stored version (already stable or not) falls in this term's range."""
        core, _, ext = version.partition("-")
        parts = core.split(".")
        if not all(_NUM.match(p) for p in parts):
            return (
                self.size is None and self.op != "+"
            )  # a non-numeric version answers only ``~`` and ``*``
        nums = [int(p) for p in parts]
        if self.op == "+":
            if ext or not stable:
                return False
            # Legacy versions (SDMX 2.1 ``1.0``, ``2``) are read as ``1.0.0``, ``2.0.0`` (ADR 0013).
            while len(nums) < 3:
                nums.append(0)
            if nums[0] < 1:
                return False
        elif self.size is not None and len(nums) != self.size:
            return False
        if ext and self.size is not None and self.size < 3:
            return False  # extensions exist only on x.y.z versions
        n = len(self.fixed)
        return tuple(nums[:n]) == self.fixed and tuple(nums[n:]) >= self.minimum


def parse_term(term: str) -> VersionTerm | None:
    """A version query term with one wildcard operator; None for an exact version."""
    if term in ("+", "~", "*"):
        return VersionTerm((), (1, 0, 0) if term == "+" else (), term, 3 if term == "+" else None)
    parts = term.split(".")
    ops = [(n, m) for n, p in enumerate(parts) if (m := _TERM_PART.match(p)) and m.group(2)]
    if not ops:
        return None
    if len(ops) != 1 or "-" in term:
        raise ValueError(f"'{term}' has more than one wildcard operator")
    pos, m = ops[0]
    fixed: list[int] = []
    for p in parts[:pos]:
        if not _NUM.match(p):
            raise ValueError(f"'{term}' is not a version query")
        fixed.append(int(p))
    op = m.group(2)
    minimum = [int(m.group(1) or (1 if op == "+" and pos == 0 else 0))]
    for p in parts[pos + 1 :]:
        if not _NUM.match(p):
            raise ValueError(f"'{term}' is not a version query")
        minimum.append(int(p))
    if op == "+" and (pos > 0 and fixed[0] < 1):
        raise ValueError(f"'{term}': the latest stable version needs a major version above 0")
    return VersionTerm(tuple(fixed), tuple(minimum), op, len(parts))


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
    """A v2 path version segment: ``,``-separated exact versions and wildcard terms.

    ``~`` (or nothing) is the latest version, ``*`` all, ``+`` the latest stable
    semantic version; ``X.Y+.Z``, ``X.~``, ``1.*`` ... follow ``querying_versions.md``.
    Raises ValueError for a malformed term.
    """
    if token in ("", "~"):
        return VersionSelector("latest")
    if token == "*":
        return VersionSelector("all")
    values = tuple(v for v in token.split(",") if v)
    if not values:
        return VersionSelector("latest")
    if any(parse_term(v) is not None for v in values):
        return VersionSelector("pattern", values)
    return VersionSelector("exact", values)


def latest(versions: Iterable[str]) -> str:
    """The highest version."""
    return max(versions, key=version_key)
