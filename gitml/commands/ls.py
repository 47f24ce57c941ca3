"""`gitml ls URL [PATH]`: list what another gitml repository holds (Git files and gitml
outputs); a folder output's files come from its manifest, fetched and verified."""

from __future__ import annotations

from gitml.commands.get import object_cache
from gitml.record import dataclass
from gitml.xrepo import source as xsource
from gitml.xrepo.fetch import bring_manifest
from gitml.xrepo.ls import Entry, list_at, manifest_entries


@dataclass(frozen=True)
class LsResult:
    entries: tuple[Entry, ...]
    rev_lock: str


def ls(
    url: str, path: str | None = None, *, rev: str | None = None, recursive: bool = False
) -> LsResult:
    url = xsource.normalize_url(url)
    with object_cache() as (base, cache):
        src = xsource.open_source(url, base)
        sha = src.resolve(rev)
        src.config(sha)
        entries, folder = list_at(src, sha, path, recursive=recursive)
        if folder is not None:
            tree = bring_manifest(src, sha, folder[0], folder[1], cache)
            entries = manifest_entries([(e.path, e.size) for e in tree], recursive)
    return LsResult(tuple(entries), sha)
