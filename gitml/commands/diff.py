"""`gitml diff`: files added, modified and deleted in tracked data between two revisions."""

from __future__ import annotations

from typing import Any

from gitml import used
from gitml.record import dataclass, field
from gitml.repo import Repo
from gitml.workspace import Hasher

WORKSPACE = "workspace"
FileInfo = tuple[str, int]  # digest, size


@dataclass(frozen=True)
class Change:
    path: str
    old: FileInfo | None
    new: FileInfo | None

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"path": self.path}
        for key, value in (("old", self.old), ("new", self.new)):
            if value is not None:
                item[key] = {"digest": value[0], "size": value[1]}
        return item


@dataclass
class DiffResult:
    a: str
    b: str
    added: list[Change] = field(default_factory=list)
    deleted: list[Change] = field(default_factory=list)
    modified: list[Change] = field(default_factory=list)
    not_in_cache: list[str] = field(default_factory=list)  # outputs whose manifest is missing

    @property
    def empty(self) -> bool:
        return not (self.added or self.deleted or self.modified)

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "added": [c.to_json() for c in self.added],
            "deleted": [c.to_json() for c in self.deleted],
            "modified": [c.to_json() for c in self.modified],
            "not_in_cache": list(self.not_in_cache),
        }


def diff(repo: Repo, a: str | None = None, b: str | None = None) -> DiffResult:
    """Compare tracked data at revision `a` (default HEAD) with `b` (default the workspace)."""
    a = a or "HEAD"
    b = b or WORKSPACE
    result = DiffResult(a, b)
    old = _files(repo, a, result)
    new = _files(repo, b, result)
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        change = Change(path, before, after)
        if before is None:
            result.added.append(change)
        elif after is None:
            result.deleted.append(change)
        else:
            result.modified.append(change)
    return result


def _files(repo: Repo, rev: str, result: DiffResult) -> dict[str, FileInfo]:
    """Every tracked file at `rev` (or in the workspace), repo-relative -> (digest, size)."""
    if rev == WORKSPACE:
        return _workspace_files(repo)
    files: dict[str, FileInfo] = {}
    for out_rel, info in used.outputs_at(repo, rev):
        if not info.is_dir:
            files[out_rel] = (info.digest, info.size)
        elif repo.cache.exists(info.digest):
            tree = repo.cache.read_tree(info.digest, where=out_rel)
            files.update((f"{out_rel}/{e.path}", (e.digest, e.size)) for e in tree)
        else:
            files[out_rel + "/"] = (info.digest, info.size)
            result.not_in_cache.append(out_rel)
    return files


def _workspace_files(repo: Repo) -> dict[str, FileInfo]:
    hasher = Hasher(repo.root, repo.state, repo.ignore)
    files: dict[str, FileInfo] = {}
    for rel, _ in used.workspace_outputs(repo):
        scanned = hasher.scan(repo.abspath(rel), rel)
        if scanned is None:
            continue
        if scanned.tree is None or not scanned.hash_info.is_dir:
            files[rel] = (scanned.hash_info.digest, scanned.hash_info.size)
        else:
            files.update((f"{rel}/{e.path}", (e.digest, e.size)) for e in scanned.tree)
    return files
