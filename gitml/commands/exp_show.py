"""`gitml exp show`: the workspace, baselines and their experiments with metrics and params."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from gitml.experiments import show_columns
from gitml.experiments.show import ShowResult, show
from gitml.repo import Repo

if TYPE_CHECKING:
    from gitml.experiments.remote_queue import RemoteRow


def exp_show(
    repo: Repo,
    *,
    all_branches: bool = False,
    all_commits: bool = False,
    num: int = 1,
    hide_workspace: bool = False,
    sort_by: str | None = None,
    sort_order: Literal["asc", "desc"] = "asc",
) -> ShowResult:
    result = show(
        repo, all_branches=all_branches, all_commits=all_commits, num=num,
        hide_workspace=hide_workspace,
    )
    return show_columns.sort(result, sort_by, sort_order) if sort_by else result


def exp_show_remote(repo: Repo, git_remote: str) -> list[RemoteRow]:
    """What the Git remote's queue holds: queued, claimed, failed and done experiments."""
    from gitml.experiments import remote_queue, share

    share.check_remote(repo.root, git_remote)
    return remote_queue.status(repo.root, git_remote)
