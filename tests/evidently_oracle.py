"""Evidently, the reference for `gitml drift`'s numbers, in its own virtual environment.

`$GITML_EVIDENTLY` names a Python that can import evidently; otherwise a venv is built once
under ~/.cache/gitml-tests/evidently-<version> with the pinned version from PyPI. If that is
impossible the tests fail (never skip): the statistics are only trusted when checked.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

EVIDENTLY_VERSION = "0.7.23"
PINS = [f"evidently=={EVIDENTLY_VERSION}", "pandas<3"]  # 0.7.23 imports a helper pandas 3 dropped
CACHE = Path(os.path.expanduser("~")) / ".cache" / "gitml-tests"  # the real HOME (tests move it)
VENV = CACHE / f"evidently-{EVIDENTLY_VERSION}"

# Evidently's display names of its tests -> gitml's method names
METHOD_OF = {
    "K-S p_value": "ks",
    "chi-square p_value": "chi2",
    "Z-test p_value": "z",
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensenshannon",
    "PSI": "psi",
}
EVIDENTLY_NAME = {"ks": "ks", "chi2": "chisquare", "z": "z", "wasserstein": "wasserstein",
                  "jensenshannon": "jensenshannon", "psi": "psi"}  # fmt: skip

SCRIPT = r"""
import json, sys, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from evidently.legacy.report import Report
from evidently.legacy.metric_preset import DataDriftPreset

def load(path):
    if path.endswith(".tsv"):
        return pd.read_csv(path, sep="\t")
    if path.endswith(".jsonl"):
        return pd.read_json(path, lines=True)
    if path.endswith(".parquet"):
        return pd.read_parquet(path)
    return pd.read_csv(path)

out = []
for job in json.load(sys.stdin):
    preset = DataDriftPreset(stattest=job["method"]) if job["method"] else DataDriftPreset()
    report = Report(metrics=[preset])
    report.run(reference_data=load(job["ref"]), current_data=load(job["cur"]))
    result = [m for m in report.as_dict()["metrics"] if m["metric"] == "DataDriftTable"][0]
    result = result["result"]
    out.append({
        "dataset_drift": result["dataset_drift"],
        "share": result["share_of_drifted_columns"],
        "columns": {name: {"method": c["stattest_name"], "score": c["drift_score"],
                           "threshold": c["stattest_threshold"], "drifted": c["drift_detected"],
                           "type": c["column_type"]}
                    for name, c in result["drift_by_columns"].items()},
    })
json.dump(out, sys.stdout)
"""


def python() -> str:
    """A Python interpreter with the pinned Evidently; built once, shared by test runs."""
    given = os.environ.get("GITML_EVIDENTLY")
    if given:
        return given
    exe = VENV / "bin" / "python"
    ready = VENV / ".gitml-ready"
    if ready.exists():
        return str(exe)
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"evidently-{EVIDENTLY_VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be building it
        if not ready.exists():
            _build(exe)
            ready.write_text(" ".join(PINS) + "\n")
    return str(exe)


def _build(exe: Path) -> None:
    if not exe.exists():
        _run([sys.executable, "-m", "venv", str(VENV)], "create the Evidently venv")
    _run([str(exe), "-m", "pip", "install", "-q", *PINS], f"install {' '.join(PINS)} from PyPI")


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-20:])
        raise RuntimeError(f"cannot {what} (set GITML_EVIDENTLY to a Python with evidently "
                           f"{EVIDENTLY_VERSION} to skip the build):\n{tail}")  # fmt: skip


def evidently_drift(exe: str, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidently's DataDriftPreset on each job {"ref": path, "cur": path, "method": name|None}:
    per column its method (gitml's name), score, threshold and verdict; the dataset's."""
    proc = subprocess.run([exe, "-c", SCRIPT], input=json.dumps(jobs), capture_output=True,
                          text=True, timeout=900)  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"Evidently failed:\n{proc.stderr[-3000:]}")
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    for result in results:
        for col in result["columns"].values():
            col["method"] = METHOD_OF[col["method"]]
    return results
