"""The one home of GitPython: commits built from trees, never through the index or HEAD.

Experiments (and the registry) make commits that no branch points at. GitPython's object
model does that in process: read the baseline's tree into an in-memory index
(`IndexFile.new`, a pure-Python read: the repository's `.git/index` is never read, moved or
written), replace the changed entries with blobs stored straight into the object database,
write the trees and the commit. Plain `git` plumbing (scm.py, gitrefs.py) stays for
everything else: refs, listings, blobs at revisions. Importing GitPython costs ~40-80 ms, so
only the experiment and registry commands import this module, and only when they run.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from io import BytesIO

import git
from git.index.typ import BaseIndexEntry, IndexEntry
from gitdb.base import IStream

from gitml.errors import GitmlError
from gitml.record import dataclass

_FILE, _EXEC, _LINK = 0o100644, 0o100755, 0o120000


@dataclass(frozen=True)
class Signature:
    name: str
    email: str


def _repo(root: str) -> git.Repo:
    try:
        return git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as e:
        raise GitmlError(f"{root} is not a Git repository") from e


def _blob_of(repo: git.Repo, path: str) -> tuple[int, bytes]:
    """(mode, binsha) of the file at `path` stored as a blob: a symlink's target as text,
    a file's bytes with Git's executable bit."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        mode, data = _LINK, os.fsencode(os.readlink(path))
    elif stat.S_ISREG(st.st_mode):
        mode = _EXEC if st.st_mode & 0o111 else _FILE
        with open(path, "rb") as f:
            data = f.read()
    else:
        raise GitmlError(f"cannot record {path}: not a file")
    stream = repo.odb.store(IStream(b"blob", len(data), BytesIO(data)))
    return mode, stream.binsha


def commit_files(
    root: str,
    parent: str,
    changes: Mapping[str, str | None],
    message: str,
    *,
    parents: tuple[str, ...] | None = None,
) -> str:
    """A new commit (its sha) holding `parent`'s tree with `changes` applied: repo-relative
    POSIX path -> the file to store there (absolute), or None to remove it. Its parents are
    `parents` (default: just `parent`). Nothing but new objects is written: no ref, no index."""
    repo = _repo(root)
    try:
        base = repo.commit(parent)
    except (ValueError, git.BadName) as e:
        raise GitmlError(f"unknown commit {parent}") from e
    index = git.IndexFile.new(repo, base.tree)
    for rel, source in sorted(changes.items()):
        index.entries.pop((rel, 0), None)
        if source is not None:
            mode, binsha = _blob_of(repo, source)
            index.entries[(rel, 0)] = IndexEntry.from_base(BaseIndexEntry((mode, binsha, 0, rel)))
    tree = index.write_tree()
    heads = [repo.commit(p) for p in (parents or (parent,))]
    commit = git.Commit.create_from_tree(repo, tree, message, parent_commits=heads, head=False)
    return str(commit.hexsha)


def changed_paths(root: str, a: str, b: str) -> list[str]:
    """Repo-relative paths whose blobs differ between commits `a` and `b` (added, removed,
    modified), from the two trees alone."""
    repo = _repo(root)
    diff = repo.commit(a).diff(repo.commit(b))
    paths = {d.a_path for d in diff if d.a_path} | {d.b_path for d in diff if d.b_path}
    return sorted(paths)


def author_of(root: str) -> Signature:
    """Who commits here: Git's configured user (GitPython's fallback when none is set)."""
    actor = git.Actor.committer(_repo(root).config_reader())
    return Signature(str(actor.name or ""), str(actor.email or ""))
