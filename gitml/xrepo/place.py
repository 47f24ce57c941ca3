"""`gitml get`'s copy: an output written to a plain path, all or nothing (built under a temp
name beside it, then renamed into place). From the cache (`write_copy`), or, outside a gitml
repository, straight from the source's remote (`fetch_copy`: each file hashed as it is
written, no cache in between)."""

from __future__ import annotations

import contextlib
import os
import shutil

from gitml.hashing import HashInfo, hash_bytes, hash_file
from gitml.odb import SMALL_FILE, ObjectStore
from gitml.remote import RemoteStore
from gitml.transfer import transfer
from gitml.xrepo.fetch import Lazy, manifest, part, raise_failed
from gitml.xrepo.source import Found, Source


def write_copy(cache: ObjectStore, info: HashInfo, dest: str, *, force: bool) -> int:
    """Write the output `info` from `cache` to `dest` (replacing what is there only with
    `force`, which the caller checked); the number of files written."""
    files = _files(info, cache.read_tree(info.digest, where="manifest") if info.is_dir else None)

    def build(tmp: str) -> None:
        for rel, (oid, _) in files.items():
            shutil.copyfile(cache.path(oid), os.path.join(tmp, *rel.split("/")) if rel else tmp)

    return _place(dest, files, build, force=force)


def fetch_copy(source: Source, sha: str, found: Found, dest: str, *, force: bool) -> int:
    """Write the gitml output `found` to `dest` from the source's remote; the file count."""
    assert found.info is not None
    info, where = found.info, f"{found.full} in {source.url}"
    remote = Lazy(source, sha, found.path)
    tree = None
    if info.is_dir:
        tree = manifest(remote, ObjectStore(os.devnull), info, where, {})
        if found.inner:
            info, tree = part(tree, found, where)
    files = _files(info, tree if info.is_dir else None)

    def build(tmp: str) -> None:
        store = remote.store()
        task = lambda rel: _download(store, *files[rel], _at(tmp, rel))  # noqa: E731
        result = transfer(sorted(files), task, jobs=store.jobs)
        if result.failed:
            raise_failed(where, result.failed)

    return _place(dest, files, build, force=force)


def _files(info: HashInfo, tree: object) -> dict[str, tuple[str, int]]:
    """rel inside the output ('' for a file output) -> (oid, size)."""
    if tree is None:
        return {"": (info.digest, info.size)}
    return {e.path: (e.digest, e.size) for e in tree}  # type: ignore[attr-defined]


def _at(tmp: str, rel: str) -> str:
    return os.path.join(tmp, *rel.split("/")) if rel else tmp


def _download(store: RemoteStore, oid: str, size: int, path: str) -> None:
    """One file, hashed before it counts: a mismatch is a corrupt object."""
    from gitml.errors import GitmlError

    try:
        if size <= SMALL_FILE:
            data = store.read(oid)
            if hash_bytes(data) != oid:
                raise GitmlError(f"object {oid} from remote '{store.name}' is corrupt")
            with open(path, "wb") as f:
                f.write(data)
            return
        store.download(oid, path)
    except FileNotFoundError:
        raise GitmlError(f"object {oid} missing on remote '{store.name}'") from None
    if hash_file(path)[0] != oid:
        raise GitmlError(f"object {oid} from remote '{store.name}' is corrupt")


def _place(dest: str, files: dict[str, tuple[str, int]], build: object, *, force: bool) -> int:
    folder = os.path.dirname(os.path.abspath(dest))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(dest)}.gitml-get-{os.getpid()}")
    try:
        if "" not in files:
            for sub in sorted({os.path.dirname(_at(tmp, rel)) for rel in files} | {tmp}):
                os.makedirs(sub, exist_ok=True)
        build(tmp)  # type: ignore[operator]
        if os.path.lexists(dest) and force:
            _remove(dest)
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            _remove(tmp)
    return len(files)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)
