#!/usr/bin/env python3
"""Time the pre-commit hook of gitml and of DVC: with nothing of theirs staged, and with a
small staged pointer.

gitml's hook is ``gitml hook pre-commit`` (what its shim runs); DVC's is
``dvc git-hook pre-commit`` (what ``dvc install`` writes; it runs ``dvc status``). Each tool
gets a fresh Git repository with ``--nfiles`` small files tracked in ``data/`` and a small
``small.csv``, committed. Every hook run is timed ``--repeat`` times (after one warm-up run)
and the median and best are shown in milliseconds, with the floor of each tool: its
interpreter starting and exiting (``python -c pass``), and ``git diff --cached``. gitml's
"own work" is its median minus its interpreter's floor. Standard library only; reuses
``bench_core.py``'s tool installs (DVC 3.67.1 in ``benchmarks/.venv-dvc``).

    python3 benchmarks/bench_hooks.py
    python3 benchmarks/bench_hooks.py --repeat 50 --nfiles 5000 --json hooks.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_core import (
    TOOLS,
    Tool,
    add_tool_options,
    log,
    make_tools,
    remove_tree,
)

HOOK = {"gitml": ("hook", "pre-commit"), "dvc": ("git-hook", "pre-commit")}


@dataclass
class Timing:
    name: str
    median_ms: float
    best_ms: float
    returncode: int


def call(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True, text=True)


def setup(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> str:
    result = call(argv, cwd, env)
    if result.returncode != 0:
        raise SystemExit(f"setup failed: {' '.join(argv)}\n{result.stdout}{result.stderr}")
    return result.stdout


def timed(name: str, argv: Sequence[str], cwd: Path, env: dict[str, str], repeat: int) -> Timing:
    """Median and best wall time of `argv` over `repeat` runs, after one warm-up."""
    call(argv, cwd, env)
    seconds, code = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(
            list(argv), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        seconds.append(time.perf_counter() - start)
        code = code or proc.returncode
    ms = [s * 1000 for s in seconds]
    return Timing(name, round(statistics.median(ms), 1), round(min(ms), 1), code)


def interpreter(tool: Tool) -> str:
    """The Python that runs the tool: its script's shebang, else this one."""
    script = Path(tool.argv[0])
    if script.is_file():
        first = script.read_bytes().split(b"\n", 1)[0]
        if first.startswith(b"#!") and b"python" in first:
            return first[2:].decode().strip().split()[0]
    return sys.executable


def make_repo(tool: Tool, repo: Path, nfiles: int) -> None:
    repo.mkdir(parents=True)
    env = tool.env
    setup(["git", "init", "-q"], repo, env)
    for key, value in (("user.name", "bench"), ("user.email", "bench@example.com")):
        setup(["git", "config", key, value], repo, env)
    setup(tool.cmd("init", "-q") if tool.name == "dvc" else tool.cmd("init"), repo, env)
    for i in range(nfiles):
        path = repo / "data" / f"part{i % 20}" / f"f{i}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{i},{i * i}\n" * (i % 50 + 1))
    (repo / "small.csv").write_text("a,b\n" + "1,2\n" * 4000)
    setup(tool.cmd("add", "data", "small.csv"), repo, env)
    setup(["git", "add", "-A"], repo, env)
    setup(["git", "commit", "-qm", "data", "--no-verify"], repo, env)


def bench_tool(tool: Tool, work: Path, nfiles: int, repeat: int) -> dict[str, Timing]:
    repo = work / tool.name
    log(f"{tool.name}: making a repository with {nfiles} tracked files ...")
    make_repo(tool, repo, nfiles)
    env, hook = tool.env, tool.cmd(*HOOK[tool.name])
    out = {
        "python": timed("python -c pass", [interpreter(tool), "-c", "pass"], repo, env, repeat),
        "git": timed(
            "git diff --cached", ["git", "diff", "--cached", "--name-only"], repo, env, repeat
        ),
    }
    (repo / "README.md").write_text("nothing gitml- or dvc-related\n")
    setup(["git", "add", "README.md"], repo, env)
    log(f"{tool.name}: hook with nothing of its own staged ...")
    out["nothing"] = timed("nothing staged", hook, repo, env, repeat)
    (repo / "small.csv").write_text("a,b\n" + "3,4\n" * 4000)
    setup(tool.cmd("add", "small.csv"), repo, env)
    setup(["git", "add", f"small.csv{tool.pointer_suffix}"], repo, env)
    log(f"{tool.name}: hook with a small staged pointer ...")
    out["pointer"] = timed("small staged pointer", hook, repo, env, repeat)
    if tool.name == "gitml":  # the check is real: stale data behind a staged pointer fails
        (repo / "small.csv").write_text("changed after add\n")
        blocked = call(hook, repo, env)
        if blocked.returncode != 1:
            raise SystemExit(f"gitml's hook should have failed:\n{blocked.stderr}")
    return out


ROWS = (
    ("nothing", "hook, nothing of the tool's staged"),
    ("pointer", "hook, a small staged pointer"),
    ("python", "floor: interpreter start (python -c pass)"),
    ("git", "floor: git diff --cached --name-only"),
)


def table(results: dict[str, dict[str, Timing]]) -> str:
    lines = [
        "| step | dvc ms (median / best) | gitml ms (median / best) | ratio |",
        "|---|---|---|---|",
    ]
    for key, title in ROWS:
        cells, medians = [], []
        for tool in TOOLS:
            t = results.get(tool, {}).get(key)
            cells.append(f"{t.median_ms:.1f} / {t.best_ms:.1f}" if t else "-")
            medians.append(t.median_ms if t else None)
        dvc, gitml = medians
        ratio = f"{gitml / dvc:.2f}" if dvc and gitml else "-"
        lines.append(f"| {title} | {cells[0]} | {cells[1]} | {ratio} |")
    gitml = results.get("gitml")
    if gitml:
        for key in ("nothing", "pointer"):
            own = gitml[key].median_ms - gitml["python"].median_ms
            lines.append(f"\ngitml's own work ({key}): {own:.1f} ms beyond interpreter start-up")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per step (20)")
    parser.add_argument("--nfiles", type=int, default=2000, help="files tracked in data/")
    add_tool_options(parser)
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.nfiles < 1:
        parser.error("--repeat and --nfiles must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gitml-bench-hooks-", dir=args.workdir))
    try:
        tools = make_tools(args, work)
        for tool in tools:
            tool.env.update(DVC_NO_ANALYTICS="1")
        results = {tool.name: bench_tool(tool, work, args.nfiles, args.repeat) for tool in tools}
        print(table(results))
        if args.json:
            report: dict[str, Any] = {
                "args": {k: str(v) for k, v in vars(args).items()},
                "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
                "results": {t: {k: asdict(v) for k, v in r.items()} for t, r in results.items()},
            }
            args.json.write_text(json.dumps(report, indent=2))
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            remove_tree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
