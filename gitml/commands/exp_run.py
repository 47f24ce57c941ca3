"""`gitml exp run`: an experiment in the workspace, queued ones, or the queue run."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Callable, Sequence
from typing import BinaryIO

from gitml import atomic
from gitml.commands.repro import Event, Options, ReproResult, repro
from gitml.errors import GitmlError
from gitml.experiments import changes
from gitml.experiments.queue import QueueEntry
from gitml.experiments.refs import ExpRef
from gitml.experiments.run import plan, queue_all
from gitml.pipeline.execute import run_subprocess
from gitml.record import dataclass, field
from gitml.repo import Repo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitml.experiments import runall


@dataclass
class ExpRunResult:
    experiment: ExpRef | None = None  # made in the workspace
    repro: ReproResult | None = None
    queued: list[QueueEntry] = field(default_factory=list)
    ran: list[runall.RunResult] = field(default_factory=list)  # --run-all

    @property
    def ok(self) -> bool:
        if self.repro is not None and not self.repro.ok:
            return False
        return all(r.state != "failed" for r in self.ran)


def exp_run(
    repo: Repo,
    targets: Sequence[str] = (),
    *,
    set_params: Sequence[str] = (),
    name: str | None = None,
    message: str = "",
    queue: bool = False,
    run_all: bool = False,
    jobs: int = 1,
    options: Options = Options(),  # noqa: B008  (frozen: one shared default is safe)
    on_event: Event | None = None,
    on_queue_event: runall.Event | None = None,
    git_remote: str | None = None,
) -> ExpRunResult:
    """Without `queue`/`run_all`: apply the -S overrides to the params files, reproduce in
    the workspace (left with the results, as DVC does) and record the experiment. With
    `queue`, or a grid: queue one commit per experiment. With `run_all`: (queue what was
    asked, then) run the whole queue, `jobs` at a time, in temporary worktrees. With
    `git_remote` (and `queue`): the queued experiments move to that Git remote, for
    `gitml exp worker` to run."""
    result = ExpRunResult()
    if git_remote is not None:
        return _queue_on_remote(repo, git_remote, targets, set_params, name, message)
    asked = bool(set_params or targets or name or message or queue)
    reproduce = functools.partial(reproduce_in_worktree, options=options)
    if run_all and not asked:
        result.ran = _run_all(repo, reproduce, jobs, on_queue_event)
        return result
    the_plan = plan(repo.root, set_params, name)
    if queue or run_all or the_plan.is_grid:
        result.queued = queue_all(repo.root, the_plan, targets, message)
        if run_all:
            result.ran = _run_all(repo, reproduce, jobs, on_queue_event)
        return result
    exp_name, _ = the_plan.runs[0]
    for rel, data in the_plan.new_texts[0].items():
        atomic.write_bytes(repo.abspath(rel), data)
    runner = functools.partial(run_subprocess, env={"GITML_EXP_NAME": exp_name})
    result.repro = repro(repo, targets, options=options, runner=runner, on_event=on_event)
    if result.repro.ok:
        from gitml.experiments.record import record

        found = changes.workspace(repo.root)
        result.experiment = record(repo.root, the_plan.baseline, exp_name, found, message)
    return result


def _run_all(
    repo: Repo, reproduce: runall.Reproduce, jobs: int, on_event: runall.Event | None
) -> list[runall.RunResult]:
    from gitml.experiments import runall  # the queue's runner: only when the queue runs

    return runall.run_all(repo.root, reproduce, jobs, on_event=on_event)


def _queue_on_remote(
    repo: Repo, git_remote: str, targets: Sequence[str], set_params: Sequence[str],
    name: str | None, message: str,
) -> ExpRunResult:
    from gitml.commands.exp_worker import publish_queue
    from gitml.experiments import remote_queue, share

    share.check_remote(repo.root, git_remote)
    the_plan = plan(repo.root, set_params, name, functools.partial(
        remote_queue.taken_names, repo.root, git_remote))
    queued = queue_all(repo.root, the_plan, targets, message)
    publish_queue(repo, git_remote, queued)
    return ExpRunResult(queued=queued)


def reproduce_in_worktree(
    wt: str, entry: QueueEntry, log: BinaryIO, on_pgid: Callable[[int], None], *,
    options: Options = Options(),  # noqa: B008  (frozen: one shared default is safe)
) -> None:
    """`gitml checkout` then `gitml repro` in a queued run's worktree, in this process (a
    thread per run: no interpreter start-up per experiment); each stage cmd runs in its own
    process group (told to `on_pgid`: a rerun after kill -9 ends what is left of it) with
    GITML_EXP_NAME set, its output appended to `log`."""
    from gitml.commands.checkout import checkout
    from gitml.commands.repro import StageRun

    repo = Repo(wt)
    env = dict(os.environ, GITML_EXP_NAME=entry.name)

    def say(text: str) -> None:
        log.write(text.encode("utf-8", "replace") + b"\n")
        log.flush()

    def runner(cmd: str, cwd: str, capture: bool) -> tuple[int, str]:
        proc = subprocess.Popen(
            cmd, shell=True, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        on_pgid(proc.pid)
        return proc.wait(), ""

    def show(event: StageRun) -> None:
        if event.action == "running":
            say(f"Running stage '{event.name}':\n> {event.cmd}")
        elif event.action in ("restored", "unchanged", "blocked"):
            say(f"Stage '{event.name}': {event.action}")
        if event.error:
            say(f"error: {event.error}")

    say("$ gitml checkout")
    try:
        for path, _ in checkout(repo).missing:
            say(f"warning: {path} is not in the cache")
    except GitmlError as e:
        say(f"warning: checkout: {e}")
    say(f"$ gitml repro {' '.join(entry.targets)}".rstrip())
    only = Options(force=options.force, run_cache=options.run_cache)
    result = repro(repo, entry.targets, options=only, runner=runner, on_event=show)
    if not result.ok:
        raise GitmlError(f"experiment '{entry.name}' failed: a stage failed")
