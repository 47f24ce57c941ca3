"""`gitml stage add`: add (or with force, replace) a stage in gitml.yaml."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitml import atomic, yamledit
from gitml.errors import BadInputError
from gitml.pipeline.project import load_dag, pipeline_path
from gitml.pipeline.stage import valid_new_name
from gitml.repo import Repo


@dataclass(frozen=True)
class NewStage:
    name: str
    cmd: str
    deps: Sequence[str] = ()
    outs: Sequence[str] = ()
    outs_no_cache: Sequence[str] = ()
    params: Sequence[str] = ()
    metrics: Sequence[str] = ()
    metrics_no_cache: Sequence[str] = ()
    wdir: str | None = None


def stage_add(repo: Repo, new: NewStage, *, force: bool = False) -> None:
    """Write the stage into gitml.yaml, keeping comments; the result must be a valid DAG."""
    if not valid_new_name(new.name):
        raise BadInputError(
            f"invalid stage name {new.name!r}: no punctuation but '_' and '-' (as DVC)"
        )
    if not new.cmd.strip():
        raise BadInputError("give the stage's command")
    path = pipeline_path(repo)
    with repo.lock():
        old = ""
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if new.name in load_dag(repo).stages and not force:
            raise BadInputError(
                f"stage '{new.name}' already exists", hint="use --force to replace it"
            )
        text = yamledit.set_stage(old, new.name, _definition(new))
        load_dag(repo, text.encode("utf-8"))  # refuse a pipeline that would not load
        atomic.write_text(path, text)


def _definition(new: NewStage) -> dict[str, Any]:
    stage: dict[str, Any] = {"cmd": new.cmd}
    if new.wdir:
        stage["wdir"] = new.wdir
    for key, values in (("deps", new.deps), ("params", new.params)):
        if values:
            stage[key] = list(values)
    outs = [*new.outs, *({p: {"cache": False}} for p in new.outs_no_cache)]
    metrics = [*new.metrics, *({p: {"cache": False}} for p in new.metrics_no_cache)]
    if outs:
        stage["outs"] = outs
    if metrics:
        stage["metrics"] = metrics
    return stage
