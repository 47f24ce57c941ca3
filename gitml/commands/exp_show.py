"""`gitml exp show`: the workspace, baselines and their experiments with metrics and params."""

from __future__ import annotations

from typing import Literal

from gitml.experiments import show_columns
from gitml.experiments.show import ShowResult, show
from gitml.repo import Repo


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
