"""`gitml.lock`: the hashes of each stage's cmd, deps, params and outs after its last run.

Each pipeline file has its lock beside it (`sub/gitml.yaml` -> `sub/gitml.lock`); paths in a
lock are relative to its folder, as in DVC, and repo-relative once loaded (`base` joins them).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable

from gitml import yamlio
from gitml.constants import LOCK_FILE_NAME
from gitml.errors import UnsafePathError
from gitml.hashing import HashInfo, check_digest
from gitml.paths import check_relpath
from gitml.pointer import entry_dict
from gitml.record import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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


def lock_rel(pipeline_rel: str) -> str:
    """The lock beside a pipeline file: `sub/gitml.yaml` -> `sub/gitml.lock`."""
    return posixpath.join(posixpath.dirname(pipeline_rel), LOCK_FILE_NAME)


def is_lock_rel(rel: str) -> bool:
    return rel.rpartition("/")[2] == LOCK_FILE_NAME


def join(base: str, path: str, where: str) -> str:
    """`path` of a file in folder `base` as a safe repo-relative path ('..' may climb out of
    `base`, never out of the repository)."""
    if not base or not isinstance(path, str):
        return check_relpath(path, where=where)
    joined = posixpath.normpath(posixpath.join(base, path))
    if path.startswith("/") or joined == ".." or joined.startswith("../"):
        raise UnsafePathError(f"{where}: path {path!r} leads outside the repository")
    return check_relpath(joined, where=where)


def _rebase(base: str, rel: str) -> str:
    return posixpath.relpath(rel, base) if base else rel


def parse(data: dict[str, Any], where: str, base: str = "") -> dict[str, StageLock]:
    """Schema-valid lock data -> StageLock per stage; refuses unsafe paths. `base`: the
    lock's folder (its paths are relative to it)."""
    locks = {}
    for name, item in (data.get("stages") or {}).items():
        label = f"{where}: stage '{name}'"
        locks[name] = StageLock(
            cmd=item["cmd"],
            deps=tuple(_entry(e, label, base) for e in item.get("deps") or []),
            params={
                (join(base, f, label) if base else f): dict(v)
                for f, v in (item.get("params") or {}).items()
            },
            outs=tuple(_entry(e, label, base) for e in item.get("outs") or []),
        )
    return locks


def _entry(item: dict[str, Any], label: str, base: str) -> Entry:
    path = join(base, item["path"], label)
    digest = check_digest(item["digest"], where=f"{label}: {path}")
    info = HashInfo(digest, item["size"], item.get("nfiles"))
    return Entry(path, info, item.get("cache", True))


def to_dict(
    locks: dict[str, StageLock], order: Iterable[str], base: str = ""
) -> dict[str, Any]:
    """Deterministic lock data: stages in pipeline order, entries sorted by path (written
    relative to `base`, the lock's folder)."""
    stages: dict[str, Any] = {}
    for name in order:
        lock = locks.get(name)
        if lock is None:
            continue
        item: dict[str, Any] = {"cmd": lock.cmd}
        if lock.deps:
            item["deps"] = [_entry_dict(e, base) for e in sorted(lock.deps, key=_path)]
        if lock.params:
            params = sorted(lock.params.items())
            item["params"] = {_rebase(base, f): dict(sorted(v.items())) for f, v in params}
        if lock.outs:
            item["outs"] = [_entry_dict(e, base) for e in sorted(lock.outs, key=_path)]
        stages[name] = item
    return {"schema": LOCK_SCHEMA, "stages": stages}


def _path(entry: Entry) -> str:
    return entry.path


def _entry_dict(entry: Entry, base: str) -> dict[str, Any]:
    item = entry_dict(_rebase(base, entry.path), entry.hash_info)
    if not entry.cache:
        item["cache"] = False
    return item


def lock_path(root: str, rel: str = LOCK_FILE_NAME) -> str:
    return os.path.join(root, *rel.split("/"))


def load(
    root: str, memo: yamlio.ValidationMemo | None = None, rel: str = LOCK_FILE_NAME
) -> dict[str, StageLock]:
    """The lock at `rel` (default: the root's), paths repo-relative; {} when there is none."""
    path = lock_path(root, rel)
    if not os.path.exists(path):
        return {}
    data = yamlio.load_file(path, schema_name="lock", memo=memo, where=rel)
    return parse(data, rel, posixpath.dirname(rel))


def loads(
    raw: bytes, where: str, memo: yamlio.ValidationMemo | None = None, base: str = ""
) -> dict[str, StageLock]:
    data = yamlio.loads(raw, where=where, schema_name="lock", memo=memo)
    return parse(data, where, base)


def save(
    root: str,
    locks: dict[str, StageLock],
    order: Iterable[str],
    memo: yamlio.ValidationMemo | None = None,
    rel: str = LOCK_FILE_NAME,
) -> None:
    data = to_dict(locks, order, posixpath.dirname(rel))
    yamlio.write_file(lock_path(root, rel), data, schema_name="lock", memo=memo)


def load_project(
    root: str, files: Iterable[str], memo: yamlio.ValidationMemo | None = None
) -> dict[str, StageLock]:
    """The lock of every pipeline file in `files`, by stage address (`sub/gitml.yaml:NAME`)."""
    from gitml.pipeline.stage import address

    found: dict[str, StageLock] = {}
    for file in files:
        for name, entry in load(root, memo, lock_rel(file)).items():
            found[address(file, name)] = entry
    return found


def save_file(
    root: str,
    locks: dict[str, StageLock],
    stages: dict[str, Any],
    file: str,
    memo: yamlio.ValidationMemo | None = None,
) -> None:
    """Write the lock of pipeline `file` from `locks` (by address): the entries of the
    `stages` (address -> Stage) it defines, in their order."""
    mine = [(name, stage.local_name) for name, stage in stages.items() if stage.file == file]
    local = {short: locks[name] for name, short in mine if name in locks}
    save(root, local, [short for _, short in mine], memo, lock_rel(file))
