"""`gitml import URL PATH`: data of another gitml repository (or a file in its Git), cached
here, checked out, and tracked by a pointer `OUT.gitml` that records where it came from
(`deps: [{path, repo: {url, rev, rev_lock}}]`, `frozen: true`: repro never re-runs it)."""

from __future__ import annotations

import os
import posixpath

from gitml import scm, tracked
from gitml.commands.checkout import checkout
from gitml.commands.get import check_free, out_path
from gitml.errors import BadInputError
from gitml.hashing import HashInfo
from gitml.pointer import ImportSource, Output, Pointer, pointer_rel_for
from gitml.record import dataclass
from gitml.repo import Repo
from gitml.xrepo import source as xsource
from gitml.xrepo.fetch import bring


@dataclass(frozen=True)
class ImportResult:
    rel: str  # the output, repo-relative
    pointer_rel: str
    hash_info: HashInfo
    rev_lock: str
    to_git_add: tuple[str, ...]


def import_(
    repo: Repo,
    url: str,
    path: str,
    *,
    rev: str | None = None,
    out: str | None = None,
    force: bool = False,
) -> ImportResult:
    """Import `path` of the repository at `url` (at `rev`) as `out`."""
    url = xsource.normalize_url(url)
    dest = out_path(path, out)
    rel = tracked.rel_of(repo, dest)
    pointer_rel = pointer_rel_for(rel)
    check_free(dest, force)
    if not force and os.path.exists(repo.abspath(pointer_rel)):
        raise BadInputError(f"{pointer_rel} exists", hint="use --force to overwrite it")
    _check_place(repo, rel, pointer_rel)
    old = _read(repo.abspath(pointer_rel))
    with repo.lock():
        src = xsource.open_source(url, mirrors(repo), rev=rev)
        sha = src.resolve(rev)
        src.config(sha)
        found = src.locate(sha, path, rev)
        with repo.cache_lock(shared=True):
            info = bring(src, sha, found, repo.cache)
        where = ImportSource(url, found.full, sha, rev)
        write_import(repo, pointer_rel, info, where)
        scm.add_to_gitignore(repo.root, rel)
    try:
        checkout(repo, [rel], force=True)
    except BaseException:  # no pointer naming data that is not there
        with repo.lock():
            _restore(repo.abspath(pointer_rel), old)
        raise
    folder = posixpath.dirname(rel)
    ignore = posixpath.join(folder, ".gitignore") if folder else ".gitignore"
    pending = scm.unstaged(repo.root, [ignore, pointer_rel])
    return ImportResult(rel, pointer_rel, info, sha, tuple(pending))


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def _restore(path: str, old: bytes | None) -> None:
    from gitml import atomic

    if old is None:
        os.unlink(path)
    else:
        atomic.write_bytes(path, old)


def mirrors(repo: Repo) -> str:
    return os.path.join(repo.tmp_dir, xsource.MIRRORS)


def write_import(repo: Repo, pointer_rel: str, info: HashInfo, where: ImportSource) -> None:
    name = posixpath.basename(pointer_rel.removesuffix(".gitml"))
    pointer = Pointer(pointer_rel, (Output(name, info),), source=where, frozen=True)
    tracked.write_pointer(repo, pointer)


def _check_place(repo: Repo, rel: str, pointer_rel: str) -> None:
    """OUT may not be in Git, nor overlap another tracked output or a stage out."""
    scm.check_not_tracked(repo.root, rel)
    found = tracked.listing(repo)
    others = [p for p in tracked.load_all(repo, found) if p.rel != pointer_rel]
    owner = tracked.owner_of(others, rel)
    if owner is not None:
        raise BadInputError(f"{rel}: overlaps {owner}, which is already tracked")
    if found.pipelines:
        from gitml.pipeline.dag import overlaps
        from gitml.pipeline.project import load_dag

        for stage in load_dag(repo, found=found).stages.values():
            for o in stage.outs:
                if overlaps(rel, o.path):
                    raise BadInputError(f"{rel}: overlaps {o.path}, an out of stage '{stage.name}'")
