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
from gitml.pipeline.params import DEFAULT_PARAMS
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
    params: Sequence[str] = ()  # `-p` values as given: `lr,bs`, `FILE:KEY[,KEY]`, `FILE:`
    metrics: Sequence[str] = ()
    metrics_no_cache: Sequence[str] = ()
    plots: Sequence[str] = ()
    plots_no_cache: Sequence[str] = ()
    outs_persist: Sequence[str] = ()
    outs_persist_no_cache: Sequence[str] = ()
    wdir: str | None = None
    always_changed: bool = False
    desc: str | None = None


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
    """The stage as `dvc stage add` writes it, in DVC's key order."""
    stage: dict[str, Any] = {}
    if new.desc:
        stage["desc"] = new.desc
    stage["cmd"] = new.cmd
    if new.wdir:
        stage["wdir"] = new.wdir
    if new.deps:
        stage["deps"] = list(new.deps)
    params = param_entries(new.params)
    if params:
        stage["params"] = params
    outs = [
        *new.outs,
        *({p: {"cache": False}} for p in new.outs_no_cache),
        *({p: {"persist": True}} for p in new.outs_persist),
        *({p: {"cache": False, "persist": True}} for p in new.outs_persist_no_cache),
    ]
    for key, cached, uncached in (
        ("outs", outs, ()),
        ("metrics", new.metrics, new.metrics_no_cache),
        ("plots", new.plots, new.plots_no_cache),
    ):
        items = [*cached, *({p: {"cache": False}} for p in uncached)]
        if items:
            stage[key] = items
    if new.always_changed:
        stage["always_changed"] = True
    return stage


def param_entries(values: Sequence[str]) -> list[Any]:
    """`-p` values as DVC writes them (dvc/utils/cli_parse.py, ParamsDependency): `lr,bs`
    and `params.yaml:lr` are keys of the default params.yaml, written bare and sorted;
    `FILE:KEY[,KEY]` becomes `{FILE: [KEY, ...]}` and `FILE:` (no key) `{FILE: null}`, every
    parameter of FILE."""
    default: set[str] = set()
    files: dict[str, set[str] | None] = {}
    for value in values:
        path, _, keys_text = value.rpartition(":")
        keys = {k.strip() for k in keys_text.split(",") if k.strip()}
        if not path or path == DEFAULT_PARAMS:
            if not keys and path:
                files[DEFAULT_PARAMS] = None
            default |= keys
            continue
        known = files.get(path, set())
        files[path] = None if not keys or known is None else known | keys
    out: list[Any] = []
    if files.get(DEFAULT_PARAMS, set()) is None:
        out.append({DEFAULT_PARAMS: None})
        files.pop(DEFAULT_PARAMS)
    else:
        out += sorted(default)
    out += [{f: None if k is None else sorted(k)} for f, k in files.items()]
    return out
