"""`gitml plots show/diff`: the declared plot files at revisions, drawn on one HTML page.

Files are read at each revision through RevisionReader (Git objects, or the cache for cached
stage outs); nothing is checked out and only `OUT/index.html` is written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitml import atomic, plotdata, plotpage, plotting
from gitml.declared import PlotDecl, declared
from gitml.errors import BadInputError
from gitml.repo import Repo
from gitml.revfiles import WORKSPACE, RevisionReader

PAGE_NAME = "index.html"


@dataclass(frozen=True)
class RenderedPlot:
    path: str
    template: str
    title: str
    x: str  # a column, or "step" for the row index
    y: str
    points: dict[str, int]  # revision -> points drawn, for each revision drawn
    missing: tuple[str, ...]  # revisions where the file does not exist
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "template": self.template,
            "title": self.title,
            "x": self.x,
            "y": self.y,
            "points": dict(self.points),
            "missing": list(self.missing),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class PlotsResult:
    output: str  # the written page
    revisions: tuple[str, ...]
    plots: tuple[RenderedPlot, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "revisions": list(self.revisions),
            "plots": [p.to_json() for p in self.plots],
        }


def show(repo: Repo, revs: Sequence[str] = (), *, out: str) -> PlotsResult:
    """Draw the declared plots at `revs` (default: the workspace) into `out`/index.html."""
    return _render(repo, tuple(revs) or (WORKSPACE,), out)


def diff(repo: Repo, a: str | None = None, b: str | None = None, *, out: str) -> PlotsResult:
    """Draw the declared plots at `a` (default HEAD) and `b` (default the workspace)."""
    return _render(repo, (a or "HEAD", b or WORKSPACE), out)


def _render(repo: Repo, revs: tuple[str, ...], out: str) -> PlotsResult:
    revs = tuple(dict.fromkeys(revs))
    decls = declared(repo).plots
    if not decls:
        raise BadInputError(
            "no plots are declared in gitml.yaml",
            hint="add 'plots:' to a stage or at the top level",
        )
    readers = [RevisionReader(repo, rev) for rev in revs]
    colors = {rev: plotting.color(i) for i, rev in enumerate(revs)}
    drawn = [_plot(decl, readers, colors) for decl in decls]
    html = plotpage.page("gitml plots", list(colors.items()), [section for _, section in drawn])
    path = os.path.join(out, PAGE_NAME)
    try:
        os.makedirs(out, exist_ok=True)
        atomic.write_text(path, html)
    except OSError as e:
        raise BadInputError(f"cannot write {path}: {e.strerror or e}") from e
    return PlotsResult(path, revs, tuple(plot for plot, _ in drawn))


def _plot(
    decl: PlotDecl, readers: Sequence[RevisionReader], colors: dict[str, str]
) -> tuple[RenderedPlot, plotpage.Section]:
    props = decl.props
    template = plotdata.template_of(props.get("template"), where=f"gitml.yaml: plot {decl.path}")
    tables, missing = _tables(decl.path, readers)
    notes = [f"not found at {rev}" for rev in missing]
    if isinstance(props.get("y"), list) and len(props["y"]) > 1:
        notes.append(f"only the first y column is drawn ({props['y'][0]})")
    axes = plotdata.choose_axes(
        (t for _, t in tables), template, _column(props, "x"), _column(props, "y")
    )
    series: list[plotting.Series] = []
    for rev, table in tables:
        got = plotdata.extract(table, axes, template) if axes else "no numeric column"
        if isinstance(got, str):
            notes.append(f"{rev}: {got}")
        else:
            series.append(plotting.Series(rev, colors[rev], tuple(got[0]), tuple(got[1])))
    x = axes.x if axes and axes.x else plotdata.STEP
    y = axes.y if axes else ""
    chart = plotting.Chart(
        title=str(props.get("title") or decl.path),
        template=template,
        x_label=str(props.get("x_label") or x),
        y_label=str(props.get("y_label") or y),
        series=tuple(series),
        normalized=props.get("template") == "confusion_normalized",
    )
    rendered = RenderedPlot(
        decl.path,
        template,
        chart.title,
        x,
        y,
        {s.rev: len(s.xs) for s in series},
        tuple(missing),
        tuple(notes),
    )
    return rendered, plotpage.Section(decl.path, tuple(notes), plotting.svg(chart))


def _tables(
    path: str, readers: Sequence[RevisionReader]
) -> tuple[list[tuple[str, plotdata.Table]], list[str]]:
    """Parsed tables of the revisions that have the file, and the revisions that do not."""
    tables: list[tuple[str, plotdata.Table]] = []
    missing: list[str] = []
    for reader in readers:
        data = reader.read(path)
        if data is None:
            missing.append(reader.rev)
        else:
            tables.append(
                (reader.rev, plotdata.parse_table(data, path, where=f"{path} at {reader.rev}"))
            )
    return tables, missing


def _column(props: dict[str, Any], key: str) -> str | None:
    """A declared column name; DVC's list form draws its first column."""
    value = props.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)
