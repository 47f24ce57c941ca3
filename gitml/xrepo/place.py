"""`gitml get`'s copy: an output's objects written to a plain path, all or nothing (built
under a temp name beside it, then renamed into place)."""

from __future__ import annotations

import contextlib
import os
import shutil

from gitml.hashing import HashInfo
from gitml.odb import ObjectStore


def write_copy(cache: ObjectStore, info: HashInfo, dest: str, *, force: bool) -> int:
    """Write the output `info` to `dest` (replacing what is there only with `force`, which
    the caller checked); the number of files written."""
    folder = os.path.dirname(os.path.abspath(dest)) or "."
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(dest)}.gitml-get-{os.getpid()}")
    try:
        count = _build(cache, info, tmp)
        if os.path.lexists(dest) and force:
            _remove(dest)
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            _remove(tmp)
    return count


def _build(cache: ObjectStore, info: HashInfo, tmp: str) -> int:
    if not info.is_dir:
        shutil.copyfile(cache.path(info.digest), tmp)
        return 1
    tree = cache.read_tree(info.digest, where=f"manifest {info.digest}")
    os.mkdir(tmp)
    made = {tmp}
    for entry in tree:
        path = os.path.join(tmp, *entry.path.split("/"))
        parent = os.path.dirname(path)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        shutil.copyfile(cache.path(entry.digest), path)
    return len(tree)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)
