"""`gitml checkout`: make the workspace match the pointers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gitml.errors import UncommittedChangeError
from gitml.link import Linker, root_warning
from gitml.materialize import Plan, apply, plan_output
from gitml.record import dataclass, field
from gitml.repo import Repo
from gitml.untracked import Dropped, checked_out_from, drop, previous_outputs
from gitml.used import workspace_outputs
from gitml.workspace import Hasher, Progress

if TYPE_CHECKING:
    from gitml.hashing import HashInfo

LAST_CHECKOUT = "last-checkout"  # `previous`: what the last `git checkout` left, if it was last


@dataclass(frozen=True)
class CheckoutResult:
    added: int
    modified: int
    deleted: int
    missing: tuple[tuple[str, str], ...]  # (path, oid) that could not be restored
    warnings: tuple[str, ...] = ()
    dropped: Dropped = field(default_factory=Dropped)  # only `previous` tracked: removed/kept

    @property
    def changed(self) -> bool:
        return bool(self.added or self.modified or self.deleted)


def checkout(
    repo: Repo,
    targets: Sequence[str] = (),
    *,
    force: bool = False,
    progress: Progress | None = None,
    total: Progress | None = None,
    previous: str | None = None,
) -> CheckoutResult:
    """Restore tracked outputs; refuses (changing nothing) to drop unrestorable local edits.

    With `previous` (the revision checked out before, or LAST_CHECKOUT), outputs it tracked
    that nothing tracks now have their recorded files removed when their bytes are safe in
    the cache, as Git removes files it tracked; kept and reported otherwise (untracked.py).
    """
    with repo.lock():
        hasher = Hasher(repo.root, repo.state, repo.ignore)
        plans: list[Plan] = []
        outputs = workspace_outputs(repo, targets)
        for rel, info in outputs:
            plans.append(_plan(repo, hasher, rel, info))
        lost = [u for p in plans for u in p.unrestorable]
        if lost and not force:
            raise UncommittedChangeError(
                f"checkout would delete {_some(lost)}, which gitml cannot restore",
                hint="move it away, or use --force to delete it",
            )
        conflicts = [c for p in plans for c in p.conflicts]
        if conflicts and not force:
            raise UncommittedChangeError(
                f"checkout would overwrite {len(conflicts)} local change(s) not in the cache:"
                f" {_some(conflicts)}",
                hint="commit them with 'gitml add', or use --force to discard them",
            )
        if total is not None:
            total(sum(len(p.write) for p in plans))
        linker = Linker(repo.config.cache_types)
        apply(repo, [p for p in plans if not p.is_noop], linker, progress=progress)
        dropped = Dropped()
        if previous == LAST_CHECKOUT:
            previous = checked_out_from(repo)
        if previous is not None and not targets:
            dropped = drop(repo, hasher, previous_outputs(repo, previous))
    return CheckoutResult(
        added=sum(p.added for p in plans),
        modified=sum(len(p.write) - p.added for p in plans),
        deleted=sum(len(p.delete) for p in plans),
        missing=tuple(m for p in plans for m in p.missing),
        warnings=tuple(w for w in [root_warning(linker.used)] if w),
        dropped=dropped,
    )


def _plan(repo: Repo, hasher: Hasher, rel: str, info: HashInfo) -> Plan:
    """What restoring one output takes. An output whose content already matches (a folder
    answered from the state database, without its manifest) needs nothing: the common case
    of a branch switch, which then reads no manifest of 20,000 files."""
    current = hasher.scan(repo.abspath(rel), rel, need_tree=False)
    same = current is not None and current.hash_info.digest == info.digest and not current.skipped
    if same and (not info.is_dir or repo.cache.exists(info.digest)):
        return Plan(rel)  # (a folder whose manifest is gone is reported missing below)
    if current is not None and current.tree is None and current.hash_info.is_dir:
        current = hasher.scan(repo.abspath(rel), rel)  # its files, to compare one by one
    return plan_output(repo, rel, info, current)


def _some(paths: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")
