"""Inline SVG charts (the page around them: plotpage.py). Pure: no I/O (tables come from
plotdata).

Charts are drawn as plain SVG strings with fixed number formatting, so the
same inputs always give the same bytes; the page needs no script, font or stylesheet from
anywhere else.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

from gitml.plotdata import Template, Value, label
from gitml.record import dataclass

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
           "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac")  # fmt: skip

# Frame of the line, scatter and bar charts (pixels).
WIDTH, HEIGHT, LEFT, TOP, LEGEND_W = 720, 400, 70, 44, 160
RIGHT = WIDTH - LEGEND_W - 16
BOTTOM = HEIGHT - 56


@dataclass(frozen=True)
class Series:
    rev: str
    color: str
    xs: tuple[Value, ...]
    ys: tuple[Value, ...]
    name: str = ""  # legend and tooltip, when not the revision (a chart of several sources)
    dash: str = ""  # stroke-dasharray of a line, telling sources apart as DVC does

    @property
    def shown(self) -> str:
        return self.name or self.rev


@dataclass(frozen=True)
class Chart:
    title: str
    template: Template
    x_label: str
    y_label: str
    series: tuple[Series, ...]
    normalized: bool = False  # confusion_normalized: fractions of each actual class


# ---- SVG -----------------------------------------------------------------------------------


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def _n(v: float) -> str:
    return f"{v:.2f}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi], steps of 1, 2 or 5 times a power of ten."""
    if hi <= lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / count
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))
    start = math.floor(lo / step + 1e-9) * step
    n = math.ceil((hi - start) / step - 1e-9)
    return [start + i * step for i in range(n + 1)]


def tick_label(value: float, ticks: Sequence[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    if max(abs(ticks[0]), abs(ticks[-1])) >= 1e6 or step < 1e-4:
        return f"{value:.3g}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    text = f"{value:.{decimals}f}"
    return "0" if text.strip("-0.") == "" else text


def _scale(ticks: Sequence[float], a: float, b: float) -> Callable[[float], float]:
    lo, hi = ticks[0], ticks[-1]
    return lambda v: a + (v - lo) / (hi - lo) * (b - a)


def svg_open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}"'
        f' height="{height}" viewBox="0 0 {width} {height}" role="img"'
        f' font-family="sans-serif" font-size="11">',
        f"<title>{esc(title)}</title>",
        f'<text class="title" x="{width // 2}" y="22" text-anchor="middle"'
        f' font-size="14" font-weight="bold">{esc(label(title, 90))}</text>',
    ]


def _axes(
    xticks: Sequence[tuple[float, str]],
    yticks: Sequence[tuple[float, str]],
    x_label: str,
    y_label: str,
) -> list[str]:
    out = ['<g class="axes" stroke="#333" fill="#333">']
    for y, text in yticks:
        out.append(f'<line x1="{LEFT}" x2="{RIGHT}" y1="{_n(y)}" y2="{_n(y)}" stroke="#e5e5e5"/>')
        out.append(f'<line x1="{LEFT - 5}" x2="{LEFT}" y1="{_n(y)}" y2="{_n(y)}"/>')
        out.append(
            f'<text x="{LEFT - 8}" y="{_n(y + 4)}" text-anchor="end"'
            f' stroke="none">{esc(text)}</text>'
        )
    for x, text in xticks:
        out.append(f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{BOTTOM}" y2="{BOTTOM + 5}"/>')
        out.append(
            f'<text x="{_n(x)}" y="{BOTTOM + 18}" text-anchor="middle"'
            f' stroke="none">{esc(text)}</text>'
        )
    out.append(f'<line x1="{LEFT}" x2="{RIGHT}" y1="{BOTTOM}" y2="{BOTTOM}"/>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{BOTTOM}"/>')
    mid_x, mid_y = (LEFT + RIGHT) // 2, (TOP + BOTTOM) // 2
    out.append(
        f'<text class="x-label" x="{mid_x}" y="{BOTTOM + 40}" text-anchor="middle"'
        f' stroke="none">{esc(label(x_label, 60))}</text>'
    )
    out.append(
        f'<text class="y-label" x="16" y="{mid_y}" text-anchor="middle" stroke="none"'
        f' transform="rotate(-90 16 {mid_y})">{esc(label(y_label, 50))}</text>'
    )
    return [*out, "</g>"]


def _legend(series: Sequence[Series]) -> list[str]:
    out = ['<g class="legend">']
    for i, s in enumerate(series):
        y = TOP + 8 + 20 * i
        out.append(
            f'<rect x="{RIGHT + 20}" y="{y - 9}" width="14" height="10"'
            f' fill="{s.color}"/><text x="{RIGHT + 40}" y="{y}">'
            f"<title>{esc(s.shown)}</title>{esc(label(s.shown, 24))}</text>"
        )
    return [*out, "</g>"]


def _ticks(lo: float, hi: float, chart: Chart) -> list[float]:
    """Nice ticks; a scatter plot gets a margin so that no point sits on an axis."""
    pad = (hi - lo) * 0.05 if chart.template == "scatter" else 0.0
    return nice_ticks(lo - pad, hi + pad)


def _x_positions(chart: Chart, *, bands: bool) -> tuple[Callable[[Value], float], list[Any]]:
    """Pixel x of a value, and the x ticks: numeric scale, or one band per category."""
    xs = [v for s in chart.series for v in s.xs]
    if not bands and all(isinstance(v, float) for v in xs):
        ticks = _ticks(min(map(float, xs)), max(map(float, xs)), chart)
        scale = _scale(ticks, LEFT, RIGHT)
        return (lambda v: scale(float(v))), [(scale(t), tick_label(t, ticks)) for t in ticks]
    cats = list(dict.fromkeys(label(v) for v in xs))
    width = (RIGHT - LEFT) / len(cats)
    index = {c: i for i, c in enumerate(cats)}
    every = max(1, math.ceil(len(cats) / 12))
    marks = [(LEFT + (i + 0.5) * width, label(c, 12)) for i, c in enumerate(cats) if i % every == 0]
    return (lambda v: LEFT + (index[label(v)] + 0.5) * width), marks


def _y_scale(chart: Chart, *, zero: bool) -> tuple[Callable[[float], float], list[Any]]:
    ys = [float(v) for s in chart.series for v in s.ys]
    lo, hi = min(ys), max(ys)
    ticks = nice_ticks(min(lo, 0.0), max(hi, 0.0)) if zero else _ticks(lo, hi, chart)
    scale = _scale(ticks, BOTTOM, TOP)
    return scale, [(scale(t), tick_label(t, ticks)) for t in ticks]


def _xy_svg(chart: Chart) -> str:
    x_of, xticks = _x_positions(chart, bands=False)
    y_of, yticks = _y_scale(chart, zero=False)
    height = max(HEIGHT, TOP + 20 * len(chart.series) + 20)
    out = svg_open(WIDTH, height, chart.title) + _axes(xticks, yticks, chart.x_label, chart.y_label)
    for i, s in enumerate(chart.series):
        points = [(x_of(x), y_of(float(y))) for x, y in zip(s.xs, s.ys, strict=True)]
        width = 2 + 2 * min(2, len(chart.series) - 1 - i)  # earlier lines wider: overlaps show
        tip = f"<title>{esc(s.shown)}</title>"
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        if chart.template == "scatter":
            dots = "".join(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3"/>' for x, y in points)
            out.append(f'<g class="series" fill="{s.color}" fill-opacity="0.8">{tip}{dots}</g>')
        else:
            d = "M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in points)
            if len(points) == 1:
                d += f" L{_n(points[0][0])} {_n(points[0][1])}"
            out.append(
                f'<path class="series" d="{d}" fill="none" stroke="{s.color}"'
                f' stroke-width="{width:g}" stroke-linejoin="round" stroke-linecap="round"{dash}>'
                f"{tip}</path>"
            )
    return "\n".join([*out, *_legend(chart.series), "</svg>"])


def _bar_svg(chart: Chart) -> str:
    x_of, xticks = _x_positions(chart, bands=True)
    y_of, yticks = _y_scale(chart, zero=True)
    ncats = len({label(v) for s in chart.series for v in s.xs})
    band = (RIGHT - LEFT) / ncats
    bar = band * 0.8 / len(chart.series)
    height = max(HEIGHT, TOP + 20 * len(chart.series) + 20)
    out = svg_open(WIDTH, height, chart.title) + _axes(xticks, yticks, chart.x_label, chart.y_label)
    for i, s in enumerate(chart.series):
        values = {label(x): (x, float(y)) for x, y in zip(s.xs, s.ys, strict=True)}
        rects = []
        for x, y in values.values():
            left = x_of(x) - band * 0.4 + i * bar
            top, bottom = sorted((y_of(y), y_of(0.0)))
            rects.append(
                f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(bar)}"'
                f' height="{_n(bottom - top)}">'
                f'<title>{esc(f"{s.shown}: {label(y)}")}</title></rect>'
            )
        out.append(f'<g class="series" fill="{s.color}">{"".join(rects)}</g>')
    return "\n".join([*out, *_legend(chart.series), "</svg>"])


def svg(chart: Chart) -> str:
    """One chart as an inline SVG element; every revision drawn is one `class="series"`."""
    if not chart.series:
        return ""
    if chart.template == "confusion":
        from gitml.plotconfusion import confusion_svg  # (it imports this module)

        return confusion_svg(chart)
    if chart.template == "bar":
        return _bar_svg(chart)
    return _xy_svg(chart)
