"""`gitml stage list`: the stages of a pipeline file (or all of them) with a one-line
description, as `dvc stage list` prints them (dvc/commands/stage.py)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from gitml import tracked
from gitml.errors import BadInputError
from gitml.pipeline.project import load_dag
from gitml.pipeline.stage import Stage
from gitml.pipeline.targets import home_file, stages_of
from gitml.record import dataclass
from gitml.repo import Repo

MAX_TEXT_LENGTH = 80  # DVC's
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class StageLine:
    name: str  # its address: `train`, `sub/gitml.yaml:train`, `train@a`
    description: str


def stage_list(repo: Repo, target: str | None = None, *, every: bool = False) -> list[StageLine]:
    """The stages of `target` (a pipeline file, a stage, `file:stage`), of the current
    folder's gitml.yaml when none is given, or of every pipeline file with `every`."""
    with tracked.listed_once(repo):
        dag = load_dag(repo)
        if every:
            names = list(dag.stages)
        elif target is None:
            home = home_file(repo, dag)
            if home is None:
                raise BadInputError(
                    "no gitml.yaml here or above", hint="use --all, or name a pipeline file"
                )
            names = dag.in_file(home)
        else:
            hits = stages_of(repo, dag, target)
            if not hits:
                raise BadInputError(
                    f"unknown stage '{target}'", hint="see 'gitml stage list --all'"
                )
            names = hits
    return [StageLine(n, describe(dag.stages[n])) for n in names]


def describe(stage: Stage, max_length: int = MAX_TEXT_LENGTH) -> str:
    """The first non-empty line of its `desc`, else what it outputs and reports (DVC's
    `generate_description`), cut to `max_length` with an ellipsis."""
    lines = [ln.strip() for ln in (stage.desc or "").splitlines() if ln.strip()]
    text = lines[0] if lines else _generated(stage)
    return text[: max_length - 1] + ELLIPSIS if len(text) > max_length else text


def _generated(stage: Stage) -> str:
    if not stage.deps and not stage.outs:
        return "No outputs or dependencies"
    if not stage.outs:
        return "Depends on " + _paths(stage, stage.deps)
    parts = []
    outs = [o.path for o in stage.outs if o.kind == "out"]
    reports = [o.path for o in stage.outs if o.kind != "out"]
    if outs:
        parts.append("Outputs " + _paths(stage, outs))
    if reports:
        parts.append("Reports " + _paths(stage, reports))
    return "; ".join(parts)


def _paths(stage: Stage, paths: Iterable[str]) -> str:
    """Paths as the stage writes them: relative to its working folder."""
    base = stage.wdir or "."
    return ", ".join(posixpath.relpath(p, base) for p in paths)
