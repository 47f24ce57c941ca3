"""Read small tracked files (metrics, params, plots) at a Git revision or in the workspace.

A file in Git is read from the revision's tree; a cached stage out (or a pointer output)
that Git ignores is read from the cache through that revision's gitml.lock (or pointer).
Nothing is checked out.
"""

from __future__ import annotations

from gitml import scm, tracked
from gitml.constants import LOCK_FILE_NAME
from gitml.errors import BadInputError
from gitml.hashing import HashInfo
from gitml.pipeline import lock as lockfile
from gitml.repo import Repo

WORKSPACE = "workspace"


class RevisionReader:
    """Reads repo-relative files at one revision (`workspace` = the working tree)."""

    def __init__(self, repo: Repo, rev: str) -> None:
        self.repo = repo
        self.rev = rev
        self.unborn = False
        self.sha: str | None = None
        if rev != WORKSPACE:
            try:
                self.sha = scm.resolve(repo.root, rev)
            except BadInputError:
                if rev != "HEAD" or not scm.head_is_unborn(repo.root):
                    raise
                self.unborn = True  # before the first commit: compare with nothing, as Git does
        self._outs: dict[str, HashInfo] | None = None

    def read(self, rel: str) -> bytes | None:
        """The file's bytes at this revision, or None when it did not exist there."""
        if self.unborn:
            return None
        if self.sha is None:
            try:
                with open(self.repo.abspath(rel), "rb") as f:
                    return f.read()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                return None
        data = scm.read_at(self.repo.root, self.sha, rel)
        if data is not None:
            return data
        info = self._cached_outputs().get(rel)
        if info is None or info.is_dir or not self.repo.cache.exists(info.digest):
            return None
        return self.repo.cache.read_verified(info.digest)

    def _cached_outputs(self) -> dict[str, HashInfo]:
        if self._outs is None:
            self._outs = _outputs_at(self.repo, self.sha or "")
        return self._outs


def _outputs_at(repo: Repo, sha: str) -> dict[str, HashInfo]:
    outputs = dict(tracked.outputs_at(repo, sha))
    raw = scm.read_at(repo.root, sha, LOCK_FILE_NAME)
    if raw is not None:
        for stage in lockfile.loads(raw, f"{sha[:8]}:{LOCK_FILE_NAME}", repo.state).values():
            outputs.update((e.path, e.hash_info) for e in stage.outs)
    return outputs
