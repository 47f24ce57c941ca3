"""Stage `train`: a scaled logistic regression on data/train.csv's training rows -> model.pkl."""

from __future__ import annotations

import pickle

from common import ROOT, load_params, load_split
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

PICKLE_PROTOCOL = 4  # fixed so the bytes do not depend on the Python default


def main() -> None:
    params = load_params("train")
    x, y, _, _ = load_split(int(params["test_every"]))
    model = make_pipeline(StandardScaler(), LogisticRegression(C=float(params["C"]), max_iter=1000))
    model.fit(x, y)
    with open(ROOT / "model.pkl", "wb") as fh:
        pickle.dump(model, fh, protocol=PICKLE_PROTOCOL)
    print(f"train: {len(y)} rows -> model.pkl")


if __name__ == "__main__":
    main()
