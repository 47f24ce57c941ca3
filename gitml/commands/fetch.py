"""`gitml fetch` and `gitml pull`: download the objects tracked outputs need, each verified
before it lands in the cache; pull then checks out."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from gitml import used
from gitml.commands.checkout import CheckoutResult, checkout
from gitml.commands.sync import (
    Progress,
    SyncResult,
    Totals,
    remote_runs,
    run_split,
    run_transfer,
    transfer_runs,
)
from gitml.errors import GitmlError
from gitml.odb import SMALL_FILE
from gitml.pipeline.runcache import RunCache
from gitml.record import dataclass
from gitml.remote import RemoteStore, open_remote
from gitml.repo import Repo
from gitml.transfer import TransferResult


@dataclass(frozen=True)
class PullResult:
    fetch: SyncResult
    checkout: CheckoutResult | None

def fetch(
    repo: Repo,
    scope: used.Scope,
    *,
    remote: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    total: Totals | None = None,
    outs: Sequence[used.Output] | None = None,
    runs: Collection[str] | None = None,
) -> SyncResult:
    """Download every needed object missing from the cache, verifying each before it lands:
    those of `scope`, or of `outs` when given (e.g. a run record's); then the remote's run
    records (only those whose keys are in `runs`, when given)."""
    store = open_remote(repo.root, repo.config, remote)
    with repo.cache_lock(shared=True):  # gc waits: our temp files and new objects stay
        return _fetch(repo, store, scope, jobs, progress, total, outs, runs)

def _fetch(
    repo: Repo,
    store: RemoteStore,
    scope: used.Scope,
    jobs: int | None,
    progress: Progress | None,
    total: Totals | None,
    given: Sequence[used.Output] | None,
    keys: Collection[str] | None = None,
) -> SyncResult:
    outs = used.outputs(repo, scope) if given is None else list(given)
    first = used.expand(repo, outs)
    manifests = {info.digest for _, info in first.unknown}
    result = TransferResult()
    if manifests:  # directory manifests first: they name the files to fetch

        def receive_manifest(oid: str) -> None:
            _receive(repo, store, oid, 0)

        result = run_transfer(store, manifests, receive_manifest, jobs, None)
    needed = used.expand(repo, outs)
    todo = {oid for oid in needed.oids if not repo.cache.exists(oid)}
    if total:
        total(len(todo))

    def receive(oid: str) -> None:
        _receive(repo, store, oid, needed.sizes.get(oid, 0))

    small = {o for o in todo if needed.sizes.get(o, SMALL_FILE + 1) <= SMALL_FILE}
    batch = lambda batch: _receive_batch(repo, store, batch)  # noqa: E731
    rest = run_split(store, small, batch, todo - small, receive, jobs, progress)
    rest.transferred.extend(result.transferred)
    rest.failed.extend(f for f in result.failed if f[0] not in todo)
    lost = missing_why(store.name)
    rest.failed.sort()
    gone = tuple((needed.owner.get(o, o), o) for o, why in rest.failed if why == lost)
    rest.failed = [(needed.owner.get(o, o), f"{o}: {why}") for o, why in rest.failed]
    rest.skipped = len(needed.oids) - len(todo) - len(result.transferred)
    repo.cache.sync()
    runs = RunCache(repo.cache.root)
    wanted = remote_runs(store) if keys is None else remote_runs(store) & set(keys)
    transfer_runs(store, wanted - runs.list_keys(), runs.write_raw, store.read_run)
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
