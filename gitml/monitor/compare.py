"""Compare two table summaries column by column; the dataset verdict (Evidently's
get_dataset_drift: drift when the share of drifted columns is at least `drift_share`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gitml.errors import BadInputError
from gitml.record import dataclass

AUTO = "auto"


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: str  # num or cat
    method: str
    statistic: float
    p_value: float | None
    threshold: float
    rows_a: int  # values compared (missing ones dropped)
    rows_b: int
    missing_a: int
    missing_b: int
    drifted: bool

    @property
    def score(self) -> float:
        return self.statistic if self.p_value is None else self.p_value

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _COLUMN_FIELDS}

    @staticmethod
    def from_json(data: dict[str, Any]) -> ColumnDrift:
        return ColumnDrift(**data)


_COLUMN_FIELDS = (
    "column",
    "kind",
    "method",
    "statistic",
    "p_value",
    "threshold",
    "rows_a",
    "rows_b",
    "missing_a",
    "missing_b",
    "drifted",
)


def compare_summaries(
    ref: dict[str, Any],
    cur: dict[str, Any],
    names: Sequence[str],
    method: str,
    threshold: float | None,
    where: tuple[str, str],
) -> list[ColumnDrift]:
    """One ColumnDrift per name in `names` (each present on both sides)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:  # numpy's sorts and searches run without the GIL
        return list(pool.map(lambda n: _column(n, ref[n], cur[n], method, threshold, where), names))


def _column(
    name: str, a: Any, b: Any, method: str, threshold: float | None, where: tuple[str, str]
) -> ColumnDrift:
    from gitml.monitor import stats

    if a.kind != b.kind:
        raise BadInputError(
            f"column {name!r} is {_kind_word(a.kind)} in {where[0]} but"
            f" {_kind_word(b.kind)} in {where[1]}"
        )
    sa, sb = stats.sample(a), stats.sample(b)
    for s, side in ((sa, where[0]), (sb, where[1])):
        if s.n == 0:
            raise BadInputError(f"column {name!r} has no values in {side}")
    chosen = stats.default_method(sa, sb) if method == AUTO else method
    if chosen in stats.NUMERIC_ONLY and a.kind != "num":
        raise BadInputError(f"--method {chosen}: column {name!r} is not numeric")
    outcome = stats.run(chosen, sa, sb)
    limit = stats.DEFAULT_THRESHOLD[chosen] if threshold is None else threshold
    return ColumnDrift(
        column=name,
        kind=a.kind,
        method=chosen,
        statistic=outcome.statistic,
        p_value=outcome.p_value,
        threshold=limit,
        rows_a=sa.n,
        rows_b=sb.n,
        missing_a=a.rows - sa.n,
        missing_b=b.rows - sb.n,
        drifted=stats.drifted(chosen, outcome.score, limit),
    )


def _kind_word(kind: str) -> str:
    return "numeric" if kind == "num" else "categorical"


@dataclass(frozen=True)
class Verdict:
    columns: int
    drifted_columns: int
    share: float
    drift_share: float
    drifted: bool


def verdict(columns: Sequence[ColumnDrift], drift_share: float) -> Verdict:
    n = len(columns)
    drifted = sum(1 for c in columns if c.drifted)
    share = drifted / n if n else 0.0
    return Verdict(n, drifted, share, drift_share, bool(n) and share >= drift_share)
