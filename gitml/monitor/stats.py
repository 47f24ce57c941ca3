"""The drift tests, computed from column summaries, exactly as Evidently computes them
(evidently/legacy/calculations/stattests: ks_stattest, chisquare_stattest, z_stattest,
wasserstein_distance_norm, jensenshannon, psi; the default choice: registry.py
_get_default_stattest). The oracle tests compare every number with Evidently's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gitml.errors import BadInputError
from gitml.monitor.summary import CAT, NUM, Column

P_VALUE = ("ks", "chi2", "z")
DISTANCE = ("wasserstein", "jensenshannon", "psi")
METHODS = P_VALUE + DISTANCE
NUMERIC_ONLY = ("ks", "wasserstein")
DEFAULT_THRESHOLD = {
    "ks": 0.05,
    "chi2": 0.05,
    "z": 0.05,
    "wasserstein": 0.1,
    "jensenshannon": 0.1,
    "psi": 0.1,
}
SMALL = 1000  # reference rows up to which the p-value tests are the default
FEW = 5  # distinct values up to which a numeric column is compared as categories
N_BINS_MIN_DISTINCT = 20  # reference distinct values above which numbers are binned


@dataclass(frozen=True)
class Sample:
    """One side of a column after Evidently's cleaning: sorted distinct values and counts."""

    kind: str
    values: Any  # NUM: float64 array; CAT: list of str (sorted)
    counts: Any  # int64 array

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def nunique(self) -> int:
        return len(self.counts)


def sample(col: Column) -> Sample:
    """Missing values are dropped; ±inf too, but only where the column has missing values
    (Evidently cleans a column only when `isna().any()`)."""
    if col.kind == NUM:
        values, counts = col.values, col.counts
        if col.missing and values.size and (np.isinf(values[0]) or np.isinf(values[-1])):
            keep = np.isfinite(values)
            values, counts = values[keep], counts[keep]
        return Sample(NUM, values, counts)
    order = sorted(range(len(col.values)), key=lambda i: col.values[i])
    return Sample(CAT, [col.values[i] for i in order], np.asarray(col.counts)[order])


def default_method(ref: Sample, cur: Sample) -> str:
    n_values = _union_size(ref, cur)
    if ref.n <= SMALL:
        if ref.kind == NUM and n_values > FEW:
            return "ks"
        return "chi2" if n_values > 2 else "z"
    if ref.kind == NUM and n_values > FEW:
        return "wasserstein"
    return "jensenshannon"


@dataclass(frozen=True)
class Outcome:
    statistic: float  # the test statistic (p-value tests) or the distance
    p_value: float | None

    @property
    def score(self) -> float:
        """What is compared with the threshold (Evidently's drift_score)."""
        return self.statistic if self.p_value is None else self.p_value


def run(method: str, ref: Sample, cur: Sample) -> Outcome:
    if method in NUMERIC_ONLY and ref.kind != NUM:
        raise BadInputError(f"--method {method} needs a numeric column")
    return _TESTS[method](ref, cur)


def drifted(method: str, score: float, threshold: float) -> bool:
    if method == "ks":
        return score <= threshold
    if method in P_VALUE:
        return score < threshold
    return score >= threshold


# ---- the tests ------------------------------------------------------------------------------


def _expand(s: Sample) -> Any:
    return np.repeat(s.values, s.counts)


def _ks(ref: Sample, cur: Sample) -> Outcome:
    from scipy.stats import ks_2samp

    res = ks_2samp(_expand(ref), _expand(cur))
    return Outcome(float(res.statistic), float(res.pvalue))


def _keyed(ref: Sample, cur: Sample) -> tuple[list[Any], Any, Any]:
    """The union of both sides' values and each side's counts of them (0 where absent)."""
    if ref.kind == NUM:
        keys = np.union1d(ref.values, cur.values)
        r = np.zeros(keys.size, np.int64)
        c = np.zeros(keys.size, np.int64)
        r[np.searchsorted(keys, ref.values)] = ref.counts
        c[np.searchsorted(keys, cur.values)] = cur.counts
        return list(keys), r, c
    index: dict[str, int] = {}
    for v in (*ref.values, *cur.values):
        index.setdefault(v, len(index))
    r = np.zeros(len(index), np.int64)
    c = np.zeros(len(index), np.int64)
    r[[index[v] for v in ref.values]] = ref.counts
    c[[index[v] for v in cur.values]] = cur.counts
    return list(index), r, c


def _union_size(ref: Sample, cur: Sample) -> int:
    """The number of distinct values on both sides; only compared with FEW (and 2), so a side
    with more than FEW answers without building the union."""
    if max(ref.nunique, cur.nunique) > FEW:
        return max(ref.nunique, cur.nunique)
    return len(_keyed(ref, cur)[0])


def _chi2(ref: Sample, cur: Sample) -> Outcome:
    from scipy.stats import chisquare

    _, r, c = _keyed(ref, cur)
    k_norm = cur.n / ref.n
    with np.errstate(divide="ignore", invalid="ignore"):
        res = chisquare(c.astype(np.float64), r * k_norm)
    return Outcome(float(res.statistic), float(res.pvalue))


def _z(ref: Sample, cur: Sample) -> Outcome:
    from scipy.stats import norm

    if ref.nunique == 1 and cur.nunique == 1 and ref.values[0] == cur.values[0]:
        return Outcome(0.0, 1.0)
    keys, r, c = _keyed(ref, cur)
    first = min(range(len(keys)), key=lambda i: keys[i])
    n1, n2 = ref.n, cur.n
    p1 = float(n1 - r[first]) / n1
    p2 = float(n2 - c[first]) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return Outcome(z, float(2 * (1 - norm.cdf(abs(z)))))


def _wasserstein(ref: Sample, cur: Sample) -> Outcome:
    n = ref.n
    mean = float(np.dot(ref.values, ref.counts)) / n
    std = math.sqrt(float(np.dot((ref.values - mean) ** 2, ref.counts)) / n)
    return Outcome(wasserstein(ref, cur) / max(std, 0.001), None)


def wasserstein(u: Sample, v: Sample) -> float:
    """scipy.stats.wasserstein_distance of two weighted samples whose values are sorted: the
    integral of |U - V| over the merged support, merged by position (no sort at all)."""
    nu, nv = u.values.size, v.values.size
    at_u = np.arange(nu) + np.searchsorted(v.values, u.values, "left")
    at_v = np.arange(nv) + np.searchsorted(u.values, v.values, "right")
    merged = np.empty(nu + nv, np.float64)
    step = np.empty(nu + nv, np.float64)
    merged[at_u] = u.values
    merged[at_v] = v.values
    step[at_u] = u.counts / u.n
    step[at_v] = -(v.counts / v.n)
    gap = np.cumsum(step[:-1])  # U - V just after each point
    return float(np.dot(np.abs(gap), np.diff(merged)))


def _binned(ref: Sample, cur: Sample, fill_zeroes: bool) -> tuple[Any, Any]:
    """evidently stattests/utils.get_binned_data: Sturges bins over both sides for a numeric
    column of more than 20 distinct reference values, else the share of each value."""
    if ref.kind == NUM and ref.nunique > N_BINS_MIN_DISTINCT:
        edges = _sturges_edges(ref, cur)
        r = _histogram(ref, edges) / ref.n
        c = _histogram(cur, edges) / cur.n
    else:
        _, rc, cc = _keyed(ref, cur)
        r, c = rc / ref.n, cc / cur.n
    if fill_zeroes:
        for arr in (r, c):
            low = arr[arr != 0].min()
            np.place(arr, arr == 0, low / 10**6 if low <= 0.0001 else 0.0001)
    return r, c


def _sturges_edges(ref: Sample, cur: Sample) -> Any:
    """numpy.histogram_bin_edges(both sides, "sturges"), from the sorted values."""
    first = float(min(ref.values[0], cur.values[0]))
    last = float(max(ref.values[-1], cur.values[-1]))
    if not (math.isfinite(first) and math.isfinite(last)):
        raise BadInputError(f"autodetected range of [{first}, {last}] is not finite")
    width = (last - first) / (np.log2(ref.n + cur.n) + 1.0)
    if first == last:
        first, last = first - 0.5, last + 0.5
    bins = int(np.ceil((last - first) / width)) if width else 1
    return np.linspace(first, last, bins + 1, endpoint=True, dtype=np.float64)


def _histogram(s: Sample, edges: Any) -> Any:
    """numpy.histogram(sample, edges)[0] (last bin closed) from sorted values and counts."""
    cum = np.concatenate([[0], np.cumsum(s.counts)])
    at = np.concatenate(
        [
            np.searchsorted(s.values, edges[:-1], "left"),
            np.searchsorted(s.values, edges[-1:], "right"),
        ]
    )
    return np.diff(cum[at]).astype(np.float64)


def _jensenshannon(ref: Sample, cur: Sample) -> Outcome:
    from scipy.spatial import distance

    r, c = _binned(ref, cur, False)
    return Outcome(float(distance.jensenshannon(r, c)), None)


def _psi(ref: Sample, cur: Sample) -> Outcome:
    r, c = _binned(ref, cur, True)
    return Outcome(float(np.sum((r - c) * np.log(r / c))), None)


_TESTS = {
    "ks": _ks,
    "chi2": _chi2,
    "z": _z,
    "wasserstein": _wasserstein,
    "jensenshannon": _jensenshannon,
    "psi": _psi,
}
