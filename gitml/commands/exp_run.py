"""`gitml exp run`: an experiment in the workspace, queued ones, or the queue run."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from gitml import atomic
from gitml.commands.repro import Event, Options, ReproResult, repro
from gitml.experiments import changes, runall
from gitml.experiments.queue import QueueEntry
from gitml.experiments.refs import ExpRef
from gitml.experiments.run import plan, queue_all
from gitml.pipeline.execute import run_subprocess
from gitml.repo import Repo


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
) -> ExpRunResult:
    """Without `queue`/`run_all`: apply the -S overrides to the params files, reproduce in
    the workspace (left with the results, as DVC does) and record the experiment. With
    `queue`, or a grid: queue one commit per experiment. With `run_all`: (queue what was
    asked, then) run the whole queue, `jobs` at a time, in temporary worktrees."""
    result = ExpRunResult()
    asked = bool(set_params or targets or name or message or queue)
    if run_all and not asked:
        result.ran = runall.run_all(repo.root, jobs, force=options.force, on_event=on_queue_event)
        return result
    the_plan = plan(repo.root, set_params, name)
    if queue or run_all or the_plan.is_grid:
        result.queued = queue_all(repo.root, the_plan, targets, message)
        if run_all:
            result.ran = runall.run_all(
                repo.root, jobs, force=options.force, on_event=on_queue_event
            )
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
