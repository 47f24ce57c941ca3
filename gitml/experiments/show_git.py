"""Plain `git` plumbing for `exp show`: the refs in one `for-each-ref`, objects in one
`cat-file --batch` (a few ms each, where GitPython would cost ~40 ms to import)."""

from __future__ import annotations

import os

from gitml import scm
from gitml.errors import GitmlError
from gitml.record import dataclass

OUTSIDE = "outside"  # a symlink that leaves the tree: not read


@dataclass(frozen=True)
class Commit:
    time: int  # committer time, seconds since the epoch
    parent: str | None
    message: str  # the subject line


@dataclass(frozen=True)
class Refs:
    head: str | None  # HEAD's sha (None before the first commit)
    head_branch: str | None  # its branch, None when detached
    by_ref: dict[str, str]  # refs/heads/..., refs/tags/... (peeled), refs/exps/... -> sha


def refs(root: str) -> Refs:
    """HEAD, branches, tags and experiment refs: one `git for-each-ref` (HEAD read from
    .git/HEAD when .git is a folder; else `git rev-parse`)."""
    fmt = "%(objectname) %(*objectname) %(refname)"
    listing = scm.run(
        root, "for-each-ref", f"--format={fmt}", "refs/heads", "refs/tags", "refs/exps"
    )
    by_ref: dict[str, str] = {}
    for line in listing.decode("utf-8", "replace").splitlines():
        sha, peeled, ref = line.split(" ", 2)
        by_ref[ref] = peeled or sha
    head, full = _head(root, by_ref)
    branch = full.removeprefix("refs/heads/") if full.startswith("refs/heads/") else None
    return Refs(head, branch, by_ref)


def _head(root: str, by_ref: dict[str, str]) -> tuple[str | None, str]:
    """(HEAD's sha or None before the first commit, its full ref name or "HEAD")."""
    try:
        with open(os.path.join(root, ".git", "HEAD"), encoding="utf-8") as f:
            text = f.read().strip()
    except OSError:  # a worktree or submodule: .git is a file
        text = ""
    if text.startswith("ref: refs/heads/"):
        ref = text[5:]
        return by_ref.get(ref), ref
    if len(text) == 40 and all(c in "0123456789abcdef" for c in text):
        return text, "HEAD"
    try:
        out = scm.run(root, "rev-parse", "HEAD", "--symbolic-full-name", "HEAD", "--")
    except GitmlError:
        return None, "HEAD"
    lines = out.decode().split()
    return lines[0], (lines[1] if len(lines) > 1 else "HEAD")


def rev_list(root: str, *args: str) -> list[str]:
    return scm.run(root, "rev-list", *args).decode().split()


def read_objects(root: str, specs: list[str]) -> list[bytes | str | None]:
    """The content of each `<rev>[:<path>]` in `specs` (one `git cat-file --batch`, symlinks
    followed inside the tree): bytes, None when absent, OUTSIDE for a link leaving the tree."""
    if not specs:
        return []
    out = scm.run(
        root, "cat-file", "--batch", "--follow-symlinks", data="\n".join(specs).encode() + b"\n"
    )
    found: list[bytes | str | None] = []
    pos = 0
    for _ in specs:
        end = out.index(b"\n", pos)
        header = out[pos:end]
        pos = end + 1
        fields = header.split(b" ")
        if header.endswith((b" missing", b" ambiguous")) or len(fields) < 2:
            found.append(None)
            continue
        if len(fields) == 2:  # "symlink|dangling|loop|notdir SIZE" then that many bytes
            pos += int(fields[1]) + 1
            found.append(OUTSIDE if fields[0] == b"symlink" else None)
            continue
        size = int(fields[2])
        found.append(out[pos : pos + size] if fields[1] in (b"blob", b"commit") else None)
        pos += size + 1
    return found


def parse_commit(raw: bytes) -> Commit:
    head, _, body = raw.partition(b"\n\n")
    parent = None
    time = 0
    for line in head.split(b"\n"):
        if line.startswith(b"parent ") and parent is None:
            parent = line[7:].decode()
        elif line.startswith(b"committer "):
            time = int(line.rsplit(b" ", 2)[1])
    subject = body.decode("utf-8", "replace").split("\n", 1)[0].strip()
    return Commit(time, parent, subject)
