"""`gitml plots show/diff`: the declared plot files at revisions, drawn on one HTML page.

Files are read at each revision through RevisionReader (Git objects, or the cache for cached
stage outs); nothing is checked out and only `OUT/index.html` is written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from gitml import atomic, plotdata, plotpage, plotsources, plotting
from gitml.declared import PlotDecl, declared
from gitml.errors import BadInputError
from gitml.record import dataclass
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
    missing: tuple[str, ...]  # revisions where a file of the plot does not exist
    notes: tuple[str, ...]
    series: tuple[dict[str, Any], ...] = ()  # rev, name, file, y, points of each series
    several: bool = False  # drawn from several (file, column) sources: JSON lists `series`

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
        } | ({"series": list(self.series)} if self.several else {})


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


Drawn = dict[tuple[int, int], tuple[list[plotdata.Value], list[plotdata.Value]]]


def _plot(
    decl: PlotDecl, readers: Sequence[RevisionReader], colors: dict[str, str]
) -> tuple[RenderedPlot, plotpage.Section]:
    props = decl.props
    template = plotdata.template_of(props.get("template"), where=f"gitml.yaml: plot {decl.path}")
    found, problem = plotsources.sources(decl.path, props, template)
    files = list(dict.fromkeys(f for s in found for f in (s.file, s.x_file) if f))
    tables, missing = _tables(files, readers)
    notes = [problem] if problem else []
    notes += [
        f"{f}: not found at {rev}" if len(files) > 1 else f"not found at {rev}"
        for rev, f in missing
    ]
    if template == "confusion" and isinstance(props.get("y"), list) and len(props["y"]) > 1:
        notes.append(f"only the first y column is drawn ({props['y'][0]})")
    got, axes_of = _extract(found, readers, tables, template, notes)
    resolved = tuple(
        plotsources.Source(s.file, a.y if a else s.y, s.x_file, s.x)
        for s, a in zip(found, axes_of, strict=True)
    )
    series, counts = _series(resolved, got, readers, colors, template)
    if len(found) > 1:
        x, y = plotsources.axis_labels(resolved)
    else:
        axes = axes_of[0] if axes_of else None
        x, y = (axes.x or plotdata.STEP, axes.y) if axes else (plotdata.STEP, "")
    chart = plotting.Chart(
        title=str(props.get("title") or decl.path),
        template=template,
        x_label=str(props.get("x_label") or x),
        y_label=str(props.get("y_label") or y),
        series=tuple(series),
        normalized=props.get("template") == "confusion_normalized",
    )
    points: dict[str, int] = {}
    for count in counts:
        points[count["rev"]] = points.get(count["rev"], 0) + count["points"]
    rendered = RenderedPlot(
        decl.path, template, chart.title, x, y, points, tuple(dict.fromkeys(r for r, _ in missing)),
        tuple(notes), tuple(counts), len(found) > 1,
    )  # fmt: skip
    return rendered, plotpage.Section(decl.path, tuple(notes), plotting.svg(chart))


def _extract(
    found: Sequence[plotsources.Source],
    readers: Sequence[RevisionReader],
    tables: dict[tuple[str, str], plotdata.Table],
    template: plotdata.Template,
    notes: list[str],
) -> tuple[Drawn, list[plotdata.Axes | None]]:
    """(xs, ys) by (revision index, source index), and the axes chosen for each source."""
    got: Drawn = {}
    axes_of: list[plotdata.Axes | None] = []
    for k, source in enumerate(found):
        joined = _joined(source, readers, tables, notes)
        axes = plotdata.choose_axes(joined.values(), template, source.x, source.y)
        axes_of.append(axes)
        for r, reader in enumerate(readers):
            if reader.rev not in joined:
                continue
            table = joined[reader.rev]
            xy = plotdata.extract(table, axes, template) if axes else "no numeric column"
            if isinstance(xy, str):
                notes.append(f"{reader.rev}: {f'{source.file}: ' if len(found) > 1 else ''}{xy}")
            else:
                got[(r, k)] = xy
    return got, axes_of


def _series(
    resolved: Sequence[plotsources.Source],
    got: Drawn,
    readers: Sequence[RevisionReader],
    colors: dict[str, str],
    template: plotdata.Template,
) -> tuple[list[plotting.Series], list[dict[str, Any]]]:
    """The chart's series, revision by revision; of several sources, each its own colour,
    named `file::column` (and the revision when several), lines dashed per source as DVC's."""
    names = plotsources.names(tuple(resolved))
    series: list[plotting.Series] = []
    counts: list[dict[str, Any]] = []
    for i, ((r, k), (xs, ys)) in enumerate(sorted(got.items())):
        rev = readers[r].rev
        if len(resolved) > 1:
            name = names[k] if len(readers) == 1 else f"{rev} {names[k]}"
            dash = plotsources.DASHES[k % len(plotsources.DASHES)] if template == "linear" else ""
            line = plotting.Series(rev, plotting.color(i), tuple(xs), tuple(ys), name, dash)
        else:
            line = plotting.Series(rev, colors[rev], tuple(xs), tuple(ys))
        series.append(line)
        source = resolved[k]
        counts.append(
            {"rev": rev, "name": names[k], "file": source.file, "y": source.y, "points": len(xs)}
        )
    return series, counts


def _joined(
    source: plotsources.Source,
    readers: Sequence[RevisionReader],
    tables: dict[tuple[str, str], plotdata.Table],
    notes: list[str],
) -> dict[str, plotdata.Table]:
    """The table of `source` at each revision that has it, with x joined from its x file."""
    joined = {}
    for reader in readers:
        table = tables.get((reader.rev, source.file))
        if table is None:
            continue
        if source.x_file is not None and source.x is not None:
            x_table = tables.get((reader.rev, source.x_file))
            if x_table is None:
                continue
            both = plotdata.join_x(table, x_table, source.x)
            if isinstance(both, str):
                notes.append(f"{reader.rev}: {source.x_file}: {both}")
                continue
            table = both
        joined[reader.rev] = table
    return joined


def _tables(
    files: Sequence[str], readers: Sequence[RevisionReader]
) -> tuple[dict[tuple[str, str], plotdata.Table], list[tuple[str, str]]]:
    """Parsed tables by (revision, file), and the (revision, file) pairs that do not exist."""
    tables: dict[tuple[str, str], plotdata.Table] = {}
    missing: list[tuple[str, str]] = []
    for reader in readers:
        for path in files:
            data = reader.read(path)
            if data is None:
                missing.append((reader.rev, path))
            else:
                where = f"{path} at {reader.rev}"
                tables[(reader.rev, path)] = plotdata.parse_table(data, path, where=where)
    return tables, missing
