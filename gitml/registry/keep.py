"""What `gitml gc` keeps for the registry: the artifact's objects at every registered,
not deregistered version and at every current stage assignment of an artifact in effect."""

from __future__ import annotations

from gitml import used
from gitml.errors import BadInputError
from gitml.registry import artifacts
from gitml.registry.index import build
from gitml.registry.tags import read_tags
from gitml.registry.views import stage_map
from gitml.repo import Repo


def kept_versions(repo: Repo) -> list[tuple[str, str]]:
    """(artifact, commit) pairs to keep; a deprecated artifact keeps nothing."""
    keep: dict[tuple[str, str], None] = {}
    for art in build(read_tags(repo.root)).artifacts.values():
        if not art.is_active:
            continue
        for v in art.versions:
            if v.is_registered and v.is_active:
                keep[(art.name, v.commit_hexsha)] = None
        for vstages in stage_map(art).values():  # the version in each stage now
            for s in vstages:
                keep[(art.name, s.commit_hexsha)] = None
    return list(keep)


def registry_outputs(repo: Repo) -> list[used.Output]:
    """The outputs to keep: the artifact's own (every output at that commit when gitml.yaml
    does not declare it, e.g. a version GTO registered)."""
    found: dict[used.Output, None] = {}
    for name, sha in kept_versions(repo):
        outs = used.outputs_at(repo, sha)
        try:
            declared = artifacts.find(repo, name, sha)
        except BadInputError:
            found.update((o, None) for o in outs)
            continue
        found.update((o, None) for o in outs if o[0] == declared.path)
    return list(found)
