"""Walk a tracked directory: every file's path and stat, the big trees in two processes.

`status` on a tracked tree of 20,000 files is bound by one `lstat` per file, as `git status`
is; Git spreads its stats over threads (core.preloadIndex). Here the per-file work is Python
as much as system call, and threads only fight over the GIL (measured: slower than one), so
once the tree has enough folders (64) the rest is shared with a forked child
(gitml/walkshare.py). A folder is read with its names and one `lstat` each in loops that run
in C (`map`), and kept as names and flat stat numbers, not a record per file: records
(`FileStat`) are built only for a walk that needs them (status needs only a fingerprint).

The result is the one-process depth-first walk's, in its order (results are kept per folder
and stitched). A child that fails in any way has its share read again by the parent, so
errors are the one-process walk's.
"""

from __future__ import annotations

import gc
import os
from collections import namedtuple
from collections.abc import Callable
from functools import partial
from itertools import chain, repeat
from operator import attrgetter
from stat import S_ISDIR, S_ISLNK, S_ISREG

from gitml.atomic import MARKER, is_tmp, remove_leftover
from gitml.errors import UnsafePathError, name_path
from gitml.ignore import IgnoreRules
from gitml.paths import is_within
from gitml.statcache import StatKey, stat_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple

    from gitml.walkshare import Walk

    class FileStat(NamedTuple):
        rel: str  # relative to the walked directory, POSIX
        abspath: str
        key: StatKey

else:
    FileStat = namedtuple("FileStat", ["rel", "abspath", "key"])  # no `typing` import (~4 ms)

# (folder, prefix, real paths of the folders the walk entered through the top or a link)
Folder = tuple[str, str, tuple[str, ...]]
# a folder read: its prefix, its files' names, their stat keys flat (inode, mtime_ns, size,
# ctime_ns per file), its skipped entries, its subfolders (in the order found)
Listing = tuple[str, list[str], list[int], list[str], list[Folder]]
# a folder in brief: the digest of its prefix, names and stats (None: a name is not UTF-8,
# so it cannot be recorded), its number of files, their newest mtime_ns, skipped, subfolders
Brief = tuple[str | None, int, int, list[str], list[Folder]]
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_MODE = attrgetter("st_mode")
_KEY = attrgetter("st_ino", "st_mtime_ns", "st_size", "st_ctime_ns")  # statcache.stat_key
_SPLIT_AT = 64  # folders found before the walk forks (a smaller tree is not worth a fork)


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
        with self.start(top) as walk:
            files = walk.files()
            if skipped is not None:
                skipped += walk.skipped()
        return files

    def start(self, top: str) -> Walk:
        """Read every folder below `top` (use the result as a context manager: it ends the
        child process, if there is one)."""
        walk = self.begin(top)
        walk.finish()
        return walk

    def begin(self, top: str) -> Walk:
        """Start reading `top`: the first folders here, then a forked child reads subtrees
        while the caller does other work, until `Walk.finish` (or `Walk.close`)."""
        root: Folder = (top, "", (os.path.realpath(top),))
        done: dict[str, Listing] = {}
        frontier = [root]  # breadth first until there is enough to share
        paused = pause_gc()
        try:
            while frontier and len(frontier) < _SPLIT_AT:
                folder = frontier.pop(0)
                done[folder[0]] = listing = self.read(folder)
                frontier.extend(listing[4])
        finally:
            resume_gc(paused)
        from gitml.walkshare import Walk

        walk = Walk(self, root, done)
        walk.share(frontier)
        return walk

    def subtrees(self, share: list[Folder], done: dict[str, Listing]) -> None:
        """Read the subtrees of `share`, depth first."""
        paused = pause_gc()
        try:
            stack = list(share)
            while stack:
                folder = stack.pop()
                done[folder[0]] = listing = self.read(folder)
                stack.extend(listing[4])
        finally:
            resume_gc(paused)

    def read(self, where: Folder) -> Listing:
        """One folder's files (names and stats), skipped entries and subfolders."""
        folder, prefix = where[0], where[1]
        fd = os.open(folder, _DIR_FLAGS)
        try:  # the names, then one lstat each relative to the folder: loops in C
            found = os.listdir(fd)
            stats = list(map(partial(os.stat, dir_fd=fd, follow_symlinks=False), found))
        except OSError as e:  # say the whole path (a stat names only the entry)
            if isinstance(e.filename, str):
                e.filename = os.path.join(folder, e.filename)
            name_path(e, folder)
            raise
        finally:
            os.close(fd)
        if (
            self.ignore is None
            and all(map(S_ISREG, map(_MODE, stats)))
            and not any(map(str.startswith, found, repeat(MARKER)))
        ):  # the hot path: only regular files, nothing to ignore
            return prefix, found, list(chain.from_iterable(map(_KEY, stats))), [], []
        return self._read_each(where, found, stats)

    def _read_each(self, where: Folder, found: list[str], stats: list[os.stat_result]) -> Listing:
        """A folder with links, subfolders, temp files or ignore rules, entry by entry."""
        folder, prefix, entered = where
        base = folder if folder.endswith("/") else folder + "/"
        names: list[str] = []
        keys: list[int] = []
        skipped: list[str] = []
        subfolders: list[Folder] = []
        ignore, rel_in_repo = self.ignore, self.rel_in_repo
        for name, st in zip(found, stats, strict=True):
            path, rel, inner = base + name, prefix + name, entered
            target: os.stat_result | None = st
            if S_ISLNK(st.st_mode):
                real = self.check_link(path, f"{rel_in_repo}/{rel}")
                try:
                    target = os.stat(path)
                except FileNotFoundError:  # a dangling link: neither a file nor a folder
                    target = None
                if target is not None and S_ISDIR(target.st_mode):
                    _check_no_loop(real, folder, entered, f"{rel_in_repo}/{rel}")
                    inner = (*entered, real)
            is_dir = target is not None and S_ISDIR(target.st_mode)
            if ignore is not None and ignore.ignored(f"{rel_in_repo}/{rel}", is_dir=is_dir):
                skipped.append(rel)
            elif is_dir:
                subfolders.append((path, rel + "/", inner))
            elif name.startswith(MARKER) and is_tmp(name):
                if not remove_leftover(path):
                    skipped.append(rel)
            elif target is not None and S_ISREG(target.st_mode):
                names.append(name)
                keys.extend(stat_key(target))
            else:
                skipped.append(rel)  # a FIFO, a socket, a device, a dangling symlink
        return prefix, names, keys, skipped, subfolders


def pause_gc() -> bool:
    """Stop the garbage collector while folders are read (it would run every 700 new
    tuples, and the reads make no cycles); True if it was running."""
    running = gc.isenabled()
    gc.disable()
    return running


def resume_gc(paused: bool) -> None:
    if paused:
        gc.enable()


def _check_no_loop(real: str, folder: str, entered: tuple[str, ...], shown: str) -> None:
    """Refuse a link to a folder that contains where the walk stands (it would never end)."""
    here = os.path.realpath(folder)
    if any(is_within(position, real) for position in (*entered, here)):
        raise UnsafePathError(f"{shown}: symlink loop (it leads back to a folder above it)")
