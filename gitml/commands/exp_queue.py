"""`gitml exp queue [list|remove NAME|logs NAME]`: the queue and its runs' logs."""

from __future__ import annotations

import contextlib
import os
import shutil

from gitml import gitrefs
from gitml.errors import BadInputError, GitmlError
from gitml.experiments import queue, runall
from gitml.experiments.queue import QueueEntry
from gitml.repo import Repo


def listing(repo: Repo) -> list[QueueEntry]:
    """Queued, running, failed and finished runs (those whose log is kept), oldest first."""
    return queue.runs(repo.root)


def logs(repo: Repo, name: str) -> str:
    entry = queue.find(repo.root, name)
    path = os.path.join(queue.run_dir(repo.root, entry.id), "log")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def remove(repo: Repo, names: list[str], *, everything: bool = False) -> list[QueueEntry]:
    """Drop queued entries and the kept folders (logs) of failed or finished runs; a run
    that is running is refused. All names are checked before anything is removed."""
    if everything:
        found = [e for e in queue.runs(repo.root) if e.state != "running"]
    else:
        found = [queue.find(repo.root, n) for n in names]
    running = [e.name for e in found if e.state == "running"]
    if running:
        raise BadInputError(f"experiment '{running[0]}' is running", hint="wait for it to end")
    for entry in found:
        with queue.claim(repo.root, entry.id) as mine:
            if not mine:
                raise GitmlError(f"experiment '{entry.name}' started running meanwhile")
            if entry.state == "queued":
                with contextlib.suppress(GitmlError):
                    gitrefs.delete(repo.root, queue.QUEUE + entry.id, old=entry.sha)
            folder = queue.run_dir(repo.root, entry.id)
            runall.remove_worktree(repo.root, os.path.join(folder, "wt"))
            shutil.rmtree(folder, ignore_errors=True)
    return found
