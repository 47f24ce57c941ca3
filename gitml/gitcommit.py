"""One commit built from a tree with plain `git` plumbing: no index, HEAD or ref touched.

`gitobjects.commit_files` (GitPython) builds commits in process, which pays back its ~60 ms
import when one process makes many (a queued grid, a queue run). `exp run` in the workspace and
`exp save` make one commit per process: here five short `git` calls (~10-15 ms) do it, on a
temporary index file of its own (`GIT_INDEX_FILE`; the repository's `.git/index` is never
read or written). Both give the same tree for the same changes (tests/test_gitcommit.py).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Mapping

from gitml import scm
from gitml.constants import GITML_DIR, TMP_DIR
from gitml.errors import GitmlError

_FILE, _EXEC, _LINK = "100644", "100755", "120000"
_NO_OBJECT = "0" * 40


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
    lines = _entries(root, changes)
    folder = os.path.join(root, GITML_DIR, TMP_DIR)
    os.makedirs(folder, exist_ok=True)
    index = os.path.join(folder, f"commit-index-{os.getpid()}-{os.urandom(4).hex()}")
    env = {"GIT_INDEX_FILE": index}
    try:
        try:
            scm.run(root, "read-tree", parent, env=env)
        except GitmlError as e:
            raise GitmlError(f"unknown commit {parent}") from e
        if lines:
            scm.run(root, "update-index", "-z", "--index-info", data=b"".join(lines), env=env)
        tree = scm.run(root, "write-tree", env=env).decode().strip()
    finally:
        for leftover in (index, index + ".lock"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)
    heads = [arg for p in (parents or (parent,)) for arg in ("-p", p)]
    return scm.run(root, "commit-tree", tree, *heads, data=message.encode()).decode().strip()


def _entries(root: str, changes: Mapping[str, str | None]) -> list[bytes]:
    """The `update-index -z --index-info` records of `changes`: each file stored as a blob
    now (the regular files in one `hash-object` call), or a removal."""
    modes: dict[str, str] = {}
    files: list[str] = []
    blobs: dict[str, str] = {}
    for rel, source in changes.items():
        if source is None:
            continue
        st = os.lstat(source)
        if stat.S_ISLNK(st.st_mode):  # the link's target as text, as Git stores it
            modes[rel] = _LINK
            blobs[rel] = _hash(root, os.fsencode(os.readlink(source)))
        elif stat.S_ISREG(st.st_mode):
            modes[rel] = _EXEC if st.st_mode & 0o111 else _FILE
            if "\n" in source:  # not one line of --stdin-paths
                with open(source, "rb") as f:
                    blobs[rel] = _hash(root, f.read())
            else:
                files.append(rel)
        else:
            raise GitmlError(f"cannot record {source}: not a file")
    if files:
        paths = "".join(f"{changes[rel]}\n" for rel in files).encode()
        out = scm.run(root, "hash-object", "-w", "--no-filters", "--stdin-paths", data=paths)
        blobs.update(zip(files, out.decode().split(), strict=True))
    lines = []
    for rel in sorted(changes):
        if rel in blobs:
            lines.append(f"{modes[rel]} {blobs[rel]}\t".encode() + rel.encode() + b"\0")
        else:
            lines.append(f"0 {_NO_OBJECT}\t".encode() + rel.encode() + b"\0")
    return lines


def _hash(root: str, data: bytes) -> str:
    return scm.run(root, "hash-object", "-w", "--no-filters", "--stdin", data=data).decode().strip()
