"""Stage `train`: multinomial logistic regression on the PCA features -> model.pkl."""

from __future__ import annotations

import pickle

from common import ROOT, load_npz, load_params
from sklearn.linear_model import LogisticRegression

IN_PATH = ROOT / "data" / "features" / "train.npz"
MODEL_PATH = ROOT / "model.pkl"
PICKLE_PROTOCOL = 4  # fixed so the bytes do not depend on the Python default


def main() -> None:
    params = load_params("train")
    train = load_npz(IN_PATH)
    model = LogisticRegression(
        C=float(params["C"]),
        max_iter=int(params["max_iter"]),
        random_state=int(params["seed"]),
    )
    model.fit(train["x"], train["y"])
    with open(MODEL_PATH, "wb") as fh:
        pickle.dump(model, fh, protocol=PICKLE_PROTOCOL)
    print(f"train: fitted in {int(model.n_iter_.max())} iterations -> {MODEL_PATH.name}")


if __name__ == "__main__":
    main()
