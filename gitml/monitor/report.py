"""A drift result as text, Markdown, or JSON-ready data (the HTML page: page.py)."""

from __future__ import annotations

import math
from typing import Any

from gitml import render
from gitml.monitor.compare import ColumnDrift, Verdict

HEADER = [
    "Column",
    "Type",
    "Method",
    "Statistic",
    "p-value",
    "Threshold",
    "Rows A",
    "Rows B",
    "Drift",
]
METHOD_NAMES = {
    "ks": "K-S test",
    "chi2": "chi-squared test",
    "z": "Z-test (proportions)",
    "wasserstein": "Wasserstein distance (normed)",
    "jensenshannon": "Jensen-Shannon distance",
    "psi": "PSI",
}


def number(value: float | None) -> str:
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.4g}" if abs(value) < 1e-3 and value != 0 else f"{value:.4f}"


def row(c: ColumnDrift) -> list[str]:
    rows_a = f"{c.rows_a}" + (f" (+{c.missing_a} missing)" if c.missing_a else "")
    rows_b = f"{c.rows_b}" + (f" (+{c.missing_b} missing)" if c.missing_b else "")
    return [
        c.column,
        c.kind,
        c.method,
        number(c.statistic),
        number(c.p_value),
        number(c.threshold),
        rows_a,
        rows_b,
        "DRIFT" if c.drifted else "no",
    ]


def verdict_line(v: Verdict) -> str:
    word = "DRIFT" if v.drifted else "no drift"
    return (
        f"Dataset: {word}: {v.drifted_columns} of {v.columns} columns drifted"
        f" ({v.share:.0%}; drift when at least {v.drift_share:g} of them do)"
    )


def text(title: str, columns: tuple[ColumnDrift, ...], v: Verdict) -> str:
    rows = [HEADER, *(row(c) for c in columns)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = [title]
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    lines.append(verdict_line(v))
    return "\n".join(lines)


def markdown(title: str, columns: tuple[ColumnDrift, ...], v: Verdict, level: str = "##") -> str:
    table = render.md_table(HEADER, [row(c) for c in columns]) if columns else "_No columns._"
    return f"{level} {title}\n\n{table}\n\n**{verdict_line(v)}**"


def finite(data: Any) -> Any:
    """JSON-safe: a statistic of inf (chi-squared with a new category) becomes null."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [finite(v) for v in data]
    return data
