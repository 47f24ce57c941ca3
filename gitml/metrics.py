"""Metric and param values: parse, flatten, diff, render (text, Markdown, JSON). No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gitml import limits, yamlio
from gitml.errors import BadInputError
from gitml.record import dataclass
from gitml.render import md_table

Values = dict[str, Any]  # flattened key -> value
MISSING_CELL = "-"


def parse_text(
    raw: bytes, where: str, rel: str, memo: yamlio.ValidationMemo | None = None
) -> Any:
    """A metrics (or params) file's data: JSON when `rel` ends in .json, else YAML read by
    1.2 rules, as DVC reads metrics; one clear error naming `where` when it is bad."""
    if rel.endswith(".json"):
        import json

        try:
            data = json.loads(raw)
        except ValueError as e:
            raise BadInputError(f"{where}: invalid JSON ({e})") from e
        except RecursionError as e:
            raise limits.depth_error(where) from e
        limits.check_depth(data, where)
        return data
    return yamlio.loads(raw, where=where, yaml12=True, memo=memo)


def flatten(data: Any, prefix: str = "") -> Values:
    """Nested mappings and lists as `a.b` / `a.0` keys; scalars stay as they are."""
    if isinstance(data, Mapping):
        out: Values = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    if isinstance(data, list) and data and all(isinstance(v, Mapping | list) for v in data):
        out = {}
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}{i}."))
        return out
    return {prefix[:-1]: data} if prefix else {"": data}


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Row:
    path: str
    key: str
    old: Any  # None: absent at A
    new: Any  # None: absent at B

    @property
    def change(self) -> float | int | None:
        if is_number(self.old) and is_number(self.new):
            change: float | int = self.new - self.old
            return change
        return None

    @property
    def changed(self) -> bool:
        return self.old != self.new or type(self.old) is not type(self.new)


def diff(
    old: Mapping[str, Values | None], new: Mapping[str, Values | None], *, all_rows: bool
) -> list[Row]:
    """Rows per (file, key) across two revisions; unchanged ones only with `all_rows`."""
    rows = []
    for path in sorted(old.keys() | new.keys()):
        a, b = old.get(path) or {}, new.get(path) or {}
        for key in sorted(a.keys() | b.keys()):
            row = Row(path, key, a.get(key), b.get(key))
            if all_rows or row.changed:
                rows.append(row)
    return rows


def cell(value: Any, precision: int) -> str:
    if value is None:
        return MISSING_CELL
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(round(value, precision)) if abs(value) < 1e16 else f"{value:.{precision}g}"
    return str(value)


def change_cell(row: Row, precision: int) -> str:
    change = row.change
    if change is None:
        return "changed" if row.changed and row.old is not None and row.new is not None else "-"
    text = cell(change, precision)
    return text if change <= 0 else f"+{text}"


def diff_table(
    rows: Iterable[Row], a: str, b: str, precision: int, *, md: bool, kind: str = "Metric"
) -> str:
    header = ["Path", kind, a, b, "Change"]
    body = [
        [r.path, r.key, cell(r.old, precision), cell(r.new, precision), change_cell(r, precision)]
        for r in rows
    ]
    return md_table(header, body) if md else text_table(header, body)


def diff_json(rows: Iterable[Row]) -> dict[str, dict[str, dict[str, Any]]]:
    """Rows as JSON: exact numbers (rounding is for people: tables and Markdown only)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.path, {})[r.key] = {"old": r.old, "new": r.new, "diff": r.change}
    return out


def text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(c) for c in col) for col in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    return "\n".join(lines)
