"""What push, fetch, pull and `status --cloud` share: the result of a transfer, run records
on remotes, and running transfers on a remote's threads."""

from __future__ import annotations

from collections.abc import Callable, Collection

from gitml import used
from gitml.errors import GitmlError
from gitml.pipeline.lock import StageLock
from gitml.pipeline.runcache import RunCache
from gitml.record import dataclass
from gitml.remote import RemoteError, RemoteStore
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

def record_objects(repo: Repo, records: dict[str, StageLock]) -> used.Needed:
    """The objects of the outs the run records name (those whose data is in the cache)."""
    outs = [(e.path, e.hash_info) for rec in records.values() for e in rec.outs]
    return used.expand(repo, [o for o in outs if repo.cache.exists(o[1].digest)])

def run_batched(
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

def run_split(
    store: RemoteStore,
    small: set[str],
    batch_task: Callable[[list[str]], list[tuple[str, BaseException | None]]],
    others: set[str],
    task: Callable[[str], None],
    jobs: int | None,
    progress: Progress | None,
) -> TransferResult:
    """`small` objects in batches (where the remote has batch calls) while `others`, the
    large ones, move one by one at the same time: a large object does not wait for every
    small one to be done (S3: a 64 MiB file after 2,000 small ones added ~1 s to a push)."""
    if not store.batches or not small:
        everything = small | others
        return run_transfer(store, everything, task, jobs, progress, everything - small)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as side:
        pending = side.submit(run_transfer, store, others, task, jobs, progress, others)
        batched = run_batched(store, small, batch_task, progress)
        result = pending.result()
    if batched is not None:
        result.transferred += batched.transferred
        result.failed = sorted(result.failed + batched.failed)
    return result


def local_records(runs: RunCache, keys: Collection[str] | None = None) -> dict[str, StageLock]:
    """The sound local run records (only those of `keys`, when given)."""
    records = {}
    for key in runs.list_keys() if keys is None else set(keys) & runs.list_keys():
        record = runs.get(key)
        if record is not None:
            records[key] = record
    return records

def remote_runs(store: RemoteStore) -> set[str]:
    try:
        return store.list_runs()
    except Exception as e:
        raise RemoteError(store.name, e) from e

def transfer_runs(
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

def run_transfer(
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
