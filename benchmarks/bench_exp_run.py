#!/usr/bin/env python3
"""`exp run` beside DVC (issue 13): the overhead of an experiment over a plain `repro`, and
8 queued experiments run one and two at a time.

1. A 3-stage pipeline whose stages take ~0 s: `repro` after editing the param vs `exp run -S`
   (each time with a new value, so every stage runs). Goal: gitml's overhead <= 0.1 s.
2. 8 queued experiments whose first stage sleeps 1 s: `exp run --run-all -j 1` vs `-j 2`.
   Goal: gitml's -j 2 >= 1.6x faster than its -j 1.

Each tool works in its own fresh Git repository. Only the standard library is used.

    python3 benchmarks/bench_exp_run.py [--reps 5] [--dvc /tmp/dvc-venv/bin/dvc] [--no-dvc]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CPU: list[float] = []
PROJECT_ROOT = Path(__file__).resolve().parent.parent
STAGE = "python3 -c \"import yaml; p = yaml.safe_load(open('params.yaml')); {body}\""
PIPELINE = """\
stages:
  one:
    cmd: {one}
    params: [x, sleep]
    outs: [a.txt]
  two:
    cmd: cp a.txt b.txt
    deps: [a.txt]
    outs: [b.txt]
  three:
    cmd: cp b.txt c.txt
    deps: [b.txt]
    outs: [c.txt]
"""
ONE = STAGE.format(
    body="import time; time.sleep(p['sleep']); open('a.txt', 'w').write(str(p['x']))"
)


def sh(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> float:
    """Wall seconds of `argv` (its CPU seconds, children included, go to CPU[-1])."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return took


def setup(tool: str, cmd: list[str], folder: Path, env: dict[str, str], sleep: int) -> Path:
    repo = folder / tool
    repo.mkdir()
    sh(["git", "init", "-q"], repo, env)
    sh([*cmd, "init", "-q"], repo, env)
    name = "dvc.yaml" if tool == "dvc" else "gitml.yaml"
    (repo / name).write_text(PIPELINE.format(one=ONE))
    (repo / "params.yaml").write_text(f"x: 0\nsleep: {sleep}\n")
    sh([*cmd, "repro"], repo, env)
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-qm", "pipeline"], repo, env)
    return repo


def overhead(
    tool: str, cmd: list[str], folder: Path, env: dict[str, str], reps: int
) -> tuple[float, float, float, float]:
    """Medians of `repro` (param edited by hand) and `exp run -S` seconds, and the medians
    of their paired differences: wall and CPU (the CPU one is the steadier on a busy box)."""
    repo = setup(tool, cmd, folder, env, sleep=0)
    plain, exp, wall, cpu = [], [], [], []
    for i in range(1, reps + 1):
        (repo / "params.yaml").write_text(f"x: {1000 + i}\nsleep: 0\n")
        plain.append(sh([*cmd, "repro"], repo, env))
        exp.append(sh([*cmd, "exp", "run", "-S", f"x={2000 + i}"], repo, env))
        wall.append(exp[-1] - plain[-1])
        cpu.append(CPU[-1] - CPU[-2])
    return (statistics.median(plain), statistics.median(exp), statistics.median(wall),
            statistics.median(cpu))


def queue(tool: str, cmd: list[str], folder: Path, env: dict[str, str], jobs: int) -> float:
    """Seconds to run 8 queued experiments (first stage sleeps 1 s), `jobs` at a time."""
    repo = setup(tool, cmd, folder / f"j{jobs}", env, sleep=1)
    for i in range(8):
        sh([*cmd, "exp", "run", "--queue", "-S", f"x={100 * jobs + i}"], repo, env)
    took = sh([*cmd, "exp", "run", "--run-all", "-j", str(jobs)], repo, env, timeout=600)
    out = subprocess.run(["git", "for-each-ref", "refs/exps/"], cwd=repo, capture_output=True,
                         text=True, check=True).stdout
    made = [ln for ln in out.splitlines() if "/queue/" not in ln and "/celery/" not in ln
            and "/exec/" not in ln and "/temp/" not in ln]
    if len(made) < 8:
        raise SystemExit(f"{tool} -j {jobs}: {len(made)} experiments made, not 8")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--dvc", default="/tmp/dvc-venv/bin/dvc")
    parser.add_argument("--no-dvc", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), GIT_AUTHOR_NAME="bench",
               GIT_AUTHOR_EMAIL="b@example.com", GIT_COMMITTER_NAME="bench",
               GIT_COMMITTER_EMAIL="b@example.com", DVC_NO_ANALYTICS="1")
    tools = {"gitml": [sys.executable, "-m", "gitml"]}
    if not args.no_dvc and shutil.which(args.dvc):
        tools["dvc"] = [args.dvc]
        # DVC starts its queue workers as `dvc` from PATH
        env["PATH"] = os.path.dirname(os.path.abspath(args.dvc)) + os.pathsep + env["PATH"]
    rows = []
    for tool, cmd in tools.items():
        with tempfile.TemporaryDirectory(prefix=f"bench-exp-{tool}-") as tmp:
            folder = Path(tmp)
            (folder / "j1").mkdir()
            (folder / "j2").mkdir()
            plain, exp, wall, cpu = overhead(tool, cmd, folder, env, args.reps)
            j1 = queue(tool, cmd, folder, env, 1)
            j2 = queue(tool, cmd, folder, env, 2)
            rows.append((tool, plain, exp, wall, cpu, j1, j2))
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'tool':<6} {'repro':>7} {'exp run':>8} {'overhead':>9} {'(CPU)':>7} "
          f"{'8 queued -j1':>13} {'-j2':>7} {'speed-up':>9}")
    for tool, plain, exp, wall, cpu, j1, j2 in rows:
        print(f"{tool:<6} {plain:>6.2f}s {exp:>7.2f}s {wall:>+8.2f}s {cpu:>+6.2f}s "
              f"{j1:>12.1f}s {j2:>6.1f}s {j1 / j2:>8.2f}x")


if __name__ == "__main__":
    main()
