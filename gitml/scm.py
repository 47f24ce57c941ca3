"""The only home of Git: find the work tree, list files, read blobs at revisions, ignores.

Hot paths run the `git` binary directly (a few ms); GitPython (~40 ms to import) is loaded
only for reading objects at revisions.
"""

from __future__ import annotations

import os
import subprocess
from functools import cache
from typing import Any

from gitml import atomic
from gitml.errors import BadInputError, GitmlError


def find_git_root(start: str) -> str | None:
    """The nearest folder at or above `start` holding `.git` (a dir or a worktree file)."""
    path = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(path, ".git")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def _git(root: str, *args: str) -> bytes:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, check=False, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError as e:
        raise GitmlError("git is not installed or not on PATH") from e
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise GitmlError(f"git {args[0]} failed: {msg[-1] if msg else proc.returncode}")
    return proc.stdout


def ls_files(root: str, *patterns: str, untracked: bool = True) -> list[str]:
    """Repo-relative POSIX paths of tracked (and untracked, not ignored) files matching."""
    args = ["ls-files", "-z", "--cached"]
    if untracked:
        args += ["--others", "--exclude-standard"]
    out = _git(root, *args, "--", *patterns)
    return sorted({p for p in out.decode("utf-8").split("\0") if p})


def is_tracked(root: str, rel: str) -> bool:
    return bool(_git(root, "ls-files", "-z", "--cached", "--", rel))


@cache
def _open(root: str) -> Any:
    import git  # GitPython: loaded only when revisions are read

    return git.Repo(root)


def resolve(root: str, rev: str) -> str:
    """Full commit sha of `rev`, or a BadInputError naming it."""
    import git

    try:
        return str(_open(root).commit(rev).hexsha)
    except (git.BadName, ValueError, git.GitCommandError) as e:
        raise BadInputError(f"unknown revision {rev!r}") from e


def files_at(root: str, rev: str, suffix: str) -> list[str]:
    """Repo-relative paths of blobs ending in `suffix` in the tree of `rev`."""
    tree = _open(root).commit(resolve(root, rev)).tree
    return sorted(
        str(item.path)
        for item in tree.traverse()
        if item.type == "blob" and str(item.path).endswith(suffix)
    )


def read_at(root: str, rev: str, rel: str) -> bytes | None:
    """The bytes of `rel` at `rev`, or None if it does not exist there."""
    tree = _open(root).commit(resolve(root, rev)).tree
    try:
        blob = tree / rel
    except KeyError:
        return None
    data: bytes = blob.data_stream.read()
    return data


def add_to_gitignore(root: str, rel: str) -> bool:
    """Ignore `rel` in the .gitignore of its folder (`/name`); False if already there."""
    folder, name = os.path.split(rel)
    path = os.path.join(root, folder, ".gitignore")
    entry = "/" + name
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    if entry in text.splitlines():
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    atomic.write_text(path, text + entry + "\n")
    return True


def check_not_tracked(root: str, rel: str) -> None:
    if is_tracked(root, rel):
        raise BadInputError(
            f"{rel} is already tracked by Git",
            hint=f"run 'git rm -r --cached {rel}' first",
        )


def revisions(root: str, *, branches: bool, tags: bool, commits: bool) -> list[str]:
    """Commit shas of all local branches, all tags, or every commit reachable from any ref."""
    if commits:
        out = _git(root, "rev-list", "--all")
        return sorted(set(out.decode().split()))
    patterns = (["refs/heads"] if branches else []) + (["refs/tags"] if tags else [])
    if not patterns:
        return []
    out = _git(
        root, "for-each-ref", "--format=%(objectname) %(objecttype) %(*objectname)", *patterns
    )
    shas = set()
    for line in out.decode().splitlines():
        sha, kind, peeled = [*line.split(), "", ""][:3]
        shas.add(peeled if kind == "tag" and peeled else sha)
    return sorted(shas)


def has_commits(root: str) -> bool:
    try:
        _git(root, "rev-parse", "--verify", "-q", "HEAD")
    except GitmlError:
        return False
    return True


def default_branch(root: str) -> str | None:
    """origin's HEAD branch, else a local main or master."""
    try:
        ref = _git(root, "symbolic-ref", "-q", "refs/remotes/origin/HEAD").decode().strip()
        return ref.removeprefix("refs/remotes/")
    except GitmlError:
        pass
    for name in ("main", "master"):
        try:
            _git(root, "rev-parse", "--verify", "-q", f"refs/heads/{name}")
            return name
        except GitmlError:
            continue
    return None


def merge_base(root: str, a: str, b: str) -> str:
    return _git(root, "merge-base", a, b).decode().strip()
