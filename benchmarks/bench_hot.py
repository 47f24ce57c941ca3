#!/usr/bin/env python3
"""The hot commands' fixed costs: gitml beside DVC beside `git status` (issue 19).

Each hot command (`--version`, `status` in an empty repository, `status` with `--nfiles`
unchanged tracked files and `--stages` stages, a no-op `repro`, the pre-commit hook with
nothing staged, the post-checkout hook with nothing to change) is timed in each tool's
repository, the tools interleaved run by run (a load change hits both), best of
`--repeat`; `git status` is timed in the same repository in the same round. A last row
times `git status` in a plain Git repository holding the same files committed to Git (Git
then checks every file's stat, as a status of tracked data must). Import time is
`python -X importtime -m TOOL COMMAND`: the sum of the top-level imports' cumulative times.

    python3 benchmarks/bench_hot.py                       # 20,000 files, 50 stages
    python3 benchmarks/bench_hot.py --nfiles 2000 --stages 20 --repeat 5
    python3 benchmarks/bench_core.py --hot                # the same table after the core one
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_core import (
    CommandError,
    Spec,
    Tool,
    add_tool_options,
    check_run,
    log,
    make_dataset,
    make_tools,
    run,
    run_benchmark,
)

HOOKS = {  # the hook commands each tool's installed Git hooks run
    "gitml": {"pre-commit": ["hook", "pre-commit"], "post-checkout": ["hook", "post-checkout"]},
    "dvc": {
        "pre-commit": ["git-hook", "pre-commit"],
        "post-checkout": ["git-hook", "post-checkout"],
    },
}
PIPELINE = {"gitml": "gitml.yaml", "dvc": "dvc.yaml"}


class Repo:
    """One tool's repository and how to time commands in it."""

    def __init__(self, tool: Tool, path: Path, logs: Path) -> None:
        self.tool, self.path, self.logs = tool, path, logs

    def exec(self, argv: list[str], *, check: bool = True) -> float:
        done = run(argv, self.path, self.tool.env, self.logs)
        if check:
            check_run(argv, done)
        return done.seconds

    def setup(self, src: Path | None, stages: int) -> None:
        self.path.mkdir(parents=True)
        for args in (["init", "-q"], ["config", "user.name", "b"], ["config", "user.email", "b@x"]):
            self.exec(["git", *args])
        self.exec(self.tool.cmd("init"))
        if self.tool.name == "dvc":
            self.exec(self.tool.cmd("config", "core.analytics", "false"))
        self.commit()
        if src is None:
            return
        shutil.copytree(src / "data", self.path / "data")
        self.exec(self.tool.cmd("add", "data"))
        lines = ["stages:"]
        (self.path / "src").mkdir()
        for i in range(stages):
            (self.path / "src" / f"in{i}.txt").write_text(f"{i}\n")
            lines += [
                f"  s{i}:",
                f"    cmd: cp src/in{i}.txt out{i}.txt",
                f"    deps: [src/in{i}.txt]",
                f"    outs: [out{i}.txt]",
            ]
        (self.path / PIPELINE[self.tool.name]).write_text("\n".join(lines) + "\n")
        if stages:
            self.exec(self.tool.cmd("repro"))
        self.commit()
        self.exec(self.tool.cmd("status"))  # the state database knows every file now

    def commit(self) -> None:
        self.exec(["git", "add", "-A"])
        self.exec(["git", "commit", "-q", "-m", "setup", "--allow-empty"])

    def revs(self) -> list[str]:
        """The first commit and HEAD: a branch switch that changes no data."""
        proc = subprocess.run(
            ["git", "rev-list", "--reverse", "HEAD"], cwd=self.path, capture_output=True, text=True
        )
        commits = proc.stdout.split()
        return [commits[0], commits[-1]]

    def import_ms(self, args: list[str]) -> float | None:
        """Total top-level import time of `TOOL ARGS`, in ms (None if the tool has no
        Python beside it)."""
        python = Path(self.tool.argv[0]).parent / "python"
        if not python.exists():
            return None
        module = "gitml" if self.tool.name == "gitml" else "dvc"
        proc = subprocess.run(
            [str(python), "-X", "importtime", "-m", module, *args],
            cwd=self.path,
            env=self.tool.env,
            capture_output=True,
            text=True,
        )
        total = 0
        for line in proc.stderr.splitlines():
            if line.startswith("import time:") and "|" in line:
                _, cumulative, name = line.split("|")
                if not name[1:].startswith(" ") and cumulative.strip().isdigit():
                    total += int(cumulative)
        return total / 1000


def hot_commands(repo: Repo, stages: int) -> dict[str, list[str]]:
    post = [*repo.revs(), "1"]
    hooks = HOOKS[repo.tool.name]
    return {
        "status": ["status"],
        "repro": ["repro"] if stages else [],
        "pre-commit": hooks["pre-commit"],
        "post-checkout": [*hooks["post-checkout"], *post],
    }


def benchmark(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    tools = make_tools(args, work)
    spec = Spec(args.nfiles, 1, 0, 0, True, args.repeat)
    log(f"generating {args.nfiles} files in {work / 'src'} ...")
    make_dataset(work / "src", spec)
    empty = {t.name: Repo(t, work / t.name / "empty", work / "logs") for t in tools}
    full = {t.name: Repo(t, work / t.name / "full", work / "logs") for t in tools}
    for tool in tools:
        log(f"setting up {tool.name} ...")
        empty[tool.name].setup(None, 0)
        full[tool.name].setup(work / "src", args.stages)
    plain = work / "git-only"
    shutil.copytree(work / "src" / "data", plain / "data")
    for git_args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "data"],
    ):
        subprocess.run(["git", *git_args], cwd=plain, check=True, capture_output=True)

    rows: list[dict[str, Any]] = []
    cases = [("--version", empty, lambda r: ["--version"])]
    cases.append(("status (empty repository)", empty, lambda r: ["status"]))
    cases.append(
        ("hook pre-commit (empty repository)", empty, lambda r: hot_commands(r, 0)["pre-commit"])
    )
    what = f"{args.nfiles} files, {args.stages} stages"
    cases.append((f"status ({what}, nothing changed)", full, lambda r: ["status"]))
    if args.stages:
        cases.append((f"repro ({args.stages} stages, nothing to do)", full, lambda r: ["repro"]))
    cases.append(
        (
            f"hook pre-commit ({what}, nothing staged)",
            full,
            lambda r: hot_commands(r, args.stages)["pre-commit"],
        )
    )
    cases.append(
        (
            f"hook post-checkout ({what}, nothing to change)",
            full,
            lambda r: hot_commands(r, args.stages)["post-checkout"],
        )
    )
    for title, repos, argv_of in cases:
        times: dict[str, list[float]] = {name: [] for name in repos}
        git_times: list[float] = []
        errors: dict[str, str] = {}
        for _ in range(args.repeat):
            for name, repo in repos.items():  # interleaved: dvc, gitml, dvc, gitml ...
                try:
                    times[name].append(repo.exec(repo.tool.cmd(*argv_of(repo))))
                except CommandError as exc:
                    errors[name] = str(exc)
            some = next(iter(repos.values()))
            git_times.append(some.exec(["git", "status"]))
        imports = {n: r.import_ms(argv_of(r)) for n, r in repos.items()}
        row = {
            "step": title,
            **{f"{n}_s": (min(t) if t and n not in errors else None) for n, t in times.items()},
            **{f"{n}_import_ms": imports[n] for n in repos},
            "git_status_s": min(git_times),
            "errors": errors,
        }
        rows.append(row)
        log(f"{title}: " + ", ".join(f"{k}={v}" for k, v in row.items() if k != "step"))
    plain_times = [
        run(["git", "status"], plain, tools[0].env, work / "logs").seconds
        for _ in range(args.repeat)
    ]
    rows.append(
        {
            "step": f"git status, the {args.nfiles} files tracked by Git",
            "git_status_s": min(plain_times),
        }
    )
    print(markdown(rows))
    return {"config": {k: str(v) for k, v in vars(args).items()}, "steps": rows}


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or not b else f"{a / b:.2f}"


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| command | dvc ms | gitml ms | gitml/dvc | git status ms | gitml/git"
        " | dvc import ms | gitml import ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        d, g, git = row.get("dvc_s"), row.get("gitml_s"), row.get("git_status_s")
        di, gi = row.get("dvc_import_ms"), row.get("gitml_import_ms")
        cells = [
            row["step"],
            _s(d),
            _s(g),
            _ratio(g, d),
            _s(git),
            _ratio(g, git),
            "-" if di is None else f"{di:.0f}",
            "-" if gi is None else f"{gi:.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    notes = [f"- {n}, {row['step']}: {e}" for row in rows for n, e in row.get("errors", {}).items()]
    return "\n".join(lines + (["", *notes] if notes else []))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nfiles", type=int, default=20_000, help="tracked files (20000)")
    parser.add_argument("--stages", type=int, default=50, help="pipeline stages (50)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (best of)")
    add_tool_options(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), "gitml-bench-hot-", benchmark)


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # a CLI run would compile every module
    sys.exit(main())
