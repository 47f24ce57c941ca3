"""What one commit's row of `exp show` needs, read from Git objects and cached by commit sha.

A commit never changes, so neither does its row: its time, parent and subject, the deps and
outs each of its gitml.lock files records (sub pipelines' too), and the parsed content of
each metrics and params file at it; a lock or file asked for later is read for that path only.
The rows live in `.gitml/tmp/exp-rows.json` (written atomically): a later `exp show` reads
from Git only the commits (and the files) it has not seen, all in one `git cat-file --batch`.
A metrics file that is a cached out is read from the cache through the lock's digest; one
missing from the local cache is not remembered, so a later `pull` shows it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from gitml import atomic
from gitml.errors import GitmlError, UnsafePathError
from gitml.experiments import show_git
from gitml.experiments.show_parse import Entries, lock_entries, parse_file
from gitml.paths import check_real_inside
from gitml.record import dataclass, field
from gitml.repo import Repo

CACHE_FILE = "exp-rows.json"
_DICTS = ("locks", "files")  # a row without them (a damaged file) is read again
_VERSION = 2  # bump when a row's shape or how it is read changes: old files are dropped

Row = dict[str, Any]  # {"time", "parent", "message", "locks": {lock: {"deps", "outs"} | None},
#                        "files": {path: FileResult}}
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
    repo: Repo,
    shas: Iterable[str],
    files: tuple[str, ...],
    locks: tuple[str, ...] = ("gitml.lock",),
    cache: RowCache | None = None,
) -> tuple[dict[str, Row], Stats]:
    """The row of each commit in `shas`: the `locks` and the content of `files` (metrics and
    params files, repo-relative) at it; new rows are saved to the cache."""
    cache = cache or RowCache(repo)
    known = cache.rows
    stats = Stats()
    wanted = list(dict.fromkeys(shas))
    specs: list[str] = []
    todo: list[tuple[str, str, str]] = []  # (sha, "commit" | "lock" | "file", path)
    paths = [("lock", p) for p in locks] + [("file", p) for p in files]
    paths = [(kind, p) for kind, p in paths if "\n" not in p]  # cannot be asked of cat-file
    for sha in wanted:
        row = known.get(sha)
        if row is None:
            todo.append((sha, "commit", ""))
            specs.append(sha)
        missing = [(k, p) for k, p in paths if row is None or p not in row[f"{k}s"]]
        if row is not None and not missing:
            stats.cached += 1
            continue
        stats.read += 1
        todo += [(sha, kind, p) for kind, p in missing]
        specs += [f"{sha}:{p}" for _, p in missing]
    stats.specs = specs
    if not specs:
        return {sha: known[sha] for sha in wanted}, stats
    fresh: dict[str, Row] = {}
    transient: dict[str, dict[str, FileResult]] = {}
    for (sha, kind, rel), obj in zip(todo, show_git.read_objects(repo.root, specs), strict=True):
        if kind == "commit":
            fresh[sha] = _commit_row(obj)
            continue
        row = fresh.get(sha) or known[sha]
        if kind == "lock":
            row["locks"][rel] = _lock(obj, f"{sha[:8]}:{rel}", rel)
            continue
        result, keep = _file_result(repo, outs(row), rel, obj, f"{sha[:8]}:{rel}")
        if keep:
            row["files"][rel] = result
        else:
            transient.setdefault(sha, {})[rel] = result
    absent = {sha: row for sha, row in fresh.items() if row.pop("absent", False)}
    known.update((sha, row) for sha, row in fresh.items() if sha not in absent)
    cache.dirty = True
    cache.save()
    rows = {sha: absent.get(sha) or known[sha] for sha in wanted}  # absent: not remembered
    for sha, extra in transient.items():  # shown now, never cached
        rows[sha] = {**rows[sha], "files": {**rows[sha]["files"], **extra}}
    return rows, stats


def deps(row: Row) -> Entries:
    """The deps of every lock of the row (repo-relative paths)."""
    return {p: e for lock in row["locks"].values() if lock for p, e in lock["deps"].items()}


def outs(row: Row) -> Entries:
    return {p: e for lock in row["locks"].values() if lock for p, e in lock["outs"].items()}


def workspace_row(repo: Repo, files: tuple[str, ...], locks: tuple[str, ...]) -> Row:
    """The same row for the working tree (never cached): files as they are on disk."""
    row: Row = {"time": None, "parent": None, "message": "", "locks": {}, "files": {}}
    for rel in locks:
        raw = _read_file(repo, rel)
        row["locks"][rel] = (
            lock_entries(raw, f"workspace:{rel}", rel, repo.state)
            if isinstance(raw, bytes) else None
        )
    for rel in files:
        where = f"workspace:{rel}"
        row["files"][rel] = _file_result(repo, outs(row), rel, _read_file(repo, rel), where)[0]
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
        return {"time": 0, "parent": None, "message": "", "locks": {}, "files": {},
                "absent": True}
    commit = show_git.parse_commit(raw)
    return {
        "time": commit.time, "parent": commit.parent, "message": commit.message,
        "locks": {}, "files": {},
    }


def _lock(raw: bytes | str | None, where: str, rel: str) -> dict[str, Entries] | None:
    return lock_entries(raw, where, rel) if isinstance(raw, bytes) else None


def _file_result(
    repo: Repo, entries: Entries, rel: str, obj: bytes | str | None, where: str
) -> tuple[FileResult, bool]:
    """(the file's parsed content, whether it may be cached)."""
    if obj == show_git.OUTSIDE:
        msg = f"{rel}: a symlink that leads outside the repository; gitml does not read it"
        return _error(msg, "UnsafePathError"), True
    if obj is None:
        out = entries.get(rel)
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
        return {"data": parse_file(obj, where, rel, repo.state)}, True
    except GitmlError as e:
        return _error(e.message, type(e).__name__), True


def _error(msg: str, typ: str) -> FileResult:
    return {"error": {"msg": msg, "type": typ}}
