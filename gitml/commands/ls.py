"""`gitml ls URL [PATH]`: list what another gitml repository holds (Git files and gitml
outputs); a folder output's files come from its manifest, fetched and verified."""

from __future__ import annotations

import os

from gitml.commands.get import object_cache
from gitml.errors import BadInputError
from gitml.odb import ObjectStore
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
    with object_cache() as (base, found):
        cache = found or ObjectStore(os.devnull)  # nothing is stored: it only answers `exists`
        src = xsource.open_source(url, base)
        sha = src.resolve(rev)
        src.config(sha)
        entries, folder = list_at(src, sha, path, recursive=recursive)
        if folder is not None:
            out, info, inner = folder
            tree = bring_manifest(src, sha, out, info, cache)
            entries = manifest_entries([(e.path, e.size) for e in tree], inner, recursive)
            if not entries:
                raise BadInputError(f"{path}: no such file or folder in {url} at {sha[:7]}")
        elif recursive:  # a folder output's files, from its manifest, as `dvc ls -R` lists them
            entries = _expanded(src, sha, path, entries, cache)
    return LsResult(tuple(entries), sha)


def _expanded(
    src: xsource.Source, sha: str, path: str | None, entries: list[Entry], cache: ObjectStore
) -> list[Entry]:
    base = (path or "").strip("/")
    base = "" if base == "." else base
    outs = src.outputs(sha)
    done: list[Entry] = []
    for entry in entries:
        if not (entry.isout and entry.isdir):
            done.append(entry)
            continue
        rel = f"{base}/{entry.path}" if base else entry.path
        info = outs[rel][0]
        tree = bring_manifest(src, sha, rel, info, cache)
        done += [Entry(f"{entry.path}/{e.path}", True, False, False, e.size) for e in tree]
    return sorted(done, key=lambda e: e.path)
