"""`gitml exp diff`: metric and param differences between two experiments or revisions."""

from __future__ import annotations

from gitml.experiments.show_diff import ExpDiff, diff
from gitml.repo import Repo


def exp_diff(
    repo: Repo, a: str | None = None, b: str | None = None, *, all_rows: bool = False
) -> ExpDiff:
    return diff(repo, a, b, all_rows=all_rows)
