"""`--used-by`: the commits (and their stages) whose gitml.lock lists a data version, by
digest, among a stage's deps.

Git is read in batches: one `git rev-list` for the commits, one `git diff-tree --stdin` for
the lock paths new commits bring, one `git cat-file --batch-check` for each new commit's
lock blobs, one `git cat-file --batch` for the blobs not seen before. What each commit's
locks say is cached by commit sha (and each lock blob by blob sha) in
.gitml/tmp/lineage-cache.json, written atomically, so a second question reads only the
commits that are new since.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass, field
from typing import Any

from gitml import atomic, githistory, scm
from gitml.constants import LOCK_FILE_NAME
from gitml.lineage.facts import address_of

CACHE_FILE = "lineage-cache.json"
CACHE_VERSION = 1
Deps = dict[str, list[list[str]]]  # stage address -> [[dep path, digest], ...]


@dataclass
class Cache:
    paths: set[str] = field(default_factory=set)  # every lock path any cached commit has
    commits: dict[str, dict[str, str]] = field(default_factory=dict)  # sha -> lock -> blob
    blobs: dict[str, Deps] = field(default_factory=dict)  # lock blob sha -> its stages' deps

    @classmethod
    def load(cls, path: str) -> Cache:
        try:
            with open(path, "rb") as f:
                data = json.load(f)
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return cls()
        return cls(set(data["paths"]), data["commits"], data["blobs"])

    def save(self, path: str) -> None:
        data = {
            "version": CACHE_VERSION,
            "paths": sorted(self.paths),
            "commits": self.commits,
            "blobs": self.blobs,
        }
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic.write_bytes(path, json.dumps(data, separators=(",", ":")).encode(), fsync=False)


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
    for blob in wanted:
        cache.blobs[blob] = _deps(raws.get(blob, b""), lock_of[blob])
    cache.commits.update(found)


def _deps(raw: bytes, lock_rel: str) -> Deps:
    """Each stage's deps (repo-relative path, digest) in a lock's bytes; {} for a lock that
    is not valid YAML (a conflict left committed): it names no deps."""
    from gitml.errors import BadInputError
    from gitml.yamlio import pyyaml

    try:
        data: Any = pyyaml.parse(raw.decode("utf-8", "replace"), lock_rel)
    except BadInputError:
        return {}
    base = posixpath.dirname(lock_rel)
    stages = data.get("stages") if isinstance(data, dict) else None
    found: Deps = {}
    for name, item in (stages if isinstance(stages, dict) else {}).items():
        deps = item.get("deps") if isinstance(item, dict) else None
        found[address_of(lock_rel, str(name))] = [
            [posixpath.normpath(posixpath.join(base, str(d["path"]))), str(d["digest"])]
            for d in (deps if isinstance(deps, list) else [])
            if isinstance(d, dict) and "path" in d and "digest" in d
        ]
    return found


def consumers(s: Scan, digest: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(commit, [(stage, dep path), ...]) of every searched commit with a stage whose deps
    include `digest`, newest first."""
    hits = []
    for commit in s.commits:
        used = [
            (stage, path)
            for blob in s.cache.commits.get(commit, {}).values()
            for stage, deps in s.cache.blobs.get(blob, {}).items()
            for path, d in deps
            if d == digest
        ]
        if used:
            hits.append((commit, used))
    return hits


@dataclass(frozen=True)
class UsedBy:
    path: str
    digest: str
    rev: str  # the commit the data version was read at
    searched: int  # commits searched
    read: int  # of them, read from Git (not the cache)
    commits: list[tuple[str, list[tuple[str, str]]]]  # (commit, [(stage, dep path)])
    artifacts: list[tuple[str, str, str]]  # (artifact, version, commit)
    experiments: list[tuple[str, str]]  # (experiment name, commit)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "digest": self.digest,
            "rev": self.rev,
            "searched": self.searched,
            "commits": [
                {"commit": c, "stages": [{"stage": s, "dep": p} for s, p in used]}
                for c, used in self.commits
            ],
            "artifacts": [
                {"artifact": a, "version": v, "commit": c} for a, v, c in self.artifacts
            ],
            "experiments": [{"name": n, "commit": c} for n, c in self.experiments],
        }


def as_text(u: UsedBy) -> str:
    lines = [f"{u.path} {u.digest} (at {u.rev[:12]}): {len(u.commits)} of {u.searched} commits"]
    for commit, used in u.commits:
        stages = ", ".join(s if p == u.path else f"{s} (as {p})" for s, p in used)
        lines.append(f"commit {commit[:12]}: {stages}")
    lines += [f"artifact {a} {v} (commit {c[:12]})" for a, v, c in u.artifacts]
    lines += [f"experiment {n} (commit {c[:12]})" for n, c in u.experiments]
    return "\n".join(lines)
