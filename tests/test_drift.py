"""issue 15: `gitml drift` (SPEC section 11): data drift between versions of a tracked table."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import git, run_cli, snapshot, write
from evidently_oracle import EVIDENTLY_NAME, evidently_drift
from evidently_oracle import python as evidently_python

Columns = dict[str, list[Any]]


def write_table(path: Path, cols: Columns) -> Path:
    """Write columns (None = missing) as CSV, TSV, JSON lines or Parquet, by suffix."""
    names = list(cols)
    rows = list(zip(*cols.values(), strict=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix in (".csv", ".tsv"):
        with open(path, "w", newline="") as f:
            w = csv.writer(f, delimiter="\t" if path.suffix == ".tsv" else ",")
            w.writerow(names)
            w.writerows(["" if v is None else v for v in r] for r in rows)
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(dict(zip(names, r, strict=True))) + "\n" for r in rows))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table(cols), path)
    return path


def _num(rng: np.random.Generator, n: int, loc: float = 0.0, missing: float = 0.0) -> list[Any]:
    values = [round(float(v), 6) for v in rng.normal(loc, 1.0, n)]
    return [None if rng.random() < missing else v for v in values]


def _pick(rng: np.random.Generator, n: int, choices: list[Any], missing: float = 0.0,
          p: list[float] | None = None) -> list[Any]:  # fmt: skip
    picked = [choices[i] for i in rng.choice(len(choices), n, p=p)]
    return [None if rng.random() < missing else v for v in picked]


def dataset(kind: str, seed: int, n: int, current: bool) -> Columns:
    """Seeded tables: the reference (current=False) and a current version of each kind."""
    rng = np.random.default_rng(seed * 2 + int(current))
    shift = 0.6 if current and kind in ("shifted", "large_shifted") else 0.0
    cats = ["red", "green", "blue"] + (["violet"] if current and kind in ("new_category",
                                                                        "large_new") else [])
    cols: Columns = {
        "amount": _num(rng, n, shift),
        "colour": _pick(rng, n, cats),
        "flag": _pick(rng, n, [0, 1], p=[0.3, 0.7] if shift else None),
        "level": _pick(rng, n, [1, 2, 3, 4]),
        "answer": _pick(rng, n, ["yes", "no"]),
        "ratio": [round(float(v), 4) for v in rng.gamma(2.0 + shift, 1.0, n)],
    }
    if kind == "one_value":
        cols["constant"] = [7] * n
        cols["same"] = ["k"] * n
    if kind == "missing":
        cols["amount"] = _num(rng, n, 0.0, missing=0.1)
        cols["colour"] = _pick(rng, n, cats, missing=0.15)
        cols["level"] = _pick(rng, n, [1, 2, 3, 4], missing=0.05)
    return cols


# (name, kind, reference rows, current rows, suffix, method)
CASES = [
    ("no_drift", "no_drift", 400, 500, ".csv", None),
    ("shifted", "shifted", 600, 300, ".csv", None),
    ("new_category", "new_category", 500, 500, ".csv", None),
    ("one_value", "one_value", 300, 350, ".csv", None),
    ("missing", "missing", 700, 650, ".csv", None),
    ("large_no_drift", "no_drift", 3000, 2500, ".csv", None),
    ("large_shifted", "large_shifted", 2500, 1500, ".csv", None),
    ("large_new", "large_new", 1500, 1200, ".csv", None),
    ("large_one_value", "one_value", 1200, 1100, ".csv", None),
    ("large_missing", "missing", 2000, 2000, ".csv", None),
    ("tsv", "shifted", 300, 300, ".tsv", None),
    ("jsonl", "missing", 500, 400, ".jsonl", None),
    ("parquet", "large_shifted", 1500, 1400, ".parquet", None),
    ("psi_small", "new_category", 400, 300, ".csv", "psi"),
    ("psi_large", "large_shifted", 2500, 2000, ".csv", "psi"),
    ("js_small", "shifted", 300, 400, ".csv", "jensenshannon"),
    ("js_large", "large_new", 2000, 2000, ".csv", "jensenshannon"),
]
NUMERIC_CASES = [("ks_large", 3000, 2000, "ks"), ("wasserstein_small", 300, 500, "wasserstein")]


@pytest.fixture(scope="session")
def evidently() -> str:
    return evidently_python()


def _numeric_only(seed: int, n: int, current: bool) -> Columns:
    rng = np.random.default_rng(seed + int(current))
    return {"x": _num(rng, n, 0.3 if current else 0.0),
            "y": [round(float(v), 3) for v in rng.exponential(1.0, n)]}  # fmt: skip


def test_statistics_match_evidently(repo: Path, evidently: str) -> None:
    """issue 15 item 1 (correctness): every statistic and verdict equals Evidently's
    DataDriftPreset's on seeded datasets (no drift, shifted mean, new category, one value,
    missing values, below and above 1,000 rows, CSV/TSV/JSON lines/Parquet, forced methods)."""
    jobs: list[dict[str, Any]] = []
    ours: list[dict[str, Any]] = []
    outside = repo.parent / "batches"
    tables = []
    for i, (name, kind, n_ref, n_cur, suffix, method) in enumerate(CASES):
        ref = write_table(repo / f"{name}{suffix}", dataset(kind, i, n_ref, False))
        cur = write_table(outside / f"{name}{suffix}", dataset(kind, i, n_cur, True))
        tables.append((ref, cur, method))
    for j, (name, n_ref, n_cur, method) in enumerate(NUMERIC_CASES):
        ref = write_table(repo / f"{name}.csv", _numeric_only(100 + j, n_ref, False))
        cur = write_table(outside / f"{name}.csv", _numeric_only(100 + j, n_cur, True))
        tables.append((ref, cur, method))
    assert run_cli("add", *(t[0].name for t in tables)).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "reference tables")
    for ref, cur, method in tables:
        args = ["drift", ref.name, "--against", str(cur), "--json"]
        res = run_cli(*args, *(["--method", method] if method else []))
        assert res.code == 0, res.err
        ours.append(json.loads(res.out))
        jobs.append({"ref": str(ref), "cur": str(cur),
                     "method": EVIDENTLY_NAME[method] if method else None})  # fmt: skip
    theirs = evidently_drift(evidently, jobs)
    checked = 0
    methods_seen = set()
    for (ref, _, _), mine, expected in zip(tables, ours, theirs, strict=True):
        by_name = {c["column"]: c for c in mine["columns"]}
        assert sorted(by_name) == sorted(expected["columns"]), ref.name
        for col, exp in expected["columns"].items():
            got = by_name[col]
            where = f"{ref.name}:{col}"
            assert got["method"] == exp["method"], where
            score = got["p_value"] if got["p_value"] is not None else got["statistic"]
            assert math.isclose(score, exp["score"], rel_tol=0, abs_tol=1e-6), (where, score, exp)
            assert got["threshold"] == exp["threshold"], where
            assert got["drifted"] == exp["drifted"], where
            assert got["kind"] == exp["type"], where
            methods_seen.add(got["method"])
            checked += 1
        assert mine["dataset"]["drifted"] == expected["dataset_drift"], ref.name
        assert math.isclose(mine["dataset"]["share"], expected["share"], abs_tol=1e-12)
    assert methods_seen == {"ks", "chi2", "z", "wasserstein", "jensenshannon", "psi"}
    assert checked > 100
    # the datasets meant to drift do, and the ones meant not to do not
    verdicts = {t[0].stem: o["dataset"]["drifted"] for t, o in zip(tables, ours, strict=True)}
    assert verdicts["shifted"] and verdicts["large_shifted"]
    assert not verdicts["no_drift"] and not verdicts["large_no_drift"]
