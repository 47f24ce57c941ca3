"""`gitml exp save`: record the workspace as an experiment of HEAD, running nothing."""

from __future__ import annotations

from collections.abc import Sequence

from gitml import gitrefs
from gitml.commands.commit import commit
from gitml.constants import LOCK_FILE_NAME
from gitml.errors import BadInputError
from gitml.experiments import changes
from gitml.experiments.record import record
from gitml.experiments.refs import ExpRef, check_name, ref_for
from gitml.experiments.run import baseline_of, taken_names
from gitml.record import dataclass
from gitml.repo import Repo


@dataclass(frozen=True)
class SaveResult:
    experiment: ExpRef
    left_out: tuple[str, ...]  # untracked files not included (DVC warns about them)


def exp_save(
    repo: Repo,
    targets: Sequence[str] = (),
    *,
    name: str | None = None,
    message: str = "",
    force: bool = False,
    include_untracked: Sequence[str] = (),
) -> SaveResult:
    """As DVC's `exp save`: `commit --force` the outputs (stale stages too: their lock
    entries are rewritten from the workspace), then record the tracked changes, gitml.lock
    and the `include_untracked` paths. `force` replaces an experiment of that name."""
    from gitml.experiments.refs import new_name

    baseline = baseline_of(repo.root)
    taken = taken_names(repo.root, baseline)
    if name is None:
        name = new_name(taken)
    check_name(name)
    if name in taken and not force:
        raise BadInputError(
            f"experiment '{name}' already exists", hint="use -f to replace it"
        )
    untracked = changes.untracked_files(repo.root)
    for rel in include_untracked:
        if rel not in untracked and not any(u.startswith(rel.rstrip("/") + "/") for u in untracked):
            raise BadInputError(f"{rel} is not an untracked file", hint="see 'git status'")
    commit(repo, targets, force=True)
    found = changes.workspace(repo.root, untracked=False)
    untracked = changes.untracked_files(repo.root)
    wanted = [u for u in untracked if u == LOCK_FILE_NAME or any(
        u == rel or u.startswith(rel.rstrip("/") + "/") for rel in include_untracked)]
    found.update(changes.of_paths(repo.root, wanted))
    if force and gitrefs.exists(repo.root, ref_for(baseline, name)):
        gitrefs.delete(repo.root, ref_for(baseline, name))
    exp = record(repo.root, baseline, name, found, message)
    return SaveResult(exp, tuple(u for u in untracked if u not in wanted))
