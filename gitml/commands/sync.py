"""`gitml push`, `fetch` and `pull`: move the objects tracked outputs need, verified."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gitml import used
from gitml.commands.checkout import CheckoutResult, checkout
from gitml.errors import GitmlError
from gitml.odb import SMALL_FILE
from gitml.pipeline.lock import StageLock
from gitml.pipeline.runcache import RunCache
from gitml.remote import RemoteError, RemoteStore, missing_on, open_remote
from gitml.repo import Repo
from gitml.transfer import TransferResult, transfer, transfer_batches

Progress = Callable[[int], None]
Totals = Callable[[int], None]


@dataclass(frozen=True)
class SyncResult:
    remote: str
    transfer: TransferResult
    not_local: tuple[tuple[str, str], ...] = ()  # push: (path, oid) missing from the cache
    missing: tuple[tuple[str, str], ...] = ()  # fetch: (path, oid) missing on the remote
    for_runs: int = 0  # push: of `transfer.transferred`, objects only run records name

    @property
    def ok(self) -> bool:
        return self.transfer.ok and not self.not_local


@dataclass(frozen=True)
class PullResult:
    fetch: SyncResult
    checkout: CheckoutResult | None


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
) -> SyncResult:
    """Push the objects of `outs` (and the run records, with theirs) that the remote lacks.

    `not_local` lists objects of `outs` that neither the remote nor the cache has.
    """
    store = open_remote(repo.root, repo.config, remote)
    with repo.cache_lock(shared=True):  # gc waits: the objects being sent stay
        return _push(repo, store, outs, jobs, progress, total)


def _push(
    repo: Repo,
    store: RemoteStore,
    outs: list[used.Output],
    jobs: int | None,
    progress: Progress | None,
    total: Totals | None,
) -> SyncResult:
    runs = RunCache(repo.cache.root)
    records = _local_records(runs)
    needed = used.expand(repo, outs)
    extra = _record_objects(repo, records)
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
        _transfer_runs(store, set(records) - _remote_runs(store), store.write_run, runs.read_raw)
    gone = sorted((needed.owner.get(o, o), o) for o in lacking - todo if o in needed.oids)
    for_runs = sum(1 for o in result.transferred if o not in needed.oids)
    return SyncResult(store.name, result, tuple(gone), for_runs=for_runs)


def _record_objects(repo: Repo, records: dict[str, StageLock]) -> used.Needed:
    """The objects of the outs the run records name (those whose data is in the cache)."""
    outs = [(e.path, e.hash_info) for rec in records.values() for e in rec.outs]
    return used.expand(repo, [o for o in outs if repo.cache.exists(o[1].digest)])


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
    batched = _run_batched(store, small, lambda batch: _send_batch(repo, store, batch), progress)
    rest = oids - small if batched is not None else oids
    large = rest - small
    send = lambda oid: _send(repo, store, oid, oid in large)  # noqa: E731
    result = _run(store, rest, send, jobs, progress, large)
    if batched is not None:
        result.transferred += batched.transferred
        result.failed = sorted(result.failed + batched.failed)
    return result


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


def _run_batched(
    store: RemoteStore,
    oids: set[str],
    task: Callable[[list[str]], list[tuple[str, BaseException | None]]],
    progress: Progress | None,
) -> TransferResult | None:
    """Small objects in batches when the remote has batch calls (object stores); None when it
    has not (the caller then moves them one by one)."""
    if not oids or not store.batches:
        return None
    try:
        return transfer_batches(oids, task, jobs=2, progress=progress)
    except GitmlError:
        raise
    except Exception as e:
        raise RemoteError(store.name, e) from e


def _send(repo: Repo, store: RemoteStore, oid: str, large: bool) -> None:
    """Upload one cache object after checking its bytes still match its name."""
    if large:
        store.upload(oid, repo.cache.path(oid))
    else:
        store.write(oid, repo.cache.read_verified(oid))


def _local_records(runs: RunCache) -> dict[str, StageLock]:
    records = {}
    for key in runs.list_keys():
        record = runs.get(key)
        if record is not None:
            records[key] = record
    return records


def _remote_runs(store: RemoteStore) -> set[str]:
    try:
        return store.list_runs()
    except Exception as e:
        raise RemoteError(store.name, e) from e


def _transfer_runs(
    store: RemoteStore,
    keys: set[str],
    write: Callable[[str, bytes], None],
    read: Callable[[str], bytes],
) -> None:
    """Copy run records (small files); a record that fails its check is skipped."""
    try:
        for key in sorted(keys):
            try:
                write(key, read(key))
            except GitmlError:
                continue
    except Exception as e:
        raise RemoteError(store.name, e) from e


def fetch(
    repo: Repo,
    scope: used.Scope,
    *,
    remote: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    total: Totals | None = None,
    outs: Sequence[used.Output] | None = None,
) -> SyncResult:
    """Download every needed object missing from the cache, verifying each before it lands:
    those of `scope`, or of `outs` when given (e.g. a run record's)."""
    store = open_remote(repo.root, repo.config, remote)
    with repo.cache_lock(shared=True):  # gc waits: our temp files and new objects stay
        return _fetch(repo, store, scope, jobs, progress, total, outs)


def _fetch(
    repo: Repo,
    store: RemoteStore,
    scope: used.Scope,
    jobs: int | None,
    progress: Progress | None,
    total: Totals | None,
    given: Sequence[used.Output] | None,
) -> SyncResult:
    outs = used.outputs(repo, scope) if given is None else list(given)
    first = used.expand(repo, outs)
    manifests = {info.digest for _, info in first.unknown}
    result = TransferResult()
    if manifests:  # directory manifests first: they name the files to fetch
        result = _run(store, manifests, lambda oid: _receive(repo, store, oid, 0), jobs, None)
    needed = used.expand(repo, outs)
    todo = {oid for oid in needed.oids if not repo.cache.exists(oid)}
    if total:
        total(len(todo))

    def receive(oid: str) -> None:
        _receive(repo, store, oid, needed.sizes.get(oid, 0))

    small = {o for o in todo if needed.sizes.get(o, SMALL_FILE + 1) <= SMALL_FILE}
    batched = _run_batched(store, small, lambda batch: _receive_batch(repo, store, batch), progress)
    left = todo - small if batched is not None else todo
    rest = _run(store, left, receive, jobs, progress, left - small)
    if batched is not None:
        rest.transferred += batched.transferred
        rest.failed += batched.failed
    rest.transferred.extend(result.transferred)
    rest.failed.extend(f for f in result.failed if f[0] not in todo)
    lost = missing_why(store.name)
    rest.failed.sort()
    gone = tuple((needed.owner.get(o, o), o) for o, why in rest.failed if why == lost)
    rest.failed = [(needed.owner.get(o, o), f"{o}: {why}") for o, why in rest.failed]
    rest.skipped = len(needed.oids) - len(todo) - len(result.transferred)
    repo.cache.sync()
    runs = RunCache(repo.cache.root)
    _transfer_runs(store, _remote_runs(store) - runs.list_keys(), runs.write_raw, store.read_run)
    return SyncResult(store.name, rest, missing=gone)


def pull(
    repo: Repo,
    scope: used.Scope,
    *,
    remote: str | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress: Progress | None = None,
    total: Totals | None = None,
) -> PullResult:
    """Fetch, then check out what could be fetched."""
    fetched = fetch(repo, scope, remote=remote, jobs=jobs, progress=progress, total=total)
    result = checkout(repo, scope.targets, force=force)
    return PullResult(fetched, result)


def _receive_batch(
    repo: Repo, store: RemoteStore, batch: list[str]
) -> list[tuple[str, BaseException | None]]:
    """Download a batch of small objects together; each is verified before it lands."""
    got = store.read_many(batch)
    outcome: list[tuple[str, BaseException | None]] = []
    for oid in batch:
        data = got.get(oid)
        if isinstance(data, bytes):
            try:
                repo.cache.add_verified(oid, data)
                outcome.append((oid, None))
            except GitmlError as e:
                outcome.append((oid, e))
        elif isinstance(data, FileNotFoundError) or data is None:
            outcome.append((oid, GitmlError(missing_why(store.name))))
        else:
            outcome.append((oid, data))
    return outcome


def missing_why(remote: str) -> str:
    """Why an object was not fetched: the remote does not have it."""
    return f"missing on remote '{remote}'"


def _receive(repo: Repo, store: RemoteStore, oid: str, size: int) -> None:
    """Download `oid` (in memory when small, else to a temp file) and verify it."""
    try:
        if size <= SMALL_FILE:
            repo.cache.add_verified(oid, store.read(oid))
        else:
            store.download_into(oid, repo.cache)
    except FileNotFoundError as e:
        raise GitmlError(missing_why(store.name)) from e


def _run(
    store: RemoteStore,
    oids: set[str],
    task: Callable[[str], None],
    jobs: int | None,
    progress: Progress | None,
    large: set[str] | frozenset[str] = frozenset(),
) -> TransferResult:
    try:
        result = transfer(oids, task, jobs=jobs or store.jobs, progress=progress, large=large)
        store.finish()
    except GitmlError:
        raise
    except Exception as e:
        raise RemoteError(store.name, e) from e
    return result


@dataclass(frozen=True)
class CloudStatus:
    remote: str
    missing: tuple[tuple[str, int], ...]  # (output path, objects the remote lacks)
    runs_missing: int = 0  # objects only run records name, in the cache, not on the remote

    @property
    def clean(self) -> bool:
        return not self.missing


def cloud_status(repo: Repo, scope: used.Scope, *, remote: str | None = None) -> CloudStatus:
    """Tracked outputs with objects the remote does not have."""
    store = open_remote(repo.root, repo.config, remote)
    outs = used.outputs(repo, scope)
    needed = used.expand(repo, outs)
    extra = _record_objects(repo, _local_records(RunCache(repo.cache.root)))
    runs_only = {o for o in extra.oids if repo.cache.exists(o)} - needed.oids
    lacking = missing_on(store, needed.oids | runs_only)
    runs_missing = len(lacking & runs_only)
    lacking -= runs_only
    per_output: dict[str, int] = {}
    for oid in lacking:
        owner = needed.owner.get(oid, oid)
        out = next((rel for rel, _ in outs if owner == rel or owner.startswith(rel + "/")), owner)
        per_output[out] = per_output.get(out, 0) + 1
    return CloudStatus(store.name, tuple(sorted(per_output.items())), runs_missing)
