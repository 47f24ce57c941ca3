"""`gitml status`: which tracked outputs differ from their pointers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from gitml import tracked
from gitml.repo import Repo
from gitml.workspace import Hasher, Progress

State = Literal["modified", "deleted", "not in cache"]


@dataclass(frozen=True)
class OutStatus:
    pointer: str  # the pointer file, repo-relative
    path: str  # the output, repo-relative
    state: State


@dataclass(frozen=True)
class StatusResult:
    changes: tuple[OutStatus, ...]

    @property
    def clean(self) -> bool:
        return not self.changes

    def to_json(self) -> dict[str, list[dict[str, str]]]:
        out: dict[str, list[dict[str, str]]] = {}
        for c in self.changes:
            out.setdefault(c.pointer, []).append({"path": c.path, "status": c.state})
        return out


def status(
    repo: Repo, targets: Sequence[str] = (), *, progress: Progress | None = None
) -> StatusResult:
    """Compare every tracked output in the workspace with its pointer (read-only)."""
    hasher = Hasher(repo.root, repo.state, repo.ignore, progress=progress)
    changes = []
    for pointer in tracked.select(repo, targets):
        for out in pointer.outs:
            rel = pointer.out_rel(out)
            current = hasher.scan(repo.abspath(rel), rel, need_tree=False)
            state: State | None = None
            if current is None:
                state = "deleted" if repo.cache.exists(out.digest) else "not in cache"
            elif current.hash_info.digest != out.digest:
                state = "modified"
            elif not repo.cache.exists(out.digest):
                state = "not in cache"
            if state is not None:
                changes.append(OutStatus(pointer.rel, rel, state))
    return StatusResult(tuple(changes))
