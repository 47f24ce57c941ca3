"""`gitml unprotect`: turn linked workspace files into writable copies."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Sequence

from gitml import atomic, tracked
from gitml.errors import BadInputError
from gitml.repo import Repo


def unprotect(repo: Repo, paths: Sequence[str]) -> int:
    """Replace hardlinks/symlinks into the cache (and read-only files) below `paths`."""
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
        tops.append(repo.abspath(rel))
    count = 0
    with repo.lock():
        for top in tops:
            for path in _files(top):
                if _protected(path):
                    _make_copy(path)
                    count += 1
    return count


def _files(top: str) -> list[str]:
    if not os.path.isdir(top) or os.path.islink(top):
        return [top]
    return [os.path.join(d, f) for d, _, names in os.walk(top) for f in names]


def _protected(path: str) -> bool:
    st = os.lstat(path)
    return stat.S_ISLNK(st.st_mode) or st.st_nlink > 1 or not st.st_mode & stat.S_IWUSR


def _make_copy(path: str) -> None:
    tmp = atomic.tmp_name(path)
    shutil.copyfile(path, tmp)  # follows a symlink to the cache object
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
