"""What one commit's row of `exp show` needs, read from Git objects and cached by commit sha.

A commit never changes, so neither does its row: its time, parent and subject, the deps and
outs its gitml.lock records, and the parsed content of each metrics and params file at it.
The rows live in `.gitml/tmp/exp-rows.json` (written atomically): a later `exp show` reads
from Git only the commits (and the files) it has not seen, all in one `git cat-file --batch`.
A metrics file that is a cached out is read from the cache through the lock's digest; one
missing from the local cache is not remembered, so a later `pull` shows it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gitml import atomic, limits, yamlio
from gitml.constants import LOCK_FILE_NAME
from gitml.errors import GitmlError, UnsafePathError
from gitml.experiments import show_git
from gitml.paths import check_real_inside
from gitml.repo import Repo

CACHE_FILE = "exp-rows.json"
_LOCK = "\n"  # not a path: file paths with a newline are never asked of `cat-file`
_DICTS = ("deps", "outs", "files")  # a row without them (a damaged file) is read again
_VERSION = 1  # bump when a row's shape or how it is read changes: old files are dropped

Row = dict[str, Any]  # {"time", "parent", "message", "deps", "outs", "files": {path: result}}
FileResult = dict[str, Any] | None  # {"data": ...} | {"error": {"msg", "type"}} | None: absent


@dataclass
class Stats:
    cached: int = 0  # rows found complete in the cache
    read: int = 0  # commits whose objects were read from Git
    specs: list[str] = field(default_factory=list)  # every object asked of `git cat-file`


def cache_path(repo: Repo) -> str:
    return os.path.join(repo.tmp_dir, CACHE_FILE)


class RowCache:
    """The rows file: {"version", "rows": {sha: Row}, "declared": {...}}; saved whole,
    atomically, only when something was added."""

    def __init__(self, repo: Repo) -> None:
        self.path = cache_path(repo)
        doc = _load(self.path)
        rows, declared = doc.get("rows"), doc.get("declared")
        self.rows: dict[str, Row] = {
            sha: row for sha, row in (rows.items() if isinstance(rows, dict) else ())
            if isinstance(row, dict) and all(isinstance(row.get(k), dict) for k in _DICTS)
        }
        self.declared: dict[str, Any] = declared if isinstance(declared, dict) else {}
        self.dirty = False

    def save(self) -> None:
        """Only an optimisation: a read-only or full disk is no reason to fail the command."""
        if not self.dirty:
            return
        doc = {"version": _VERSION, "declared": self.declared, "rows": self.rows}
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            text = json.dumps(doc, separators=(",", ":"))
            atomic.write_bytes(self.path, text.encode(), fsync=False)
        except OSError:
            pass
        self.dirty = False


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            doc = json.load(f)
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(doc, dict) or doc.get("version") != _VERSION:
        return {}
    return doc


def collect(
    repo: Repo, shas: Iterable[str], files: tuple[str, ...], cache: RowCache | None = None
) -> tuple[dict[str, Row], Stats]:
    """The row of each commit in `shas`, with the content of `files` (metrics and params
    files, repo-relative) at it; new rows are saved to the cache."""
    cache = cache or RowCache(repo)
    known = cache.rows
    stats = Stats()
    wanted = list(dict.fromkeys(shas))
    specs: list[str] = []
    todo: list[tuple[str, str | None]] = []  # (sha, None: the commit | _LOCK | file path)
    readable = [f for f in files if "\n" not in f]
    for sha in wanted:
        row = known.get(sha)
        if row is None:
            todo += [(sha, None), (sha, _LOCK)]
            specs += [sha, f"{sha}:{LOCK_FILE_NAME}"]
        missing = [f for f in readable if row is None or f not in row["files"]]
        if row is not None and not missing:
            stats.cached += 1
            continue
        stats.read += 1
        todo += [(sha, f) for f in missing]
        specs += [f"{sha}:{f}" for f in missing]
    stats.specs = specs
    if not specs:
        return {sha: known[sha] for sha in wanted}, stats
    fresh: dict[str, Row] = {}
    transient: dict[str, dict[str, FileResult]] = {}
    for (sha, what), obj in zip(todo, show_git.read_objects(repo.root, specs), strict=True):
        if what is None:
            fresh[sha] = _commit_row(obj)
            continue
        row = fresh.get(sha) or known[sha]
        if what == _LOCK:
            row.update(_lock_summary(obj, sha[:8]))
            continue
        result, keep = _file_result(repo, row, what, obj, sha[:8])
        if keep:
            row["files"][what] = result
        else:
            transient.setdefault(sha, {})[what] = result
    absent = {sha: row for sha, row in fresh.items() if row.pop("absent", False)}
    known.update((sha, row) for sha, row in fresh.items() if sha not in absent)
    cache.dirty = True
    cache.save()
    rows = {sha: absent.get(sha) or known[sha] for sha in wanted}  # absent: not remembered
    for sha, extra in transient.items():  # shown now, never cached
        rows[sha] = {**rows[sha], "files": {**rows[sha]["files"], **extra}}
    return rows, stats


def workspace_row(repo: Repo, files: tuple[str, ...]) -> Row:
    """The same row for the working tree (never cached): files as they are on disk."""
    row: Row = {"time": None, "parent": None, "message": "", "deps": {}, "outs": {}, "files": {}}
    row.update(_lock_summary(_read_file(repo, LOCK_FILE_NAME), "workspace"))
    for rel in files:
        row["files"][rel] = _file_result(repo, row, rel, _read_file(repo, rel), "workspace")[0]
    return row


def _read_file(repo: Repo, rel: str) -> bytes | str | None:
    path = repo.abspath(rel)
    try:
        check_real_inside(repo.root, path, what=rel)
        with open(path, "rb") as f:
            return f.read()
    except UnsafePathError:
        return show_git.OUTSIDE
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _commit_row(raw: bytes | str | None) -> Row:
    """A commit's time, parent and subject; a commit Git does not have (a queued run shared
    before its objects were fetched) is marked `absent` and never cached."""
    if not isinstance(raw, bytes):
        return {"time": 0, "parent": None, "message": "", "deps": {}, "outs": {}, "files": {},
                "absent": True}
    commit = show_git.parse_commit(raw)
    return {
        "time": commit.time, "parent": commit.parent, "message": commit.message,
        "deps": {}, "outs": {}, "files": {},
    }


def _lock_summary(raw: bytes | str | None, label: str) -> Row:
    """deps and outs of every stage in the commit's gitml.lock (read leniently: a broken
    lock shows no deps rather than failing the table)."""
    if not isinstance(raw, bytes):
        return {}
    try:
        data = yamlio.loads(raw, where=f"{label}:{LOCK_FILE_NAME}")
    except GitmlError as e:
        return {"lock_error": e.message}
    deps: dict[str, Any] = {}
    outs: dict[str, Any] = {}
    stages = data.get("stages") if isinstance(data, dict) else None
    for stage in (stages or {}).values():
        if not isinstance(stage, dict):
            continue
        for kind, into in (("deps", deps), ("outs", outs)):
            for item in stage.get(kind) or []:
                if isinstance(item, dict) and isinstance(item.get("path"), str):
                    entry = {
                        "hash": item.get("digest"), "size": item.get("size"),
                        "nfiles": item.get("nfiles"),
                    }
                    if kind == "outs":
                        entry["use_cache"] = item.get("cache", True) is not False
                    into[item["path"]] = entry
    return {"deps": deps, "outs": outs}


def _file_result(
    repo: Repo, row: Row, rel: str, obj: bytes | str | None, label: str
) -> tuple[FileResult, bool]:
    """(the file's parsed content, whether it may be cached)."""
    where = f"{label}:{rel}"
    if obj == show_git.OUTSIDE:
        msg = f"{rel}: a symlink that leads outside the repository; gitml does not read it"
        return _error(msg, "UnsafePathError"), True
    if obj is None:
        out = row["outs"].get(rel)
        digest = out.get("hash") if out else None
        cached = isinstance(digest, str) and out and out.get("use_cache")
        if not cached or not isinstance(digest, str) or digest.endswith(".dir"):
            return None, True
        if not repo.cache.exists(digest):
            return None, False  # not pulled yet: read it again next time
        try:
            obj = repo.cache.read_verified(digest)
        except GitmlError as e:
            return _error(e.message, type(e).__name__), False
    assert isinstance(obj, bytes)
    try:
        return {"data": parse(obj, where, rel)}, True
    except GitmlError as e:
        return _error(e.message, type(e).__name__), True


def _error(msg: str, typ: str) -> FileResult:
    return {"error": {"msg": msg, "type": typ}}


def parse(raw: bytes, where: str, rel: str) -> Any:
    """A metrics or params file: JSON, TOML or (by default) YAML read by 1.2 rules, as DVC."""
    from gitml.errors import BadInputError

    if rel.endswith(".toml"):
        from gitml.pipeline.params import parse_params

        return parse_params(raw, where)
    if rel.endswith(".json"):
        try:
            data = json.loads(raw)
        except ValueError as e:
            raise BadInputError(f"{where}: invalid JSON ({e})") from e
        except RecursionError as e:
            raise limits.depth_error(where) from e
        limits.check_depth(data, where)
        return data
    return yamlio.loads(raw, where=where, yaml12=True)
