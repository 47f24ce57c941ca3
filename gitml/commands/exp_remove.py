"""`gitml exp remove`: delete experiments (refs), locally or on a Git remote, and queued ones."""

from __future__ import annotations

from gitml.errors import BadInputError
from gitml.experiments import select, share
from gitml.record import dataclass
from gitml.repo import Repo


@dataclass(frozen=True)
class RemoveResult:
    removed: tuple[str, ...]  # experiment names (queued ones by name, or id)


def exp_remove(
    repo: Repo,
    sel: select.Selection,
    *,
    queue: bool = False,
    keep: bool = False,
    git_remote: str | None = None,
) -> RemoveResult:
    """Remove the selected experiments (`keep`: every other one); `queue` also removes
    every queued (not running) experiment. Refs go in one transaction, each only if it still
    points where it did when listed; with `git_remote`, from that remote instead."""
    if bool(sel.names) == (sel.all_commits or bool(sel.revs) or queue):
        raise BadInputError(
            "give experiment names, or one of --rev, -A/--all-commits, --queue"
        )
    if keep and queue:
        raise BadInputError("--keep and --queue cannot be used together")
    if git_remote is not None:
        share.check_remote(repo.root, git_remote)
        exps = share.remote_experiments(repo.root, git_remote)
    else:
        exps = select.local(repo.root)
    where = f" on Git remote '{git_remote}'" if git_remote else ""
    queued = [q for q in select.queued(repo.root) if not q.running] if git_remote is None else []
    names = list(sel.names)
    gone_queued = [q for q in queued if queue or q.name in names or q.id in names]
    if gone_queued and names:  # a name of a queued entry is not an unknown experiment
        names = [n for n in names if all(n not in (q.name, q.id) for q in gone_queued)]
    chosen = []
    if names or not sel.names:
        sub = select.Selection(names, sel.revs, sel.num, sel.all_commits)
        chosen = select.choose(repo.root, exps, sub, default_head=False, where=where)
    if keep:
        kept = {e.ref for e in chosen}
        chosen = [e for e in exps if e.ref not in kept]
    if git_remote is not None:
        share.delete_remote_refs(repo.root, git_remote, chosen)
    else:
        select.delete_refs(repo.root, select.exp_refs(chosen) | select.queue_refs(gone_queued))
    removed = [e.name for e in chosen] + [q.name or q.id for q in gone_queued]
    return RemoveResult(tuple(removed))
