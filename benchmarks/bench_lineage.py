#!/usr/bin/env python3
"""Time `gitml lineage` (issue 16), each run a fresh process, start-up included.

1. `lineage model.pkl` on the digits example (examples/digits, reproduced once, not timed);
   goal under 0.2 s (best of --repeat).
2. `lineage --used-by data/raw.csv` over 1,000 commits of a 10-stage pipeline (made with
   `git fast-import`, not timed; every commit changes one stage's code, every 50th the raw
   data): the first time (no cache) and the second (cache warm); goals 2 s and 0.3 s.

    python3 benchmarks/bench_lineage.py [--repeat 5] [--json results.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COMMITS = 1000
STAGES = 10
T0 = 1_700_000_000


CPU: list[float] = [0.0]  # the CPU time (user + sys) of the last `gitml` call


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def gitml(cwd: Path, *args: str) -> float:
    """The wall time of one `python -m gitml ARGS` (its CPU time, with the git processes it
    runs, left in CPU[0])."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "gitml", *args],
        cwd=cwd,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    CPU[0] = _children_cpu() - cpu
    return wall


def git(cwd: Path, *args: str, data: bytes | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, input=data, check=True, capture_output=True)


def timed(cwd: Path, *args: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one `gitml ARGS`."""
    wall = gitml(cwd, *args)
    return wall, CPU[0]


def digits(work: Path, repeat: int) -> tuple[float, float]:
    repo = work / "digits"
    shutil.copytree(PROJECT_ROOT / "examples" / "digits", repo)
    git(repo, "init", "-q")
    gitml(repo, "init")
    gitml(repo, "repro")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=B", "-c", "user.email=b@example.com", "commit", "-qm", "digits")
    return min(timed(repo, "lineage", "model.pkl") for _ in range(repeat))


def _digest(i: int, salt: str) -> str:
    return hashlib.md5(f"{salt}:{i}".encode()).hexdigest()  # any stable 32 hex digits


def stream() -> bytes:
    out: list[str] = []

    def blob(path: str, text: str) -> None:
        raw = text.encode()
        out.append(f"M 100644 inline {path}\ndata {len(raw)}\n{text}\n")

    code = [0] * STAGES
    raw = 0
    for c in range(1, COMMITS + 1):
        code[c % STAGES] = c
        if c % 50 == 0:
            raw = c
        out.append(f"commit refs/heads/main\nmark :{c}\n")
        msg = f"c{c}"
        out.append(f"committer Bench <b@example.com> {T0 + c} +0000\ndata {len(msg)}\n{msg}\n")
        if c > 1:
            out.append(f"from :{c - 1}\n")
        raw_digest = _digest(raw, "raw")
        blob(
            "data/raw.csv.gitml",
            f"outs:\n- path: raw.csv\n  hash: xxh3-128\n  digest: {raw_digest}\n  size: 10\n",
        )
        lines = ["schema: '1.0'", "stages:"]
        prev = ("data/raw.csv", raw_digest)
        for s in range(STAGES):
            out_digest = _digest(max([*code[: s + 1], raw]), f"out{s}")
            lines += [
                f"  s{s}:",
                f"    cmd: python s{s}.py",
                "    deps:",
                f"    - path: s{s}.py",
                "      hash: xxh3-128",
                f"      digest: {_digest(code[s], f'code{s}')}",
                "      size: 10",
                f"    - path: {prev[0]}",
                "      hash: xxh3-128",
                f"      digest: {prev[1]}",
                "      size: 10",
                "    outs:",
                f"    - path: out{s}.bin",
                "      hash: xxh3-128",
                f"      digest: {out_digest}",
                "      size: 10",
            ]
            prev = (f"out{s}.bin", out_digest)
        blob("gitml.lock", "\n".join(lines) + "\n")
    out.append("done\n")
    return "".join(out).encode()


def used_by(work: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    repo = work / "history"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "fast-import", "--quiet", "--done", data=stream())
    git(repo, "reset", "-q", "--hard", "main")
    gitml(repo, "init")
    first = timed(repo, "lineage", "--used-by", "data/raw.csv@HEAD~500")
    second = timed(repo, "lineage", "--used-by", "data/raw.csv@HEAD~500")
    return first, second


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        walk = digits(work, args.repeat)
        first, second = used_by(work)
    results = {
        "lineage_digits_s": round(walk[0], 3),
        "lineage_digits_cpu_s": round(walk[1], 3),
        "used_by_first_s": round(first[0], 3),
        "used_by_first_cpu_s": round(first[1], 3),
        "used_by_second_s": round(second[0], 3),
        "used_by_second_cpu_s": round(second[1], 3),
        "load_average": os.getloadavg()[0],
    }
    rows = (
        ("lineage model.pkl (digits):          ", walk, 0.2),
        ("--used-by, 1,000 commits, first time:", first, 2),
        ("--used-by, 1,000 commits, second:    ", second, 0.3),
    )
    for label, (wall, cpu), goal in rows:
        print(f"{label} {wall:.3f} s wall, {cpu:.3f} s CPU (goal < {goal} s)")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
