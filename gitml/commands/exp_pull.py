"""`gitml exp pull GIT_REMOTE [NAME...]`: experiments' refs from the Git remote, then their
data and run records from the gitml remote (each object verified before it lands)."""

from __future__ import annotations

from gitml.commands.exp_push import ExpShareResult
from gitml.commands.fetch import fetch
from gitml.commands.sync import Progress, Totals
from gitml.experiments import select, share
from gitml.repo import Repo
from gitml.used import Scope


def exp_pull(
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
    """Pull the selected experiments of the remote (names resolve preferring HEAD's
    baseline; default: those of HEAD). A local experiment of the same name at another
    commit is refused, before anything moves, unless `force`."""
    share.check_remote(repo.root, git_remote)
    theirs = share.remote_experiments(repo.root, git_remote)
    where = f" on Git remote '{git_remote}'"
    exps = select.choose(repo.root, theirs, sel, default_head=True, where=where)
    mine = select.local(repo.root)
    if not force:
        share.refuse_diverged(share.diverged(exps, mine), "here")
    here = {(e.ref, e.sha) for e in mine}
    todo = [e for e in exps if (e.ref, e.sha) not in here]
    share.fetch_refs(repo.root, git_remote, todo, force=force)
    data = None
    if cache and exps:
        outs, keys = share.needs(repo, [e.sha for e in exps])
        data = fetch(
            repo, Scope(workspace=False), remote=remote, jobs=jobs, progress=progress,
            total=total, outs=outs, runs=None if run_cache else keys,
        )
    done = tuple(e for e in exps if (e.ref, e.sha) in here)
    return ExpShareResult(tuple(todo), done, data)
