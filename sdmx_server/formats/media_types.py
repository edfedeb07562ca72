"""SDMX media types and HTTP content negotiation (Accept with q-values).

Each format the server writes is a :class:`MediaType` in
:mod:`sdmx_server.formats.registry`; :func:`negotiate` picks one for an
``Accept`` header or raises :class:`NotAcceptableError` (406).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sdmx_server.domain.errors import NotAcceptableError


@dataclass(frozen=True)
class MediaType:
    """One representation the server can produce."""

    format_id: str  # e.g. "structure-ml-2.1", "data-csv-1.0"
    type: str  # "application/vnd.sdmx.structure+xml"
    version: str | None  # "2.1", "1.0.0"
    aliases: tuple[str, ...] = ()  # other type/subtype that select it, e.g. "application/xml"
    default: bool = False  # chosen for */* and no Accept header

    @property
    def content_type(self) -> str:
        """The exact Content-Type header value (no charset)."""
        return f"{self.type};version={self.version}" if self.version else self.type


@dataclass(frozen=True)
class AcceptRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)
    q: float = 1.0

    @property
    def specificity(self) -> int:
        """More specific ranges win among equal q."""
        return (self.type != "*") + (self.subtype != "*") + bool(self.params)


def _split_params(text: str) -> list[str]:
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def parse_accept(header: str | None) -> list[AcceptRange]:
    """Parse an Accept header into ranges, best first (q, then specificity, then order)."""
    if not header or not header.strip():
        return [AcceptRange("*", "*")]
    ranges: list[tuple[AcceptRange, int]] = []
    for n, raw in enumerate(header.split(",")):
        raw = raw.strip()
        if not raw:
            continue
        pieces = _split_params(raw)
        mime = pieces[0].strip().lower()
        if "/" not in mime:
            mime = mime + "/*" if mime == "*" else mime
        t, _, st = mime.partition("/")
        params: dict[str, str] = {}
        q = 1.0
        for p in pieces[1:]:
            k, _, v = p.strip().partition("=")
            k, v = k.strip().lower(), v.strip().strip('"')
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
            elif k:
                params[k] = v
        ranges.append((AcceptRange(t or "*", st or "*", params, q), n))
    ranges.sort(key=lambda r: (-r[0].q, -r[0].specificity, r[1]))
    return [r for r, _ in ranges if r.q > 0] or []


def _version_matches(asked: str, offered: str | None) -> bool:
    if offered is None:
        return True

    def norm(v: str) -> list[str]:
        parts = v.split(".")
        while len(parts) > 1 and parts[-1] == "0":
            parts.pop()
        return parts

    if asked.endswith("+") or "+." in asked:  # semver range: 2+ / 2.1+.0 -> same major or later
        major = asked.split(".")[0].rstrip("+")
        return offered.split(".")[0] >= major if major.isdigit() else False
    return norm(asked) == norm(offered)


def negotiate(header: str | None, offers: Sequence[MediaType]) -> tuple[MediaType, dict[str, str]]:
    """The offer that best satisfies ``header`` and the range's extra parameters.

    ``*/*``, a missing header and aliases such as ``application/xml`` pick the
    default (or the aliased) offer. Raises NotAcceptableError (406) when
    nothing matches.
    """
    default = next((o for o in offers if o.default), offers[0])
    for rng in parse_accept(header):
        mime = f"{rng.type}/{rng.subtype}"
        params = dict(rng.params)
        version = params.pop("version", None)
        if mime == "*/*":
            return default, params
        candidates = [o for o in offers if o.type == mime]
        if not candidates:
            candidates = [o for o in offers if mime in o.aliases]
            if candidates:
                version = None
        if not candidates and rng.subtype == "*":
            candidates = [o for o in offers if o.type.split("/")[0] == rng.type]
            candidates.sort(key=lambda o: not o.default)
        for offer in candidates:
            if version is None or _version_matches(version, offer.version):
                return offer, params
    supported = ", ".join(sorted({o.content_type for o in offers}))
    raise NotAcceptableError(
        f"None of the requested formats is available here. Supported: {supported}"
    )


def parse_accept_language(header: str | None) -> tuple[str, ...]:
    """Language tags from Accept-Language, best first; empty for none or ``*``."""
    if not header:
        return ()
    langs: list[tuple[float, int, str]] = []
    for n, raw in enumerate(header.split(",")):
        tag, _, rest = raw.strip().partition(";")
        tag = tag.strip()
        q = 1.0
        if rest.strip().startswith("q="):
            try:
                q = float(rest.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            langs.append((-q, n, tag))
    langs.sort()
    tags = tuple(t for _, _, t in langs)
    if not tags or tags[0] == "*":
        return ()
    return tuple(t for t in tags if t != "*")
