"""What the pipelines declare as metrics, plots and params files (every gitml.yaml)."""

from __future__ import annotations

import os
import posixpath
from typing import Any

from gitml.pipeline.lock import join
from gitml.pipeline.params import DEFAULT_PARAMS
from gitml.pipeline.project import load_dag
from gitml.pipeline.stage import ParamRef
from gitml.record import dataclass, field
from gitml.repo import Repo


@dataclass(frozen=True)
class PlotDecl:
    path: str  # the file; or the plot id, when y maps files to columns
    props: dict[str, Any] = field(default_factory=dict)  # x, y, title, template, ...


@dataclass(frozen=True)
class Declared:
    metrics: tuple[str, ...]
    plots: tuple[PlotDecl, ...]
    params: tuple[ParamRef, ...]


def declared(repo: Repo) -> Declared:
    dag = load_dag(repo)
    metrics: dict[str, None] = {}
    plots: dict[tuple[str, str], PlotDecl] = {}  # (plot id, file) -> what to draw
    params: dict[ParamRef, None] = {}
    for stage in dag.stages.values():
        for out in stage.outs:
            if out.kind == "metric":
                metrics[out.path] = None
            elif out.kind == "plot":
                plots[(out.path, out.path)] = PlotDecl(out.path, dict(out.props))
        params.update((ref, None) for ref in stage.params)
    for file, top in dag.top_levels.items():
        base = posixpath.dirname(file)  # a sub pipeline's paths are relative to its folder
        for path in top.get("metrics", []):
            metrics[join(base, str(path), f"{file}: metrics")] = None
        for item in top.get("plots", []):
            for key, decl in _plots(item, file):
                plots.setdefault(key, decl)
        for item in top.get("params", []):
            if isinstance(item, str):
                params[ParamRef(join(base, item, f"{file}: params"), None)] = None
    if not params and os.path.exists(repo.abspath(DEFAULT_PARAMS)):
        params[ParamRef(DEFAULT_PARAMS, None)] = None
    return Declared(tuple(metrics), tuple(plots.values()), tuple(params))


def _plots(item: Any, file: str) -> list[tuple[tuple[str, str], PlotDecl]]:
    """A top-level plot of pipeline `file`: `path`, `{path: props}` or DVC's
    `{id: {y: {file: column(s), ...}}}` (one chart titled by the id, a series per file and
    column; x may name a column per file too); keyed by (id, file), so several plots of one
    file are all drawn. A sub pipeline's paths are relative to its folder."""
    base = posixpath.dirname(file)
    if isinstance(item, str):
        path = join(base, item, f"{file}: plots")
        return [((path, path), PlotDecl(path))]
    if not (isinstance(item, dict) and len(item) == 1):
        return []
    ((plot_id, props),) = item.items()
    props = dict(props or {})
    if not isinstance(props.get("y"), dict):  # the id is the file
        path = join(base, str(plot_id), f"{file}: plots")
        return [((path if base else str(plot_id), path), PlotDecl(path, props))]
    props.setdefault("title", str(plot_id))
    for key in ("x", "y"):
        if isinstance(props.get(key), dict):
            props[key] = {
                join(base, str(source), f"{file}: plot {plot_id}"): column
                for source, column in props[key].items()
            }
    plot = f"{file}:{plot_id}" if base else str(plot_id)
    return [((plot, ""), PlotDecl(plot, props))]
