"""What `git add -A` would stage in a work tree, found with plain git and no index write.

`git status` may refresh the index's stat data and write it back; GIT_OPTIONAL_LOCKS=0 turns
that off, so the user's `.git/index` keeps its bytes. The result is the `changes` mapping
`record.record` takes: repo-relative path -> the file to store, or None for a deletion.
"""

from __future__ import annotations

import os
import subprocess

from gitml.errors import GitmlError


def _status(root: str, *paths: str) -> list[tuple[str, str]]:
    """(XY, path) of every changed or untracked (not ignored) file; renames as two paths."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")
    args = ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"]
    proc = subprocess.run(
        [*args, "--", *paths], cwd=root, env=env, capture_output=True, check=False,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise GitmlError(f"git status failed: {proc.stderr.decode(errors='replace').strip()}")
    items = []
    for entry in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if len(entry) > 3:
            items.append((entry[:2], entry[3:]))
    return items


def _source(root: str, rel: str) -> str | None:
    path = os.path.join(root, *rel.split("/"))
    return path if os.path.lexists(path) and not os.path.isdir(path) else None


def workspace(root: str, *, untracked: bool = True) -> dict[str, str | None]:
    """The work tree's changes against HEAD (with untracked files unless not `untracked`)."""
    return {
        rel: _source(root, rel)
        for xy, rel in _status(root)
        if untracked or xy != "??"
    }


def untracked_files(root: str) -> list[str]:
    return sorted(rel for xy, rel in _status(root) if xy == "??")


def of_paths(root: str, rels: list[str]) -> dict[str, str | None]:
    """`rels` as they are in the work tree (a missing one is a deletion)."""
    return {rel: _source(root, rel) for rel in rels}
