"""Re-take DVC's md5 digests as xxh3, reading each file's bytes once.

The bytes of a file DVC recorded come from DVC's cache or the workspace, whichever holds
bytes whose md5 is the one DVC recorded (checked on the same pass that takes the xxh3 and
copies them into gitml's cache): nothing DVC wrote is trusted blindly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import posixpath
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Lock

from gitml.constants import DIR_SUFFIX
from gitml.errors import BadInputError, name_path
from gitml.hashing import HashInfo, new_hasher
from gitml.migrate.dvcrepo import DvcRepo, Recorded
from gitml.odb import OBJECT_MODE, SMALL_FILE, ObjectStore
from gitml.record import dataclass
from gitml.statcache import StatKey, stat_key
from gitml.tree import Tree, TreeEntry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CHUNK = 1024 * 1024  # DVC 2 hashed md5-dos2unix per 1 MiB chunk: so do we
_TEXT = bytes(range(32, 127)) + b"\n\r\t\f\b"


@dataclass(frozen=True, slots=True)
class Found:
    digest: str  # xxh3
    size: int
    source: str  # the file the bytes came from
    key: StatKey  # its stat before it was read


class Rehasher:
    """md5 -> xxh3 for the files and directories of one DVC repository; `store`: where the
    bytes of cached outputs land. `ignored(rel)`: a workspace file DVC leaves out."""

    def __init__(
        self,
        dvc: DvcRepo,
        store: ObjectStore,
        *,
        jobs: int = 4,
        ignored: Callable[[str], bool] | None = None,
        adopt: Callable[[str, str], None] | None = None,
    ) -> None:
        """`adopt(oid, path)`, when given, moves a checked object file of DVC's cache into
        `store` (no copy): for a DVC cache that goes away with the conversion."""
        self.dvc = dvc
        self.adopt = adopt
        self.store = store
        self.jobs = max(1, jobs)
        self.ignored = ignored or (lambda rel: False)
        self.done: dict[tuple[str, bool], HashInfo] = {}  # (md5, kept) -> result
        self.files = 0
        self.bytes = 0
        self._count = Lock()  # the counts above are kept by several threads
        self.legacy = False  # any DVC 2 (md5-dos2unix) digest seen
        # (stat key, xxh3) of workspace files read: the state database learns them, so the
        # first `gitml status` does not hash everything again
        self.seen: list[tuple[StatKey, str]] = []

    def recorded(self, item: Recorded, *, keep: bool, where: str) -> HashInfo:
        """The xxh3 HashInfo of what `item` recorded; its bytes copied in when `keep`."""
        self.legacy = self.legacy or item.legacy
        known = self.done.get((item.md5, keep)) or self.done.get((item.md5, True))
        if known is not None:
            return known
        if item.md5.endswith(DIR_SUFFIX):
            info = self._directory(item, keep, where)
        else:
            ws = self.dvc.abspath(item.path)
            found = self.file(item.md5, item.legacy, ws, keep, f"{where}: {item.path}")
            info = HashInfo(found.digest, found.size)
        self.done[(item.md5, keep)] = info
        return info

    def file(self, md5: str, legacy: bool, workspace: str, keep: bool, where: str) -> Found:
        """The xxh3 of the bytes whose md5 is `md5`, from DVC's cache object (moved into
        gitml's cache when it is kept and `adopt` is given) or the workspace copy (copied;
        first, when nothing is to be moved: its stat is remembered)."""
        cache = [p for p in self.dvc.cache_paths(md5) if os.path.isfile(p)]
        local = [workspace] if os.path.isfile(workspace) and not os.path.islink(workspace) else []
        move = keep and self.adopt is not None
        tried = cache + local if move else local + cache
        for path in tried:
            try:
                if move and path != workspace:
                    found = _take(path, md5, legacy, None)
                    if found is not None and self.adopt is not None:
                        self.adopt(found.digest, path)
                else:
                    found = _take(path, md5, legacy, self.store if keep else None)
            except FileNotFoundError:  # another thread moved the same object just now
                continue
            if found is not None:
                with self._count:
                    self.files += 1
                    self.bytes += found.size
                if path == workspace:
                    self.seen.append((found.key, found.digest))
                return found
        raise BadInputError(
            f"{where}: no copy of its data has the md5 DVC recorded ({md5}): "
            + ("the copies in DVC's cache and the workspace differ" if tried else "neither DVC's"
               " cache nor the workspace has it"),
            hint="run 'dvc status', then 'dvc pull' or 'dvc commit', and convert again",
        )  # fmt: skip

    def _directory(self, item: Recorded, keep: bool, where: str) -> HashInfo:
        manifest = self._manifest(item, where)
        top = self.dvc.abspath(item.path)

        def one(entry: tuple[str, str]) -> TreeEntry:
            rel, md5 = entry
            workspace = os.path.join(top, *rel.split("/"))
            found = self.file(md5, item.legacy, workspace, keep, f"{where}: {item.path}/{rel}")
            return TreeEntry(rel, found.digest, found.size)

        with ThreadPoolExecutor(self.jobs) as pool:
            tree = Tree.build(pool.map(one, manifest, chunksize=64))
        info = tree.hash_info()
        if keep:
            self.store.add_bytes(info.digest, tree.to_json())
        return info

    def _manifest(self, item: Recorded, where: str) -> list[tuple[str, str]]:
        """(relpath, md5) of every file of the directory DVC recorded: its `.dir` object
        from DVC's cache (checked), else rebuilt from the workspace and checked."""
        want = item.md5.removesuffix(DIR_SUFFIX)
        for path in self.dvc.cache_paths(item.md5):
            with contextlib.suppress(FileNotFoundError):
                with open(path, "rb") as f:
                    raw = f.read()
                if hashlib.md5(raw, usedforsecurity=False).hexdigest() == want:
                    return [(e["relpath"], e["md5"]) for e in json.loads(raw)]
        entries = self._walk(item)
        listing = [{"md5": md5, "relpath": rel} for rel, md5 in entries]
        raw = json.dumps(listing, sort_keys=True).encode("utf-8")
        if hashlib.md5(raw, usedforsecurity=False).hexdigest() != want:
            raise BadInputError(
                f"{where}: {item.path}/ is not what DVC recorded ({item.md5}), and DVC's cache"
                " has no list of its files",
                hint="run 'dvc status', then 'dvc pull' or 'dvc commit', and convert again",
            )
        return entries

    def _walk(self, item: Recorded) -> list[tuple[str, str]]:
        top = self.dvc.abspath(item.path)
        found = []
        for rel in _files_under(top):
            if self.ignored(posixpath.join(item.path, rel)):
                continue
            md5 = _md5_of(os.path.join(top, *rel.split("/")), item.legacy)
            found.append((rel, md5))
        return sorted(found)


def _files_under(top: str) -> Iterator[str]:
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in (".git", ".dvc"))
        rel = os.path.relpath(folder, top)
        for name in sorted(names):
            yield name if rel == "." else posixpath.join(rel.replace(os.sep, "/"), name)


def _md5_of(path: str, legacy: bool) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(path, "rb", buffering=0) as f:
        while chunk := f.read(CHUNK):
            md5.update(_dos2unix(chunk) if legacy else chunk)
    return md5.hexdigest()


def _dos2unix(chunk: bytes) -> bytes:
    """DVC 2's md5-dos2unix: a text chunk (judged by its first 512 bytes) with CRLF as LF."""
    head = chunk[:512]
    if b"\x00" in head or len(head.translate(None, _TEXT)) > 0.3 * len(head):
        return chunk
    return chunk.replace(b"\r\n", b"\n")


def _take(path: str, md5: str, legacy: bool, store: ObjectStore | None) -> Found | None:
    """One pass over `path`: md5 and xxh3 together, the bytes copied into `store` (when
    given) under their xxh3 only if the md5 is `md5`. None when it is not."""
    with open(path, "rb", buffering=0) as f:
        st = os.fstat(f.fileno())
        key, size = stat_key(st), st.st_size
        if size <= SMALL_FILE:
            data = f.read()
            if not _md5_matches(data, md5, legacy):
                return None
            xxh = new_hasher()
            xxh.update(data)
            digest = xxh.hexdigest()
            if store is not None:
                store.add_bytes(digest, data)
            return Found(digest, len(data), path, key)
        return _take_stream(f, path, md5, legacy, store, key)


def _md5_matches(data: bytes, md5: str, legacy: bool) -> bool:
    hasher = hashlib.md5(usedforsecurity=False)
    if legacy:
        for start in range(0, max(len(data), 1), CHUNK):
            hasher.update(_dos2unix(data[start : start + CHUNK]))
    else:
        hasher.update(data)
    return hasher.hexdigest() == md5


def _take_stream(
    f: Any, path: str, md5: str, legacy: bool, store: ObjectStore | None, key: StatKey
) -> Found | None:
    hasher, xxh = hashlib.md5(usedforsecurity=False), new_hasher()
    tmp = fd = None
    if store is not None:
        os.makedirs(store.base, exist_ok=True)
        tmp = os.path.join(store.base, f".tmp-import-{os.getpid()}-{id(f):x}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OBJECT_MODE)
    try:
        size = 0
        while chunk := f.read(CHUNK):
            hasher.update(_dos2unix(chunk) if legacy else chunk)
            xxh.update(chunk)
            size += len(chunk)
            if fd is not None:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
        digest = xxh.hexdigest()
        if hasher.hexdigest() != md5:
            return None
        if fd is not None and tmp is not None and store is not None:
            dest = store.path(digest)
            if not os.path.exists(dest):
                os.fsync(fd)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                os.replace(tmp, dest)
        return Found(digest, size, path, key)
    except OSError as e:
        name_path(e, path)
        raise
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
