"""`gitml repro`: run the invalidated stages in DAG order (in parallel with jobs > 1)."""

from __future__ import annotations

from _thread import allocate_lock
from collections.abc import Callable, Iterable, Sequence

from gitml.errors import BadInputError, GitmlError
from gitml.hashing import HashInfo
from gitml.link import Linker
from gitml.pipeline import execute
from gitml.pipeline import lock as lockfile
from gitml.pipeline import reasons as r
from gitml.pipeline import targets as targets_mod
from gitml.pipeline.dag import Dag
from gitml.pipeline.execute import Runner, run_subprocess
from gitml.pipeline.lock import StageLock
from gitml.pipeline.project import load_dag
from gitml.pipeline.runcache import run_key
from gitml.pipeline.stage import Stage
from gitml.pipeline.status import param_values, stale_reasons
from gitml.record import dataclass, field
from gitml.repo import Repo

TYPE_CHECKING = False

if TYPE_CHECKING:
    from concurrent.futures import Future
    from typing import Literal

    Action = Literal[
        "running", "ran", "restored", "unchanged", "would run", "frozen", "failed", "blocked"
    ]
else:
    Action = str


@dataclass
class StageRun:
    name: str
    action: Action
    reasons: list[r.Reason] = field(default_factory=list)
    output: str = ""  # the cmd's output when it was captured (jobs > 1)
    error: str = ""
    cmd: str = ""


@dataclass
class ReproResult:
    runs: list[StageRun]

    @property
    def ok(self) -> bool:
        return all(run.action not in ("failed", "blocked") for run in self.runs)


@dataclass(frozen=True)
class Options:
    force: bool = False
    dry: bool = False
    keep_going: bool = False
    run_cache: bool = True
    jobs: int = 1
    # `repro --pull`: fetches a run record's outs from the remote, so a teammate's run is
    # restored instead of run again
    fetch_outs: Callable[[Sequence[tuple[str, HashInfo]]], None] | None = None


Event = Callable[[StageRun], None]


def select(
    repo: Repo,
    dag: Dag,
    targets: Sequence[str],
    *,
    single: bool,
    downstream: bool,
    all_pipelines: bool = False,
) -> list[str]:
    """The stages to consider, in order: targets with their upstream (or downstream). No
    target means the stages of the current folder's gitml.yaml (DVC's `dvc.yaml` default;
    the nearest one above it here), or of every pipeline file with `all_pipelines`."""
    if all_pipelines or not dag.stages:
        return dag.run_order(dag.stages)
    chosen: list[str] = []
    if not targets:
        home = targets_mod.home_file(repo, dag)
        if home is None:
            raise BadInputError(
                "no gitml.yaml in this folder or above it",
                hint="name a stage (sub/gitml.yaml:NAME) or use --all-pipelines",
            )
        chosen = dag.in_file(home)
    for target in targets:
        hits = targets_mod.stages_of(repo, dag, target)
        if not hits:
            raise targets_mod.unknown(dag, target)
        chosen += hits
    names = set()
    for hit in chosen:
        names.add(hit)
        if not single:
            names |= dag.descendants(hit) if downstream else dag.ancestors(hit)
    return dag.run_order(names)


def repro(
    repo: Repo,
    targets: Sequence[str] = (),
    *,
    single: bool = False,
    downstream: bool = False,
    all_pipelines: bool = False,
    options: Options = Options(),  # noqa: B008 (a frozen record)
    runner: Runner = run_subprocess,
    on_event: Event | None = None,
) -> ReproResult:
    dag = load_dag(repo)
    order = select(
        repo, dag, targets, single=single, downstream=downstream, all_pipelines=all_pipelines
    )
    with repo.lock():
        return _Scheduler(repo, dag, order, options, runner, on_event).run()


class _Done:
    """A finished stage, as a done Future gives it (a dry run needs no thread pool)."""

    def __init__(self, run: StageRun) -> None:
        self.run = run

    def result(self) -> StageRun:
        return self.run


class _Scheduler:
    def __init__(
        self,
        repo: Repo,
        dag: Dag,
        order: list[str],
        options: Options,
        runner: Runner,
        on_event: Event | None,
    ) -> None:
        self.repo, self.dag, self.order, self.opt = repo, dag, order, options
        self.runner, self.on_event = runner, on_event
        self.locks = lockfile.load_project(repo.root, dag.files, repo.state)
        self.results: dict[str, StageRun] = {}
        self.write_lock = allocate_lock()  # threading.Lock, without importing threading
        self.linker = Linker(repo.config.cache_types)
        self.stop = False

    def run(self) -> ReproResult:
        if self.opt.dry:  # one stage at a time, nothing run: no thread pool (~6 ms to import)
            self._loop(1, lambda name: _Done(self._process(name)), list)
        else:
            from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

            jobs = max(1, self.opt.jobs)
            with ThreadPoolExecutor(jobs) as pool:
                self._loop(
                    jobs,
                    lambda name: pool.submit(self._process, name),
                    lambda running: wait(
                        [f for f in running if not isinstance(f, _Done)],
                        return_when=FIRST_COMPLETED,
                    )[0],
                )
        return ReproResult([self.results[n] for n in self.order if n in self.results])

    def _loop(
        self,
        jobs: int,
        submit: Callable[[str], Future[StageRun] | _Done],
        wait_any: Callable[
            [dict[Future[StageRun] | _Done, str]], Iterable[Future[StageRun] | _Done]
        ],
    ) -> None:
        pending = list(self.order)
        running: dict[Future[StageRun] | _Done, str] = {}
        while pending or running:
            for name in list(pending):
                if self.stop or len(running) >= jobs:
                    break
                ups = self.dag.upstream[name] & set(self.order)
                if any(u in pending or u in running.values() for u in ups):
                    continue
                pending.remove(name)
                if any(self.results[u].action in ("failed", "blocked") for u in ups):
                    self._finish(StageRun(name, "blocked"))
                    continue
                running[submit(name)] = name
            if self.stop and not running:
                break
            if running:
                for future in list(wait_any(running)):
                    running.pop(future)
                    self._finish(future.result())

    def _finish(self, run: StageRun) -> None:
        self.results[run.name] = run
        if run.action == "failed" and not self.opt.keep_going:
            self.stop = True
        if self.on_event:
            self.on_event(run)

    def _process(self, name: str) -> StageRun:
        stage = self.dag.stages[name]
        if stage.frozen:
            return StageRun(name, "frozen")
        hash_of = execute.hash_of(self.repo)
        why = stale_reasons(
            self.repo.root, stage, self.locks.get(name), hash_of, in_cache=self.repo.cache.exists
        )
        if self.opt.force:
            why.insert(0, r.Forced())
        if self.opt.dry and not why:
            ups = [u for u in self.dag.upstream[name] if self._will_run(u)]
            why = [r.UpstreamChanged(u) for u in sorted(ups)]
        if not why:
            return StageRun(name, "unchanged")
        if self.opt.dry:
            return StageRun(name, "would run", why)
        try:
            action, output = self._execute(name, why)
        except GitmlError as e:
            return StageRun(name, "failed", why, error=e.message)
        return StageRun(name, action, why, output)

    def _will_run(self, name: str) -> bool:
        run = self.results.get(name)
        return run is not None and run.action == "would run"

    def _execute(self, name: str, why: list[r.Reason]) -> tuple[Action, str]:
        stage = self.dag.stages[name]
        params, _ = param_values(self.repo.root, stage, strict=True)
        deps = execute.hash_deps(self.repo, stage)
        key = run_key(stage.cmd, {d.path: d.hash_info.digest for d in deps}, params)
        cache = execute.run_cache_of(self.repo)
        if self.opt.run_cache and not self.opt.force and not stage.always_changed:
            record = cache.get(key)
            if record is not None and self._restore(stage, record):
                self._save(name, StageLock(stage.cmd, deps, params, _flags(stage, record)))
                return "restored", ""
        if self.on_event:
            self.on_event(StageRun(name, "running", why, cmd=stage.cmd))
        output = execute.run_cmd(self.repo, stage, self.runner, capture=self.opt.jobs > 1)
        outs = execute.record_outs(self.repo, stage)
        entry = StageLock(stage.cmd, deps, params, outs)
        self._save(name, entry)
        cache.put(key, stage.local_name, entry)
        return "ran", output

    def _restore(self, stage: Stage, record: StageLock) -> bool:
        if execute.restore(self.repo, stage, record, self.linker):
            return True
        if self.opt.fetch_outs is None:
            return False
        self.opt.fetch_outs([(e.path, e.hash_info) for e in record.outs if e.cache])
        return execute.restore(self.repo, stage, record, self.linker)

    def _save(self, name: str, entry: StageLock) -> None:
        with self.write_lock:
            self.locks[name] = entry
            file = self.dag.stages[name].file
            lockfile.save_file(self.repo.root, self.locks, self.dag.stages, file, self.repo.state)


def _flags(stage: Stage, record: StageLock) -> tuple[lockfile.Entry, ...]:
    """The recorded outs, flagged `cache: false` as the stage now says."""
    cached = {o.path: o.cache for o in stage.outs}
    return tuple(lockfile.Entry(e.path, e.hash_info, cached[e.path]) for e in record.outs)
