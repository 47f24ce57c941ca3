"""Parallel transfer of objects: tasks on a thread pool, failures returned as data."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed

from gitml import remoteurl
from gitml.errors import GitmlError
from gitml.record import dataclass, field


@dataclass
class TransferResult:
    transferred: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (oid, why)
    skipped: int = 0  # already there

    @property
    def ok(self) -> bool:
        return not self.failed


def transfer(
    oids: Iterable[str],
    task: Callable[[str], None],
    *,
    jobs: int,
    progress: Callable[[int], None] | None = None,
    large: Collection[str] = (),
) -> TransferResult:
    """Run `task(oid)` for each oid on `jobs` threads; failures are returned, not raised.

    `large` objects start first, one task each, so they overlap with the small ones instead
    of trailing after them. Small objects that share a folder (the first two hex digits) go
    to one thread in turn: threads creating files in one folder queue on its lock in the
    kernel, and one task per folder instead of per object keeps the pool's hand-offs
    (futex wake-ups) few.
    """
    groups: list[list[str]] = []
    folders: dict[str, list[str]] = {}
    for oid in sorted(oids):
        if oid in large:
            groups.append([oid])
        else:
            folders.setdefault(oid[:2], []).append(oid)

    def run_folder(group: list[str]) -> list[tuple[str, BaseException | None]]:
        outcome: list[tuple[str, BaseException | None]] = []
        for oid in group:
            try:
                task(oid)
            except Exception as e:
                outcome.append((oid, e))
            else:
                outcome.append((oid, None))
        return outcome

    # the folders with the most objects first, so the last tasks are short
    groups += sorted(folders.values(), key=len, reverse=True)
    return _collect(groups, run_folder, jobs=jobs, progress=progress)


BATCH = 256  # small objects per batch of concurrent requests

BatchTask = Callable[[list[str]], list[tuple[str, BaseException | None]]]


def transfer_batches(
    oids: Iterable[str],
    task: BatchTask,
    *,
    jobs: int,
    progress: Callable[[int], None] | None = None,
) -> TransferResult:
    """Like `transfer`, for a task that moves a whole batch (concurrency inside a batch)."""
    ordered = sorted(oids)
    batches = [ordered[i : i + BATCH] for i in range(0, len(ordered), BATCH)]
    return _collect(batches, task, jobs=jobs, progress=progress)


def _collect(
    groups: list[list[str]],
    task: BatchTask,
    *,
    jobs: int,
    progress: Callable[[int], None] | None,
) -> TransferResult:
    result = TransferResult()
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        for future in as_completed([pool.submit(task, group) for group in groups]):
            outcome = future.result()
            for oid, error in outcome:
                if error is None:
                    result.transferred.append(oid)
                else:
                    result.failed.append((oid, _describe(error)))
            if progress:
                progress(len(outcome))
    result.failed.sort()
    return result


def _describe(error: BaseException) -> str:
    """One line for a failed object, with any remote password hidden."""
    if isinstance(error, GitmlError):
        return remoteurl.redact_text(error.message)
    return remoteurl.redact_text(f"{type(error).__name__}: {error}")

