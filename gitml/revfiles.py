"""Read small tracked files (metrics, params, plots) at a Git revision or in the workspace.

A file in Git is read from the revision's tree; a cached stage out (or a pointer output)
that Git ignores is read from the cache through that revision's gitml.lock (or pointer).
Nothing is checked out.
"""

from __future__ import annotations

import posixpath

from gitml import scm, tracked
from gitml.errors import BadInputError, UnsafePathError
from gitml.hashing import HashInfo
from gitml.paths import check_real_inside, is_private
from gitml.pipeline import lock as lockfile
from gitml.repo import Repo

WORKSPACE = "workspace"
_MAX_LINKS = 8


class RevisionReader:
    """Reads repo-relative files at one revision (`workspace` = the working tree)."""

    def __init__(self, repo: Repo, rev: str, *, sha: str | None = None) -> None:
        """`sha`: `rev`'s commit, when the caller has resolved it already."""
        self.repo = repo
        self.rev = rev
        self.unborn = False
        self.sha: str | None = sha
        if rev != WORKSPACE and sha is None:
            try:
                self.sha = scm.resolve(repo.root, rev)
            except BadInputError:
                if rev != "HEAD" or not scm.head_is_unborn(repo.root):
                    raise
                self.unborn = True  # before the first commit: compare with nothing, as Git does
        self._outs: dict[str, HashInfo] | None = None
        # rel -> (is a symlink, bytes) or None: entries read ahead in bulk (`preload`)
        self.known: dict[str, tuple[bool, bytes] | None] = {}

    def read(self, rel: str) -> bytes | None:
        """The file's bytes at this revision, or None when it did not exist there."""
        if self.unborn:
            return None
        if self.sha is None:
            path = self.repo.abspath(rel)
            check_real_inside(self.repo.root, path, what=rel)
            try:
                with open(path, "rb") as f:
                    return f.read()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                return None
        data = _read_git(self.repo.root, self.sha, rel, self.known)
        if data is not None:
            return data
        info = self._cached_outputs().get(rel)
        if info is None or info.is_dir or not self.repo.cache.exists(info.digest):
            return None
        return self.repo.cache.read_verified(info.digest)

    def git_bytes(self, rel: str) -> bytes | None:
        """`rel`'s bytes when Git holds it at this revision (not the workspace)."""
        if self.unborn or self.sha is None:
            return None
        return _read_git(self.repo.root, self.sha, rel)

    def cached_output(self, rel: str) -> HashInfo | None:
        """The hash a pointer or gitml.lock gives `rel` at this revision (not the workspace)."""
        if self.unborn or self.sha is None:
            return None
        return self._cached_outputs().get(rel)

    def _cached_outputs(self) -> dict[str, HashInfo]:
        if self._outs is None:
            self._outs = _outputs_at(self.repo, self.sha or "")
        return self._outs


def preload(readers: list[RevisionReader], rels: list[str]) -> None:
    """Read `rels` at the revisions of `readers` ahead, with one `git cat-file --batch` for
    all of them (hundreds of commits in one process, not two per file and revision)."""
    pairs = [(r, rel) for r in readers if r.sha is not None and not r.unborn for rel in rels]
    if not pairs:
        return
    specs = []
    for reader, rel in pairs:
        parent = rel.rpartition("/")[0]
        specs.append(f"{reader.sha}:{parent}" if parent else f"{reader.sha}^{{tree}}")
        specs.append(f"{reader.sha}:{rel}")
    data = "\n".join(specs).encode() + b"\n"
    out = scm.run(pairs[0][0].repo.root, "cat-file", "--batch", data=data)
    pos = 0
    for reader, rel in pairs:
        tree, pos = scm.batch_object(out, pos)
        blob, pos = scm.batch_object(out, pos)
        entry = None
        if tree is not None and blob is not None and tree[0] == b"tree" and blob[0] == b"blob":
            mode = scm.tree_mode(tree[1], rel.rpartition("/")[2].encode("utf-8"), tree[2])
            entry = (mode == b"120000", blob[1])
        reader.known[rel] = entry


def _read_git(
    root: str, sha: str, rel: str, known: dict[str, tuple[bool, bytes] | None] | None = None
) -> bytes | None:
    """`rel`'s bytes in the tree of `sha`; a symlink is followed inside that tree only."""
    path = rel
    for _ in range(_MAX_LINKS):
        if known is not None and path in known:
            entry = known[path]
        else:
            entry = scm.read_entry_at(root, sha, path)
        if entry is None:
            return None
        is_link, data = entry
        if not is_link:
            return data
        path = _link_target(rel, path, data)
    raise UnsafePathError(f"{rel}: too many levels of symlinks at revision {sha[:12]}")


def _link_target(rel: str, link: str, target: bytes) -> str:
    """The repo-relative path a committed symlink names; refuses one that leaves the tree
    (absolute, or '..' above the root) or leads into .git or .gitml."""
    text = target.decode("utf-8", "surrogateescape")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(link), text))
    if text.startswith("/") or joined == ".." or joined.startswith("../") or is_private(joined):
        raise UnsafePathError(
            f"{rel}: a symlink that leads outside the repository (or into .git/.gitml);"
            " gitml does not read it"
        )
    return joined


def _outputs_at(repo: Repo, sha: str) -> dict[str, HashInfo]:
    """Outputs of the pointers and of every gitml.lock (sub pipelines' too) at `sha`."""
    pointer_outs, locks = tracked.outputs_and_locks_at(repo, sha)
    outputs = dict(pointer_outs)
    for rel, raw in locks.items():
        base = rel.rpartition("/")[0]
        for stage in lockfile.loads(raw, f"{sha[:8]}:{rel}", repo.state, base).values():
            outputs.update((e.path, e.hash_info) for e in stage.outs)
    return outputs
