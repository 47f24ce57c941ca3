"""The confusion-matrix chart: one panel of cells per revision (the rest: plotting.py)."""

from __future__ import annotations

from collections.abc import Sequence

from gitml.plotdata import label
from gitml.plotting import Chart, Series, esc, svg_open


def _class_key(text: str) -> tuple[int, float, str]:
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)


def _confusion_cells(s: Series, classes: Sequence[str], normalized: bool) -> list[list[float]]:
    """cells[predicted][actual]: counts, or fractions of each actual class."""
    pos = {c: i for i, c in enumerate(classes)}
    cells = [[0.0] * len(classes) for _ in classes]
    for actual, predicted in zip(s.xs, s.ys, strict=True):
        cells[pos[str(predicted)]][pos[str(actual)]] += 1
    if normalized:
        for col in range(len(classes)):
            total = sum(row[col] for row in cells)
            for row in cells:
                row[col] = row[col] / total if total else 0.0
    return cells


def _confusion_panel(s: Series, classes: Sequence[str], cell: int, chart: Chart) -> list[str]:
    cells = _confusion_cells(s, classes, chart.normalized)
    peak = max(max(row) for row in cells) or 1.0
    out = [f'<g class="series"><title>{esc(s.shown)}</title>']
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            share = value / peak
            text = f"{value:.2f}" if chart.normalized else label(value)
            out.append(
                f'<rect x="{c * cell}" y="{r * cell}" width="{cell}" height="{cell}"'
                f' fill="{s.color}" fill-opacity="{share * 0.9 + 0.04:.3f}" stroke="#fff"/>'
            )
            if cell >= 22:
                ink = "#fff" if share > 0.5 else "#333"
                out.append(
                    f'<text x="{c * cell + cell // 2}" y="{r * cell + cell // 2 + 4}"'
                    f' text-anchor="middle" fill="{ink}">{text}</text>'
                )
    return [*out, "</g>"]


def confusion_svg(chart: Chart) -> str:
    names = {str(v) for s in chart.series for v in (*s.xs, *s.ys)}
    classes = sorted(names, key=_class_key)
    cell = max(8, min(56, 360 // len(classes)))
    side, gap, left, top = cell * len(classes), 40, 90, 64
    width = left + len(chart.series) * (side + gap)
    height = top + side + 60
    out = svg_open(width, height, chart.title)
    for i, s in enumerate(chart.series):
        x0 = left + i * (side + gap)
        out.append(
            f'<rect x="{x0}" y="{top - 24}" width="12" height="10" fill="{s.color}"/>'
            f'<text class="legend" x="{x0 + 16}" y="{top - 15}"><title>{esc(s.shown)}</title>'
            f"{esc(label(s.shown, 24))}</text>"
        )
        out.append(f'<g transform="translate({x0} {top})">')
        out += _confusion_panel(s, classes, cell, chart)
        for k, name in enumerate(classes):
            mid = k * cell + cell // 2
            tick = esc(label(name, 6))
            out.append(f'<text x="{mid}" y="{side + 14}" text-anchor="middle">{tick}</text>')
            if i == 0:
                out.append(
                    f'<text x="-6" y="{mid + 4}" text-anchor="end">{esc(label(name, 10))}</text>'
                )
        out.append(
            f'<text class="x-label" x="{side // 2}" y="{side + 34}"'
            f' text-anchor="middle">{esc(label(chart.x_label, 30))}</text></g>'
        )
    mid_y = top + side // 2
    out.append(
        f'<text class="y-label" x="16" y="{mid_y}" text-anchor="middle"'
        f' transform="rotate(-90 16 {mid_y})">{esc(label(chart.y_label, 40))}</text>'
    )
    return "\n".join([*out, "</svg>"])
