"""`gitml registry check-ref`: what a (pushed) registry tag means, for CI."""

from __future__ import annotations

from typing import Any

from gitml.errors import GitmlError
from gitml.registry import index, tags, views
from gitml.repo import Repo


def check_ref(repo: Repo, ref: str) -> dict[str, Any] | None:
    """GTO's `check-ref --json` answer for the event `ref` made; None for a tag that is not a
    registry event (or does not exist)."""
    events = views.check_ref(index.build(tags.read_tags(repo.root)), ref)
    if len(events) > 1:
        raise GitmlError(f"{ref} made {len(events)} events; a tag should make one")
    return views.check_ref_json(events[0]) if events else None
