"""The bundled batch generator: one batch of customer records, as production would land it.

    python3 src/batch.py OUT.csv --seed N [--rows 2000] [--shift S] [--noise P]

Columns: tenure_months, monthly_charges, support_calls, usage_gb, plan, region, churned.
`churned` follows one fixed rule of the features (the concept never changes), so a model
retrained on a shifted batch is as good as before. `--shift S` moves the customers
(shorter tenure, higher charges, more support calls, more basic plans): S = 1 is a clear
data drift, 0 none. `--noise P` flips a share P of the labels: a batch that makes any model
trained on it worse (what the retraining gate is for).
"""

from __future__ import annotations

import argparse
import csv
import os

import numpy as np

PLANS = ("basic", "standard", "premium")
REGIONS = ("north", "south", "east", "west")
COLUMNS = (
    "tenure_months",
    "monthly_charges",
    "support_calls",
    "usage_gb",
    "plan",
    "region",
    "churned",
)


def churn_score(
    tenure: np.ndarray, charges: np.ndarray, calls: np.ndarray, plan: np.ndarray
) -> np.ndarray:
    """The fixed concept: above 0 the customer churns."""
    return (
        0.9 * (calls - 2.0)
        - 0.06 * (tenure - 24.0)
        + 0.04 * (charges - 60.0)
        + 0.8 * (plan == 0)
        - 0.7 * (plan == 2)
    )


def make(rows: int, seed: int, shift: float, noise: float) -> list[tuple[object, ...]]:
    rng = np.random.default_rng(seed)
    tenure = np.clip(rng.gamma(2.0, 12.0 / (1.0 + 0.5 * shift), rows), 1, 120).round()
    charges = rng.normal(60.0 + 12.0 * shift, 15.0, rows).clip(10, 200).round(2)
    calls = rng.poisson(2.0 + 1.0 * shift, rows)
    usage = rng.normal(40.0 + 8.0 * shift, 12.0, rows).clip(0, None).round(1)
    basic = min(0.9, 0.3 + 0.3 * shift)
    plan = rng.choice(3, rows, p=[basic, (1 - basic) * 0.6, (1 - basic) * 0.4])
    region = rng.choice(4, rows)
    score = churn_score(tenure, charges, calls, plan) + rng.normal(0.0, 0.3, rows)
    churned = (score > 0).astype(int)
    flip = rng.random(rows) < noise
    churned[flip] = 1 - churned[flip]
    return [
        (int(t), f"{c:.2f}", int(k), f"{u:.1f}", PLANS[p], REGIONS[r], int(y))
        for t, c, k, u, p, r, y in zip(
            tenure, charges, calls, usage, plan, region, churned, strict=True
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="Write one batch of customer records (CSV).")
    parser.add_argument("out", help="the CSV file to write")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--shift", type=float, default=0.0, help="data drift: 0 none, 1 clear")
    parser.add_argument("--noise", type=float, default=0.0, help="share of labels flipped")
    args = parser.parse_args()
    if args.rows < 10 or not 0 <= args.noise <= 1:
        parser.error("--rows must be at least 10 and --noise between 0 and 1")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = f"{args.out}.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(make(args.rows, args.seed, args.shift, args.noise))
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
