"""Helpers shared by the stages: params, and the features of data/train.csv."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "train.csv"
PLANS = ("basic", "standard", "premium")
NUMERIC = ("tenure_months", "monthly_charges", "support_calls", "usage_gb")


def load_params(section: str) -> dict[str, Any]:
    with open(ROOT / "params.yaml", encoding="utf-8") as fh:
        params: dict[str, Any] = yaml.safe_load(fh)[section]
    return params


def load_split(every: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test): every `every`-th row is held out for the test."""
    with open(DATA, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    x = np.array(
        [[float(r[c]) for c in NUMERIC] + [float(r["plan"] == p) for p in PLANS] for r in rows]
    )
    y = np.array([int(r["churned"]) for r in rows])
    test = np.arange(len(rows)) % every == 0
    return x[~test], y[~test], x[test], y[test]
