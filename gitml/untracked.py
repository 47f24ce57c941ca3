"""Outputs an earlier revision tracked that the work tree's pointers and lock no longer do.

After `git checkout` of an older commit, Git removes the files it tracked only in the newer
one; gitml does the same for its outputs (`model.pkl`, `data/prepared/`), so that they do not
linger as untracked files that `git add -A` would commit. An output is removed only when
every byte of it is in the cache (it can be restored by checking the newer commit out
again); otherwise it is kept and reported.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from gitml import scm
from gitml.errors import GitmlError
from gitml.hashing import HashInfo
from gitml.paths import ParentGuard
from gitml.repo import Repo
from gitml.workspace import Hasher, Scanned


@dataclass(frozen=True)
class Dropped:
    removed: tuple[str, ...] = ()  # outputs no longer tracked, their bytes safe in the cache
    kept: tuple[str, ...] = ()  # outputs no longer tracked, left: not all bytes in the cache


def previous_outputs(repo: Repo, rev: str) -> list[tuple[str, HashInfo]]:
    """The outputs tracked at `rev` (none when it is not a commit, e.g. no reflog yet)."""
    from gitml.used import outputs_at

    if not scm.is_commit(repo.root, rev):
        return []
    try:
        return outputs_at(repo, scm.resolve(repo.root, rev))
    except GitmlError:
        return []  # an unreadable old revision: nothing to compare with


def drop(
    repo: Repo, hasher: Hasher, before: Sequence[tuple[str, HashInfo]], now: Sequence[str]
) -> Dropped:
    """Remove the outputs of `before` that no output of `now` covers, when their bytes are
    all in the cache and Git does not track them now."""
    gone = sorted(
        {rel for rel, _ in before if not any(_overlaps(rel, cur) for cur in now)}
    )
    gone = [rel for rel in gone if os.path.lexists(repo.abspath(rel))]
    if not gone:
        return Dropped()
    in_git = set(scm.ls_files(repo.root, *gone, untracked=False))
    guard = ParentGuard(repo.root)
    removed, kept = [], []
    for rel in gone:
        if rel in in_git or any(p.startswith(rel + "/") for p in in_git):
            continue  # Git tracks it at this revision: not ours to remove
        path = repo.abspath(rel)
        try:
            guard.check(path)
            safe = _restorable(repo, hasher.scan(path, rel))
        except GitmlError:
            safe = False
        if not safe:
            kept.append(rel)
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
        removed.append(rel)
    return Dropped(tuple(removed), tuple(kept))


def _restorable(repo: Repo, scan: Scanned | None) -> bool:
    if scan is None or scan.skipped:
        return False
    if scan.tree is None:
        return not scan.hash_info.is_dir and repo.cache.exists(scan.hash_info.digest)
    return all(repo.cache.exists(e.digest) for e in scan.tree)


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")
