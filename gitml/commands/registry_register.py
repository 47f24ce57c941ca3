"""`gitml registry register`: tag a new version of an artifact."""

from __future__ import annotations

from gitml.registry.actions import Bump, Created
from gitml.registry.actions import register as _register
from gitml.repo import Repo


def register(
    repo: Repo,
    name: str,
    rev: str = "HEAD",
    *,
    version: str | None = None,
    bump: Bump | None = None,
    message: str | None = None,
    push: bool = False,
) -> Created:
    """`NAME@vX.Y.Z` at `rev`: v0.0.1 first, then the latest bumped (patch by default)."""
    with repo.lock():
        return _register(repo, name, rev, version=version, bump=bump, message=message, push=push)
