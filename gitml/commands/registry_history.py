"""`gitml registry history`: every registry event, newest first."""

from __future__ import annotations

from typing import Any

from gitml.registry import index, names, tags, views
from gitml.repo import Repo


def history(repo: Repo, name: str | None = None) -> list[dict[str, Any]]:
    """GTO's `history --json` rows: timestamp, artifact, event, version, stage, commit,
    author, message, ref."""
    if name is not None:
        names.check_artifact_name(name)
    return views.history(index.build(tags.read_tags(repo.root, name), only=name), name)
