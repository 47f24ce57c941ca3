"""`gitml commit`: record the current content of tracked outputs into their pointers."""

from __future__ import annotations

from collections.abc import Sequence

from gitml import tracked
from gitml.commands.add import AddResult, add
from gitml.repo import Repo
from gitml.workspace import Progress


def commit(
    repo: Repo,
    targets: Sequence[str] = (),
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> AddResult:
    """Re-hash and cache the outputs of the selected pointers; rewrite changed pointers."""
    pointers = tracked.select(repo, targets)
    paths = [repo.abspath(p.out_rel(o)) for p in pointers for o in p.outs]
    if not paths:
        return AddResult((), ())
    return add(repo, paths, jobs=jobs, progress=progress)
