"""Walk a tracked directory: every file's path and stat, folders read on two threads.

`status` on a tracked tree of 20,000 files is bound by one `lstat` per file, as `git status`
is; Git spreads its stats over threads (core.preloadIndex), and so does this walk once the
tree has enough folders: the folders found are shared among `os.cpu_count()` threads (at
most 4), each reading whole subtrees. `lstat` releases the GIL, so the system calls overlap.
The result is the same list in the same order as a one-thread depth-first walk (the order
the directory fingerprints were built from): results are kept per folder and stitched.

Low-level `_thread` keeps `threading` (and its imports) off the status path.
"""

from __future__ import annotations

import _thread
import os
from collections import namedtuple
from collections.abc import Callable

from gitml.atomic import MARKER, is_tmp, remove_leftover
from gitml.errors import UnsafePathError
from gitml.ignore import IgnoreRules
from gitml.paths import is_within
from gitml.statcache import StatKey, stat_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple

    class FileStat(NamedTuple):
        rel: str  # relative to the walked directory, POSIX
        abspath: str
        key: StatKey

else:
    FileStat = namedtuple("FileStat", ["rel", "abspath", "key"])  # no `typing` import (~4 ms)

# (folder, prefix, real paths of the folders the walk entered through the top or a link)
Folder = tuple[str, str, tuple[str, ...]]
# a folder's files, its skipped entries, its subfolders (in the order found)
Listing = tuple[list[FileStat], list[str], list[Folder]]
_SPLIT_AT = 16  # folders found before the walk goes parallel


class Walker:
    """Reads folders below one top: `ignore` rules (None: none), `check_link(abspath,
    shown) -> real path` refusing links that leave the repository."""

    def __init__(
        self, rel_in_repo: str, ignore: IgnoreRules | None, check_link: Callable[[str, str], str]
    ) -> None:
        self.rel_in_repo = rel_in_repo
        self.ignore = ignore or None
        self.check_link = check_link

    def walk(self, top: str, skipped: list[str] | None = None) -> list[FileStat]:
        """Every file below `top`, minus ignored ones; entries not hashed (ignored, not
        regular, a live writer's temp file) are appended to `skipped` (relative to `top`).

        A symlink is followed only when it resolves inside the repository and not into .git
        or .gitml; a link to a folder that holds the walk's own position is refused."""
        root: Folder = (top, "", (os.path.realpath(top),))
        done: dict[str, Listing] = {}
        frontier = [root]  # breadth first until there is enough to share
        while frontier and len(frontier) < _SPLIT_AT:
            folder = frontier.pop(0)
            done[folder[0]] = listing = self.read(folder)
            frontier.extend(listing[2])
        if frontier:
            self._parallel(frontier, done)
        return _stitch(root, done, skipped)

    def _parallel(self, frontier: list[Folder], done: dict[str, Listing]) -> None:
        """Read the subtrees of `frontier` on up to 4 threads (this one included)."""
        threads = max(1, min(4, os.cpu_count() or 1, len(frontier)))
        shares = [frontier[i::threads] for i in range(threads)]
        errors: list[BaseException] = []
        finished = []
        for share in shares[1:]:
            lock = _thread.allocate_lock()
            lock.acquire()
            finished.append(lock)
            _thread.start_new_thread(self._subtrees, (share, done, errors, lock))
        self._subtrees(shares[0], done, errors, None)
        for lock in finished:
            lock.acquire()
        if errors:
            raise errors[0]

    def _subtrees(
        self,
        share: list[Folder],
        done: dict[str, Listing],
        errors: list[BaseException],
        finished: _thread.LockType | None,
    ) -> None:
        try:
            stack = list(share)
            while stack and not errors:
                folder = stack.pop()
                done[folder[0]] = listing = self.read(folder)
                stack.extend(listing[2])
        except BaseException as e:
            errors.append(e)
        finally:
            if finished is not None:
                finished.release()

    def read(self, where: Folder) -> Listing:
        """One folder's files (with their stats), skipped entries and subfolders."""
        folder, prefix, entered = where
        found: list[FileStat] = []
        skipped: list[str] = []
        subfolders: list[Folder] = []
        append, skip = found.append, skipped.append
        new = tuple.__new__  # FileStat(...) without its Python-level __new__ (20,000 files)
        ignore, rel_in_repo = self.ignore, self.rel_in_repo
        with os.scandir(folder) as it:
            for entry in it:
                if ignore is None and entry.is_file(follow_symlinks=False):  # the hot path
                    if entry.name.startswith(MARKER) and is_tmp(entry.name):
                        if not remove_leftover(entry.path):
                            skip(prefix + entry.name)
                        continue
                    st = entry.stat(follow_symlinks=False)
                    key = (st.st_ino, st.st_mtime_ns, st.st_size, st.st_ctime_ns)
                    append(new(FileStat, (prefix + entry.name, entry.path, key)))
                    continue
                rel = prefix + entry.name
                inner = entered
                if entry.is_symlink():
                    real = self.check_link(entry.path, f"{rel_in_repo}/{rel}")
                    if entry.is_dir():
                        _check_no_loop(real, folder, entered, f"{rel_in_repo}/{rel}")
                        inner = (*entered, real)
                is_dir = entry.is_dir()
                if ignore is not None and ignore.ignored(f"{rel_in_repo}/{rel}", is_dir=is_dir):
                    skip(rel)
                elif is_dir:
                    subfolders.append((entry.path, rel + "/", inner))
                elif entry.name.startswith(MARKER) and is_tmp(entry.name):
                    if not remove_leftover(entry.path):
                        skip(rel)
                elif entry.is_file():
                    append(FileStat(rel, entry.path, stat_key(entry.stat())))
                else:
                    skip(rel)  # a FIFO, a socket, a device, a dangling symlink
        return found, skipped, subfolders


def _stitch(root: Folder, done: dict[str, Listing], skipped: list[str] | None) -> list[FileStat]:
    """The files in one-thread depth-first order: a folder's own, then its subfolders' from
    the last found to the first (the order a stack walk pops them)."""
    found: list[FileStat] = []
    stack = [root]
    while stack:
        files, skips, subfolders = done[stack.pop()[0]]
        found += files
        if skipped is not None:
            skipped += skips
        stack += subfolders
    return found


def _check_no_loop(real: str, folder: str, entered: tuple[str, ...], shown: str) -> None:
    """Refuse a link to a folder that contains where the walk stands (it would never end)."""
    here = os.path.realpath(folder)
    if any(is_within(position, real) for position in (*entered, here)):
        raise UnsafePathError(f"{shown}: symlink loop (it leads back to a folder above it)")
