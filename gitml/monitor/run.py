"""`gitml drift`: resolve both sides, summarize each once (cached by content digest),
compare, and remember the comparison of a pair of digests (so asking again reads nothing)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gitml import atomic
from gitml.errors import BadInputError
from gitml.hashing import hash_bytes
from gitml.monitor.compare import AUTO, ColumnDrift, Verdict, compare_summaries, verdict
from gitml.monitor.read import table_format
from gitml.monitor.source import Source, against, at_revision, check_readable
from gitml.record import dataclass
from gitml.repo import Repo
from gitml.revfiles import WORKSPACE

if TYPE_CHECKING:
    from gitml.monitor.summary import Summary

METHODS = ("auto", "ks", "chi2", "z", "wasserstein", "jensenshannon", "psi")
PAIR_FORMAT = 1


@dataclass(frozen=True)
class DriftResult:
    path: str
    a: Source
    b: Source
    columns: tuple[ColumnDrift, ...]
    verdict: Verdict
    from_cache: bool

    def to_json(self) -> dict[str, Any]:
        v = self.verdict
        return {
            "path": self.path,
            "a": {"rev": self.a.label, "digest": self.a.digest},
            "b": {"rev": self.b.label, "digest": self.b.digest},
            "columns": [c.to_json() for c in self.columns],
            "dataset": {
                "columns": v.columns,
                "drifted_columns": v.drifted_columns,
                "share": v.share,
                "drift_share": v.drift_share,
                "drifted": v.drifted,
            },
        }


@dataclass(frozen=True)
class Options:
    columns: tuple[str, ...] = ()
    method: str = AUTO
    threshold: float | None = None
    drift_share: float = 0.5


def check_options(opts: Options) -> None:
    if opts.method not in METHODS:
        raise BadInputError(f"--method {opts.method}: use one of {', '.join(METHODS)}")
    if opts.threshold is not None and not opts.threshold > 0:
        raise BadInputError("--threshold must be a number above 0")
    if not 0 < opts.drift_share <= 1:
        raise BadInputError("--drift-share must be above 0 and at most 1")


def sides(
    repo: Repo, rel: str, a: str | None, b: str | None, other: str | None
) -> tuple[Source, Source]:
    if other is not None and b is not None:
        raise BadInputError("give B or --against FILE, not both")
    first = at_revision(repo, rel, a or "HEAD")
    second = against(repo, other) if other is not None else at_revision(repo, rel, b or WORKSPACE)
    return first, second


@dataclass(frozen=True)
class Plan:
    """Both sides resolved, their formats, and where their comparison is cached."""

    a: Source
    b: Source
    fmt_a: str
    fmt_b: str
    pair_file: str


def plan(
    repo: Repo, rel: str, a: str | None, b: str | None, other: str | None, opts: Options
) -> Plan:
    check_options(opts)
    fmt = table_format(rel)
    fmt_b = table_format(other) if other is not None and "." in os.path.basename(other) else fmt
    src_a, src_b = sides(repo, rel, a, b, other)
    key = _pair_key(src_a, src_b, fmt, fmt_b, opts)
    return Plan(
        src_a, src_b, fmt, fmt_b, os.path.join(repo.tmp_dir, "drift", "pairs", f"{key}.json")
    )


def cached(rel: str, p: Plan, opts: Options) -> DriftResult | None:
    """The comparison as made before (no data read, no numpy), or None."""
    columns = _load_pair(p.pair_file)
    if columns is None:
        return None
    return DriftResult(rel, p.a, p.b, columns, verdict(columns, opts.drift_share), True)


def drift(
    repo: Repo, rel: str, a: str | None, b: str | None, other: str | None, opts: Options
) -> DriftResult:
    p = plan(repo, rel, a, b, other, opts)
    found = cached(rel, p, opts)
    if found is not None:
        return found
    src_a, src_b, fmt, fmt_b, pair_file = p.a, p.b, p.fmt_a, p.fmt_b, p.pair_file
    sum_a = summary_of(repo, src_a, fmt, opts.columns)
    sum_b = summary_of(repo, src_b, fmt_b, opts.columns)
    names = _column_names(sum_a, sum_b, opts.columns, (src_a.shown, src_b.shown))
    columns = tuple(
        compare_summaries(
            sum_a, sum_b, names, opts.method, opts.threshold, (src_a.label, src_b.label)
        )
    )
    _save_pair(pair_file, columns)
    return DriftResult(rel, src_a, src_b, columns, verdict(columns, opts.drift_share), False)


def summary_of(repo: Repo, src: Source, fmt: str, wanted: Sequence[str]) -> Summary:
    """The source's column summaries: from the cache, else read once (all columns) and saved."""
    from gitml.monitor import summary
    from gitml.monitor.read import read_table

    path = summary.cache_path(repo.tmp_dir, src.digest, fmt)
    found = summary.load(path, wanted or None)
    if found is not None and all(c in found for c in wanted):
        return found
    check_readable(src)
    source = src.data if src.data is not None else src.path or ""
    table = read_table(source, fmt, src.shown, None)  # all columns: the cache serves later
    done = summary.summarize(table)
    del table
    summary.save(path, done)
    missing = [c for c in wanted if c not in done]
    if missing:
        raise BadInputError(f"{src.shown}: has no column {missing[0]!r}")
    return {k: v for k, v in done.items() if not wanted or k in wanted}


def _column_names(
    a: Summary, b: Summary, wanted: Sequence[str], shown: tuple[str, str]
) -> list[str]:
    if wanted:
        return list(dict.fromkeys(wanted))
    only_a = [c for c in a if c not in b]
    only_b = [c for c in b if c not in a]
    if only_a:
        raise BadInputError(f"column {only_a[0]!r} is in {shown[0]} but not in {shown[1]}")
    if only_b:
        raise BadInputError(f"column {only_b[0]!r} is in {shown[1]} but not in {shown[0]}")
    if not a:
        raise BadInputError(f"{shown[0]}: no columns to compare")
    return list(a)


def _pair_key(a: Source, b: Source, fmt_a: str, fmt_b: str, opts: Options) -> str:
    text = json.dumps(
        [
            PAIR_FORMAT,
            a.digest,
            fmt_a,
            b.digest,
            fmt_b,
            list(opts.columns),
            opts.method,
            opts.threshold,
        ]
    )
    return hash_bytes(text.encode("utf-8"))


def _load_pair(path: str) -> tuple[ColumnDrift, ...] | None:
    try:
        with open(path, encoding="utf-8") as f:
            return tuple(ColumnDrift.from_json(c) for c in json.load(f))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _save_pair(path: str, columns: Sequence[ColumnDrift]) -> None:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic.write_text(path, json.dumps([c.to_json() for c in columns]))
    except OSError:
        pass  # only the cache is lost
