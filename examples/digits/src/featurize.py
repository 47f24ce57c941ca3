"""Stage `featurize`: optional standard scaling + PCA, fitted on the training split only."""

from __future__ import annotations

import numpy as np
from common import ROOT, load_npz, load_params, save_npz
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

IN_DIR = ROOT / "data" / "prepared"
OUT_DIR = ROOT / "data" / "features"


def main() -> None:
    params = load_params("featurize")
    train, test = load_npz(IN_DIR / "train.npz"), load_npz(IN_DIR / "test.npz")
    x_train: np.ndarray = train["x"]
    x_test: np.ndarray = test["x"]
    if params.get("scale", True):
        scaler = StandardScaler().fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    pca = PCA(n_components=int(params["pca_components"]), svd_solver="full", random_state=0)
    x_train = pca.fit_transform(x_train)
    x_test = pca.transform(x_test)
    save_npz(OUT_DIR / "train.npz", x=x_train, y=train["y"])
    save_npz(OUT_DIR / "test.npz", x=x_test, y=test["y"])
    explained = float(pca.explained_variance_ratio_.sum())
    print(f"featurize: {x_train.shape[1]} components, {explained:.3f} variance explained")


if __name__ == "__main__":
    main()
