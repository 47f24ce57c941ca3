"""Run queued experiments, N at a time, each in its own temporary `git worktree`.

Each run: claim the entry (flock), clean what a dead earlier runner left, `git worktree add
--detach` at the queued commit under `.gitml/tmp/exps/<id>/wt`, point its cache at the main
repository's (`cache.dir` in its config.local.yaml: one cache and one run cache), `gitml
checkout` and `gitml repro` there (in a thread; stage cmds write the run's `log`), record the
experiment (the commit first, then its create-only ref), then drop the queue ref, then the
worktree. kill -9 at any point leaves nothing half-made: a rerun sees the flock free, kills
what the dead run left running, and runs the entry again (or only drops its queue ref when
its experiment was already recorded). The user's workspace, HEAD and index are never used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from gitml import gitrefs, scm
from gitml.errors import GitmlError
from gitml.experiments import changes, queue
from gitml.experiments.queue import QueueEntry
from gitml.experiments.refs import ref_for

_GIT_WORKTREES = threading.Lock()  # `git worktree add/remove/prune`, one at a time here


@dataclass(frozen=True)
class RunResult:
    entry: QueueEntry
    state: str  # "done", "failed", or "skipped" (another runner has it, or it is gone)
    sha: str = ""  # the experiment commit
    error: str = ""


Event = Callable[[str, QueueEntry], None]  # ("start"|"done"|"failed", entry)
# (worktree, entry, log, on_pgid): check out and reproduce there, cmds' output to `log`,
# each cmd's process group told to `on_pgid`; raises GitmlError when a stage failed
Reproduce = Callable[[str, QueueEntry, BinaryIO, Callable[[int], None]], None]


def run_all(
    root: str, reproduce: Reproduce, jobs: int = 1, *, on_event: Event | None = None
) -> list[RunResult]:
    """Run every queued entry (oldest first), `jobs` at a time (threads: the work is in the
    stage cmds, subprocesses)."""
    todo = [e for e in queue.entries(root) if e.state in ("queued", "running")]
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = [pool.submit(run_one, root, e, reproduce, on_event=on_event) for e in todo]
        return [f.result() for f in futures]


def run_one(
    root: str, entry: QueueEntry, reproduce: Reproduce, *, on_event: Event | None = None
) -> RunResult:
    with queue.claim(root, entry.id) as mine:
        if not mine or not gitrefs.exists(root, queue.QUEUE + entry.id):
            return RunResult(entry, "skipped")
        _clean_dead(root, entry.id)
        exp_ref = ref_for(entry.baseline, entry.name)
        if gitrefs.exists(root, exp_ref):  # recorded by a runner killed before it finished
            _finish(root, entry, "done", sha=scm.resolve(root, exp_ref))
            return RunResult(entry, "done", scm.resolve(root, exp_ref))
        if on_event:
            on_event("start", entry)
        started = time.time()
        queue.write_state(root, entry.id, queue.state_of(
            entry, "running", pid=os.getpid(), started=started))
        try:
            sha = _run(root, entry, reproduce, started)
        except GitmlError as e:
            _log(root, entry.id, f"error: {e}\n")
            _finish(root, entry, "failed", started=started, error=str(e))
            if on_event:
                on_event("failed", entry)
            return RunResult(entry, "failed", error=str(e))
        _finish(root, entry, "done", sha=sha, started=started)
        if on_event:
            on_event("done", entry)
        return RunResult(entry, "done", sha)


def _run(root: str, entry: QueueEntry, reproduce: Reproduce, started: float) -> str:
    from gitml import gitobjects
    from gitml.experiments.record import record

    folder = queue.run_dir(root, entry.id)
    wt = os.path.join(folder, "wt")
    with _GIT_WORKTREES:
        scm.run(root, "worktree", "add", "--detach", "--quiet", wt, entry.sha)
    _share_cache(root, wt)

    def on_pgid(pgid: int) -> None:
        queue.write_state(root, entry.id, queue.state_of(
            entry, "running", pid=os.getpid(), pgid=pgid, started=started))

    with open(os.path.join(folder, "log"), "ab") as log:
        reproduce(wt, entry, log, on_pgid)
    found = changes.workspace(wt)
    found.update(changes.of_paths(wt, gitobjects.changed_paths(root, entry.baseline, entry.sha)))
    return record(root, entry.baseline, entry.name, found, entry.message).sha


def _share_cache(root: str, wt: str) -> None:
    """The worktree's gitml uses the main repository's cache (and so its run cache)."""
    from gitml import config
    from gitml.repo import Repo

    main_local = config.config_paths(root)[1]
    wt_local = config.config_paths(wt)[1]
    if os.path.exists(main_local):
        shutil.copy(main_local, wt_local)  # its mode too (0600 when it holds credentials)
    cache_root = Repo(root).cache.root

    def change(doc: dict[str, object]) -> None:
        section = doc.get("cache")
        if not isinstance(section, dict):
            section = doc["cache"] = {}
        section["dir"] = cache_root

    config.edit(wt, change, local=True)


def _log(root: str, id_: str, text: str) -> None:
    with open(os.path.join(queue.run_dir(root, id_), "log"), "a", encoding="utf-8") as f:
        f.write(text)


def _finish(root: str, entry: QueueEntry, state: queue.State, **more: object) -> None:
    """The run's last steps, in the order that keeps a kill -9 harmless: state, queue ref,
    then the worktree."""
    queue.write_state(root, entry.id, queue.state_of(entry, state, ended=time.time(), **more))
    with contextlib.suppress(GitmlError):
        gitrefs.delete(root, queue.QUEUE + entry.id, old=entry.sha)
    remove_worktree(root, os.path.join(queue.run_dir(root, entry.id), "wt"))


def _clean_dead(root: str, id_: str) -> None:
    """What a dead runner of this entry left: its process group, its worktree."""
    state = queue.read_state(root, id_)
    pgid = state.get("pgid")
    if state.get("state") == "running" and isinstance(pgid, int) and pgid > 1:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    remove_worktree(root, os.path.join(queue.run_dir(root, id_), "wt"))


def remove_worktree(root: str, wt: str) -> None:
    with _GIT_WORKTREES:
        if os.path.lexists(wt):
            with contextlib.suppress(GitmlError):
                scm.run(root, "worktree", "remove", "--force", "--force", wt)
            shutil.rmtree(wt, ignore_errors=True)
        with contextlib.suppress(GitmlError):
            scm.run(root, "worktree", "prune")
