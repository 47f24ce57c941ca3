"""`gitml status`: which tracked outputs differ from their pointers."""

from __future__ import annotations

from collections.abc import Sequence

from gitml import tracked
from gitml.hashing import HashInfo
from gitml.pointer import Pointer
from gitml.record import dataclass
from gitml.repo import Repo
from gitml.tree import Tree
from gitml.workspace import Hasher, Progress, Scanned

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    State = Literal[
        "modified", "deleted", "not in cache", "modified in place, cache object corrupt"
    ]
else:
    State = str


@dataclass(frozen=True)
class OutStatus:
    pointer: str  # the pointer file, repo-relative
    path: str  # the output, repo-relative
    state: State


@dataclass(frozen=True)
class StatusResult:
    changes: tuple[OutStatus, ...]
    stages: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (stage, reasons) of stale stages
    # imports whose source moved on: (pointer, output, "update available (rev ...)")
    updates: tuple[tuple[str, str, str], ...] = ()
    unchecked: tuple[str, ...] = ()  # imports whose source could not be asked (warnings)

    @property
    def clean(self) -> bool:
        return not self.changes and not self.stages and not self.updates

    def to_json(self) -> dict[str, list[dict[str, str]]]:
        """{pointer file: [{path, status}], stage name: [{reason}]}, only what differs."""
        out: dict[str, list[dict[str, str]]] = {}
        for c in self.changes:
            out.setdefault(c.pointer, []).append({"path": c.path, "status": c.state})
        for pointer, path, text in self.updates:
            out.setdefault(pointer, []).append({"path": path, "status": text})
        for name, texts in self.stages:
            out[name] = [{"reason": text} for text in texts]
        return out


def status(
    repo: Repo,
    targets: Sequence[str] = (),
    *,
    progress: Progress | None = None,
    total: Progress | None = None,
) -> StatusResult:
    """Compare every tracked output in the workspace with its pointer (read-only)."""
    with tracked.listed_once(repo):
        return _status(repo, targets, progress=progress, total=total)


def _status(
    repo: Repo,
    targets: Sequence[str],
    *,
    progress: Progress | None = None,
    total: Progress | None = None,
) -> StatusResult:
    hasher = Hasher(repo.root, repo.state, repo.ignore, progress=progress, total=total)
    found = tracked.listing(repo)  # one `git ls-files` for pointers and pipeline files
    try:  # every pointer's walk begins before the pipeline modules load, when no targets
        early = None if targets else _begin_walks(repo, hasher, [], targets, found)
        if targets or found.pipelines:
            from gitml.pipeline.targets import split as split_targets

            stage_targets, path_targets = split_targets(repo, targets, found)
        else:  # no pipeline, no targets: the pipeline modules (and their regexes) stay unloaded
            stage_targets, path_targets = [], []
        if targets:
            early = _begin_walks(repo, hasher, path_targets, targets, found)
        stages = stale_stages(repo, stage_targets, found) if stage_targets or not targets else ()
        pointers = early if early is not None else _pointers(repo, path_targets, targets, found)
        return _compare(repo, hasher, pointers, stages)
    finally:
        hasher.close()


def _pointers(
    repo: Repo, path_targets: Sequence[str], targets: Sequence[str], found: tracked.Listing
) -> list[Pointer]:
    return tracked.select(repo, path_targets, found) if path_targets or not targets else []


def _begin_walks(
    repo: Repo,
    hasher: Hasher,
    path_targets: Sequence[str],
    targets: Sequence[str],
    found: tracked.Listing,
) -> list[Pointer] | None:
    """The pointers, their folders' walks begun (a child process reads while the stages
    are checked); None if they cannot be read now: the same call then raises in turn."""
    try:
        pointers = _pointers(repo, path_targets, targets, found)
        for pointer in pointers:
            for out in pointer.outs:
                rel = pointer.out_rel(out)
                hasher.begin(repo.abspath(rel), rel)
    except Exception:
        return None
    return pointers


def _compare(
    repo: Repo,
    hasher: Hasher,
    pointers: Sequence[Pointer],
    stages: tuple[tuple[str, tuple[str, ...]], ...],
) -> StatusResult:
    changes = []
    for pointer in pointers:
        for out in pointer.outs:
            rel = pointer.out_rel(out)
            current = hasher.scan(repo.abspath(rel), rel, need_tree=False)
            state: State | None = None
            if current is None:
                state = "deleted" if repo.cache.exists(out.digest) else "not in cache"
            elif current.hash_info.digest != out.digest:
                corrupt = corrupt_in_place(repo, hasher, rel, out.hash_info, current)
                state = "modified in place, cache object corrupt" if corrupt else "modified"
            elif not repo.cache.exists(out.digest):
                state = "not in cache"
            if state is not None:
                changes.append(OutStatus(pointer.rel, rel, state))
    if not any(p.source is not None for p in pointers):  # no imports: no source to ask
        return StatusResult(tuple(changes), stages)
    from gitml.xrepo.check import updates

    moved, unchecked = updates(pointers)
    return StatusResult(tuple(changes), stages, moved, unchecked)


def corrupt_in_place(
    repo: Repo, hasher: Hasher, rel: str, info: HashInfo, current: Scanned
) -> bool:
    """True if a modified output has a file still linked to the cache object it was placed
    from (the same inode, or a symlink to it) and that object no longer hashes to its name:
    the edit went into the cache itself.

    Only asked about modified outputs; a folder is looked into only when the cache type
    allows links, so the copy/reflink case costs nothing more."""
    from gitml.link import linked_to
    from gitml.materialize import target_files

    def corrupt(path: str, oid: str) -> bool:
        linked = linked_to(repo.abspath(path), repo.cache.path(oid)) is not None
        return linked and not repo.cache.verify(oid)

    if not info.is_dir:
        return corrupt(rel, info.digest)
    if not {"hardlink", "symlink"} & set(repo.config.cache_types):
        return False
    want = target_files(repo, rel, info) or {}
    tree = current.tree or _tree_of(hasher.scan(repo.abspath(rel), rel))
    have = {f"{rel}/{e.path}": e.digest for e in tree or ()}
    return any(have.get(p, oid) != oid and corrupt(p, oid) for p, (oid, _) in want.items())


def _tree_of(scan: Scanned | None) -> Tree | None:
    return scan.tree if scan is not None else None


def stale_stages(
    repo: Repo, targets: Sequence[str], found: tracked.Listing | None = None
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(address, reasons) of the stale stages (of `targets`, stage addresses, if given)."""
    found = found or tracked.listing(repo)
    if not found.pipelines:
        return ()
    from gitml.pipeline import execute
    from gitml.pipeline import lock as lockfile
    from gitml.pipeline.project import load_dag
    from gitml.pipeline.status import stale_reasons

    dag = load_dag(repo, found=found)
    locks = lockfile.load_project(repo.root, dag.files, repo.state)
    hash_of = execute.hash_of(repo)
    stale = []
    chosen = set(targets)
    for name in dag.order():
        if targets and name not in chosen:
            continue
        stage = dag.stages[name]
        if stage.frozen:
            continue
        why = stale_reasons(repo.root, stage, locks.get(name), hash_of, in_cache=repo.cache.exists)
        if why:
            stale.append((name, tuple(str(w) for w in why)))
    return tuple(stale)
