"""`gitml drift --html FILE`: one self-contained page (no script, font or stylesheet from
elsewhere): the verdicts as a table, then per column a histogram of both versions, drawn as
inline SVG by the same code as `gitml plots` (plotting.py, plotpage.py)."""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from gitml import atomic, plotpage, plotting
from gitml.monitor import report
from gitml.monitor.summary import NUM, Column
from gitml.repo import Repo

if TYPE_CHECKING:
    from gitml.monitor.run import DriftResult

MAX_BARS = 20


def write(result: DriftResult, repo: Repo, out: str) -> None:
    atomic.write_text(out, render(result, repo))


def render(result: DriftResult, repo: Repo) -> str:
    from gitml.monitor.read import table_format
    from gitml.monitor.run import summary_of

    names = [c.column for c in result.columns]
    fmt_a = table_format(result.path)
    fmt_b = fmt_a
    if result.b.path is not None and "." in os.path.basename(result.b.label):
        fmt_b = table_format(result.b.label) if result.b.label != "workspace" else fmt_a
    sum_a = summary_of(repo, result.a, fmt_a, names)
    sum_b = summary_of(repo, result.b, fmt_b, names)
    colors = (plotting.color(0), plotting.color(1))
    sections = []
    for c in result.columns:
        labels, share_a, share_b = histogram(sum_a[c.column], sum_b[c.column])
        series = tuple(
            plotting.Series(rev, color, tuple(labels), tuple(float(v) for v in shares))
            for rev, color, shares in (
                (result.a.label, colors[0], share_a),
                (result.b.label, colors[1], share_b),
            )
        )
        chart = plotting.Chart(c.column, "bar", c.column, "share of rows", series)
        verdict = "DRIFT" if c.drifted else "no drift"
        note = (
            f"{verdict}: {report.METHOD_NAMES[c.method]} {report.number(c.score)}"
            f" (threshold {report.number(c.threshold)}), rows {c.rows_a} / {c.rows_b}"
        )
        sections.append(plotpage.Section(f"{c.column} ({c.kind})", (note,), plotting.svg(chart)))
    title = f"Drift of {result.path}: {result.a.label} -> {result.b.label}"
    revisions = [(result.a.label, colors[0]), (result.b.label, colors[1])]
    page = plotpage.page(title, revisions, sections)
    at = page.index('<section class="plot"') if sections else page.index("</body>")
    return page[:at] + _verdicts(result) + "\n" + page[at:]


def _verdicts(result: DriftResult) -> str:
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in report.row(c)) + "</tr>"
        for c in result.columns
    )
    head = "".join(f"<th>{html.escape(h)}</th>" for h in report.HEADER)
    table = (
        f'<table class="verdicts" border="1" cellspacing="0" cellpadding="3">'
        f"<tr>{head}</tr>{rows}</table>"
    )
    line = html.escape(report.verdict_line(result.verdict))
    return f'<p class="verdict"><strong>{line}</strong></p>\n{table}'


def histogram(a: Column, b: Column) -> tuple[list[str], Any, Any]:
    """Bin labels and each side's share of rows per bin: equal-width bins over both sides'
    finite range for numbers, the most frequent values (then "other") for categories."""
    if a.kind == NUM:
        finite = [v[np.isfinite(v)] for v in (a.values, b.values)]
        lo = min((float(v[0]) for v in finite if v.size), default=0.0)
        hi = max((float(v[-1]) for v in finite if v.size), default=1.0)
        if hi == lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, MAX_BARS + 1)
        labels = [f"{plotting.tick_label(e, list(edges))}" for e in edges[:-1]]
        shares = []
        for col in (a, b):
            idx = np.clip(np.searchsorted(edges, col.values, "right") - 1, 0, MAX_BARS - 1)
            keep = np.isfinite(col.values)
            counts = np.bincount(idx[keep], weights=col.counts[keep], minlength=MAX_BARS)
            shares.append(counts / max(col.present, 1))
        return labels, shares[0], shares[1]
    totals: dict[str, int] = {}
    for col in (a, b):
        for value, count in zip(col.values, col.counts, strict=True):
            totals[value] = totals.get(value, 0) + int(count)
    top = sorted(totals, key=lambda v: (-totals[v], v))[:MAX_BARS]
    rest = len(totals) > len(top)
    labels = top + (["(other)"] if rest else [])
    out = []
    for col in (a, b):
        by_value = dict(zip(col.values, (int(n) for n in col.counts), strict=True))
        part = [by_value.get(v, 0) / max(col.present, 1) for v in top]
        if rest:
            part.append(sum(n for v, n in by_value.items() if v not in top) / max(col.present, 1))
        out.append(np.asarray(part))
    return labels, out[0], out[1]
