"""`exp show`'s columns (DVC's naming: `key`, or `file:key` when the key is not unique),
each row's flattened values, and `--sort-by` (experiments sorted within their baseline)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, Literal

from gitml import metrics
from gitml.errors import BadInputError
from gitml.experiments.show import ExpRow, Group, ShowResult
from gitml.experiments.show_rows import FileResult
from gitml.record import dataclass

Section = Literal["metrics", "params", "deps"]
FIXED = ("Experiment", "rev", "typ", "Created", "parent", "Message", "State")
ERROR = object()  # a file that could not be read at that revision ("!" in tables)


@dataclass(frozen=True)
class Column:
    header: str
    section: Section
    path: str
    key: str  # flattened key; the dep path for deps


def flat(result: FileResult, path: str) -> dict[str, Any] | None:
    """A file's values flattened with dots; None when absent, {key: ERROR} never (see cell)."""
    if result is None or "data" not in result:
        return None
    data = result["data"]
    return metrics.flatten(data) if isinstance(data, Mapping) else {path: data}


def _names(rows: list[ExpRow], section: Literal["metrics", "params"]) -> dict[str, dict[str, None]]:
    names: dict[str, dict[str, None]] = {}
    for row in rows:
        for path, result in getattr(row, section).items():
            values = flat(result, path)
            names.setdefault(path, {}).update(dict.fromkeys(values or ()))
    return {p: keys for p, keys in names.items() if keys}


def changed_deps(result: ShowResult) -> list[str]:
    """Deps whose digest in an experiment's lock differs from its baseline's."""
    found: set[str] = set()
    for group in result.groups:
        base = group.row.deps
        for exp in group.experiments:
            for path in base.keys() | exp.deps.keys():
                if (base.get(path) or {}).get("hash") != (exp.deps.get(path) or {}).get("hash"):
                    found.add(path)
    return sorted(found)


def columns(result: ShowResult) -> list[Column]:
    rows = result.rows()
    mnames, pnames = _names(rows, "metrics"), _names(rows, "params")
    count = Counter(k for names in (mnames, pnames) for keys in names.values() for k in keys)
    count.update(FIXED)
    sections: tuple[tuple[Section, dict[str, dict[str, None]]], ...] = (
        ("metrics", mnames), ("params", pnames)
    )
    cols = [
        Column(key if count[key] == 1 else f"{path}:{key}", section, path, key)
        for section, names in sections
        for path, keys in names.items()
        for key in keys
    ]
    cols += [Column(path, "deps", path, path) for path in changed_deps(result)]
    return cols


def value(row: ExpRow, col: Column) -> Any:
    """The row's value in `col`: None when absent, ERROR when its file was unreadable."""
    if col.section == "deps":
        return (row.deps.get(col.path) or {}).get("hash")
    result = getattr(row, col.section).get(col.path)
    if result is not None and "error" in result:
        return ERROR
    values = flat(result, col.path)
    return None if values is None else values.get(col.key)


def sort_column(result: ShowResult, sort_by: str) -> Column:
    """DVC's rule: `file:key` (the file part may itself hold ':'), else a key that names
    exactly one metric or param. Unknown or ambiguous: exit 2."""
    cols = [c for c in columns(result) if c.section != "deps"]
    parts = sort_by.split(":")
    matches = {
        c for n in range(1, len(parts))
        for c in cols if c.path == ":".join(parts[:n]) and c.key == ":".join(parts[n:])
    }
    if not matches:
        key = sort_by.removeprefix(":")
        matches = {c for c in cols if c.key == key}
    if len(matches) > 1:
        found = ", ".join(sorted(f"{c.path}:{c.key}" for c in matches))
        raise BadInputError(f"ambiguous sort column '{sort_by}' (matches {found})")
    if not matches:
        raise BadInputError(
            f"unknown sort column '{sort_by}'", hint="name a metric or param, as FILE:KEY or KEY"
        )
    return matches.pop()


def sort(result: ShowResult, sort_by: str, order: Literal["asc", "desc"]) -> ShowResult:
    """Experiments sorted by one metric or param within their baseline; rows without a
    (comparable) value last, whatever the order."""
    col = sort_column(result, sort_by)

    def key(row: ExpRow) -> tuple[int, Any]:
        v = value(row, col)
        if v is None or v is ERROR or isinstance(v, Mapping | list):
            return (2, 0)
        return (0, v) if metrics.is_number(v) or isinstance(v, bool) else (1, str(v))

    groups = []
    for group in result.groups:
        ranked = [r for r in group.experiments if key(r)[0] < 2]
        rest = [r for r in group.experiments if key(r)[0] == 2]
        ranked.sort(key=key, reverse=order == "desc")
        groups.append(Group(group.row, ranked + rest))
    return ShowResult(groups, result.metric_files, result.param_files, result.stats)
