"""What the pipeline declares as metrics, plots and params files (from gitml.yaml)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from gitml.paths import check_relpath
from gitml.pipeline.params import DEFAULT_PARAMS
from gitml.pipeline.project import load_dag
from gitml.pipeline.stage import ParamRef
from gitml.repo import Repo


@dataclass(frozen=True)
class PlotDecl:
    path: str
    props: dict[str, Any] = field(default_factory=dict)  # x, y, title, template, ...


@dataclass(frozen=True)
class Declared:
    metrics: tuple[str, ...]
    plots: tuple[PlotDecl, ...]
    params: tuple[ParamRef, ...]


def declared(repo: Repo) -> Declared:
    dag = load_dag(repo)
    metrics: dict[str, None] = {}
    plots: dict[str, PlotDecl] = {}
    params: dict[ParamRef, None] = {}
    for stage in dag.stages.values():
        for out in stage.outs:
            if out.kind == "metric":
                metrics[out.path] = None
            elif out.kind == "plot":
                plots[out.path] = PlotDecl(out.path, dict(out.props))
        params.update((ref, None) for ref in stage.params)
    for path in dag.top_level.get("metrics", []):
        metrics[check_relpath(str(path), where="gitml.yaml: metrics")] = None
    for item in dag.top_level.get("plots", []):
        decl = _plot(item)
        if decl is not None:
            plots.setdefault(decl.path, decl)
    for item in dag.top_level.get("params", []):
        if isinstance(item, str):
            params[ParamRef(check_relpath(item, where="gitml.yaml: params"), None)] = None
    if not params and os.path.exists(repo.abspath(DEFAULT_PARAMS)):
        params[ParamRef(DEFAULT_PARAMS, None)] = None
    return Declared(tuple(metrics), tuple(plots.values()), tuple(params))


def _plot(item: Any) -> PlotDecl | None:
    if isinstance(item, str):
        return PlotDecl(check_relpath(item, where="gitml.yaml: plots"))
    if isinstance(item, dict) and len(item) == 1:
        ((path, props),) = item.items()
        props = dict(props or {})
        target = props.pop("y", None)
        if isinstance(target, dict):  # DVC's {file: column} form
            ((path, column),) = target.items()
            props["y"] = column
        elif target is not None:
            props["y"] = target
        return PlotDecl(check_relpath(str(path), where="gitml.yaml: plots"), props)
    return None
