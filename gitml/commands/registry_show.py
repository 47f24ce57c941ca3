"""`gitml registry show`: the latest version and each stage's version, per artifact."""

from __future__ import annotations

from typing import Any

from gitml.errors import BadInputError
from gitml.registry import asof, index, names, tags, views
from gitml.repo import Repo


def show(
    repo: Repo, name: str | None = None, *, deprecated: bool = False, as_of: str | None = None
) -> Any:
    """GTO's `show --json` answer: {artifact: {version, stage, registered, active}}, or with
    `name` that artifact's versions; `as_of` (a date): the registry at that moment."""
    until = asof.parse_moment(as_of) if as_of is not None else None
    st = index.build(tags.read_tags(repo.root), until=until)
    if name is None:
        return views.show_registry(st, _stages(repo), deprecated=deprecated)
    names.check_artifact_name(name)
    art = st.artifacts.get(name)
    if art is None:
        raise BadInputError(f"artifact '{name}' has no registry tags")
    return views.show_artifact(art, deprecated=deprecated)


def _stages(repo: Repo) -> list[str] | None:
    allowed = repo.config.registry_stages
    return list(allowed) if allowed is not None else None
