#!/usr/bin/env python3
"""Wall time of 12 queued experiments of 2 s each (stage `sleep 2`) drained by 1, 2 and 3
`gitml exp worker --once` processes, each in its own clone (issue 18).

Per worker count, from scratch: a bare Git repository (the remote), clone `a` with a
one-stage pipeline (`sleep 2`, then write a cached out and a metric; param `n`) committed,
pushed and its data on a local gitml remote folder; `gitml exp run --queue --remote origin
-S n=1,...,12` (one grid); N more clones (not timed). Timed: the N workers started together
until the last exits: wall seconds, and CPU seconds (user + system of every process they
ran). Checked: the remote then holds 12 experiment refs and no queue or claim ref, and the
stages' log has each of the 12 experiments once. DVC has no peer for this (its queue is one
machine's Celery workers), so there is no DVC column. Ideal: 24 s, 12 s, 8 s plus overhead.

    python3 benchmarks/bench_exp_worker.py
    python3 benchmarks/bench_exp_worker.py --workers 1,3 --count 6 --json worker.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PIPELINE = """\
stages:
  train:
    cmd: sleep {sleep} && echo "$GITML_EXP_NAME" >> "$EXP_LOG" && cat params.yaml > out.txt
      && echo '{{"n":1}}' > metrics.json
    params: [n]
    outs: [out.txt]
    metrics: [{{metrics.json: {{cache: false}}}}]
"""


def env() -> dict[str, str]:
    e = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C.UTF-8")
    e["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    for who in ("AUTHOR", "COMMITTER"):
        e.setdefault(f"GIT_{who}_NAME", "bench")
        e.setdefault(f"GIT_{who}_EMAIL", "bench@example.com")
    return e


def sh(cwd: Path, *argv: str, environ: dict[str, str]) -> str:
    proc = subprocess.run(argv, cwd=cwd, env=environ, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed in {cwd}:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def gitml(cwd: Path, *args: str, environ: dict[str, str]) -> str:
    return sh(cwd, sys.executable, "-m", "gitml", *args, environ=environ)


def one(work: Path, workers: int, count: int, sleep: float) -> dict[str, object]:
    environ = env()
    log = work / "stages.log"
    environ["EXP_LOG"] = str(log)
    origin, a = work / "origin.git", work / "a"
    sh(work, "git", "init", "-q", "--bare", str(origin), environ=environ)
    sh(origin, "git", "symbolic-ref", "HEAD", "refs/heads/main", environ=environ)
    sh(work, "git", "clone", "-q", str(origin), str(a), environ=environ)
    gitml(a, "init", environ=environ)
    gitml(a, "remote", "add", "-d", "store", str(work / "store"), environ=environ)
    (a / "gitml.yaml").write_text(PIPELINE.format(sleep=0))
    (a / "params.yaml").write_text("n: 0\n")
    gitml(a, "repro", environ=environ)
    sh(a, "git", "add", "-A", environ=environ)
    sh(a, "git", "commit", "-qm", "base", environ=environ)
    (a / "gitml.yaml").write_text(PIPELINE.format(sleep=sleep))
    sh(a, "git", "commit", "-qam", "sleep", environ=environ)
    sh(a, "git", "push", "-q", "origin", "HEAD:main", environ=environ)
    gitml(a, "push", environ=environ)
    grid = ",".join(str(i) for i in range(1, count + 1))
    gitml(a, "exp", "run", "--queue", "--remote", "origin", "-S", f"n={grid}",
          environ=environ)
    clones = []
    for i in range(workers):
        clone = work / f"w{i}"
        sh(work, "git", "clone", "-q", str(origin), str(clone), environ=environ)
        clones.append(clone)
    log.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "gitml", "exp", "worker", "origin",
                               "--once"], cwd=c, env=environ, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for c in clones]
    outs = [p.communicate() for p in procs]
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for p, (out, err) in zip(procs, outs, strict=True):
        if p.returncode != 0:
            raise SystemExit(f"a worker failed:\n{out.decode()}{err.decode()}")
    refs = sh(origin, "git", "for-each-ref", "--format=%(refname)", "refs/exps/",
              environ=environ).split()
    names = log.read_text().split()
    ok = (len(refs) == count and not any("/queue/" in r or "/claims/" in r for r in refs)
          and len(names) == count and len(set(names)) == count)
    if not ok:
        raise SystemExit(f"check failed: refs={refs} log={names}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    per = [out.decode().count("Ran experiment") for out, _ in outs]
    return {"workers": workers, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "ran_per_worker": per, "ideal_s": round(count * sleep / workers, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="1,2,3", help="worker counts (comma list)")
    parser.add_argument("--count", type=int, default=12, help="experiments")
    parser.add_argument("--sleep", type=float, default=2.0, help="each stage's seconds")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    load = os.getloadavg()
    for n in (int(x) for x in args.workers.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-exp-worker-") as tmp:
            results.append(one(Path(tmp), n, args.count, args.sleep))
        r = results[-1]
        print(f"{n} worker(s): {r['wall_s']:.2f} s wall ({r['ideal_s']} s ideal), "
              f"{r['cpu_s']:.2f} s CPU, ran per worker {r['ran_per_worker']}", flush=True)
    report = {"count": args.count, "sleep_s": args.sleep, "load_before": load,
              "load_after": os.getloadavg(), "nproc": os.cpu_count(), "results": results}
    print(f"load average before {load[0]:.2f}, after {report['load_after'][0]:.2f} "
          f"({os.cpu_count()} cores)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
