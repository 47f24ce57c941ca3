"""Which version a `get` or `card` means: --version, --stage, or the latest; retired ones
refused unless allowed."""

from __future__ import annotations

from gitml.errors import BadInputError
from gitml.registry import names
from gitml.registry.state import State, Version
from gitml.registry.views import latest, stage_map


def pick(
    state: State,
    name: str,
    *,
    version: str | None = None,
    stage: str | None = None,
    allow_retired: bool = False,
) -> Version:
    names.check_artifact_name(name)
    if version is not None and stage is not None:
        raise BadInputError("give either --version or --stage, not both")
    if version is not None:
        names.check_version(version)
    if stage is not None:
        names.check_stage_name(stage)
    art = state.artifacts.get(name)
    if art is None:
        raise BadInputError(f"artifact '{name}' has no registry tags")
    hint = "pass --allow-deprecated to use it anyway"
    if not art.is_active and not allow_retired:
        raise BadInputError(f"artifact '{name}' is deprecated", hint=hint)
    if version is not None:
        found = art.find_version(version)
        if found is None or not found.is_registered:
            raise BadInputError(f"artifact '{name}' has no version {version}")
        if not found.is_active and not allow_retired:
            raise BadInputError(f"version {version} of '{name}' is deregistered", hint=hint)
        return found
    if stage is not None:
        now = stage_map(art).get(stage)
        if not now:
            raise BadInputError(f"no version of '{name}' is in stage '{stage}'")
        found = art.find_version(now[0].version)
        assert found is not None
        return found
    top = latest(art)
    if top is None:
        raise BadInputError(f"artifact '{name}' has no registered version in effect")
    return top
