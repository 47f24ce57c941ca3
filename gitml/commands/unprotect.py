"""`gitml unprotect`: turn linked workspace files into writable copies.

A file linked into the cache is copied and hashed in one pass; if its bytes no longer match
the object's name (root, who ignores the read-only bit, edited it in place), nothing is
replaced: the copy would carry the corrupt object's bytes on as if they were the data.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Sequence

from gitml import atomic, tracked
from gitml.errors import BadInputError, CorruptObjectError
from gitml.hashing import HashInfo
from gitml.link import copy_hashed, linked_to
from gitml.materialize import target_files
from gitml.paths import is_within
from gitml.repo import Repo

Linked = tuple[str, str]  # (oid, "hardlink" or "symlink")


def unprotect(repo: Repo, paths: Sequence[str]) -> int:
    """Replace hardlinks/symlinks into the cache (and read-only files) below `paths`: all of
    them, or none when one is linked to a corrupt object."""
    if not paths:
        raise BadInputError("nothing to unprotect: give at least one path")
    pointers = tracked.load_all(repo)
    tops = []
    for path in paths:
        rel = tracked.rel_of(repo, path)
        if tracked.owner_of(pointers, rel) is None:
            raise BadInputError(f"{path}: not tracked by gitml")
        if not os.path.lexists(repo.abspath(rel)):
            raise BadInputError(f"{path}: no such file or directory")
        tops.append(rel)
    with repo.lock():
        outputs = [
            (pointer.out_rel(out), out.hash_info) for pointer in pointers for out in pointer.outs
        ]
        return unprotect_outputs(repo, tops, outputs)


def unprotect_outputs(
    repo: Repo, tops: Sequence[str], outputs: Sequence[tuple[str, HashInfo]]
) -> int:
    """`unprotect` of the existing repo-relative paths `tops`, checked against the objects
    `outputs` (path, hash) name; the caller holds the repository lock."""
    want: dict[str, str] = {}  # abspath -> the oid its pointer names
    for out_rel, info in outputs:
        if any(_overlap(out_rel, top) for top in tops):
            files = target_files(repo, out_rel, info) or {}
            want.update((repo.abspath(r), oid) for r, (oid, _) in files.items())
    todo = {
        path: _linked(repo, path, want.get(path))
        for top in tops
        for path in _files(repo.abspath(top))
        if _protected(path)
    }
    _copy_all(repo, todo)
    return len(todo)


def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _files(top: str) -> list[str]:
    if not os.path.isdir(top) or os.path.islink(top):
        return [top]
    return [os.path.join(d, f) for d, _, names in os.walk(top) for f in names]


def _protected(path: str) -> bool:
    st = os.lstat(path)
    return stat.S_ISLNK(st.st_mode) or st.st_nlink > 1 or not st.st_mode & stat.S_IWUSR


def _linked(repo: Repo, path: str, oid: str | None) -> Linked | None:
    """The cache object `path` is linked to (the one its pointer names, or any a symlink
    leads to) and how; None for a file with its own bytes."""
    if oid is not None:
        how = linked_to(path, repo.cache.path(oid))
        if how is not None:
            return oid, how
    if os.path.islink(path):
        real = os.path.realpath(path)
        base = os.path.realpath(repo.cache.base)
        if is_within(real, base) and real != base:
            return os.path.relpath(real, base).replace(os.sep, ""), "symlink"
    return None


def _copy_all(repo: Repo, todo: dict[str, Linked | None]) -> None:
    """Copy every file of `todo` next to itself, checking linked ones against their object's
    name; only when all are sound do the copies replace them."""
    copies: list[tuple[str, str]] = []
    try:
        for path, linked in todo.items():
            tmp = atomic.tmp_name(path)
            copies.append((tmp, path))
            digest = copy_hashed(path, tmp)  # follows a symlink to the cache object
            if linked is not None and digest != linked[0].split(".")[0]:
                rel = os.path.relpath(path, repo.root).replace(os.sep, "/")
                raise CorruptObjectError(
                    f"{rel} was changed in place through a {linked[1]}: the cache object"
                    f" {linked[0]} is corrupt; nothing was unprotected",
                    hint="run 'gitml fsck' to quarantine it, then 'gitml pull' to restore it",
                )
        for tmp, path in copies:
            os.replace(tmp, path)
        copies = []
    finally:
        for tmp, _ in copies:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
