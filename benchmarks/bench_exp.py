#!/usr/bin/env python3
"""Time `exp show --json` of gitml and DVC on the SAME repository with 10, 100, 300 experiments.

Both tools keep experiments on the same refs (`refs/exps/<b[:2]>/<b[2:]>/<name>`, commits
whose parent is the baseline), so one repository serves both: `git init`, `dvc init` and
`gitml init`, one stage `train` in `dvc.yaml` and `gitml.yaml` (the same text: deps
train.py, params `train`, `metrics.json` kept in Git), each tool's `repro` run once and
committed as the baseline. The experiments are then made with `git fast-import` (one
process): each is a commit of the baseline tree with its own `params.yaml`, `metrics.json`,
`dvc.lock` and `gitml.lock` (the lr value changed in each), on `refs/exps/.../exp-NNN`.

Timed for each count: `dvc exp show --json` (its first run, then best of --repeat warm
runs: DVC also caches a commit's data under .dvc/tmp/exps/cache) and `gitml exp show
--json` cold (its row cache .gitml/tmp/exp-rows.json removed first) and warm (best of
--repeat): wall seconds, and CPU seconds (user + system of the command and the git
processes it ran), which a busy machine inflates less. Each output must list every
experiment. Ratio = gitml / DVC's warm run.

    python3 benchmarks/bench_exp.py --venv /tmp/dvc-venv --gitml "python3 -m gitml"
    python3 benchmarks/bench_exp.py --counts 10,100 --repeat 3 --json exp.json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_core import (
    DEFAULT_VENV,
    PROJECT_ROOT,
    CommandError,
    Tool,
    base_env,
    check_run,
    dvc_tool,
    ensure_dvc,
    gitml_tool,
    log,
    remove_tree,
    run,
)

PIPELINE = """\
stages:
  train:
    cmd: python3 train.py
    deps: [train.py]
    params: [train]
    metrics: [{metrics.json: {cache: false}}]
"""
TRAIN = """\
import json
lr = float(open("params.yaml").read().split("lr: ")[1].split()[0])
json.dump({"test": {"accuracy": round(0.5 + lr / 10, 6), "loss": round(1 - lr / 10, 6)},
           "train": {"accuracy": round(0.6 + lr / 10, 6)}}, open("metrics.json", "w"))
"""


def params(lr: float) -> str:
    return f"train:\n  lr: {lr}\n  epochs: 10\n  layers: 2\nprepare:\n  seed: 1\n"


def metrics(lr: float) -> str:
    return json.dumps({
        "test": {"accuracy": round(0.5 + lr / 10, 6), "loss": round(1 - lr / 10, 6)},
        "train": {"accuracy": round(0.6 + lr / 10, 6)},
    })


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, input=data, capture_output=True, check=True, env=base_env()
    )
    return proc.stdout.decode()


def make_repo(repo: Path, tools: dict[str, Tool]) -> str:
    """The baseline commit: both pipelines run once by their own tool."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.name", "bench")
    git(repo, "config", "user.email", "bench@example.com")
    (repo / "train.py").write_text(TRAIN)
    (repo / "params.yaml").write_text(params(1.0))
    for name, file in (("dvc", "dvc.yaml"), ("gitml", "gitml.yaml")):
        tool = tools[name]
        check_run(tool.cmd("init"), run(tool.cmd("init"), repo, tool.env, repo.parent / "logs"))
        (repo / file).write_text(PIPELINE)
        argv = tool.cmd("repro")
        check_run(argv, run(argv, repo, tool.env, repo.parent / "logs"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    return git(repo, "rev-parse", "HEAD").strip()


def add_experiments(repo: Path, baseline: str, start: int, stop: int) -> None:
    """Experiments start..stop-1 in one `git fast-import`."""
    locks = {name: (repo / name).read_text() for name in ("dvc.lock", "gitml.lock")}
    chunks: list[bytes] = []
    for i in range(start, stop):
        lr = round(1.0 + i / 1000, 4)
        files = {"params.yaml": params(lr), "metrics.json": metrics(lr)}
        files.update((n, text.replace("lr: 1.0\n", f"lr: {lr}\n")) for n, text in locks.items())
        ref = f"refs/exps/{baseline[:2]}/{baseline[2:]}/exp-{i:03d}"
        msg = f"exp {i}".encode()
        chunk = [f"commit {ref}\n".encode(),
                 f"committer bench <b@e> {1_700_000_000 + i} +0000\n".encode(),
                 f"data {len(msg)}\n".encode() + msg + b"\n", f"from {baseline}\n".encode()]
        for name, text in files.items():
            data = text.encode()
            chunk.append(f"M 100644 inline {name}\ndata {len(data)}\n".encode() + data + b"\n")
        chunks.append(b"".join(chunk) + b"\n")
    git(repo, "fast-import", "--quiet", data=b"".join(chunks))


@dataclass
class Timing:
    seconds: float  # wall clock
    cpu: float  # user + system of the command and every process it waited for (git)


def timed(tool: Tool, repo: Path, expect: int) -> Timing:
    argv = tool.cmd("exp", "show", "--json")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = check_run(argv, run(argv, repo, tool.env, repo.parent / "logs"))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = json.loads(result.stdout)
    baseline = next(r for r in found if r["rev"] != "workspace")
    got = len(baseline.get("experiments") or [])
    if got != expect:
        raise CommandError(f"{tool.name} exp show listed {got} experiments, not {expect}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(result.seconds, cpu)


def best(runs: list[Timing]) -> Timing:
    return Timing(min(r.seconds for r in runs), min(r.cpu for r in runs))


def bench(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    ensure_dvc(args.venv.resolve(), "3.67.1")
    tools = {
        "dvc": dvc_tool(args.venv.resolve(), work / "dvc-site-cache"),
        "gitml": gitml_tool(args.gitml, args.gitml_venv.resolve()),
    }
    if args.gitml:
        tools["gitml"].env["PYTHONPATH"] = str(PROJECT_ROOT)
    repo = work / "repo"
    baseline = make_repo(repo, tools)
    rows, made = [], 0
    for count in args.counts:
        add_experiments(repo, baseline, made, count)
        made = count
        log(f"{count} experiments ...")
        dvc_first = timed(tools["dvc"], repo, count)
        dvc_warm = best([timed(tools["dvc"], repo, count) for _ in range(args.repeat)])
        cache = repo / ".gitml" / "tmp" / "exp-rows.json"
        colds = []
        for _ in range(args.repeat):
            cache.unlink(missing_ok=True)
            colds.append(timed(tools["gitml"], repo, count))
        warm = best([timed(tools["gitml"], repo, count) for _ in range(args.repeat)])
        rows.append({
            "experiments": count, "dvc_first": asdict(dvc_first), "dvc_warm": asdict(dvc_warm),
            "gitml_cold": asdict(best(colds)), "gitml_warm": asdict(warm),
        })
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """Wall seconds (CPU seconds in brackets); ratios against DVC's warm run."""
    cols = ("dvc_first", "dvc_warm", "gitml_cold", "gitml_warm")
    lines = [
        "| experiments | dvc first | dvc warm | gitml cold | gitml warm "
        "| cold / dvc warm | warm / dvc warm (wall, cpu) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [f"{r[c]['seconds']:.3f} ({r[c]['cpu']:.3f})" for c in cols]
        dvc = r["dvc_warm"]
        ratios = [
            f"{r[c]['seconds'] / dvc['seconds']:.3f}x, {r[c]['cpu'] / dvc['cpu']:.3f}x"
            for c in ("gitml_cold", "gitml_warm")
        ]
        lines.append(f"| {r['experiments']} | " + " | ".join(cells + ratios) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="10,100,300", help="experiment counts (ascending)")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs (best of)")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="DVC virtualenv")
    parser.add_argument("--gitml", help="gitml command (default: the --gitml-venv install)")
    parser.add_argument("--gitml-venv", type=Path, default=Path(__file__).parent / ".venv-gitml")
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    args.counts = sorted(int(c) for c in args.counts.split(","))
    work = Path(tempfile.mkdtemp(prefix="gitml-bench-exp-"))
    try:
        rows = bench(args, work)
    except (CommandError, subprocess.CalledProcessError) as exc:
        log(f"failed: {exc}")
        return 1
    finally:
        if args.keep:
            log(f"work dir kept: {work}")
        else:
            remove_tree(work)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
