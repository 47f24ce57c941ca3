"""`gitml gc`: delete objects no kept revision references, locally and on a remote."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from gitml import used
from gitml.errors import BadInputError
from gitml.remote import RemoteError, RemoteStore, open_remote
from gitml.repo import Repo
from gitml.tree import Tree


@dataclass(frozen=True)
class GcResult:
    kept: int
    local: tuple[str, ...]  # removed (or, with dry, to remove) from the cache
    remote: tuple[str, ...]  # the same on the remote
    dry: bool


def gc(
    repo: Repo,
    scope: used.Scope,
    *,
    cloud: bool = False,
    remote: str | None = None,
    dry: bool = False,
) -> GcResult:
    """Keep what `scope` references (the workspace always); remove every other object."""
    scope = used.Scope(
        workspace=True,
        all_branches=scope.all_branches,
        all_tags=scope.all_tags,
        all_commits=scope.all_commits,
    )
    store = open_remote(repo.root, repo.config, remote) if cloud else None
    with repo.lock():
        keep = _kept(repo, scope, store)
        local = sorted(set(repo.cache.iter_oids()) - keep)
        far: list[str] = []
        if store is not None:
            try:
                far = sorted(store.list_oids() - keep)
            except Exception as e:
                raise RemoteError(store.name, e) from e
        if not dry:
            for oid in local:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(repo.cache.path(oid))
            _remove_leftovers(repo)
            if store is not None:
                _remove_remote(store, far)
    return GcResult(len(keep), tuple(local), tuple(far), dry)


def _kept(repo: Repo, scope: used.Scope, store: RemoteStore | None) -> set[str]:
    needed = used.expand(repo, used.outputs(repo, scope))
    for rel, info in needed.unknown:  # a kept directory whose manifest is not local
        if store is None or not store.exists(info.digest):
            raise BadInputError(
                f"cannot tell which files {rel} needs: its manifest {info.digest} is not in the"
                " cache, so nothing was removed",
                hint="run 'gitml fetch' with the same revision flags first",
            )
        tree = Tree.from_json(store.read(info.digest), where=f"manifest of {rel}")
        needed.oids.update(e.digest for e in tree)
    return needed.oids


def _remove_remote(store: RemoteStore, oids: list[str]) -> None:
    try:
        for oid in oids:
            store.remove(oid)
    except Exception as e:
        raise RemoteError(store.name, e) from e


def _remove_leftovers(repo: Repo) -> None:
    """Temp files of interrupted writes (safe: every writer holds the lock we hold)."""
    base = repo.cache.base
    if not os.path.isdir(base):
        return
    for folder in [base, *(os.path.join(base, d) for d in os.listdir(base))]:
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if name.startswith(".tmp-"):
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(folder, name))
