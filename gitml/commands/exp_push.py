"""`gitml exp push GIT_REMOTE [NAME...]`: share experiments: their data and run records to the
gitml remote first, then their refs to the Git remote (so a ref seen there has its data)."""

from __future__ import annotations

from gitml.commands.push import push_outputs
from gitml.commands.sync import Progress, SyncResult, Totals
from gitml.experiments import select, share
from gitml.experiments.refs import ExpRef
from gitml.record import dataclass
from gitml.repo import Repo


@dataclass(frozen=True)
class ExpShareResult:
    moved: tuple[ExpRef, ...]  # refs created or updated
    up_to_date: tuple[ExpRef, ...]  # already the same on the other side
    data: SyncResult | None  # None with --no-cache (or nothing selected)


def exp_push(
    repo: Repo,
    git_remote: str,
    sel: select.Selection,
    *,
    force: bool = False,
    cache: bool = True,
    run_cache: bool = False,
    remote: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    total: Totals | None = None,
) -> ExpShareResult:
    """Push the selected experiments (default: those of HEAD). An experiment whose name the
    remote holds at another commit is refused, before anything moves, unless `force`."""
    share.check_remote(repo.root, git_remote)
    exps = select.choose(repo.root, select.local(repo.root), sel, default_head=True)
    theirs = share.remote_experiments(repo.root, git_remote)
    if not force:
        share.refuse_diverged(share.diverged(exps, theirs), f"on Git remote '{git_remote}'")
    there = {(e.ref, e.sha) for e in theirs}
    todo = [e for e in exps if (e.ref, e.sha) not in there]
    data = None
    if cache and exps:
        outs, keys = share.needs(repo, [e.sha for e in exps])
        data = push_outputs(
            repo, outs, remote=remote, jobs=jobs, progress=progress, total=total,
            runs=None if run_cache else keys,
        )
        if not data.ok:
            return ExpShareResult((), (), data)  # no ref without its data
    share.push_refs(repo.root, git_remote, todo, force=force)
    done = tuple(e for e in exps if (e.ref, e.sha) in there)
    return ExpShareResult(tuple(todo), done, data)
