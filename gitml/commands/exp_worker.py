"""`gitml exp worker GIT_REMOTE`: run experiments queued on a Git remote, with any number of
other workers on other machines (issue 18); and publishing a queue there (`exp run --queue
--remote`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from gitml import gitrefs
from gitml.commands.exp_run import reproduce_in_worktree
from gitml.commands.fetch import fetch
from gitml.commands.push import push_outputs
from gitml.commands.repro import Options as ReproOptions
from gitml.errors import GitmlError
from gitml.experiments import claims, queue, share, worker
from gitml.experiments.claims import GitRemoteError, Update
from gitml.experiments.queue import QueueEntry
from gitml.experiments.worker import Event, Options, WorkResult
from gitml.repo import Repo
from gitml.used import Scope


def exp_worker(
    repo: Repo,
    git_remote: str,
    *,
    options: Options = Options(),  # noqa: B008  (frozen: one shared default is safe)
    remote: str | None = None,
    repro_options: ReproOptions = ReproOptions(),  # noqa: B008
    on_event: Event | None = None,
) -> list[WorkResult]:
    """Claim, run and publish the experiments queued on `git_remote` (data through the
    gitml remote `remote`, default core.remote)."""
    share.check_remote(repo.root, git_remote)
    reproduce = functools.partial(reproduce_in_worktree, options=repro_options)

    def fetch_data(sha: str) -> None:
        outs, keys = share.needs(repo, [sha])
        if outs or keys:  # what is missing shows in the run's log (checkout warns)
            fetch(repo, Scope(workspace=False), remote=remote, outs=outs, runs=keys)

    def push_data(sha: str) -> bool:
        outs, keys = share.needs(repo, [sha])
        if not outs and not keys:
            return True
        return push_outputs(repo, outs, remote=remote, runs=keys).ok

    return worker.work(repo.root, git_remote, reproduce, fetch_data=fetch_data,
                       push_data=push_data, options=options, on_event=on_event)


def publish_queue(
    repo: Repo, git_remote: str, entries: Sequence[QueueEntry], *, remote: str | None = None
) -> None:
    """Move queued entries to the Git remote: their data to the gitml remote first, then
    their refs (create-only, all or none); the local queue refs go (workers run them now).
    When that fails the local ones go too: nothing is left queued half-way."""
    try:
        outs, keys = share.needs(repo, [e.sha for e in entries])
        if outs or keys:
            data = push_outputs(repo, outs, remote=remote, runs=keys)
            if not data.transfer.ok:
                raise GitmlError("could not push the queued experiments' data",
                                 hint="see 'gitml push'")
        updates = [Update(queue.QUEUE + e.id, e.sha, "") for e in entries]
        if not claims.swap(repo.root, git_remote, updates):
            raise GitRemoteError(f"Git remote '{git_remote}' already has these queue entries")
    finally:
        for e in entries:
            gitrefs.delete(repo.root, queue.QUEUE + e.id, old=e.sha)
