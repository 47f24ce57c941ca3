"""`gitml registry deregister`: retire one version."""

from __future__ import annotations

from gitml.registry.actions import Created
from gitml.registry.actions import deregister as _deregister
from gitml.repo import Repo


def deregister(
    repo: Repo, name: str, version: str, *, message: str | None = None, push: bool = False
) -> Created:
    """`NAME@vX.Y.Z!`: the version is retired; its tags and history stay."""
    with repo.lock():
        return _deregister(repo, name, version, message=message, push=push)
