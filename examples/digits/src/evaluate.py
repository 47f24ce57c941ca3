"""Stage `evaluate`: test-set metrics plus plot data (confusion pairs and per-class recall)."""

from __future__ import annotations

import csv
import json
import pickle

from common import ROOT, load_npz
from sklearn.metrics import accuracy_score, f1_score, recall_score

MODEL_PATH = ROOT / "model.pkl"
TEST_PATH = ROOT / "data" / "features" / "test.npz"
METRICS_PATH = ROOT / "metrics.json"
PLOTS_DIR = ROOT / "plots"


def main() -> None:
    with open(MODEL_PATH, "rb") as fh:
        model = pickle.load(fh)  # our own artifact, not untrusted input
    test = load_npz(TEST_PATH)
    actual = test["y"]
    predicted = model.predict(test["x"])
    metrics = {
        "accuracy": round(float(accuracy_score(actual, predicted)), 4),
        "f1_macro": round(float(f1_score(actual, predicted, average="macro")), 4),
        "test_samples": len(actual),
    }
    METRICS_PATH.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    PLOTS_DIR.mkdir(parents=True, exist_ok=True)
    with open(PLOTS_DIR / "confusion.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["actual", "predicted"])
        writer.writerows((int(a), int(p)) for a, p in zip(actual, predicted, strict=True))
    digits = sorted(int(d) for d in set(actual.tolist()))
    recalls = recall_score(actual, predicted, labels=digits, average=None)
    per_class = [
        {"digit": d, "recall": round(float(r), 4)} for d, r in zip(digits, recalls, strict=True)
    ]
    (PLOTS_DIR / "per_class.json").write_text(
        json.dumps(per_class, indent=2) + "\n", encoding="utf-8"
    )
    print(f"evaluate: {json.dumps(metrics, sort_keys=True)}")


if __name__ == "__main__":
    main()
