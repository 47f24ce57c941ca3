"""`gitml lineage TARGET [--rev R]`: what produced TARGET at a commit (the upstream walk)."""

from __future__ import annotations

from gitml.errors import BadInputError
from gitml.lineage import facts as commit_facts
from gitml.lineage import target as targets
from gitml.lineage.walk import Lineage, Walker
from gitml.repo import Repo


def lineage(repo: Repo, target: str, *, rev: str | None = None) -> Lineage:
    """The upstream walk of `target` (a registry reference, a stage, an artifact or a path)
    at `rev` (default HEAD; a registry reference names its own commit)."""
    ref = targets.registry_reference(target)
    artifact = version = None
    if ref is not None:
        if rev is not None:
            raise BadInputError(f"{target} names its commit: give it or --rev, not both")
        commit = commit_facts.commit_at(repo.root, targets.registry_commit(repo, ref))
        artifact, version = ref.artifact, ref.version or ref.stage
    else:
        commit = commit_facts.commit_at(repo.root, rev or "HEAD")
    sha = commit.sha
    facts = commit_facts.facts_at(repo, sha)
    walker = Walker(facts)
    paths: tuple[str, ...] = ()
    stage = None if ref is not None else targets.stage_address(facts, target)
    if stage is not None:
        kind = "stage"
        walker.stage(stage)
    else:
        name = artifact or target
        art_path = targets.artifact_path(repo, sha, name)
        if ref is not None and art_path is None:
            raise BadInputError(f"artifact '{name}' is not declared at commit {sha[:8]}")
        if art_path is not None:
            kind = "registry" if ref is not None else "artifact"
            artifact = name
            paths = (art_path,)
        else:
            kind = "path"
            paths = (targets.path_rel(repo, target),)
        if not walker.from_path(paths[0]):
            raise BadInputError(
                f"{target}: no stage makes it and no pointer tracks it at commit {sha[:8]}"
                f" ({paths[0]})"
            )
    stages, data = walker.result()
    return Lineage(target, kind, paths, commit, stages, data, artifact, version)
