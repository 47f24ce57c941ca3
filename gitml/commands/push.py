"""`gitml push`: upload the objects tracked outputs (and run records) need that the remote
lacks; files before the manifests that vouch for them."""

from __future__ import annotations

import os
from collections.abc import Collection

from gitml import used
from gitml.commands.sync import (
    Progress,
    SyncResult,
    Totals,
    local_records,
    record_objects,
    remote_runs,
    run_split,
    transfer_runs,
)
from gitml.errors import GitmlError
from gitml.odb import SMALL_FILE
from gitml.pipeline.runcache import RunCache
from gitml.remote import RemoteStore, missing_on, open_remote
from gitml.repo import Repo
from gitml.transfer import TransferResult


def push(
    repo: Repo,
    scope: used.Scope,
    *,
    remote: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    total: Totals | None = None,
) -> SyncResult:
    """Upload every needed object the remote lacks; corrupt local objects are not sent."""
    outs = used.outputs(repo, scope)
    return push_outputs(repo, outs, remote=remote, jobs=jobs, progress=progress, total=total)

def push_outputs(
    repo: Repo,
    outs: list[used.Output],
    *,
    remote: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    total: Totals | None = None,
    runs: Collection[str] | None = None,
) -> SyncResult:
    """Push the objects of `outs` (and the run records, with theirs) that the remote lacks:
    every local run record, or only those whose keys are in `runs` when given.

    `not_local` lists objects of `outs` that neither the remote nor the cache has.
    """
    store = open_remote(repo.root, repo.config, remote)
    with repo.cache_lock(shared=True):  # gc waits: the objects being sent stay
        return _push(repo, store, outs, jobs, progress, total, runs)

def _push(
    repo: Repo,
    store: RemoteStore,
    outs: list[used.Output],
    jobs: int | None,
    progress: Progress | None,
    total: Totals | None,
    keys: Collection[str] | None,
) -> SyncResult:
    runs = RunCache(repo.cache.root)
    records = local_records(runs, keys)
    needed = used.expand(repo, outs)
    extra = record_objects(repo, records)
    needed.entries.update(extra.entries)
    wanted = needed.oids | {o for o in extra.oids if repo.cache.exists(o)}
    lacking = missing_on(store, _unproven(store, wanted, needed.entries))
    todo = {oid for oid in lacking if repo.cache.exists(oid)}
    if total:
        total(len(todo))
    # files first, manifests last: a manifest on the remote means all its files are there
    result = _send_all(repo, store, {o for o in todo if o not in needed.entries}, jobs, progress)
    if result.ok:
        last = _send_all(repo, store, todo & needed.entries.keys(), jobs, progress)
        result.transferred += last.transferred
        result.failed = sorted(result.failed + last.failed)
    result.skipped = len(needed.oids - lacking)
    if result.ok:  # a record goes up only once the objects it names are there
        transfer_runs(store, set(records) - remote_runs(store), store.write_run, runs.read_raw)
    gone = sorted((needed.owner.get(o, o), o) for o in lacking - todo if o in needed.oids)
    for_runs = sum(1 for o in result.transferred if o not in needed.oids)
    return SyncResult(store.name, result, tuple(gone), for_runs=for_runs)

def _unproven(store: RemoteStore, wanted: set[str], entries: dict[str, set[str]]) -> set[str]:
    """`wanted` minus the files of directories whose manifest the remote already has.

    A manifest is pushed only after every file it names, and gc keeps or drops a manifest
    together with its files, so its presence proves theirs: a no-op push of a 20,000-file
    directory asks about one object instead of listing 20,000.
    """
    if not entries:
        return wanted
    present = set(entries) - missing_on(store, set(entries))
    if not present:
        return wanted
    proven = set().union(*(entries[m] for m in present)) | present
    still_needed: set[str] = set().union(*(entries[m] for m in set(entries) - present))
    return wanted - (proven - still_needed)

def _send_all(
    repo: Repo, store: RemoteStore, oids: set[str], jobs: int | None, progress: Progress | None
) -> TransferResult:
    """Upload `oids`: small ones in batches where the remote has batch calls."""
    small = {o for o in oids if os.stat(repo.cache.path(o)).st_size <= SMALL_FILE}
    large = oids - small
    send = lambda oid: _send(repo, store, oid, oid in large)  # noqa: E731
    batch = lambda batch: _send_batch(repo, store, batch)  # noqa: E731
    return run_split(store, small, batch, large, send, jobs, progress)

def _send_batch(
    repo: Repo, store: RemoteStore, batch: list[str]
) -> list[tuple[str, BaseException | None]]:
    """Verify a batch of small cache objects and upload the sound ones together."""
    items: dict[str, bytes] = {}
    outcome: list[tuple[str, BaseException | None]] = []
    for oid in batch:
        try:
            items[oid] = repo.cache.read_verified(oid)
        except GitmlError as e:
            outcome.append((oid, e))
    if items:
        store.write_many(items)
    return outcome + [(oid, None) for oid in items]

def _send(repo: Repo, store: RemoteStore, oid: str, large: bool) -> None:
    """Upload one cache object after checking its bytes still match its name."""
    if large:
        store.upload(oid, repo.cache.path(oid))
    else:
        store.write(oid, repo.cache.read_verified(oid))
