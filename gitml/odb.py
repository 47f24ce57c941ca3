"""ObjectStore: a content-addressed store of files under `<root>/xxh3/ab/cdef...`.

Objects are written under a temporary name in the same filesystem, then renamed, and made
read-only, so an interrupted write never leaves a wrong object under its final name.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterator

from gitml import bigio
from gitml.constants import DIR_SUFFIX, HASH_DIR, QUARANTINE_DIR
from gitml.errors import CorruptObjectError, MissingObjectError, name_path
from gitml.hashing import CHUNK, check_digest, hash_bytes, hash_file, is_digest
from gitml.tree import Tree

SMALL_FILE = 1024 * 1024
_FSYNC_EACH_MAX = 64
OBJECT_MODE = 0o444
_COUNTER = itertools.count()
_TOKEN = [os.urandom(4).hex()]  # per process: pids repeat across hosts sharing a remote


def _new_token() -> None:
    _TOKEN[0] = os.urandom(4).hex()


os.register_at_fork(after_in_child=_new_token)


def is_temp_name(name: str) -> bool:
    """A file name an object has while it is written: `.tmp-TOKEN-N` (here) or
    `<object>.<pid>.tmp` (remotes on fsspec filesystems without atomic uploads)."""
    return name.startswith(".tmp-") or name.endswith(".tmp")


class ObjectStore:
    """A local content-addressed object store rooted at `root`."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.base = os.path.join(root, HASH_DIR)
        self._made: set[str] = set()
        self._unsynced: list[str] = []  # small objects written since the last sync()
        self._trees: dict[str, Tree] = {}

    def path(self, oid: str) -> str:
        check_digest(oid, where="object store")
        return os.path.join(self.base, oid[:2], oid[2:])

    def exists(self, oid: str) -> bool:
        return os.path.exists(self.path(oid))

    def _prefix_dir(self, oid: str) -> str:
        folder = os.path.dirname(self.path(oid))
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        return folder

    def _tmp_path(self, folder: str) -> str:
        """A unique temp name in `folder` (`gc` removes stale ones): a random token drawn once
        per process and a counter (not a random-number system call per object)."""
        return os.path.join(folder, f".tmp-{_TOKEN[0]}-{next(_COUNTER):x}")

    def add_bytes(self, oid: str, data: bytes, *, fsync: bool = False) -> bool:
        """Store `data` as `oid` (caller computed it). False if it was already there."""
        dest = self.path(oid)
        if os.path.exists(dest):
            return False
        tmp = self._tmp_path(self._prefix_dir(oid))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OBJECT_MODE)
        try:  # from here on the temp file is ours to remove
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                if fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, dest)
        except BaseException as e:
            name_path(e, dest)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if not fsync:
            self._unsynced.append(dest)
        return True

    def add_file(self, src: str) -> tuple[str, int]:
        """Hash `src` while copying it into the store; one read of the file.

        Returns (digest, size). A large file is fsynced before it gets its final name;
        small ones are made durable in batches by `sync()`.
        """
        with open(src, "rb", buffering=0) as f:
            size = os.fstat(f.fileno()).st_size
            if size <= SMALL_FILE:
                data = f.read()
                oid = hash_bytes(data)
                self.add_bytes(oid, data)
                return oid, len(data)
            return self._add_stream(f.fileno(), size)

    def _add_stream(self, src: int, size: int) -> tuple[str, int]:
        os.makedirs(self.base, exist_ok=True)
        tmp = self._tmp_path(self.base)
        fd = bigio.create(tmp, OBJECT_MODE, direct=size >= bigio.DIRECT_MIN)
        try:  # from here on the temp file is ours to remove
            try:
                oid, size = bigio.copy_hashed(src, fd)
                if not os.path.exists(self.path(oid)):
                    os.fsync(fd)
            finally:
                os.close(fd)
            dest = self.path(oid)
            if os.path.exists(dest):
                os.unlink(tmp)
            else:
                self._prefix_dir(oid)
                os.replace(tmp, dest)
        except BaseException as e:
            name_path(e, tmp)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return oid, size

    def add_copy(self, oid: str, src: str) -> None:
        """Copy the large object file `src` in as `oid`, hashing it on the way: it is fsynced
        and renamed to `oid` only if its bytes match. `src` is another store's object, so it
        is read around the page cache like the copy is written."""
        if self.exists(oid):
            return
        tmp = self._tmp_path(self._prefix_dir(oid))
        direct = os.stat(src).st_size >= bigio.DIRECT_MIN
        fd_in = bigio.open_read(src, direct=direct)
        try:
            fd = bigio.create(tmp, OBJECT_MODE, direct=direct)
            try:  # from here on the temp file is ours to remove
                try:
                    digest, _ = bigio.copy_hashed(fd_in, fd)
                    if digest != oid.removesuffix(DIR_SUFFIX):
                        raise CorruptObjectError(
                            f"object {oid} is corrupt: its bytes do not match its name"
                        )
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.replace(tmp, self.path(oid))
            except OSError as e:
                name_path(e, self.path(oid))
                raise
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        finally:
            os.close(fd_in)

    def adopt(self, oid: str, src: str) -> bool:
        """Move the file `src`, whose bytes the caller checked hash to `oid`, into the store:
        a rename, no copy (`import-dvc` takes over DVC's cache objects). False, and `src`
        left alone, when the object is already here; OSError (EXDEV) across filesystems."""
        dest = self.path(oid)
        if os.path.exists(dest):
            return False
        self._prefix_dir(oid)
        os.chmod(src, OBJECT_MODE)
        os.rename(src, dest)
        self._unsynced.append(dest)
        return True

    def add_verified(self, oid: str, data: bytes) -> None:
        """Store downloaded `data` as `oid` only if it hashes to that name."""
        if hash_bytes(data) != oid.removesuffix(DIR_SUFFIX):
            raise CorruptObjectError(f"object {oid} is corrupt: its bytes do not match its name")
        self.add_bytes(oid, data)

    def add_verified_from(self, oid: str, fill: Callable[[str], object]) -> None:
        """`fill(tmp_path)` writes a large object to a temp file; it is hashed, fsynced and
        renamed to `oid` only if it matches."""
        tmp = self._tmp_path(self._prefix_dir(oid))
        try:
            fill(tmp)
            digest, _ = hash_file(tmp)
            if digest != oid.removesuffix(DIR_SUFFIX):
                raise CorruptObjectError(
                    f"object {oid} is corrupt: its bytes do not match its name"
                )
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(tmp, OBJECT_MODE)
            os.replace(tmp, self.path(oid))
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def read_bytes(self, oid: str) -> bytes:
        """The object's bytes (plain os calls: no buffering, isatty or seek per object)."""
        try:
            fd = os.open(self.path(oid), os.O_RDONLY)
        except FileNotFoundError as e:
            raise MissingObjectError(f"object {oid} is not in the cache") from e
        try:
            size = os.fstat(fd).st_size
            chunks = [os.read(fd, size + 1)]
            while chunks[-1] and sum(map(len, chunks)) > size:  # grew while read: finish it
                chunks.append(os.read(fd, CHUNK))
            return b"".join(chunks)
        finally:
            os.close(fd)

    def read_tree(self, oid: str, *, where: str) -> Tree:
        """The directory manifest `oid`, verified and parsed once per process (an object
        never changes: fetch and then checkout in one pull read a 20k-entry manifest once)."""
        tree = self._trees.get(oid)
        if tree is None:
            tree = self._trees[oid] = Tree.from_json(self.read_verified(oid), where=where)
        return tree

    def read_verified(self, oid: str) -> bytes:
        data = self.read_bytes(oid)
        if hash_bytes(data) != oid.removesuffix(DIR_SUFFIX):
            raise CorruptObjectError(
                f"cache object {oid} is corrupt", hint="run 'gitml fsck' to quarantine it"
            )
        return data

    def verify(self, oid: str) -> bool:
        """True if the object's bytes hash to its name."""
        return self.hash(oid) == oid.removesuffix(DIR_SUFFIX)

    def hash(self, oid: str) -> str:
        """The digest of the object's bytes (a large one read around the page cache)."""
        path = self.path(oid)
        size = os.stat(path).st_size
        if size < bigio.DIRECT_MIN:
            return hash_file(path, size)[0]
        return bigio.hash_path(path, direct=True)[0]

    def iter_oids(self) -> Iterator[str]:
        try:
            prefixes = sorted(os.listdir(self.base))
        except FileNotFoundError:
            return
        for prefix in prefixes:
            folder = os.path.join(self.base, prefix)
            if len(prefix) != 2 or not os.path.isdir(folder):
                continue
            for name in sorted(os.listdir(folder)):
                if is_digest(prefix + name):  # not temp files, nor strays
                    yield prefix + name

    def quarantine(self, oid: str) -> str:
        """Move a corrupt object out of the store; returns where it went."""
        folder = os.path.join(self.root, QUARANTINE_DIR)
        os.makedirs(folder, exist_ok=True)
        dest = os.path.join(folder, oid)
        os.replace(self.path(oid), dest)
        return dest

    def sync(self) -> None:
        """Make every object written since the last call durable: a few are fsynced one by
        one (with their folders); many at once take one syncfs of the cache's filesystem."""
        pending, self._unsynced = self._unsynced, []
        if not pending:
            return
        if len(pending) > _FSYNC_EACH_MAX:
            fd = os.open(self.base, os.O_RDONLY)
            try:
                _syncfs(fd)
            finally:
                os.close(fd)
            return
        for path in [*pending, *{os.path.dirname(p) for p in pending}]:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _syncfs(fd: int) -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.syncfs(fd) == 0:
            return
    except (OSError, AttributeError):
        pass
    os.sync()
