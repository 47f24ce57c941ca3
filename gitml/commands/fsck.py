"""`gitml fsck`: verify every cache object's hash; quarantine the corrupt ones."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from gitml.record import dataclass
from gitml.repo import Repo
from gitml.workspace import Progress


@dataclass(frozen=True)
class FsckResult:
    checked: int
    corrupt: tuple[tuple[str, str], ...]  # (oid, where it was moved)

    @property
    def clean(self) -> bool:
        return not self.corrupt


def fsck(
    repo: Repo, *, progress: Progress | None = None, total: Progress | None = None
) -> FsckResult:
    """Hash every object in the local cache; move mismatching ones to cache/quarantine/."""
    oids = list(repo.cache.iter_oids())
    if total:
        total(len(oids))

    def check(oid: str) -> bool:
        ok = repo.cache.verify(oid)
        if progress:
            progress(1)
        return ok

    with ThreadPoolExecutor(min(8, 2 * (os.cpu_count() or 1))) as pool:
        results = list(pool.map(check, oids))
    bad = [oid for oid, ok in zip(oids, results, strict=True) if not ok]
    with repo.lock():
        moved = tuple((oid, repo.cache.quarantine(oid)) for oid in bad)
    return FsckResult(len(oids), moved)
