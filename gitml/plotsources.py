"""Which (file, column) series one declared plot draws, as DVC's vega converter reads `x` and
`y`. Pure: no I/O.

`y: column` or `y: [columns]` on the plot's own file; `y: {file: column or [columns]}` for a
chart of several files (DVC's top-level plots). `x` is a column of each y file, or
`{file: column}`: one x source for every series, or one per y source (joined row by row).
"""

from __future__ import annotations

import os
from typing import Any

from gitml.plotdata import STEP, Template
from gitml.record import dataclass

DASHES = ("", "8 8", "8 4", "2 4", "12 4 2 4", "4 2")  # a line style per source, as DVC's


@dataclass(frozen=True)
class Source:
    file: str
    y: str | None  # None: chosen from the data (the last numeric column)
    x_file: str | None  # x comes from another file, joined row by row
    x: str | None  # None: the row index


def _flat(value: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (str(f), str(c))
        for f, cols in value.items()
        for c in (cols if isinstance(cols, list) else [cols])
    ]


def sources(
    path: str, props: dict[str, Any], template: Template
) -> tuple[tuple[Source, ...], str | None]:
    """The series sources of the plot of `path` (a file, or a plot id when y maps files), and
    why it cannot be drawn (None when it can)."""
    x, y = props.get("x"), props.get("y")
    if isinstance(y, dict):
        ys: list[tuple[str, str | None]] = list(_flat(y))
    else:
        columns = [str(c) for c in y] if isinstance(y, list) else ([] if y is None else [str(y)])
        if template == "confusion":
            columns = columns[:1]
        ys = [(path, c) for c in columns] or [(path, None)]
    xs: list[tuple[str, str | None]]
    if isinstance(x, dict):
        xs = list(_flat(x))
        if len(xs) == 1:
            xs = xs * len(ys)
        elif len(xs) != len(ys):
            return (), (
                f"cannot have different number of x and y data sources"
                f" ({len(xs)} x and {len(ys)} y, as DVC)"
            )
    else:
        column = x[0] if isinstance(x, list) and x else x
        xs = [(file, None if column is None else str(column)) for file, _ in ys]
    found = tuple(
        Source(file, column, xf if xf != file else None, xc)
        for (file, column), (xf, xc) in zip(ys, xs, strict=True)
    )
    return found, None


def names(found: tuple[Source, ...]) -> list[str]:
    """Legend names as DVC's: `file::column` when files and columns both vary, else just the
    file or the column that does; files without the folders they all share."""
    files = {s.file for s in found}
    cut = len(os.path.commonpath(list(files))) if len(files) > 1 else 0
    several_columns = len({s.y for s in found}) > 1
    out = []
    for s in found:
        file = s.file[cut:].strip("/")
        if len(files) > 1:
            out.append(f"{file}::{s.y}" if several_columns else file)
        else:
            out.append(str(s.y))
    return out


def axis_labels(found: tuple[Source, ...]) -> tuple[str, str]:
    """(x, y) axis titles of a chart of several sources, as DVC infers them."""
    xs = {s.x for s in found if s.x is not None}
    ys = {s.y for s in found}
    x = STEP if not xs else (next(iter(xs)) if len(xs) == 1 else "x")
    y = str(next(iter(ys))) if len(ys) == 1 else "y"
    return x, y
