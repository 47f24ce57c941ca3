"""Workspace entries a checkout did not hash that stand where it must write or remove.

A walk leaves some entries unhashed (`.gitmlignore`d ones, FIFOs, sockets, dangling symlinks,
another process's temp files). Removing a folder, or writing a file where one of them stands,
destroys them; that is only allowed when their bytes are safe (the target's, or an object in
the cache). Anything else is data gitml cannot restore.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping

from gitml.hashing import hash_file
from gitml.odb import ObjectStore


def in_the_way(
    root: str,
    out_rel: str,
    skipped: tuple[str, ...],
    writes: Mapping[str, str],
    *,
    remove_root: bool,
) -> dict[str, str | None]:
    """Repo-relative paths that must go before `writes` (rel -> oid) of output `out_rel` are
    placed, among its walk's unhashed entries `skipped` (relative to the output), each with
    the oid written at it (None: it is only removed). `remove_root`: the output's whole
    folder goes. `root` is the repository's absolute path."""
    entries = {f"{out_rel}/{s}" for s in skipped}
    if remove_root or not entries:
        return dict.fromkeys(sorted(entries))
    found: dict[str, str | None] = {}
    for entry in entries:  # at a target file's path, or inside a folder standing there
        for path in _self_and_parents(entry, out_rel):
            if path in writes:
                found[entry] = writes[entry] if path == entry else None
                break
    for rel, oid in writes.items():  # a target file below a skipped (ignored) folder
        for parent in _self_and_parents(rel, out_rel):
            if parent != rel and parent in entries:
                blocker = _first_blocker(root, parent, rel)
                if blocker is not None:
                    found.setdefault(blocker, oid if blocker == rel else None)
                break
    return dict(sorted(found.items()))


def _self_and_parents(rel: str, out_rel: str) -> Iterator[str]:
    """`rel`, then each folder above it up to (not including) `out_rel`."""
    while rel.startswith(out_rel + "/"):
        yield rel
        rel = rel.rsplit("/", 1)[0]


def _first_blocker(root: str, folder: str, rel: str) -> str | None:
    """Below the unwalked `folder`, on the way to `rel`: the first path that is not a
    folder, or `rel` itself if it exists as anything; None if the way is free."""
    parts = rel[len(folder) + 1 :].split("/")
    path = folder
    for i, part in enumerate(parts):
        path = f"{path}/{part}"
        try:
            st = os.lstat(os.path.join(root, path))
        except FileNotFoundError:
            return None
        if i == len(parts) - 1 or not stat.S_ISDIR(st.st_mode):
            return path
    return None


def unsafe(root: str, paths: Mapping[str, str | None], cache: ObjectStore) -> list[str]:
    """Of `paths` (from `in_the_way`), and of everything inside those that are folders, the
    repo-relative paths whose removal loses data: anything but a regular file (or a symlink
    to one) whose bytes are the target's or an object in `cache`."""
    lost: list[str] = []
    for rel, oid in paths.items():
        lost += (r for r in _entries(root, rel) if not _safe(os.path.join(root, r), oid, cache))
    return sorted(lost)


def _entries(root: str, rel: str) -> Iterator[str]:
    """`rel` if it is not a folder, else every non-folder entry below it (not following
    symlinks); nothing if it is gone."""
    path = os.path.join(root, rel)
    if not os.path.isdir(path) or os.path.islink(path):
        if os.path.lexists(path):
            yield rel
        return
    for dirpath, dirnames, names in os.walk(path):
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in sorted(names + links):
            yield os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")


def _safe(path: str, oid: str | None, cache: ObjectStore) -> bool:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # follows a symlink to its file
            return False
        digest = hash_file(path)[0]
    except OSError:  # a dangling symlink, an unreadable file
        return False
    return digest == (oid or "").split(".")[0] or cache.exists(digest)
