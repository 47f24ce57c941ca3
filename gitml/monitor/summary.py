"""A table's per-column summary, from which every drift statistic is computed exactly, and its
cache keyed by the file's content digest (`.gitml/tmp/drift/<digest>.npz`, written atomically).

A numeric column keeps its sorted distinct values with their counts (the exact sample: KS, the
Wasserstein distance and the histograms need nothing else); a categorical one its value
counts. Missing values (null, NaN) are counted and left out, as Evidently drops them.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from gitml import atomic

NUM, CAT = "num", "cat"
FORMAT = 1  # bump when the summary's meaning changes: old files are then ignored


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # NUM or CAT
    rows: int  # all rows, missing ones included
    missing: int  # null or NaN
    values: Any  # NUM: sorted distinct float64 (±inf kept); CAT: a list of str
    counts: Any  # int64 array, one count per value

    @property
    def present(self) -> int:
        return self.rows - self.missing


Summary = dict[str, Column]


def summarize(table: Any, jobs: int = 4) -> Summary:
    """One Column per column of a pyarrow Table (in threads: numpy sorts without the GIL)."""
    names = [str(n) for n in table.column_names]
    columns = [table.column(i) for i in range(len(names))]
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        done = list(pool.map(_column, names, columns))
    return dict(zip(names, done, strict=True))


def _column(name: str, col: Any) -> Column:
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = len(col)
    typ = col.type
    if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        arr = pc.drop_null(col).to_numpy()
        if arr.dtype.kind != "f" or arr.dtype.itemsize != 8:
            arr = arr.astype(np.float64)
        arr = arr[~np.isnan(arr)]
        values, counts = np.unique(arr, return_counts=True)
        return Column(name, NUM, rows, rows - int(arr.size), values, counts.astype(np.int64))
    if not pa.types.is_string(typ) and not pa.types.is_large_string(typ):
        col = pc.cast(col, pa.string()) if not pa.types.is_boolean(typ) else _bool_text(col)
    vc = pc.value_counts(col)
    keys = vc.field("values").to_pylist()
    counts = vc.field("counts").to_numpy().astype(np.int64)
    keep = [i for i, k in enumerate(keys) if k is not None]
    labels = [str(keys[i]) for i in keep]
    kept = counts[keep] if keep else np.zeros(0, np.int64)
    return Column(name, CAT, rows, rows - int(kept.sum()), labels, kept)


def _bool_text(col: Any) -> Any:
    """True/False as pandas prints them (the sorted order False < True is kept)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(col, pa.scalar("True"), pa.scalar("False"))


# ---- the cache ------------------------------------------------------------------------------


def cache_path(tmp_dir: str, digest: str, fmt: str) -> str:
    return os.path.join(tmp_dir, "drift", f"{digest}.{fmt}.v{FORMAT}.npz")


def load(path: str, wanted: Sequence[str] | None) -> Summary | None:
    """The cached summary (only `wanted` columns), or None when absent or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(bytes(npz["meta"]).decode("utf-8"))
            out: Summary = {}
            for i, m in enumerate(meta):
                if wanted is not None and m["name"] not in wanted:
                    continue
                counts = npz[f"c{i}"] if m["counted"] else np.ones(m["n"], np.int64)
                values = npz[f"v{i}"] if m["kind"] == NUM else m["labels"]
                out[m["name"]] = Column(
                    m["name"], m["kind"], m["rows"], m["missing"], values, counts
                )
            return out
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        return None


def save(path: str, summary: Summary) -> None:
    """Write the summary atomically; a failure (full disk...) only loses the cache."""
    arrays: dict[str, Any] = {}
    meta = []
    for i, col in enumerate(summary.values()):
        counted = bool(col.counts.size and int(col.counts.max()) > 1)
        entry: dict[str, Any] = {
            "name": col.name,
            "kind": col.kind,
            "rows": col.rows,
            "missing": col.missing,
            "n": len(col.counts),
            "counted": counted,
        }
        if col.kind == NUM:
            arrays[f"v{i}"] = col.values
        else:
            entry["labels"] = list(col.values)
        if counted:
            arrays[f"c{i}"] = col.counts
        meta.append(entry)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = atomic.tmp_name(path)
    try:
        with open(tmp, "xb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
