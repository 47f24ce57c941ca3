"""`gitml registry deprecate`: retire a whole artifact."""

from __future__ import annotations

from gitml.registry.actions import Created
from gitml.registry.actions import deprecate as _deprecate
from gitml.repo import Repo


def deprecate(repo: Repo, name: str, *, message: str | None = None, push: bool = False) -> Created:
    """`NAME@deprecated`: the artifact leaves `show` (see it with --all); history stays."""
    with repo.lock():
        return _deprecate(repo, name, message=message, push=push)
