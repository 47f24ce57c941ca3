"""`gitml exp apply NAME`: bring an experiment's changes into the workspace."""

from __future__ import annotations

from gitml import scm
from gitml.errors import BadInputError
from gitml.experiments import apply as applying
from gitml.experiments import select
from gitml.experiments.refs import ExpRef
from gitml.record import dataclass
from gitml.repo import Repo


@dataclass(frozen=True)
class ApplyResult:
    exp: ExpRef
    written: tuple[str, ...]  # Git-tracked files written
    deleted: tuple[str, ...]  # Git-tracked files deleted
    data_written: int  # data files checked out from the cache
    data_deleted: int


def exp_apply(repo: Repo, name: str) -> ApplyResult:
    """Plan every write, refuse (writing nothing) on uncommitted work in the way or data
    missing from the cache, then write. HEAD, the branch and the index stay as they are."""
    with repo.lock():
        exp = _find(repo.root, name)
        plan = applying.plan(repo, exp.baseline, exp.sha, select.head(repo.root))
        applying.carry_out(repo, plan)
    return ApplyResult(
        exp,
        tuple(sorted(plan.writes)),
        tuple(plan.deletes),
        sum(len(p.write) for p in plan.data),
        sum(len(p.delete) for p in plan.data),
    )


def _find(root: str, name: str) -> ExpRef:
    """The experiment `name` names (preferring HEAD's), or a queued one of that name."""
    hit = select.pick(select.local(root), name, select.head(root))
    if hit is not None:
        return hit
    for q in select.queued(root):
        if name in (q.name, q.id) and q.sha:
            parent = scm.resolve(root, f"{q.sha}^")
            return ExpRef(parent, q.name or q.id, q.sha)
    raise BadInputError(f"unknown experiment '{name}'", hint="see 'gitml exp show'")
