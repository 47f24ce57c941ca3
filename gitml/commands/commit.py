"""`gitml commit`: record the current content of tracked outputs into pointers and the lock."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gitml import tracked
from gitml.commands.add import AddResult, add
from gitml.errors import BadInputError
from gitml.pipeline import execute
from gitml.pipeline import lock as lockfile
from gitml.pipeline import reasons as r
from gitml.pipeline.lock import StageLock
from gitml.pipeline.project import load_dag
from gitml.pipeline.stage import Stage
from gitml.pipeline.status import param_values, reasons
from gitml.pipeline.targets import split as split_targets
from gitml.record import dataclass
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
    force: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> CommitResult:
    """Re-hash and cache pointer outputs and stage outs; rewrite what changed.

    A stage whose cmd, deps or params changed since it last ran is refused (BadInputError,
    nothing written) unless `force`: recording it would claim its outs were built from
    inputs they never saw. Changed outs alone (edited by hand, or the cmd re-run by hand)
    are what commit is for.
    """
    stage_names, paths = split_targets(repo, targets)
    pointers = tracked.select(repo, paths) if paths or not targets else []
    stages = _commit_stages(repo, stage_names, everything=not targets, force=force)
    files = [repo.abspath(p.out_rel(o)) for p in pointers for o in p.outs]
    added = add(repo, files, jobs=jobs, progress=progress) if files else AddResult((), ())
    return CommitResult(added, stages)


def _commit_stages(
    repo: Repo, names: list[str], *, everything: bool, force: bool
) -> tuple[str, ...]:
    if not names and not everything:
        return ()
    dag = load_dag(repo)
    with repo.lock():
        locks = lockfile.load_project(repo.root, dag.files, repo.state)
        hash_of = execute.hash_of(repo)
        todo: list[tuple[Stage, dict[str, dict[str, Any]]]] = []
        refused: list[tuple[str, list[r.Reason]]] = []
        for name in dag.order(names or None):
            stage = dag.stages[name]
            params, _ = param_values(repo.root, stage, strict=True)
            found = reasons(stage, locks.get(name), hash_of, params)
            if not found:
                continue
            changed_inputs = [x for x in found if x.inputs]
            if changed_inputs and not force:
                refused.append((name, changed_inputs))
            todo.append((stage, params))
        if refused:
            raise BadInputError(_refusal(refused))
        for stage, params in todo:
            deps = execute.hash_deps(repo, stage)
            outs = execute.record_outs(repo, stage)
            locks[stage.name] = StageLock(stage.cmd, deps, params, outs)
            lockfile.save_file(repo.root, locks, dag.stages, stage.file, repo.state)
    return tuple(stage.name for stage, _ in todo)


def _refusal(refused: list[tuple[str, list[r.Reason]]]) -> str:
    """`refusing to commit stage 'train': its deps changed since it last ran (data/x), ...`"""
    names = " ".join(name for name, _ in refused)
    fix = f"run 'gitml repro {names}', or 'gitml commit -f {names}' to record them anyway"
    if len(refused) == 1:
        name, found = refused[0]
        what, which = _changed(found)
        return (
            f"refusing to commit stage '{name}': its {what} changed since it last ran"
            f"{f' ({which})' if which else ''},"
            f" so its outs were not built from {'it' if what == 'cmd' else 'them'}; {fix}"
        )
    each = "; ".join(f"'{name}' ({' '.join(_changed(found)).strip()})" for name, found in refused)
    return (
        f"refusing to commit {len(refused)} stages whose cmd, deps or params changed since they"
        f" last ran, so their outs were not built from them: {each}; {fix}"
    )


def _changed(found: list[r.Reason]) -> tuple[str, str]:
    """('deps and params', 'data/x, prep.n') for these reasons."""
    kinds: dict[str, None] = {}
    which: dict[str, None] = {}
    for reason in found:
        if isinstance(reason, r.CmdChanged):
            kinds["cmd"] = None
        elif isinstance(reason, r.DepChanged | r.DepAdded | r.DepMissing):
            kinds["deps"] = None
            which[reason.path] = None
        elif isinstance(reason, r.ParamChanged | r.ParamMissing):
            kinds["params"] = None
            which[reason.key] = None
    order = [k for k in ("cmd", "deps", "params") if k in kinds]
    what = ", ".join(order[:-1]) + " and " + order[-1] if len(order) > 1 else order[0]
    return what, ", ".join(which)
