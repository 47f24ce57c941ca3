#!/usr/bin/env python3
"""Time `gitml drift` beside Evidently's data-drift preset on the same two CSV files.

1,000,000 rows x 20 columns (12 numeric, 8 categorical), two versions (the second with a few
shifted columns and a new category). gitml compares them as HEAD (tracked, read from the cache)
vs the workspace; Evidently (the pinned version of tests/evidently_oracle.py, in its own venv)
reads both with pandas.read_csv and runs DataDriftPreset, as a user would. Timed once each
(wall time, peak RSS via /usr/bin/time): Evidently, gitml's first comparison (empty caches),
gitml's second comparison of the same versions, and a third pair (v1 vs a new v3: only v3 is
read, v1's summary is cached). Both tools must agree on every column's method and verdict.

    python3 benchmarks/bench_drift.py [--rows 1000000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench_core import Run, base_env, check_run, log
from bench_core import run as run_core

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

EVIDENTLY = r"""
import json, sys, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from evidently.legacy.report import Report
from evidently.legacy.metric_preset import DataDriftPreset
ref, cur = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
report = Report(metrics=[DataDriftPreset()])
report.run(reference_data=ref, current_data=cur)
result = [m for m in report.as_dict()["metrics"] if m["metric"] == "DataDriftTable"][0]["result"]
print(json.dumps({n: [c["stattest_name"], c["drift_score"], c["drift_detected"]]
                  for n, c in result["drift_by_columns"].items()}))
"""


def run(argv: list[str], cwd: Path, env: dict[str, str], logdir: Path) -> Run:
    """bench_core.run, plus the command's CPU seconds (user + system) in `cpu_seconds`: the
    machine may be shared, and CPU time is what the load does not change."""
    logdir.mkdir(parents=True, exist_ok=True)
    out = logdir / f"cpu-{len(list(logdir.iterdir()))}"
    result = run_core(["/usr/bin/time", "-f", "%U %S", "-o", str(out), *argv], cwd, env, logdir)
    if out.exists():
        user, system = (float(v) for v in out.read_text().split()[-2:])
        CPU[id(result)] = user + system
    return result


CPU: dict[int, float] = {}


def cpu(r: Run) -> str:
    return f"{CPU[id(r)]:.2f} s" if id(r) in CPU else "?"


def make_csv(path: Path, rows: int, seed: int, shifted: bool) -> None:
    import numpy as np
    import pyarrow as pa
    from pyarrow import csv

    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for i in range(12):
        loc = 0.3 if shifted and i < 4 else 0.0
        values = rng.normal(loc, 1.0 + i / 10, rows) if i % 3 else rng.gamma(2.0 + loc, 1.0, rows)
        cols[f"num{i}"] = np.round(values, 5)
    for i in range(8):
        cats = [f"c{i}_{k}" for k in range(3 + i * 4)]
        if shifted and i == 0:
            cats.append("c0_new")
        cols[f"cat{i}"] = pa.array(np.asarray(cats)[rng.integers(0, len(cats), rows)])
    csv.write_csv(pa.table(cols), path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    args = parser.parse_args()
    from evidently_oracle import EVIDENTLY_VERSION
    from evidently_oracle import python as evidently_python

    evidently = evidently_python()
    gitml = [sys.executable, "-m", "gitml"]
    env = base_env()
    env["PYTHONPATH"] = str(HERE.parent)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: byte code cached
    work = Path(tempfile.mkdtemp(prefix="bench-drift-"))
    logs = work / "logs"
    try:
        repo = work / "repo"
        repo.mkdir()
        log(f"writing 3 versions of {args.rows} x 20 CSV")
        for name, seed, shifted in (("v1.csv", 1, False), ("v2.csv", 2, True), ("v3.csv", 3, True)):
            make_csv(work / name, args.rows, seed, shifted)
        size = (work / "v1.csv").stat().st_size
        for argv in (["git", "init", "-q"], [*gitml, "init", "-q"], [*gitml, "drift", "--help"]):
            check_run(argv, run(argv, repo, env, logs))
        shutil.copy(work / "v1.csv", repo / "data.csv")
        for argv in (
            [*gitml, "add", "-q", "data.csv"],
            ["git", "add", "-A"],
            ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "v1"],
        ):
            check_run(argv, run(argv, repo, env, logs))
        shutil.copy(work / "v2.csv", repo / "data.csv")
        log("Evidently")
        ev = check_run(
            ["evidently"],
            run(
                [evidently, "-c", EVIDENTLY, str(work / "v1.csv"), str(work / "v2.csv")],
                work,
                env,
                logs,
            ),
        )
        drift = [*gitml, "drift", "data.csv", "--json"]
        log("gitml: first comparison")
        first = check_run(drift, run(drift, repo, env, logs))
        log("gitml: the same versions again")
        second = check_run(drift, run(drift, repo, env, logs))
        log("gitml: v1 against a new version (v1's summary is cached)")
        third_argv = [*gitml, "drift", "data.csv", "--against", str(work / "v3.csv"), "--json"]
        third = check_run(third_argv, run(third_argv, repo, env, logs))
        agree = _agree(json.loads(ev.stdout), json.loads(first.stdout))
        results = _table(args.rows, size, ev, first, second, third, agree, EVIDENTLY_VERSION)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        return 0 if agree else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _agree(theirs: dict[str, Any], ours: dict[str, Any]) -> bool:
    from evidently_oracle import METHOD_OF

    ok = True
    for col in ours["columns"]:
        name, score = (
            col["column"],
            col["p_value"] if col["p_value"] is not None else col["statistic"],
        )
        method, their_score, drifted = theirs[name]
        same = METHOD_OF[method] == col["method"] and drifted == col["drifted"]
        if not same or abs(score - their_score) > 1e-6:
            log(f"DISAGREE {name}: gitml {col['method']} {score} vs Evidently {theirs[name]}")
            ok = False
    return ok


def _table(
    rows: int, size: int, ev: Run, first: Run, second: Run, third: Run, agree: bool, version: str
) -> dict[str, Any]:
    def mib(r: Run) -> str:
        return f"{r.maxrss_kib / 1024:.0f} MiB"

    lines = [
        f"{rows} rows x 20 columns, {size / 2**20:.0f} MiB per CSV, {os.cpu_count()} CPUs; "
        f"Evidently {version}; statistics agree: {agree}",
        "| run | time | CPU time | peak RSS | time vs Evidently |",
        "|---|---|---|---|---|",
        f"| Evidently DataDriftPreset (pandas.read_csv x2) | {ev.seconds:.2f} s | {cpu(ev)} |"
        f" {mib(ev)} | 1 |",
    ]
    for title, r in (
        ("gitml drift, first (empty caches)", first),
        ("gitml drift, same versions again", second),
        ("gitml drift, v1 cached vs a new v3", third),
    ):
        lines.append(
            f"| {title} | {r.seconds:.2f} s | {cpu(r)} | {mib(r)} | {r.seconds / ev.seconds:.3f}x |"
        )
    print("\n".join(lines))
    return {
        "rows": rows,
        "csv_bytes": size,
        "agree": agree,
        "evidently": {
            "seconds": ev.seconds,
            "cpu_seconds": CPU.get(id(ev)),
            "maxrss_kib": ev.maxrss_kib,
        },
        "gitml_first": {
            "seconds": first.seconds,
            "cpu_seconds": CPU.get(id(first)),
            "maxrss_kib": first.maxrss_kib,
        },
        "gitml_second": {
            "seconds": second.seconds,
            "cpu_seconds": CPU.get(id(second)),
            "maxrss_kib": second.maxrss_kib,
        },
        "gitml_new_pair": {
            "seconds": third.seconds,
            "cpu_seconds": CPU.get(id(third)),
            "maxrss_kib": third.maxrss_kib,
        },
    }


if __name__ == "__main__":
    sys.exit(main())
