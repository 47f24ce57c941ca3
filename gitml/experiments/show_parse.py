"""Parse what `exp show` reads at a commit: a gitml.lock's deps and outs (leniently: a broken
lock shows no deps rather than failing the table), and metrics or params files."""

from __future__ import annotations

import posixpath
from typing import Any

from gitml import metrics, yamlio
from gitml.errors import BadInputError, GitmlError
from gitml.pipeline.lock import join

Entries = dict[str, dict[str, Any]]  # repo-relative path -> {"hash", "size", "nfiles", ...}


def lock_entries(
    raw: bytes, where: str, lock_rel: str, memo: yamlio.ValidationMemo | None = None
) -> dict[str, Entries]:
    """{"deps": ..., "outs": ...} of every stage of the lock at `lock_rel` (its paths are
    relative to its folder: made repo-relative). With `memo` (the workspace's lock, read on
    every show), a lock seen before is answered from the state database without PyYAML."""
    try:
        if memo is not None:
            data = yamlio.loads(raw, where=where, schema_name="lock", memo=memo)
        else:
            data = yamlio.loads(raw, where=where)
    except GitmlError:
        return {"deps": {}, "outs": {}}
    base = posixpath.dirname(lock_rel)
    found: dict[str, Entries] = {"deps": {}, "outs": {}}
    stages = data.get("stages") if isinstance(data, dict) else None
    for stage in (stages if isinstance(stages, dict) else {}).values():
        if not isinstance(stage, dict):
            continue
        for kind, into in found.items():
            items = stage.get(kind)
            for item in items if isinstance(items, list) else []:
                if not (isinstance(item, dict) and isinstance(item.get("path"), str)):
                    continue
                try:
                    path = join(base, item["path"], where)
                except BadInputError:
                    continue
                entry = {k: item.get(v) for k, v in (("hash", "digest"), ("size", "size"),
                                                      ("nfiles", "nfiles"))}
                if kind == "outs":
                    entry["use_cache"] = item.get("cache", True) is not False
                into[path] = entry
    return found


def parse_file(
    raw: bytes, where: str, rel: str, memo: yamlio.ValidationMemo | None = None
) -> Any:
    """A metrics or params file: JSON, TOML or (by default) YAML read by 1.2 rules, as DVC."""
    if rel.endswith(".toml"):
        from gitml.pipeline.params import parse_params

        return parse_params(raw, where)
    return metrics.parse_text(raw, where, rel, memo)
