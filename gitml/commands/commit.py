"""`gitml commit`: record the current content of tracked outputs into pointers and the lock."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from gitml import tracked
from gitml.commands.add import AddResult, add
from gitml.constants import PIPELINE_FILE
from gitml.pipeline import execute
from gitml.pipeline import lock as lockfile
from gitml.pipeline.lock import StageLock
from gitml.pipeline.project import load_dag
from gitml.pipeline.status import param_values, reasons
from gitml.repo import Repo
from gitml.workspace import Progress


@dataclass(frozen=True)
class CommitResult:
    pointers: AddResult
    stages: tuple[str, ...]  # stages whose lock entry was rewritten


def commit(
    repo: Repo,
    targets: Sequence[str] = (),
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> CommitResult:
    """Re-hash and cache pointer outputs and stage outs; rewrite what changed."""
    stage_names, paths = _split(repo, targets)
    pointers = tracked.select(repo, paths) if paths or not targets else []
    files = [repo.abspath(p.out_rel(o)) for p in pointers for o in p.outs]
    added = add(repo, files, jobs=jobs, progress=progress) if files else AddResult((), ())
    stages = _commit_stages(repo, stage_names, everything=not targets)
    return CommitResult(added, stages)


def _split(repo: Repo, targets: Sequence[str]) -> tuple[list[str], list[str]]:
    if not os.path.exists(repo.abspath(PIPELINE_FILE)):
        return [], list(targets)
    names = load_dag(repo).stages
    chosen = [t for t in targets if t in names]
    return chosen, [t for t in targets if t not in chosen]


def _commit_stages(repo: Repo, names: list[str], *, everything: bool) -> tuple[str, ...]:
    if not names and not everything:
        return ()
    dag = load_dag(repo)
    done = []
    with repo.lock():
        locks = lockfile.load(repo.root, repo.state)
        for name in dag.order(names or None):
            stage = dag.stages[name]
            params, _ = param_values(repo.root, stage, strict=True)
            if not reasons(stage, locks.get(name), execute.hash_of(repo), params):
                continue
            deps = execute.hash_deps(repo, stage)
            locks[name] = StageLock(stage.cmd, deps, params, execute.record_outs(repo, stage))
            lockfile.save(repo.root, locks, dag.stages, repo.state)
            done.append(name)
    return tuple(done)
