"""`gitml get URL PATH`: download data tracked in another gitml repository (or a file in
its Git) to a plain path; no pointer, nothing recorded."""

from __future__ import annotations

import contextlib
import os
import posixpath
from collections.abc import Iterator

from gitml.errors import BadInputError, NotARepoError
from gitml.odb import ObjectStore
from gitml.record import dataclass
from gitml.repo import Repo, find_repo
from gitml.xrepo import source as xsource
from gitml.xrepo.fetch import bring
from gitml.xrepo.place import fetch_copy, write_copy


@dataclass(frozen=True)
class GetResult:
    out: str  # where the data went (as the user would name it)
    files: int
    rev_lock: str  # the source commit it came from


def out_path(path: str, out: str | None) -> str:
    """DVC's rule: OUT, or the source path's last name; an existing folder takes it in."""
    name = posixpath.basename(path.rstrip("/")) or path
    if out is None:
        return name
    if os.path.isdir(out) and not os.path.islink(out):
        return os.path.join(out, name)
    return out


def check_free(out: str, force: bool) -> None:
    if os.path.lexists(out) and not force:
        raise BadInputError(f"{out} exists", hint="use --force to overwrite it")


def get(
    url: str, path: str, *, rev: str | None = None, out: str | None = None, force: bool = False
) -> GetResult:
    """Download `path` of the repository at `url` (at `rev`) to `out`."""
    url = xsource.normalize_url(url)
    dest = out_path(path, out)
    check_free(dest, force)
    with object_cache() as (base, cache):
        src = xsource.open_source(url, base)
        sha = src.resolve(rev)
        src.config(sha)  # a gitml repository, or bad input
        found = src.locate(sha, path, rev)
        if cache is None and found.info is not None:  # no cache here: straight to `dest`
            files = fetch_copy(src, sha, found, dest, force=force)
        else:
            cache = cache or ObjectStore(os.path.join(base, "cache"))
            info = bring(src, sha, found, cache)
            files = write_copy(cache, info, dest, force=force)
    return GetResult(dest, files, sha)


@contextlib.contextmanager
def object_cache() -> Iterator[tuple[str, ObjectStore | None]]:
    """Mirrors and objects: the gitml repository's here (kept for next time), else a temp
    folder for the mirror and no cache."""
    repo: Repo | None
    try:
        repo = find_repo()
    except NotARepoError:
        repo = None
    if repo is not None:
        with repo.cache_lock(shared=True):
            yield os.path.join(repo.tmp_dir, xsource.MIRRORS), repo.cache
        return
    with xsource.temp_base() as base:
        yield base, None
