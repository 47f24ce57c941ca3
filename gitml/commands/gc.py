"""`gitml gc`: delete objects no kept revision references, locally and on a remote.

Directory manifests go first, then files: a manifest vouches for its files (push trusts it
and skips them), so at every moment of a deletion, even one killed part way, every manifest
still present has all its files.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from gitml import used
from gitml.constants import DIR_SUFFIX
from gitml.errors import BadInputError, StorageError
from gitml.odb import is_temp_name
from gitml.record import dataclass
from gitml.registry.keep import registry_outputs
from gitml.remote import STALE_TEMP_S, RemoteError, RemoteStore, open_remote
from gitml.repo import Repo
from gitml.tree import Tree


@dataclass(frozen=True)
class GcResult:
    kept: int
    local: tuple[str, ...]  # removed (or, with dry, to remove) from the cache, in that order
    remote: tuple[str, ...]  # the same on the remote
    dry: bool
    remote_temps: tuple[str, ...] = ()  # stale temp files of killed uploads on the remote


def gc(
    repo: Repo,
    scope: used.Scope,
    *,
    cloud: bool = False,
    remote: str | None = None,
    dry: bool = False,
) -> GcResult:
    """Keep what `scope` references (the workspace always); remove every other object.

    Holds the write lock and, exclusively, the cache lock that fetch and push share, so it
    never deletes an object or temp file a live transfer on this machine is using. On the
    remote, which other machines may be writing to, only temp files untouched for
    `STALE_TEMP_S` are removed.
    """
    scope = used.Scope(
        workspace=True,
        all_branches=scope.all_branches,
        all_tags=scope.all_tags,
        all_commits=scope.all_commits,
    )
    store = open_remote(repo.root, repo.config, remote) if cloud else None
    with repo.lock(), repo.cache_lock(shared=False):
        keep = _kept(repo, scope, store)
        local = manifests_first(set(repo.cache.iter_oids()) - keep)
        far: list[str] = []
        temps: list[str] = []
        if store is not None:
            try:
                far = manifests_first(store.list_oids() - keep)
                temps = store.stale_temps(STALE_TEMP_S)
            except Exception as e:
                raise RemoteError(store.name, e) from e
        if not dry:
            _remove_local(repo, local)
            _remove_leftovers(repo)
            if store is not None:
                _remove_remote(store, far, temps)
    return GcResult(len(keep), tuple(local), tuple(far), dry, tuple(temps))


def manifests_first(oids: Iterable[str]) -> list[str]:
    """The order to delete `oids` in: every directory manifest before any file."""
    return sorted(oids, key=lambda oid: (not oid.endswith(DIR_SUFFIX), oid))


def _kept(repo: Repo, scope: used.Scope, store: RemoteStore | None) -> set[str]:
    needed = used.expand(repo, used.outputs(repo, scope) + registry_outputs(repo))
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


def _remove_local(repo: Repo, oids: list[str]) -> None:
    for oid in oids:
        try:
            os.unlink(repo.cache.path(oid))
        except FileNotFoundError:
            continue
        except OSError as e:
            raise StorageError(f"cannot remove cache object {oid}: {e.strerror}") from e


def _remove_remote(store: RemoteStore, oids: list[str], temps: list[str]) -> None:
    try:
        for oid in oids:
            with contextlib.suppress(FileNotFoundError):  # another gc got there first
                store.remove(oid)
        for path in temps:
            with contextlib.suppress(FileNotFoundError):  # its writer finished after all
                store.remove_temp(path)
    except Exception as e:
        raise RemoteError(store.name, e) from e


def _remove_leftovers(repo: Repo) -> None:
    """Temp files of interrupted writes: safe at any age, since every writer of the cache
    holds the write lock or the cache lock, and we hold both."""
    base = repo.cache.base
    if not os.path.isdir(base):
        return
    for folder in [base, *(os.path.join(base, d) for d in os.listdir(base))]:
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if is_temp_name(name):
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(folder, name))
