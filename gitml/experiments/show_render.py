"""`exp show` as DVC prints it: JSON (`dvc exp show --json`'s shape), CSV, Markdown, text.
Pure: returns strings."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any, Literal

from gitml import metrics, render
from gitml.experiments.show import ExpRow, ShowResult
from gitml.experiments.show_columns import ERROR, Column, columns, value

Format = Literal["text", "md", "csv"]
_EXECUTOR_STATE = {"queued": "queued", "running": "running", "failed": "failed"}


def _timestamp(row: ExpRow) -> str | None:
    return None if row.time is None else datetime.fromtimestamp(row.time).isoformat()


def _data(row: ExpRow) -> dict[str, Any]:
    meta = {"message": row.message} if row.message else {}
    if row.state:
        meta["state"] = row.state
    return {
        "rev": row.rev,
        "timestamp": _timestamp(row),
        "params": {p: r for p, r in row.params.items() if r is not None},
        "metrics": {p: r for p, r in row.metrics.items() if r is not None},
        "deps": {p: {k: d.get(k) for k in ("hash", "size", "nfiles")} for p, d in row.deps.items()},
        "outs": {
            p: {**{k: o.get(k) for k in ("hash", "size", "nfiles", "use_cache")},
                "is_data_source": False}
            for p, o in row.outs.items()
        },
        "meta": meta,
    }


def _state(row: ExpRow, experiments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"rev": row.rev, "name": row.name, "data": _data(row), "error": None,
            "experiments": experiments}


def to_json(result: ShowResult) -> list[dict[str, Any]]:
    """[{rev, name, data, error, experiments: [{revs: [..], executor, name, state}] | null}]"""
    out = []
    for group in result.groups:
        exps = [
            {
                "revs": [_state(e)],
                "executor": (
                    {"state": _EXECUTOR_STATE[e.state], "name": None, "local": None}
                    if e.state in _EXECUTOR_STATE else None
                ),
                "name": e.name,
                "state": e.state,
            }
            for e in group.experiments
        ]
        out.append(_state(group.row, exps or None))
    return out


def _created(row: ExpRow, iso: bool, today: date) -> str | None:
    if row.time is None:
        return None
    when = datetime.fromtimestamp(row.time)
    if iso:
        return when.isoformat()
    return when.strftime("%I:%M %p" if when.date() == today else "%b %d, %Y")


def _message(row: ExpRow) -> str:
    default = f"gitml exp: {row.name}"
    return row.message if row.kind == "experiment" and row.message != default else ""


def _cell(v: Any, col: Column, fmt: Format, precision: int | None, fill: str) -> str:
    if v is ERROR:
        return "!"
    if v is None:
        return fill
    if col.section == "deps":
        return v if fmt == "csv" else str(v)[:8]
    if isinstance(v, float) and precision is not None:
        return metrics.cell(v, precision)
    if isinstance(v, bool):
        return str(v).lower()
    return str(v)


def table(
    result: ShowResult,
    *,
    fmt: Format = "text",
    precision: int | None = 5,
    only_changed: bool = False,
    today: date | None = None,
) -> str:
    """One line per row; CSV has DVC's columns (Experiment, rev, typ, Created, parent, ...),
    text and Markdown merge the first ones into an indented Experiment column."""
    today = today or date.today()
    fill = "" if fmt == "csv" else "-"
    rows = result.rows()
    cols = columns(result)
    values = [[value(r, c) for c in cols] for r in rows]
    if only_changed:
        keep = [i for i in range(len(cols)) if len({repr(v[i]) for v in values}) > 1]
        cols = [cols[i] for i in keep]
        values = [[v[i] for i in keep] for v in values]
    fixed: list[tuple[str, list[str]]] = []
    if fmt == "csv":
        fixed += [
            ("Experiment", [r.name or "" if r.kind == "experiment" else "" for r in rows]),
            ("rev", [_rev(r) for r in rows]),
            ("typ", _types(result)),
        ]
    else:
        fixed.append(("Experiment", _labels(result)))
    fixed.append(("Created", [_created(r, fmt == "csv", today) or fill for r in rows]))
    if fmt == "csv":
        fixed.append(("parent", ["" for _ in rows]))
    messages = [_message(r) for r in rows]
    if any(messages):
        fixed.append(("Message", [m or fill for m in messages]))
    if any(r.kind == "experiment" for r in rows):
        fixed.append(("State", [(r.state or "").capitalize() or fill for r in rows]))
    header = [name for name, _ in fixed] + [c.header for c in cols]
    body = [
        [cells[i] for _, cells in fixed]
        + [_cell(v, c, fmt, precision, fill) for v, c in zip(values[i], cols, strict=True)]
        for i in range(len(rows))
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(body)
        return out.getvalue().rstrip("\n")
    return render.md_table(header, body) if fmt == "md" else metrics.text_table(header, body)


def _rev(row: ExpRow) -> str:
    if row.kind == "workspace":
        return "workspace"
    return row.name if row.kind == "baseline" and row.name else row.rev[:7]


def _types(result: ShowResult) -> list[str]:
    out = []
    for group in result.groups:
        out.append("baseline")
        n = len(group.experiments)
        out += ["branch_base" if i == n - 1 else "branch_commit" for i in range(n)]
    return out


def _labels(result: ShowResult) -> list[str]:
    out = []
    for group in result.groups:
        out.append(_rev(group.row))
        n = len(group.experiments)
        out += [
            f"{'└──' if i == n - 1 else '├──'} {e.rev[:7]} [{e.name}]"
            for i, e in enumerate(group.experiments)
        ]
    return out
