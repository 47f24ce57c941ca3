"""`gitml stage add`: add (or with force, replace) a stage in the gitml.yaml of the current
folder, as `dvc stage add` writes the cwd's dvc.yaml (a sub pipeline, below the root)."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from typing import Any

from gitml import atomic, yamledit
from gitml.constants import PIPELINE_FILE
from gitml.errors import BadInputError
from gitml.paths import check_relpath, to_posix_rel
from gitml.pipeline.project import load_dag
from gitml.pipeline.stage import valid_new_name
from gitml.record import dataclass
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


def stage_add(repo: Repo, new: NewStage, *, force: bool = False) -> str:
    """Write the stage into the current folder's gitml.yaml, keeping comments; the result
    must be a valid DAG. Returns that file, repo-relative."""
    if not valid_new_name(new.name):
        raise BadInputError(
            f"invalid stage name {new.name!r}: no punctuation but '_' and '-' (as DVC)"
        )
    if not new.cmd.strip():
        raise BadInputError("give the stage's command")
    here = to_posix_rel(repo.root, os.getcwd())
    file = PIPELINE_FILE if here == "." else posixpath.join(here, PIPELINE_FILE)
    check_relpath(file, where="the current folder")
    path = repo.abspath(file)
    with repo.lock():
        old = ""
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        dag = load_dag(repo)
        if any(dag.stages[n].local_name == new.name for n in dag.in_file(file)) and not force:
            raise BadInputError(
                f"stage '{new.name}' already exists in {file}", hint="use --force to replace it"
            )
        text = yamledit.set_stage(old, new.name, _definition(new))
        load_dag(repo, text.encode("utf-8"), file=file)  # refuse a pipeline that would not load
        atomic.write_text(path, text)
    return file


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
