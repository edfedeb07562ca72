"""A line or bar chart of series as inline SVG, drawn on the server (readable without JavaScript).

No library: a few hundred elements at most (50 series of 20 periods is 50 paths), scaled to a
"nice" axis, with a legend and a ``<title>`` per point for tooltips and screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

# Okabe-Ito palette (distinguishable with colour-vision deficiencies), then repeated with dashes.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
WIDTH, HEIGHT = 860, 380
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 50


def _number(value: object) -> float | None:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low``..``high``."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(low / step) * step
    ticks = []
    x = start
    while x <= high + step * 0.001:
        ticks.append(round(x, 10))
        x += step
    if ticks[-1] < high:
        ticks.append(round(x, 10))
    return ticks


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 or x == int(x) else f"{x:,.2f}"


def svg_chart(
    periods: Sequence[str],
    series: Sequence[tuple[str, dict[str, object]]],
    kind: str = "line",
    title: str = "",
) -> str:
    """The SVG of ``series`` ((label, {period: value})) over ``periods``; ``kind`` is line or bar."""
    values = [v for _, vals in series for v in (_number(x) for x in vals.values()) if v is not None]
    if not periods or not values:
        return ""
    low, high = min(values + [0.0]), max(values + [0.0])
    ticks = nice_ticks(low, high)
    y0, y1 = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(periods)

    def y(v: float) -> float:
        return TOP + plot_h - (v - y0) / (y1 - y0 or 1) * plot_h

    slot = plot_w / n

    def x(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="chart" aria-labelledby="chart-title" data-kind="{kind}" data-series="{len(series)}">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for t in ticks:
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y(t) + 4:.1f}" text-anchor="end" class="tick">{_fmt(t)}</text>'
        )
    every = max(1, math.ceil(n / 12))
    for i, p in enumerate(periods):
        if i % every == 0:
            out.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" class="tick">'
                f"{escape(p)}</text>"
            )
    out.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0 if y0 <= 0 <= y1 else y0):.1f}" '
        f'y2="{y(0 if y0 <= 0 <= y1 else y0):.1f}" class="axis"/>'
    )
    bar_w = slot * 0.8 / max(len(series), 1)
    for s, (label, vals) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        dash = DASHES[(s // len(PALETTE)) % len(DASHES)]
        points = [(i, _number(vals.get(p))) for i, p in enumerate(periods)]
        out.append(f'<g class="series" data-label="{escape(label)}">')
        if kind == "bar":
            for i, v in points:
                if v is None:
                    continue
                bx = x(i) - slot * 0.4 + s * bar_w
                top, bottom = sorted((y(v), y(max(min(0.0, y1), y0))))
                out.append(
                    f'<rect x="{bx:.1f}" y="{top:.1f}" width="{max(bar_w - 0.5, 0.5):.1f}" '
                    f'height="{max(bottom - top, 0.5):.1f}" fill="{colour}">'
                    f"<title>{escape(label)} {escape(periods[i])}: {_fmt(v)}</title></rect>"
                )
        else:
            segs: list[str] = []
            pen = "M"
            for i, v in points:
                if v is None:
                    pen = "M"
                    continue
                segs.append(f"{pen}{x(i):.1f},{y(v):.1f}")
                pen = "L"
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<path d="{" ".join(segs)}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            )
            for i, v in points:
                if v is not None:
                    out.append(
                        f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                        f"<title>{escape(label)} {escape(periods[i])}: {_fmt(v)}</title></circle>"
                    )
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def legend(series: Sequence[tuple[str, dict[str, object]]]) -> list[tuple[str, str, str]]:
    """(label, colour, dash) per series, as the chart draws them."""
    return [
        (label, PALETTE[s % len(PALETTE)], DASHES[(s // len(PALETTE)) % len(DASHES)])
        for s, (label, _vals) in enumerate(series)
    ]
