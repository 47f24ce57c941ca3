"""Outputs the previously checked-out commit tracked and the current one does not.

After `git checkout` of an older commit, Git removes the files it tracked only in the newer
one; gitml does the same for its outputs (`model.pkl`, `data/prepared/`), so that they do not
linger as untracked files that `git add -A` would commit. Only a checkout moves the data
this way: a commit that stops tracking a pointer leaves the files, as `git rm --cached` does.

What counts as still tracked: the outputs of the HEAD commit, and everything the work tree
declares (pointers, every `gitml.lock` entry, cached or not, and every stage out of
`gitml.yaml`). Of an output gone from all of those, only the regular files it recorded (its
manifest's paths, for a folder) whose bytes are in the cache are removed, then the folders
they leave empty; symlinks, other files and anything not restorable stay, and are reported.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence

from gitml import scm
from gitml.errors import GitmlError
from gitml.hashing import HashInfo
from gitml.paths import ParentGuard
from gitml.record import dataclass
from gitml.repo import Repo
from gitml.statcache import stat_key
from gitml.walk import FileStat
from gitml.workspace import Hasher

Output = tuple[str, HashInfo]


@dataclass(frozen=True)
class Dropped:
    removed: tuple[str, ...] = ()  # outputs no longer tracked, their recorded files removed
    kept: tuple[str, ...] = ()  # outputs no longer tracked, left (in part): not restorable


def checked_out_from(repo: Repo) -> str | None:
    """The commit the last `git checkout` (or switch) left, if that is what moved HEAD last
    (the reflog says so); None after a commit, reset, merge or rebase, or with no reflog."""
    try:
        subject = scm.reflog_subject(repo.root, "HEAD")
    except GitmlError:
        return None
    if subject is None or not subject.startswith("checkout: moving from "):
        return None
    return "HEAD@{1}"


def previous_outputs(repo: Repo, rev: str) -> list[Output]:
    """The outputs tracked at `rev` (none when it is not a commit)."""
    return _outputs_at(repo, rev) or []


def drop(repo: Repo, hasher: Hasher, before: Sequence[Output]) -> Dropped:
    """Remove the recorded files of the outputs of `before` that nothing tracks now."""
    if not before:
        return Dropped()
    still = _tracked_now(repo)
    if still is None:
        return Dropped()  # the work tree's files cannot be read: do nothing
    gone = [
        (rel, info)
        for rel, info in dict(before).items()
        if not any(_overlaps(rel, cur) for cur in still)
        and os.path.lexists(repo.abspath(rel))
    ]
    if not gone:
        return Dropped()
    in_git = set(scm.ls_files(repo.root, *[rel for rel, _ in gone], untracked=False))
    removed: list[str] = []
    kept: list[str] = []
    guard = ParentGuard(repo.root)
    for rel, info in sorted(gone):
        if rel in in_git or any(p.startswith(rel + "/") for p in in_git):
            continue  # Git tracks it at this revision: not ours to remove
        try:
            complete = _remove_recorded(repo, hasher, guard, rel, info)
        except (GitmlError, OSError):
            complete = False
        (removed if complete else kept).append(rel)
    return Dropped(tuple(removed), tuple(kept))


def _tracked_now(repo: Repo) -> set[str] | None:
    from gitml.constants import PIPELINE_FILE
    from gitml.pipeline import lock as lockfile
    from gitml.pipeline.project import load_dag
    from gitml.tracked import listing, load_all

    try:
        found = listing(repo)
        paths = {p.out_rel(o) for p in load_all(repo, found) for o in p.outs}
        dag = load_dag(repo, found=found)
        locks = lockfile.load_project(repo.root, {PIPELINE_FILE, *dag.files}, repo.state)
        paths |= {e.path for sl in locks.values() for e in sl.outs}
        paths |= {o.path for stage in dag.stages.values() for o in stage.outs}
    except GitmlError:
        return None
    head = _outputs_at(repo, "HEAD")
    if head is None:
        return None
    return paths | {rel for rel, _ in head}


def _outputs_at(repo: Repo, rev: str) -> list[Output] | None:
    from gitml.used import outputs_at

    if not scm.is_commit(repo.root, rev):
        return []
    try:
        return outputs_at(repo, scm.resolve(repo.root, rev))
    except GitmlError:
        return None  # an unreadable revision: nothing is known, nothing is removed


def _remove_recorded(
    repo: Repo, hasher: Hasher, guard: ParentGuard, rel: str, info: HashInfo
) -> bool:
    """Remove the output's recorded files whose bytes are in the cache; True if nothing of
    it is left."""
    if info.is_dir:
        if not repo.cache.exists(info.digest):
            return False  # its file list is unknown here: remove nothing
        names = [f"{rel}/{e.path}" for e in repo.cache.read_tree(info.digest, where=rel)]
    else:
        names = [rel]
    files = []
    for name in names:
        path = repo.abspath(name)
        guard.check(path)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode):  # never a symlink: its target is not ours
            files.append(FileStat(name, path, stat_key(st)))
    digests = hasher.hash_files(files)
    for f in files:
        if repo.cache.exists(digests[f.abspath]):
            os.unlink(f.abspath)
    _prune(repo.abspath(rel), {os.path.dirname(repo.abspath(n)) for n in names})
    return not os.path.lexists(repo.abspath(rel))


def _prune(top: str, folders: set[str]) -> None:
    """Remove the folders (up to and including `top`) that were left empty."""
    for folder in sorted(folders, key=len, reverse=True):
        while folder == top or folder.startswith(top + os.sep):
            try:
                os.rmdir(folder)
            except OSError:
                break
            if folder == top:
                break
            folder = os.path.dirname(folder)


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")
