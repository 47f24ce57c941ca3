"""Stage `evaluate`: the model on data/train.csv's held-out rows -> metrics.json."""

from __future__ import annotations

import json
import pickle

from common import ROOT, load_params, load_split
from sklearn.metrics import accuracy_score, f1_score


def main() -> None:
    params = load_params("train")
    _, _, x, y = load_split(int(params["test_every"]))
    with open(ROOT / "model.pkl", "rb") as fh:
        model = pickle.load(fh)
    predicted = model.predict(x)
    metrics = {
        "accuracy": round(float(accuracy_score(y, predicted)), 4),
        "f1": round(float(f1_score(y, predicted)), 4),
        "test_rows": len(y),
    }
    with open(ROOT / "metrics.json", "w", encoding="utf-8") as fh:
        json.dump(metrics, fh, indent=2)
        fh.write("\n")
    print(f"evaluate: {metrics}")


if __name__ == "__main__":
    main()
