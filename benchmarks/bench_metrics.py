#!/usr/bin/env python3
"""Time gitml and DVC side by side on metrics/params comparisons across Git revisions.

Each tool gets a fresh Git repository (``git init`` + ``dvc init`` / ``gitml init``) with
the same content: a 3-stage pipeline in ``dvc.yaml`` / ``gitml.yaml`` (the same text),
``prepare`` -> ``train`` -> ``evaluate``, where ``evaluate`` reads ``params.yaml`` and
writes ``metrics.json`` (20 nested keys, declared ``metrics: [{metrics.json: {cache:
false}}]``).  Three commits each change ``params.yaml``; the tool's ``repro`` runs once per
commit (untimed) so that the metrics and the lock file are the tool's own.  Timed (best of
``--repeat``): ``metrics diff HEAD~2`` (against the workspace), ``metrics diff HEAD~2 HEAD
--json``, ``params diff HEAD~2``, ``metrics show``, and for gitml alone ``report HEAD~2
--md``.  Every run must exit 0 and print the expected metric or param key.  The plumbing
(running, timing, peak RSS via /usr/bin/time, tools, table, JSON) comes from
``bench_core.py``.

    python3 benchmarks/bench_metrics.py
    python3 benchmarks/bench_metrics.py --repeat 3 --json metrics.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench_core import (
    CommandError,
    Result,
    Spec,
    Step,
    Tool,
    ToolBench,
    Trial,
    add_tool_options,
    json_report,
    log,
    make_tools,
    markdown_table,
    run_benchmark,
)
from bench_pipeline import PIPELINE_FILE

PIPELINE = """\
stages:
  prepare:
    cmd: python3 src/pipe.py prepare
    deps: [src/pipe.py, in.txt]
    params: [prepare.split, prepare.seed]
    outs: [data/prepared.txt]
  train:
    cmd: python3 src/pipe.py train
    deps: [src/pipe.py, data/prepared.txt]
    params: [train.lr, train.epochs, train.layers]
    outs: [model.txt]
  evaluate:
    cmd: python3 src/pipe.py evaluate
    deps: [src/pipe.py, model.txt]
    params: [evaluate.threshold]
    metrics: [{metrics.json: {cache: false}}]
"""

# The stages' script: standard library only, deterministic; metrics depend on every param.
SCRIPT = '''\
"""prepare | train | evaluate: a stand-in for a small ML pipeline."""
import hashlib
import json
import random
import sys
from pathlib import Path


def params():
    """params.yaml as {section: {key: value}} (the simple layout this repo uses)."""
    out, section = {}, None
    for line in Path("params.yaml").read_text().splitlines():
        if line and not line.startswith(" "):
            section = out.setdefault(line.rstrip(":"), {})
        elif line.strip():
            key, value = line.strip().split(":", 1)
            section[key] = float(value) if "." in value else int(value)
    return out


def scores(rng, quality):
    p, r = quality + rng.uniform(-0.03, 0.03), quality + rng.uniform(-0.03, 0.03)
    return {"precision": round(p, 4), "recall": round(r, 4)}


def main(stage):
    p = params()
    if stage == "prepare":
        rows = Path("in.txt").read_text().splitlines()
        random.Random(p["prepare"]["seed"]).shuffle(rows)
        Path("data").mkdir(exist_ok=True)
        Path("data/prepared.txt").write_text("\\n".join(rows) + "\\n")
    elif stage == "train":
        digest = hashlib.sha256(Path("data/prepared.txt").read_bytes()).hexdigest()
        Path("model.txt").write_text(json.dumps({"data": digest, **p["train"]}) + "\\n")
    else:
        model = json.loads(Path("model.txt").read_text())
        rng = random.Random(json.dumps([model, p["evaluate"]], sort_keys=True))
        quality = min(0.97, 0.6 + 0.01 * model["epochs"] + 0.05 * model["layers"])
        metrics = {}
        for split, q in (("train", quality + 0.02), ("test", quality)):
            s = scores(rng, q)
            f1 = 2 * s["precision"] * s["recall"] / (s["precision"] + s["recall"])
            metrics[split] = {
                "loss": round(1 - q + rng.uniform(0, 0.05), 4),
                "accuracy": round(q + rng.uniform(-0.02, 0.02), 4),
                **s,
                "f1": round(f1, 4),
            }
        metrics["per_class"] = {c: scores(rng, quality) for c in ("cat", "dog", "bird")}
        metrics["model"] = {"n_params": 1000 * model["layers"] ** 2, "lr": model["lr"]}
        metrics["time"] = {
            "train_s": round(rng.uniform(1, 9), 3),
            "eval_s": round(rng.uniform(0.1, 1), 3),
        }
        Path("metrics.json").write_text(json.dumps(metrics, indent=2) + "\\n")


main(sys.argv[1])
'''

# params.yaml of the three commits (HEAD~2, HEAD~1, HEAD); the workspace is HEAD.
PARAMS = [
    {
        "prepare": {"split": 0.2, "seed": 1},
        "train": {"lr": 0.1, "epochs": 5, "layers": 2},
        "evaluate": {"threshold": 0.5},
    },
    {
        "prepare": {"split": 0.2, "seed": 1},
        "train": {"lr": 0.05, "epochs": 10, "layers": 2},
        "evaluate": {"threshold": 0.5},
    },
    {
        "prepare": {"split": 0.25, "seed": 2},
        "train": {"lr": 0.01, "epochs": 20, "layers": 3},
        "evaluate": {"threshold": 0.6},
    },
]
INPUT = "".join(f"sample {i:04d},{i % 3}\n" for i in range(500))
METRIC_KEY = "test.accuracy"  # changes in every commit
PARAM_KEY = "train.lr"


def params_yaml(values: dict[str, dict[str, float | int]]) -> str:
    return "".join(
        f"{section}:\n" + "".join(f"  {key}: {value}\n" for key, value in keys.items())
        for section, keys in values.items()
    )


class MetricsBench(ToolBench):
    """One tool's repository: the pipeline, three commits of params/metrics, then steps."""

    def __init__(self, tool: Tool, root: Path, spec: Spec) -> None:
        super().__init__(tool, root, root, spec)
        self.outputs: list[str] = []  # stdout of every timed run of the current step

    def init(self) -> None:
        super().init()
        self.version = self.exec(self.tool.cmd("--version")).stdout.strip()
        (self.repo / "src").mkdir()
        (self.repo / "src" / "pipe.py").write_text(SCRIPT)
        (self.repo / "in.txt").write_text(INPUT)
        (self.repo / PIPELINE_FILE[self.tool.name]).write_text(PIPELINE)
        for index, values in enumerate(PARAMS, 1):
            (self.repo / "params.yaml").write_text(params_yaml(values))
            self.exec(self.tool.cmd("repro"))
            try:
                written = json.loads(self.read("metrics.json"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"repro of commit {index}: metrics.json: {exc}") from exc
            if METRIC_KEY.split(".")[1] not in written.get(METRIC_KEY.split(".")[0], {}):
                raise CommandError(f"repro of commit {index} wrote no {METRIC_KEY}")
            self.commit(f"c{index}")
        log(f"[{self.tool.name}] repo ready: {self.repo} (3 commits)")

    def read(self, name: str) -> str:
        return (self.repo / name).read_text()

    # -- steps

    def steps(self) -> list[Step]:
        steps = [
            self.step(
                "metrics_diff",
                "metrics diff HEAD~2 (vs workspace)",
                ["metrics", "diff", "HEAD~2"],
                METRIC_KEY,
            ),
            self.step(
                "metrics_diff_json",
                "metrics diff HEAD~2 HEAD --json",
                ["metrics", "diff", "HEAD~2", "HEAD", "--json"],
                METRIC_KEY,
                True,
            ),
            self.step("params_diff", "params diff HEAD~2", ["params", "diff", "HEAD~2"], PARAM_KEY),
            self.step("metrics_show", "metrics show", ["metrics", "show"], METRIC_KEY),
        ]
        if self.tool.name == "gitml":
            steps.append(
                self.step(
                    "report_md",
                    "report HEAD~2 --md (gitml only)",
                    ["report", "HEAD~2", "--md"],
                    METRIC_KEY,
                )
            )
        return steps

    def step(
        self, key: str, title: str, args: list[str], expect: str, as_json: bool = False
    ) -> Step:
        return Step(
            key,
            title,
            lambda i: Trial([self.tool.cmd(*args)], self.clear_first(i)),
            self.spec.repeat,
            check=lambda: self.check_outputs(expect, as_json),
        )

    def clear_first(self, index: int) -> Callable[[], None] | None:
        return self.outputs.clear if index == 0 else None

    def time_commands(self, commands: list[list[str]], key: str) -> tuple[float, int]:
        """As ToolBench's, and remember each run's stdout for the check."""
        total, peak = 0.0, 0
        for argv in commands:
            done = self.exec(argv)  # raises CommandError on a non-zero exit
            total += done.seconds
            peak = max(peak, done.maxrss_kib)
            self.outputs.append(done.stdout)
        return total, peak

    def check_outputs(self, expect: str, as_json: bool) -> str | None:
        """Every run printed ``expect`` (and, with ``as_json``, valid JSON naming it)."""
        for out in self.outputs:
            if as_json:
                try:
                    text = json.dumps(json.loads(out))
                except ValueError:
                    return f"output is not JSON: {out.strip()[:120]!r}"
            else:
                text = out
            if expect not in text:
                return f"output does not mention {expect}: {out.strip()[:120]!r}"
        return None


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per step (best of, 5)")
    add_tool_options(parser)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be positive")
    return args


def benchmark(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    spec = Spec(0, 0, 0, 0, True, args.repeat)
    results: dict[str, dict[str, Result]] = {}
    versions: dict[str, str] = {}
    titles: dict[str, str] = {}
    for tool in make_tools(args, work):
        bench = MetricsBench(tool, work / tool.name, spec)
        titles.update((step.key, step.title) for step in bench.steps())
        results[tool.name] = bench.run_all()
        versions[tool.name] = bench.version
    print(
        "3-stage pipeline, 3 commits changing params.yaml and metrics.json (20 keys); "
        f"best of {args.repeat}; goal for metrics diff: ratio <= 0.20\n"
    )
    print(markdown_table(titles, results))
    return json_report(args, titles, results, versions)


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), "gitml-bench-metrics-", benchmark)


if __name__ == "__main__":
    sys.exit(main())
