"""What every writer shares: the render context, language selection, message ids."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sdmx_server.domain.clock import utcnow
from sdmx_server.domain.model import Artefact

RenderMode = Literal["full", "stub", "completestub"]


@dataclass(frozen=True)
class Languages:
    """Which languages to write (Accept-Language), with a documented fallback.

    ``preferred`` empty (no header, or ``*``) writes every language. Otherwise,
    for each text only one language is written: the first preferred language
    present, else the server's default language, else English, else the first
    one the text has.
    """

    preferred: tuple[str, ...] = ()
    default: str = "en"

    def select(self, texts: Mapping[str, str]) -> dict[str, str]:
        """The subset of ``texts`` to write."""
        if not self.preferred or not texts:
            return dict(texts)
        for lang in self.preferred:
            if lang in texts:
                return {lang: texts[lang]}
            base = lang.split("-")[0]
            for key in texts:
                if key.split("-")[0] == base:
                    return {key: texts[key]}
        for lang in (self.default, "en"):
            if lang in texts:
                return {lang: texts[lang]}
        first = next(iter(texts))
        return {first: texts[first]}

    @property
    def tag(self) -> str:
        """A short token for cache keys."""
        return ",".join(self.preferred) or "*"


@dataclass(frozen=True)
class RenderContext:
    """Everything a writer needs besides the content."""

    public_url: str  # scheme://host[:port][/prefix], no trailing slash
    languages: Languages = field(default_factory=Languages)
    sender: str = "SDMX_SERVER"
    prepared: datetime = field(default_factory=utcnow)
    message_id: str = field(default_factory=lambda: "IREF" + secrets.token_hex(6).upper())

    def structure_url(self, artefact: Artefact) -> str:
        """Where the full artefact can be fetched (for stubs)."""
        return (
            f"{self.public_url}/rest/{artefact.type.value}/{artefact.agency}/"
            f"{artefact.id}/{artefact.version}"
        )


@dataclass
class StructureEntry:
    """One artefact in a structure response and how to render it."""

    artefact: Artefact
    mode: RenderMode = "full"


AVAILABILITY_METRICS = "sdmx_metrics"
"""The annotation type of an availability constraint's counts (ids ``series_count``, ``obs_count``)."""


def availability_counts(artefact: Artefact) -> dict[str, int]:
    """The series and observation counts an availability constraint carries in its annotations
    (``seriesCount``/``obsCount`` of SDMX-ML 3.1 and SDMX-JSON 2.1), as far as they are given."""
    names = {"series_count": "seriesCount", "obs_count": "obsCount"}
    out: dict[str, int] = {}
    for ann in artefact.annotations:
        if ann.type == AVAILABILITY_METRICS and ann.id in names and (ann.title or "").isdigit():
            out[names[ann.id]] = int(ann.title or "0")
    return out
