"""`gitml exp branch NAME [BRANCH]`: make a Git branch of an experiment."""

from __future__ import annotations

from gitml import gitrefs
from gitml.errors import BadInputError
from gitml.experiments import select
from gitml.experiments.refs import ExpRef
from gitml.record import dataclass
from gitml.repo import Repo


@dataclass(frozen=True)
class BranchResult:
    exp: ExpRef
    branch: str


def exp_branch(repo: Repo, name: str, branch: str | None = None) -> BranchResult:
    """Create `refs/heads/BRANCH` (default `<name>-branch`, as DVC) at the experiment's
    commit, only if no such branch exists (a create-only ref update)."""
    exps = select.choose(repo.root, select.local(repo.root), select.Selection(names=(name,)),
                         default_head=False)
    exp = exps[0]
    branch = branch if branch is not None else f"{exp.name}-branch"
    ref = f"refs/heads/{branch}"
    if branch in ("", "HEAD") or branch.startswith("-") or not _valid_branch(repo.root, branch):
        raise BadInputError(f"invalid branch name '{branch}'")
    try:
        gitrefs.update(repo.root, ref, exp.sha, old=gitrefs.ZERO,
                       reason=f"gitml: branch from experiment '{exp.name}'")
    except gitrefs.RefExistsError as e:
        raise BadInputError(f"Git branch '{branch}' already exists") from e
    return BranchResult(exp, branch)


def _valid_branch(root: str, branch: str) -> bool:
    import subprocess

    proc = subprocess.run(["git", "check-ref-format", "--branch", branch], cwd=root,
                          capture_output=True, stdin=subprocess.DEVNULL, check=False)
    return proc.returncode == 0 and proc.stdout.decode().strip() == branch
