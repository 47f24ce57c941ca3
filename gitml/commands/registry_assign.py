"""`gitml registry assign`: put a version in a stage."""

from __future__ import annotations

from gitml.registry.actions import Created
from gitml.registry.actions import assign as _assign
from gitml.repo import Repo


def assign(
    repo: Repo,
    name: str,
    stage: str,
    *,
    version: str | None = None,
    rev: str | None = None,
    message: str | None = None,
    push: bool = False,
) -> list[Created]:
    """`NAME#STAGE#N` (N counts the artifact's stage tags); a REV with no version yet is
    registered first, as GTO does."""
    with repo.lock():
        return _assign(repo, name, stage, version=version, rev=rev, message=message, push=push)
