"""Hash workspace paths: walk directories, reuse the stat cache, hash misses in threads."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence

from gitml.atomic import MARKER, is_tmp, name_tag, remove_leftover, tmp_tag
from gitml.errors import BadInputError
from gitml.hashing import HashInfo, hash_file
from gitml.ignore import IgnoreRules
from gitml.odb import ObjectStore
from gitml.paths import check_real_inside, check_utf8_names
from gitml.record import dataclass
from gitml.statcache import StatCache, now_ns, stat_key
from gitml.tree import Tree, TreeEntry
from gitml.walk import FileStat, Walker
from gitml.walkshare import Walk

Progress = Callable[[int], None]
_CHUNK_FILES = 128


@dataclass(frozen=True)
class Scanned:
    """A hashed workspace path. `tree` is a directory's manifest (None for a file, or for a
    directory answered from the state database when no tree was asked for). `skipped` are a
    directory's entries that were not hashed (ignored ones, FIFOs, sockets, dangling
    symlinks, another process's temp files), relative to it: gitml cannot restore them."""

    hash_info: HashInfo
    tree: Tree | None
    skipped: tuple[str, ...] = ()


class Hasher:
    """Hashes workspace files; with `store`, also copies each missing object into it.

    A gitml temp file (`atomic.tmp_name`) seen in a walked folder, or beside a scanned path
    and named after it, is never hashed; if the process that made it is gone, it is removed.
    """

    def __init__(
        self,
        repo_root: str,
        state: StatCache,
        ignore: IgnoreRules,
        *,
        store: ObjectStore | None = None,
        jobs: int | None = None,
        progress: Progress | None = None,
        total: Progress | None = None,
    ) -> None:
        self.repo_root = os.path.realpath(repo_root)
        self.state = state
        self.ignore = ignore
        self.store = store
        self.jobs = jobs or min(8, 2 * (os.cpu_count() or 1))
        self.progress = progress
        self.total = total  # told how many files each scan will count in `progress`
        self._temps: dict[str, list[str]] = {}  # folder -> its temp-like names
        self._begun: dict[str, tuple[Walk, int]] = {}  # abspath -> (walk, its start time)

    def scan(self, abspath: str, rel_in_repo: str, *, need_tree: bool = True) -> Scanned | None:
        """Hash the file or directory at `abspath`; None if it does not exist.

        With `need_tree=False` a directory whose every file has the same stat as at its last
        hashing is answered from the state database without building its manifest.
        """
        self._check_link(abspath, rel_in_repo)  # also when missing: a parent may be a symlink
        self._sweep_beside(abspath)
        try:
            st = os.stat(abspath)
        except FileNotFoundError:
            return None
        if stat.S_ISDIR(st.st_mode):
            return self._scan_dir(abspath, rel_in_repo, need_tree)
        if not stat.S_ISREG(st.st_mode):
            raise BadInputError(f"{rel_in_repo}: not a regular file or directory")
        if self.total:
            self.total(1)
        only = FileStat(os.path.basename(abspath), abspath, stat_key(st))
        digest = self.hash_files([only])[abspath]
        return Scanned(HashInfo(digest, st.st_size), None)

    def begin(self, abspath: str, rel_in_repo: str) -> None:
        """Start walking the directory at `abspath` (its child process reads while the
        caller does other work) for a later `scan` of it; call `close` when done. Nothing
        is raised here: a problem is found again, in order, by the scan."""
        started = now_ns()
        try:
            self._check_link(abspath, rel_in_repo)
            if os.path.isdir(abspath) and abspath not in self._begun:
                self._begun[abspath] = (self.walker(rel_in_repo).begin(abspath), started)
        except Exception:
            return

    def close(self) -> None:
        """End the walks `begin` started that no scan used."""
        while self._begun:
            self._begun.popitem()[1][0].close()

    def _scan_dir(self, abspath: str, rel_in_repo: str, need_tree: bool) -> Scanned:
        begun = self._begun.pop(abspath, None)
        if begun is None:
            started = now_ns()
            begun = self.walker(rel_in_repo).begin(abspath), started
        walk, started = begun
        with walk:
            walk.finish()
            if self.total:
                self.total(walk.count())
            if not need_tree and self.store is None:
                fingerprint = walk.fingerprint(started)
                known = (
                    None if fingerprint is None else self.state.get_tree(rel_in_repo, fingerprint)
                )
                if known is not None:
                    if self.progress:
                        self.progress(walk.count())
                    return Scanned(known, None, tuple(walk.skipped()))
            files = walk.files()
            fingerprint = walk.fingerprint(started)  # of these files (a re-read may differ)
            skipped = walk.skipped()
        check_utf8_names([f.rel for f in files], folder=rel_in_repo)
        digests = self.hash_files(files)
        tree = Tree.build(TreeEntry(f.rel, digests[f.abspath], f.key[2]) for f in files)
        info = tree.hash_info()
        if self.store is not None:
            self.store.add_bytes(info.digest, tree.to_json())
        if fingerprint is not None:
            self.state.put_tree(rel_in_repo, fingerprint, info)
        return Scanned(info, tree, tuple(skipped))

    def _sweep_beside(self, abspath: str) -> None:
        """Remove the dead temp files of `abspath` (or of its pointer) in its folder."""
        folder, name = os.path.split(abspath)
        temps = self._temps.get(folder)
        if temps is None:
            try:
                temps = [n for n in os.listdir(folder) if n.startswith(MARKER)]
            except OSError:
                temps = []
            self._temps[folder] = temps
        if temps:
            tags = {name_tag(name), name_tag(name + ".gitml")}
            for temp in temps:
                if is_tmp(temp) and tmp_tag(temp) in tags:
                    remove_leftover(os.path.join(folder, temp))

    def walk(self, top: str, rel_in_repo: str, skipped: list[str] | None = None) -> list[FileStat]:
        """Every file below `top`, minus .gitmlignore matches (gitml/walk.py)."""
        return self.walker(rel_in_repo).walk(top, skipped)

    def walker(self, rel_in_repo: str) -> Walker:
        return Walker(rel_in_repo, self.ignore, self._check_link)

    def _check_link(self, abspath: str, shown: str | None = None) -> str:
        """The real path of `abspath`; refuses a symlink loop, or a path that resolves
        outside the repository or into its .git or .gitml."""
        return check_real_inside(self.repo_root, abspath, what=shown or abspath)

    def hash_files(self, files: Sequence[FileStat]) -> dict[str, str]:
        """abspath -> digest for `files`, from the stat cache where it is fresh."""
        started = now_ns()
        known = self.state.get_many(f.key for f in files)
        result: dict[str, str] = {}
        todo: list[FileStat] = []
        for f in files:
            digest = known.get(f.key)
            if digest is None or (self.store is not None and not self.store.exists(digest)):
                todo.append(f)
            else:
                result[f.abspath] = digest
        if self.progress and result:
            self.progress(len(result))
        fresh = self._hash_many(todo)
        result.update((f.abspath, d) for f, d in zip(todo, fresh, strict=True))
        self.state.put_many(
            ((f.key, d) for f, d in zip(todo, fresh, strict=True)), hashed_at_ns=started
        )
        return result

    def _hash_many(self, files: Sequence[FileStat]) -> list[str]:
        if len(files) <= _CHUNK_FILES:
            return self._hash_chunk(files)
        from concurrent.futures import ThreadPoolExecutor  # ~6 ms: only when there is work

        chunks = [files[i : i + _CHUNK_FILES] for i in range(0, len(files), _CHUNK_FILES)]
        with ThreadPoolExecutor(self.jobs) as pool:
            return [d for part in pool.map(self._hash_chunk, chunks) for d in part]

    def _hash_chunk(self, files: Sequence[FileStat]) -> list[str]:
        out = []
        for f in files:
            if self.store is not None:
                digest, _ = self.store.add_file(f.abspath)
            else:
                digest, _ = hash_file(f.abspath, f.key[2])
            out.append(digest)
        if self.progress:
            self.progress(len(files))
        return out
