#!/usr/bin/env python3
"""Time gitml and DVC side by side on the same generated data.

Each tool runs in its own fresh Git repository (``git init`` + ``dvc init`` /
``gitml init``) on identical copies of the same data.  Every step reports the
wall-clock time of its command(s) (best of ``--repeat`` for the cheap steps,
one run for the expensive ones) and the peak RSS of the child process, taken
from ``os.wait4``.  Setup work (generating and copying data, committing,
touching files) is never timed.  Only the standard library is used; DVC is
installed into its own virtualenv on first use.

    python3 benchmarks/bench_core.py --nfiles 2000 --big-mib 64
    python3 benchmarks/bench_core.py --json results.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent
DEFAULT_VENV = HERE / ".venv-dvc"
DEFAULT_DVC_VERSION = "3.67.1"
TOOLS = ("dvc", "gitml")
CHUNK = 8 * 1024 * 1024
FILES_PER_DIR = 100
DIRS_PER_GROUP = 10
SEED = 20240601
NA = "-"


# --------------------------------------------------------------------------- running commands


class CommandError(Exception):
    """A timed or setup command exited non-zero."""


@dataclass
class Run:
    """One finished child process."""

    seconds: float
    maxrss_kib: int
    returncode: int
    stdout: str
    stderr: str


TIME = os.path.exists("/usr/bin/time")


def run(argv: Sequence[str], cwd: Path, env: dict[str, str], logdir: Path) -> Run:
    """Run ``argv`` and return its wall time and peak RSS (via os.wait4)."""
    logdir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryFile(dir=logdir) as out,
        tempfile.TemporaryFile(dir=logdir) as err,
    ):
        # A forked child's ru_maxrss starts at this (large) process's RSS; /usr/bin/time
        # forks the command from a small process, so its %M is the command's own peak.
        rss_file = logdir / f"rss-{os.getpid()}-{time.monotonic_ns()}"
        timed = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *argv] if TIME else list(argv)
        os.sync()  # flush the setup's dirty pages so they do not slow the timed command
        start = time.perf_counter()
        proc = subprocess.Popen(
            timed, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        maxrss = usage.ru_maxrss
        if TIME:
            maxrss = int(rss_file.read_text().split()[-1])
            rss_file.unlink()
        out.seek(0)
        err.seek(0)
        return Run(
            seconds=seconds,
            maxrss_kib=maxrss,
            returncode=proc.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


def check_run(argv: Sequence[str], result: Run) -> Run:
    """Raise CommandError (after echoing stderr) when ``result`` failed."""
    if result.returncode == 0:
        return result
    tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-30:])
    log(f"command failed (exit {result.returncode}): {shlex.join(argv)}\n{tail}")
    last = tail.splitlines()[-1] if tail else ""
    raise CommandError(f"`{shlex.join(argv)}` exit {result.returncode}: {last}"[:300])


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- tools


@dataclass
class Tool:
    """How to invoke one tool and what it writes."""

    name: str
    argv: list[str]
    env: dict[str, str]
    pointer_suffix: str

    def cmd(self, *args: str) -> list[str]:
        return [*self.argv, *args]


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C.UTF-8")
    return env


def dvc_tool(venv: Path, site_cache: Path) -> Tool:
    env = base_env()
    # Analytics off, as the brief asks; DVC's site cache (state/index DBs, default
    # /var/tmp/dvc) is only relocated into the work dir so that --keep/cleanup covers it.
    env.update(DVC_NO_ANALYTICS="1", DVC_SITE_CACHE_DIR=str(site_cache))
    return Tool("dvc", [str(venv / "bin" / "dvc")], env, ".dvc")


def gitml_tool(command: str | None, venv: Path) -> Tool:
    """gitml as a user gets it: installed (not editable) into its own virtualenv, like DVC."""
    env = base_env()
    if command:
        return Tool("gitml", shlex.split(command), env, ".gitml")
    ensure_gitml(venv)
    return Tool("gitml", [str(venv / "bin" / "gitml")], env, ".gitml")


def ensure_gitml(venv: Path) -> None:
    """Create ``venv`` if needed and (re)install this checkout of gitml into it."""
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([*pip, "--quiet", str(PROJECT_ROOT)], check=True)
    subprocess.run(
        [*pip, "--quiet", "--no-deps", "--force-reinstall", str(PROJECT_ROOT)], check=True
    )


def ensure_dvc(venv: Path, version: str) -> None:
    """Create ``venv`` and install DVC into it unless a dvc executable is already there."""
    if (venv / "bin" / "dvc").exists():
        return
    log(f"installing dvc=={version} into {venv} (takes a few minutes)...")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, f"dvc=={version}"], check=True)


# --------------------------------------------------------------------------- data


@dataclass
class Spec:
    """What data to generate and how often to run the cheap steps."""

    nfiles: int
    big_mib: int
    nchange: int
    nnew: int
    skip_big: bool
    repeat: int


def rel_data_path(index: int) -> str:
    """``data/<group>/<folder>/<index>.bin``: 100 files per folder, 10 folders per group."""
    folder = index // FILES_PER_DIR
    return f"data/g{folder // DIRS_PER_GROUP:03d}/d{folder:04d}/f{index:06d}.bin"


def random_blob(rng: random.Random) -> bytes:
    return rng.randbytes(rng.randint(1024, 8 * 1024))


def write_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def make_big_file(path: Path, mib: int) -> None:
    with path.open("wb") as fobj:
        for _ in range(mib * 1024 * 1024 // CHUNK):
            fobj.write(os.urandom(CHUNK))
        fobj.write(os.urandom(mib * 1024 * 1024 % CHUNK))


def make_dataset(src: Path, spec: Spec) -> None:
    """Generate the source data once; each repository gets a copy of it."""
    rng = random.Random(SEED)
    for index in range(spec.nfiles):
        write_file(src / rel_data_path(index), random_blob(rng))
    if not spec.skip_big:
        make_big_file(src / "big.bin", spec.big_mib)


def remove_tree(path: Path) -> None:
    """Delete ``path`` even where a tool made folders read-only."""
    for root, dirs, _ in os.walk(path):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
    shutil.rmtree(path, ignore_errors=True)


def set_aside(path: Path, trash: Path) -> None:
    """Move ``path`` out of the way (into ``trash``, deleted when the run ends) instead of
    deleting it now.

    On a filesystem without a journal (this VM's root ext4), inodes freed in the last one to
    six minutes are skipped by the inode allocator, which rescans them on every file it
    creates: a tool creating 20k files right after 40k were deleted pays ~0.5-0.9 ms more
    per file (perf: ``recently_deleted`` in ``ext4_create``). Moving keeps the inodes in use,
    so the timed step measures the tool, not the previous step's deletions.
    """
    trash.mkdir(parents=True, exist_ok=True)
    path.rename(trash / f"{len(list(trash.iterdir()))}-{path.name}")


def data_files(repo: Path) -> list[Path]:
    return sorted(p for p in (repo / "data").rglob("*") if p.is_file())


def touch_all(paths: Sequence[Path]) -> None:
    """Give every path a new mtime (now) without changing its content."""
    stamp = time.time_ns()
    for path in paths:
        os.utime(path, ns=(stamp, stamp))


def rewrite(path: Path, rng: random.Random) -> None:
    """Replace a file's content (it may be a read-only link into a cache)."""
    path.unlink()
    write_file(path, random_blob(rng))


# --------------------------------------------------------------------------- steps


@dataclass
class Trial:
    """Setup before one timed attempt, then the commands timed together."""

    commands: list[list[str]]
    setup: Callable[[], None] | None = None


@dataclass
class Step:
    key: str
    title: str
    trial: Callable[[int], Trial]
    repeat: int = 1
    needs: tuple[str, ...] = ()
    check: Callable[[], str | None] | None = None
    after: Callable[[], None] | None = None


@dataclass
class Result:
    seconds: float | None = None
    maxrss_mib: float | None = None
    runs: list[float] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None


class ToolBench:
    """All steps of one tool, run in one fresh repository."""

    def __init__(self, tool: Tool, root: Path, data: Path, spec: Spec) -> None:
        self.tool = tool
        self.repo = root / "repo"
        self.logs = root / "logs"
        self.src = data
        self.spec = spec
        self.shas: dict[str, str] = {}
        self.probe: dict[str, bytes] = {}
        self.version = ""

    # -- plumbing

    def exec(self, argv: Sequence[str]) -> Run:
        return check_run(argv, run(argv, self.repo, self.tool.env, self.logs))

    def git(self, *args: str) -> str:
        return self.exec(["git", *args]).stdout.strip()

    def init(self) -> None:
        self.repo.mkdir(parents=True)
        self.git("init", "-q")
        self.git("config", "user.name", "bench")
        self.git("config", "user.email", "bench@example.invalid")
        self.git("config", "commit.gpgsign", "false")
        self.exec(self.tool.cmd("init"))
        if self.tool.name == "dvc":
            self.exec(self.tool.cmd("config", "core.analytics", "false"))

    def commit(self, label: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", label)
        self.shas[label] = self.git("rev-parse", "HEAD")

    def pointer_exists(self, target: str) -> str | None:
        pointer = self.repo / f"{target}{self.tool.pointer_suffix}"
        return None if pointer.is_file() else f"{pointer.name} was not written"

    # -- step definitions

    def steps(self) -> list[Step]:
        cmd, spec, repeat = self.tool.cmd, self.spec, self.spec.repeat
        n = spec.nfiles
        steps = [
            Step("version", "--version", lambda _: Trial([cmd("--version")]), repeat),
            Step("status_empty", "status (empty repo)", lambda _: Trial([cmd("status")]), repeat),
        ]
        if not spec.skip_big:
            steps.append(self.step_add_big())
        steps += [
            Step(
                "add_dir",
                f"add data/ ({n} files)",
                lambda _: Trial([cmd("add", "data")], self.copy_data),
                check=lambda: self.pointer_exists("data"),
            ),
            Step(
                "status_clean",
                "status (nothing changed)",
                lambda _: Trial([cmd("status")]),
                repeat,
                needs=("add_dir",),
            ),
            Step(
                "status_touched",
                f"status ({n} files touched)",
                lambda _: Trial([cmd("status")], self.touch_data),
                repeat,
                needs=("add_dir",),
            ),
        ]
        if not spec.skip_big:
            steps.append(
                Step(
                    "status_big_touched",
                    f"status (big file touched, {spec.big_mib} MiB)",
                    lambda _: Trial([cmd("status")], self.touch_big),
                    needs=("add_big",),
                )
            )
        steps += [
            Step(
                "readd_one",
                "re-add data/ (1 file changed)",
                lambda i: Trial([cmd("add", "data")], lambda: self.change_one(i)),
                repeat,
                needs=("add_dir",),
            ),
            Step(
                "readd_many",
                f"re-add data/ ({self.nchange} changed, {spec.nnew} new)",
                lambda _: Trial([cmd("add", "data")], self.make_state_b),
                needs=("add_dir",),
                after=lambda: self.commit("B"),
            ),
            self.step_checkout("A"),
            self.step_checkout("B"),
        ]
        return steps

    @property
    def nchange(self) -> int:
        return min(self.spec.nchange, self.spec.nfiles)

    def step_add_big(self) -> Step:
        # best of --repeat: each try starts from an empty cache, no pointer and a new copy,
        # since one run on this kind of VM varies by 2-4x with the page cache's state
        return Step(
            "add_big",
            f"add big.bin ({self.spec.big_mib} MiB)",
            lambda _: Trial([self.tool.cmd("add", "big.bin")], self.fresh_big),
            self.spec.repeat,
            check=lambda: self.pointer_exists("big.bin"),
        )

    def step_checkout(self, label: str) -> Step:
        def trial(_: int) -> Trial:
            git = ["git", "-c", "advice.detachedHead=false", "checkout", "-q", self.shas[label]]
            return Trial([git, self.tool.cmd("checkout")])

        return Step(
            f"checkout_{label}",
            f"git checkout {label} + checkout",
            trial,
            needs=("readd_many",),
            check=lambda: self.verify_state(label),
        )

    # -- untimed setup actions

    def copy_big(self) -> None:
        shutil.copyfile(self.src / "big.bin", self.repo / "big.bin")

    def fresh_big(self) -> None:
        """Undo an earlier `add big.bin`: the tool's cache and the pointer go, a new copy."""
        cache = self.repo / self.tool.pointer_suffix / "cache"
        if cache.exists():
            for path in cache.rglob("*"):
                if path.is_file():
                    path.chmod(0o644)
            shutil.rmtree(cache)
        (self.repo / f"big.bin{self.tool.pointer_suffix}").unlink(missing_ok=True)
        (self.repo / "big.bin").unlink(missing_ok=True)
        self.copy_big()

    def copy_data(self) -> None:
        shutil.copytree(self.src / "data", self.repo / "data")

    def touch_data(self) -> None:
        touch_all(data_files(self.repo))

    def touch_big(self) -> None:
        touch_all([self.repo / "big.bin"])

    def change_one(self, trial: int) -> None:
        index = (trial * 7919) % self.spec.nfiles
        rewrite(self.repo / rel_data_path(index), random.Random(SEED + 1 + trial))

    def make_state_b(self) -> None:
        """Commit state A, then change files and add new ones (state B)."""
        self.commit("A")
        changed = self.repo / rel_data_path(0)
        self.probe["A"] = changed.read_bytes()
        rng = random.Random(SEED + 1000)
        stride = max(1, self.spec.nfiles // max(1, self.nchange))
        for index in range(0, self.spec.nfiles, stride)[: self.nchange]:
            rewrite(self.repo / rel_data_path(index), rng)
        for index in range(self.spec.nfiles, self.spec.nfiles + self.spec.nnew):
            write_file(self.repo / rel_data_path(index), random_blob(rng))
        self.probe["B"] = changed.read_bytes()

    def verify_state(self, label: str) -> str | None:
        """The workspace must hold state ``label`` after the checkout."""
        expected = self.spec.nfiles + (self.spec.nnew if label == "B" else 0)
        found = len(data_files(self.repo))
        changed = self.repo / rel_data_path(0)
        if found != expected:
            return f"data/ has {found} files after checkout, expected {expected}"
        if not changed.is_file() or changed.read_bytes() != self.probe[label]:
            return f"{changed.relative_to(self.repo)} does not hold state {label}"
        return None

    # -- running

    def run_all(self) -> dict[str, Result]:
        results: dict[str, Result] = {}
        steps = self.steps()
        try:
            self.init()
        except CommandError as exc:
            return {step.key: Result(error=f"init failed: {exc}") for step in steps}
        for step in steps:
            failed = [n for n in step.needs if results.get(n, Result()).seconds is None]
            if failed:
                results[step.key] = Result(skipped=f"needs {', '.join(failed)}")
                continue
            results[step.key] = self.run_step(step)
            self.report(step, results[step.key])
        return results

    def run_step(self, step: Step) -> Result:
        result = Result()
        rss = 0
        try:
            for index in range(step.repeat):
                trial = step.trial(index)
                if trial.setup:
                    trial.setup()
                seconds, peak = self.time_commands(trial.commands, step.key)
                result.runs.append(round(seconds, 4))
                rss = max(rss, peak)
            problem = step.check() if step.check else None
            if problem:
                raise CommandError(problem)
            if step.after:
                step.after()
        except (CommandError, OSError) as exc:
            return Result(error=str(exc))
        result.seconds = min(result.runs)
        result.maxrss_mib = round(rss / 1024, 1)
        return result

    def time_commands(self, commands: list[list[str]], key: str) -> tuple[float, int]:
        total, peak = 0.0, 0
        for argv in commands:
            done = self.exec(argv)
            total += done.seconds
            peak = max(peak, done.maxrss_kib)
            if key == "version" and not self.version:
                self.version = (done.stdout or done.stderr).strip().splitlines()[0]
        return total, peak

    def report(self, step: Step, result: Result) -> None:
        name = f"[{self.tool.name}] {step.title}"
        if result.error:
            log(f"{name}: ERROR {result.error}")
        else:
            runs = ", ".join(f"{s:.3f}" for s in result.runs)
            log(f"{name}: {result.seconds:.3f} s (runs: {runs}), {result.maxrss_mib} MiB")


# --------------------------------------------------------------------------- output


def fmt_seconds(result: Result | None) -> str:
    if result is None:
        return NA
    if result.error:
        return "error"
    if result.skipped:
        return "skipped"
    return f"{result.seconds:.3f}"


def fmt_ratio(dvc: Result | None, gitml: Result | None) -> str:
    if dvc and gitml and dvc.seconds and gitml.seconds is not None:
        return f"{gitml.seconds / dvc.seconds:.2f}"
    return NA


def fmt_mib(result: Result | None) -> str:
    return NA if result is None or result.maxrss_mib is None else f"{result.maxrss_mib:.0f}"


def markdown_table(titles: dict[str, str], results: dict[str, dict[str, Result]]) -> str:
    dvc, gml = results.get("dvc", {}), results.get("gitml", {})
    lines = [
        "| step | dvc s | gitml s | ratio | dvc MiB | gitml MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, title in titles.items():
        d, g = dvc.get(key), gml.get(key)
        cells = [title, fmt_seconds(d), fmt_seconds(g), fmt_ratio(d, g), fmt_mib(d), fmt_mib(g)]
        lines.append("| " + " | ".join(cells) + " |")
    notes = problem_notes(titles, results)
    return "\n".join(lines + (["", *notes] if notes else []))


def problem_notes(titles: dict[str, str], results: dict[str, dict[str, Result]]) -> list[str]:
    """One line per distinct error or skip reason of each tool, naming its steps."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for tool, per_step in results.items():
        for key, res in per_step.items():
            reason = res.error or res.skipped
            if reason:
                grouped.setdefault((tool, reason), []).append(titles[key])
    return [
        f"- {tool}, {len(steps) if len(steps) > 2 else '; '.join(steps)}"
        f"{' steps' if len(steps) > 2 else ''}: {reason}"
        for (tool, reason), steps in grouped.items()
    ]


def json_report(
    args: argparse.Namespace,
    titles: dict[str, str],
    results: dict[str, dict[str, Result]],
    versions: dict[str, str],
) -> dict[str, Any]:
    steps = []
    for key, title in titles.items():
        row: dict[str, Any] = {"key": key, "step": title}
        for tool, per_step in results.items():
            if key in per_step:
                row[tool] = vars(per_step[key])
        d, g = results.get("dvc", {}).get(key), results.get("gitml", {}).get(key)
        ratio = fmt_ratio(d, g)
        row["ratio"] = None if ratio == NA else float(ratio)
        steps.append(row)
    return {
        "config": {k: v for k, v in vars(args).items() if k != "json"},
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "versions": versions,
        "steps": steps,
    }


# --------------------------------------------------------------------------- main


def add_tool_options(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark takes: which tools, where they live, where to work."""
    parser.add_argument("--only", choices=TOOLS, help="run one tool only")
    parser.add_argument("--gitml", help="gitml command (default: the --gitml-venv install)")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="DVC virtualenv")
    parser.add_argument(
        "--gitml-venv", type=Path, default=HERE / ".venv-gitml", help="gitml virtualenv"
    )
    parser.add_argument("--dvc-version", default=DEFAULT_DVC_VERSION)
    parser.add_argument("--workdir", type=Path, help="parent of the temp work dir (/tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    parser.add_argument("--json", type=Path, help="also write results as JSON here")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nfiles", type=int, default=20_000, help="files in data/ (20000)")
    parser.add_argument("--big-mib", type=int, default=1024, help="size of big.bin in MiB")
    parser.add_argument("--skip-big", action="store_true", help="skip the big-file steps")
    parser.add_argument("--nchange", type=int, default=1000, help="files changed for state B")
    parser.add_argument("--nnew", type=int, default=100, help="files added for state B")
    parser.add_argument("--repeat", type=int, default=3, help="runs of cheap steps (best of)")
    parser.add_argument(
        "--hot",
        action="store_true",
        help="also time the hot commands beside git status, with import times (bench_hot.py)",
    )
    parser.add_argument("--stages", type=int, default=50, help="stages for --hot (50)")
    add_tool_options(parser)
    args = parser.parse_args(argv)
    if args.nfiles < 1 or args.big_mib < 1 or args.repeat < 1:
        parser.error("--nfiles, --big-mib and --repeat must be positive")
    return args


def make_tools(args: argparse.Namespace, work: Path) -> list[Tool]:
    tools = []
    if args.only in (None, "dvc"):
        ensure_dvc(args.venv.resolve(), args.dvc_version)
        tools.append(dvc_tool(args.venv.resolve(), work / "dvc-site-cache"))
    if args.only in (None, "gitml"):
        tools.append(gitml_tool(args.gitml, args.gitml_venv.resolve()))
    return tools


def benchmark(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    spec = Spec(args.nfiles, args.big_mib, args.nchange, args.nnew, args.skip_big, args.repeat)
    tools = make_tools(args, work)
    log(f"generating data in {work / 'src'} ...")
    make_dataset(work / "src", spec)
    results: dict[str, dict[str, Result]] = {}
    versions: dict[str, str] = {}
    titles: dict[str, str] = {}
    for tool in tools:
        bench = ToolBench(tool, work / tool.name, work / "src", spec)
        titles.update((step.key, step.title) for step in bench.steps())
        results[tool.name] = bench.run_all()
        versions[tool.name] = bench.version
    print(markdown_table(titles, results))
    report = json_report(args, titles, results, versions)
    if args.hot:  # the fixed costs of the hot commands (issue 19), in their own repositories
        import bench_hot

        hot_args = argparse.Namespace(**vars(args))
        hot_args.repeat = max(args.repeat, 5)
        print()
        report["hot"] = bench_hot.benchmark(hot_args, work / "hot")["steps"]
    return report


def run_benchmark(
    args: argparse.Namespace,
    prefix: str,
    benchmark_fn: Callable[[argparse.Namespace, Path], dict[str, Any]],
) -> int:
    """Run `benchmark_fn` in a fresh work dir; write --json; 1 if any step failed."""
    parent = args.workdir or Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        report = benchmark_fn(args, work)
    except CommandError as exc:
        log(f"setup failed: {exc}")
        return 1
    finally:
        if args.keep:
            log(f"work dir kept: {work}")
        else:
            remove_tree(work)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    failed = any(step.get(tool, {}).get("error") for step in report["steps"] for tool in TOOLS)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), "gitml-bench-", benchmark)


if __name__ == "__main__":
    sys.exit(main())
