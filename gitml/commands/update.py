"""`gitml update [TARGET...] [--rev R]`: move imports to what their source's rev names now
(a new `rev_lock`), fetch and check out the new data; nothing changes when the source did
not move."""

from __future__ import annotations

from collections.abc import Sequence

from gitml import tracked
from gitml.commands.checkout import checkout
from gitml.commands.import_ import mirrors
from gitml.errors import BadInputError
from gitml.pointer import ImportSource, Output, Pointer
from gitml.record import dataclass
from gitml.repo import Repo
from gitml.xrepo import source as xsource
from gitml.xrepo.fetch import bring


@dataclass(frozen=True)
class Updated:
    pointer_rel: str
    old_rev_lock: str
    new_rev_lock: str
    changed: bool  # the pointer was rewritten (rev_lock, rev or data)
    data_changed: bool


@dataclass(frozen=True)
class UpdateResult:
    updated: tuple[Updated, ...]
    to_git_add: tuple[str, ...]


def update(
    repo: Repo,
    targets: Sequence[str] = (),
    *,
    rev: str | None = None,
    force: bool = False,
) -> UpdateResult:
    """Update the imports named by `targets` (all imports if none)."""
    chosen = [p for p in tracked.select(repo, targets) if p.source is not None]
    if targets and not chosen:
        raise BadInputError(f"{', '.join(targets)}: not an import (no 'deps: repo' in its pointer)")
    results, sources = [], Sources(repo)
    for pointer in chosen:
        results.append(_update_one(repo, pointer, rev, force, sources))
    changed = [r.pointer_rel for r in results if r.changed]
    from gitml import scm

    return UpdateResult(tuple(results), tuple(scm.unstaged(repo.root, changed)))


class Sources:
    """Each source URL fetched once per update."""

    def __init__(self, repo: Repo) -> None:
        self.base = mirrors(repo)
        self.opened: dict[str, xsource.Source] = {}

    def open(self, url: str, rev: str | None) -> xsource.Source:
        """The source, fetched (once) unless `rev` is a commit id the mirror has."""
        if url in self.opened:
            return self.opened[url]
        src = xsource.open_source(url, self.base, rev=rev)
        if not (rev and len(rev) == 40):  # it was fetched
            self.opened[url] = src
        return src


def _update_one(
    repo: Repo, pointer: Pointer, rev: str | None, force: bool, sources: Sources
) -> Updated:
    old = pointer.source
    assert old is not None
    want = rev if rev is not None else old.rev
    with repo.lock():
        src = sources.open(old.url, want)
        sha = src.resolve(want)
        if sha == old.rev_lock and want == old.rev:
            return Updated(pointer.rel, old.rev_lock, sha, False, False)
        src.config(sha)
        found = src.locate(sha, old.path, want)
        with repo.cache_lock(shared=True):
            info = bring(src, sha, found, repo.cache)
        data_changed = info != pointer.outs[0].hash_info
        where = ImportSource(old.url, found.full, sha, want)
        outs = pointer.with_outs((Output(pointer.outs[0].path, info),)).outs
        tracked.write_pointer(
            repo, Pointer(pointer.rel, outs, pointer.desc, pointer.meta, where, True)
        )
    try:
        checkout(repo, [pointer.out_rel(pointer.outs[0])], force=force)
    except BaseException:
        with repo.lock():
            tracked.write_pointer(repo, pointer)  # as it was: the workspace did not move
        raise
    return Updated(pointer.rel, old.rev_lock, sha, True, data_changed)
