"""`gitml.lock`: the hashes of each stage's cmd, deps, params and outs after its last run."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gitml import yamlio
from gitml.constants import LOCK_FILE_NAME
from gitml.hashing import HashInfo, check_digest
from gitml.paths import check_relpath
from gitml.pointer import entry_dict

LOCK_SCHEMA = "1.0"


@dataclass(frozen=True)
class Entry:
    path: str  # repo-relative POSIX
    hash_info: HashInfo
    cache: bool = True


@dataclass(frozen=True)
class StageLock:
    cmd: str
    deps: tuple[Entry, ...] = ()
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # file -> key -> value
    outs: tuple[Entry, ...] = ()

    def dep(self, path: str) -> Entry | None:
        return next((d for d in self.deps if d.path == path), None)

    def out(self, path: str) -> Entry | None:
        return next((o for o in self.outs if o.path == path), None)


def parse(data: dict[str, Any], where: str) -> dict[str, StageLock]:
    """Schema-valid lock data -> StageLock per stage; refuses unsafe paths."""
    locks = {}
    for name, item in (data.get("stages") or {}).items():
        label = f"{where}: stage '{name}'"
        locks[name] = StageLock(
            cmd=item["cmd"],
            deps=tuple(_entry(e, label) for e in item.get("deps") or []),
            params={f: dict(v) for f, v in (item.get("params") or {}).items()},
            outs=tuple(_entry(e, label) for e in item.get("outs") or []),
        )
    return locks


def _entry(item: dict[str, Any], label: str) -> Entry:
    path = check_relpath(item["path"], where=label)
    digest = check_digest(item["digest"], where=f"{label}: {path}")
    info = HashInfo(digest, item["size"], item.get("nfiles"))
    return Entry(path, info, item.get("cache", True))


def to_dict(locks: dict[str, StageLock], order: Iterable[str]) -> dict[str, Any]:
    """Deterministic lock data: stages in pipeline order, entries sorted by path."""
    stages: dict[str, Any] = {}
    for name in order:
        lock = locks.get(name)
        if lock is None:
            continue
        item: dict[str, Any] = {"cmd": lock.cmd}
        if lock.deps:
            item["deps"] = [_entry_dict(e) for e in sorted(lock.deps, key=lambda e: e.path)]
        if lock.params:
            item["params"] = {f: dict(sorted(v.items())) for f, v in sorted(lock.params.items())}
        if lock.outs:
            item["outs"] = [_entry_dict(e) for e in sorted(lock.outs, key=lambda e: e.path)]
        stages[name] = item
    return {"schema": LOCK_SCHEMA, "stages": stages}


def _entry_dict(entry: Entry) -> dict[str, Any]:
    item = entry_dict(entry.path, entry.hash_info)
    if not entry.cache:
        item["cache"] = False
    return item


def lock_path(root: str) -> str:
    return os.path.join(root, LOCK_FILE_NAME)


def load(root: str, memo: yamlio.ValidationMemo | None = None) -> dict[str, StageLock]:
    path = lock_path(root)
    if not os.path.exists(path):
        return {}
    data = yamlio.load_file(path, schema_name="lock", memo=memo, where=LOCK_FILE_NAME)
    return parse(data, LOCK_FILE_NAME)


def loads(
    raw: bytes, where: str, memo: yamlio.ValidationMemo | None = None
) -> dict[str, StageLock]:
    data = yamlio.loads(raw, where=where, schema_name="lock", memo=memo)
    return parse(data, where)


def save(
    root: str,
    locks: dict[str, StageLock],
    order: Iterable[str],
    memo: yamlio.ValidationMemo | None = None,
) -> None:
    yamlio.write_file(lock_path(root), to_dict(locks, order), schema_name="lock", memo=memo)
