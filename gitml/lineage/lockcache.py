"""What each commit's gitml.lock files say (each stage's deps and outs), over many commits,
cached by commit sha so that a second question reads only the commits that are new since.

Git is read in batches: one `git rev-list` for the commits, one `git diff-tree --stdin` for
the lock paths new commits bring, one `git cat-file --batch-check` for each new commit's
lock blobs, one `git cat-file --batch` for the blobs not seen before. A lock in the form
gitml writes is read by lockscan.py (each stage's block parsed once across all commits),
any other with PyYAML.

The cache, .gitml/tmp/lineage-cache.json (written atomically; rebuilt when absent, of
another version or unreadable), keeps each distinct stage entry once: `stages` is a list of
[address, [[dep path, digest], ...], [out path, ...]], `blobs` maps a lock blob to the
indexes of its stages, `commits` a commit to {lock path: blob}.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Iterator

from gitml import atomic, githistory, scm
from gitml.constants import LOCK_FILE_NAME
from gitml.lineage.facts import address_of
from gitml.record import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitml.lineage import lockscan  # at run time only to read new commits

    Stage = list[Any]  # [address, [[dep path, digest], ...], [out path, ...]]: repo-relative

CACHE_FILE = "lineage-cache.json"
CACHE_VERSION = 2


@dataclass
class Cache:
    paths: set[str] = field(default_factory=set)  # every lock path any cached commit has
    commits: dict[str, dict[str, str]] = field(default_factory=dict)  # sha -> lock -> blob
    blobs: dict[str, list[int]] = field(default_factory=dict)  # lock blob -> its stages
    stages: list[Stage] = field(default_factory=list)  # each distinct stage entry once

    @classmethod
    def load(cls, path: str) -> Cache:
        try:
            with open(path, "rb") as f:
                data = json.load(f)
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return cls()
        try:
            return cls(
                set(data["paths"]), dict(data["commits"]), dict(data["blobs"]),
                list(data["stages"]),
            )
        except (KeyError, TypeError, ValueError):
            return cls()

    def save(self, path: str) -> None:
        data = {
            "version": CACHE_VERSION,
            "paths": sorted(self.paths),
            "commits": self.commits,
            "blobs": self.blobs,
            "stages": self.stages,
        }
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic.write_bytes(path, json.dumps(data, separators=(",", ":")).encode(), fsync=False)

    def stage_ids(self, commit: str) -> Iterator[int]:
        """The stages every lock of `commit` holds (indexes into `stages`)."""
        for blob in self.commits.get(commit, {}).values():
            yield from self.blobs.get(blob, ())


@dataclass(frozen=True)
class Scan:
    commits: list[str]  # every commit searched, newest first
    read: int  # commits whose locks were read from Git this time (not from the cache)
    cache: Cache


def rev_list(root: str, refs: list[str]) -> list[str]:
    out = scm.run(root, "rev-list", *refs, "--")
    return out.decode().split()


def scan(root: str, tmp_dir: str, refs: list[str]) -> Scan:
    """The lock facts of every commit reachable from `refs` (rev-list arguments)."""
    cache_path = os.path.join(tmp_dir, CACHE_FILE)
    cache = Cache.load(cache_path)
    commits = rev_list(root, refs)
    new = [c for c in commits if c not in cache.commits]
    if new:
        _read(root, cache, new)
        cache.save(cache_path)
    return Scan(commits, len(new), cache)


def _read(root: str, cache: Cache, new: list[str]) -> None:
    patterns = [LOCK_FILE_NAME, f"*/{LOCK_FILE_NAME}"]
    cache.paths |= {p for p, _ in githistory.blobs_changed_in(root, new, patterns)}
    paths = sorted(cache.paths)
    asked = [f"{c}:{p}" for c in new for p in paths]
    found: dict[str, dict[str, str]] = {c: {} for c in new}
    if asked:
        out = scm.run(root, "cat-file", "--batch-check", data="\n".join(asked).encode() + b"\n")
        for question, line in zip(asked, out.decode().splitlines(), strict=True):
            blob, kind = [*line.split(), ""][:2]
            if kind == "blob":
                commit, _, path = question.partition(":")
                found[commit][path] = blob
    wanted = sorted({b for locks in found.values() for b in locks.values()} - set(cache.blobs))
    raws = githistory.read_blobs(root, wanted)
    lock_of = {b: p for locks in found.values() for p, b in locks.items()}
    reader = _Reader(cache)
    for blob in wanted:
        cache.blobs[blob] = reader.read(raws.get(blob, b""), lock_of[blob])
    cache.commits.update(found)


class _Reader:
    """Locks -> stage indexes in `cache.stages`, adding the stage entries not there yet."""

    def __init__(self, cache: Cache) -> None:
        from gitml.lineage import lockscan

        self.cache = cache
        self.scanner = lockscan.Scanner()
        self.index = {_key(s): i for i, s in enumerate(cache.stages)}
        self.rels: dict[tuple[str, str], str] = {}
        self.ids: dict[tuple[str, str, lockscan.Entries], int] = {}  # by what a lock says

    def read(self, raw: bytes, lock_rel: str) -> list[int]:
        """The stages in a lock's bytes; none for a lock that is not valid YAML (a conflict
        left committed)."""
        text = raw.decode("utf-8", "replace")
        found = self.scanner.scan(text)
        if found is None:
            from gitml.errors import BadInputError
            from gitml.lineage import lockscan
            from gitml.yamlio import pyyaml

            try:
                found = lockscan.from_data(pyyaml.parse(text, lock_rel))
            except BadInputError:
                return []
        ids = []
        for name, entries in found.items():
            said = (lock_rel, name, entries)
            if said not in self.ids:
                self.ids[said] = self._add(lock_rel, name, entries)
            ids.append(self.ids[said])
        return ids

    def _add(self, lock_rel: str, name: str, entries: lockscan.Entries) -> int:
        base = posixpath.dirname(lock_rel)
        deps, outs = entries
        stage = [
            address_of(lock_rel, name),
            [[self._rel(base, p), d] for p, d in deps],
            [self._rel(base, o) for o in outs],
        ]
        key = _key(stage)
        if key not in self.index:
            self.index[key] = len(self.cache.stages)
            self.cache.stages.append(stage)
        return self.index[key]

    def _rel(self, base: str, path: str) -> str:
        """`path` in a lock in folder `base`, repo-relative."""
        known = self.rels.get((base, path))
        if known is None:
            known = self.rels[(base, path)] = posixpath.normpath(posixpath.join(base, path))
        return known


def _key(stage: Stage) -> tuple[Any, ...]:
    address, deps, outs = stage
    return address, tuple(tuple(d) for d in deps), tuple(outs)
