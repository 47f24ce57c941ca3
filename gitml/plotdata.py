"""Plot data files -> tables, and which columns to draw. Pure: no I/O.

Tables come from JSON (a list of objects, or an object holding one such list), CSV and TSV
(a header row).
"""

from __future__ import annotations

import csv
import io
import json
import math
import posixpath
from collections.abc import Iterable
from typing import Any, Literal

from gitml import limits
from gitml.errors import BadInputError
from gitml.record import dataclass

Value = float | str
Template = Literal["linear", "scatter", "bar", "confusion"]
TEMPLATES: dict[str, Template] = {
    "linear": "linear",
    "simple": "linear",
    "smooth": "linear",
    "scatter": "scatter",
    "bar": "bar",
    "confusion": "confusion",
    "confusion_normalized": "confusion",
}
STEP = "step"  # the x axis when no x column is declared: the row index, as in DVC


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[dict[str, Value], ...]


@dataclass(frozen=True)
class Axes:
    x: str | None  # None: the row index ("step")
    y: str


# ---- parsing -------------------------------------------------------------------------------


def parse_table(data: bytes, path: str, *, where: str) -> Table:
    """Rows of a plot file, chosen by extension; BadInputError naming `where` if unreadable."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BadInputError(f"{where}: not UTF-8 text (byte {e.start})") from e
    ext = posixpath.splitext(path)[1].lower()
    if ext == ".json":
        return _parse_json(text, where)
    if ext in (".csv", ".tsv"):
        return _parse_delimited(text, "\t" if ext == ".tsv" else ",", where)
    raise BadInputError(f"{where}: unsupported plot format {ext or '(none)'!r} (json, csv, tsv)")


def _parse_json(text: str, where: str) -> Table:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInputError(f"{where}: line {e.lineno}: invalid JSON: {e.msg}") from e
    except RecursionError as e:
        raise limits.depth_error(where) from e
    if isinstance(doc, dict):
        doc = next((v for v in doc.values() if _is_records(v)), None)
    if not _is_records(doc):
        raise BadInputError(f"{where}: expected a list of objects, or an object holding one")
    rows = tuple({str(k): _json_value(v) for k, v in r.items() if v is not None} for r in doc)
    return Table(tuple(dict.fromkeys(k for r in rows for k in r)), rows)


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(r, dict) for r in value)


def _json_value(value: Any) -> Value:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) else str(value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _parse_delimited(text: str, delimiter: str, where: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise BadInputError(f"{where}: empty file, expected a header row")
        rows = []
        for fields in reader:
            if not fields:
                continue
            if len(fields) != len(header):
                raise BadInputError(
                    f"{where}: line {reader.line_num}: expected {len(header)} fields,"
                    f" got {len(fields)}"
                )
            rows.append({h: _cell(f) for h, f in zip(header, fields, strict=True) if f != ""})
    except csv.Error as e:
        raise BadInputError(f"{where}: line {reader.line_num}: {e}") from e
    return Table(tuple(header), tuple(rows))


def _cell(text: str) -> Value:
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


# ---- choosing what to draw -----------------------------------------------------------------


def template_of(name: Any, *, where: str) -> Template:
    if name is None:
        return "linear"
    if name not in TEMPLATES:
        raise BadInputError(f"{where}: unknown template {name!r} ({', '.join(TEMPLATES)})")
    return TEMPLATES[name]


def choose_axes(
    tables: Iterable[Table], template: Template, x: str | None, y: str | None
) -> Axes | None:
    """The declared columns, or defaults from the first table that has them."""
    for table in tables:
        cols = table.columns
        if template == "confusion":
            cx = x or ("actual" if "actual" in cols else (cols[0] if cols else None))
            others = [c for c in cols if c != cx]
            cy = y or ("predicted" if "predicted" in cols else (others[-1] if others else None))
        else:
            cx = x
            numeric = [c for c in cols if c != x and _numeric_column(table, c)]
            cy = y or (numeric[-1] if numeric else None)
        if cy is not None and (template != "confusion" or cx is not None):
            return Axes(cx, cy)
    return None


def _numeric_column(table: Table, column: str) -> bool:
    values = [r[column] for r in table.rows if column in r]
    return bool(values) and all(isinstance(v, float) for v in values)


def extract(table: Table, axes: Axes, template: Template) -> tuple[list[Value], list[Value]] | str:
    """(xs, ys) of one table, or why there is nothing to draw."""
    for column in (axes.x, axes.y):
        if column is not None and column not in table.columns:
            return f"no column {column!r}"
    xs: list[Value] = []
    ys: list[Value] = []
    for i, row in enumerate(table.rows):
        x = float(i) if axes.x is None else row.get(axes.x)
        y = row.get(axes.y)
        if x is None or y is None or (template != "confusion" and not isinstance(y, float)):
            continue
        if template == "confusion":
            x, y = label(x), label(y)
        xs.append(x)
        ys.append(y)
    return (xs, ys) if xs else f"no numeric values in column {axes.y!r}"


def join_x(table: Table, x_table: Table, column: str) -> Table | str:
    """`table` with the x `column` of another file, row by row (DVC: same length), or why not."""
    if column not in x_table.columns:
        return f"no column {column!r}"
    if len(x_table.rows) != len(table.rows):
        return (
            f"cannot join {column!r} of {len(x_table.rows)} rows"
            f" to {len(table.rows)} rows: they have to have the same length"
        )
    rows = tuple(
        {**row, column: x_row[column]} if column in x_row else dict(row)
        for row, x_row in zip(table.rows, x_table.rows, strict=True)
    )
    return Table(tuple(dict.fromkeys((*table.columns, column))), rows)


def label(value: Value, limit: int = 0) -> str:
    text = (
        value
        if isinstance(value, str)
        else (str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}")
    )
    return text if not limit or len(text) <= limit else text[: limit - 1] + "…"
