"""Stage `prepare`: stratified train/test split of scikit-learn's bundled digits dataset."""

from __future__ import annotations

from common import ROOT, load_params, save_npz
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

OUT_DIR = ROOT / "data" / "prepared"


def main() -> None:
    params = load_params("prepare")
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data,
        digits.target,
        test_size=float(params["split"]),
        random_state=int(params["seed"]),
        stratify=digits.target,
    )
    save_npz(OUT_DIR / "train.npz", x=x_train, y=y_train)
    save_npz(OUT_DIR / "test.npz", x=x_test, y=y_test)
    print(f"prepare: {len(y_train)} train / {len(y_test)} test samples -> {OUT_DIR}")


if __name__ == "__main__":
    main()
