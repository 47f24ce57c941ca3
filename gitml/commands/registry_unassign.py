"""`gitml registry unassign`: take a version out of a stage."""

from __future__ import annotations

from gitml.registry.actions import Created
from gitml.registry.actions import unassign as _unassign
from gitml.repo import Repo


def unassign(
    repo: Repo,
    name: str,
    stage: str,
    *,
    version: str | None = None,
    message: str | None = None,
    push: bool = False,
) -> Created:
    """`NAME#STAGE!#N`, for the version in the stage now (or `version`)."""
    with repo.lock():
        return _unassign(repo, name, stage, version=version, message=message, push=push)
