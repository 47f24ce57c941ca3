"""What a lineage TARGET names at a commit: a registry reference (`NAME@vX.Y.Z`,
`NAME#STAGE`, which also fixes the commit), a stage, an artifact, or a path."""

from __future__ import annotations

import os
import posixpath

from gitml.constants import PIPELINE_FILE, POINTER_SUFFIX
from gitml.errors import BadInputError
from gitml.lineage.facts import Facts
from gitml.record import dataclass
from gitml.repo import Repo


@dataclass(frozen=True)
class Reference:
    artifact: str
    version: str | None
    stage: str | None


def registry_reference(text: str) -> Reference | None:
    """`NAME@vX.Y.Z` or `NAME#STAGE` (GTO's spelling), else None."""
    from gitml.registry import names

    name, at, version = text.rpartition("@")
    if at and names.is_artifact_name(name) and names.is_version(version):
        return Reference(name, version, None)
    name, hashmark, stage = text.rpartition("#")
    if hashmark and names.is_artifact_name(name) and stage:
        names.check_stage_name(stage)
        return Reference(name, None, stage)
    return None


def registry_commit(repo: Repo, ref: Reference) -> str:
    """The commit a registry reference names (through the registry's tags)."""
    from gitml.registry import index, pick, tags

    st = index.build(tags.read_tags(repo.root, ref.artifact))
    found = pick.pick(
        st, ref.artifact, version=ref.version, stage=ref.stage, allow_retired=True
    )
    return found.commit_hexsha


def stage_address(facts: Facts, text: str) -> str | None:
    if text in facts.stages:
        return text
    if ":" in text:  # `sub/gitml.yaml:train` given as `sub:train` or `./sub/gitml.yaml:train`
        file, _, name = text.rpartition(":")
        file = posixpath.normpath(file.replace(os.sep, "/"))
        if not file.endswith(PIPELINE_FILE):
            file = posixpath.join(file, PIPELINE_FILE)
        full = name if file == PIPELINE_FILE else f"{file}:{name}"
        if full in facts.stages:
            return full
    return None


def artifact_path(repo: Repo, sha: str, name: str) -> str | None:
    from gitml.registry import names

    if not names.is_artifact_name(name):
        return None
    from gitml.registry import artifacts  # (not for a path: it imports dataclasses)

    found = artifacts.declared_at(repo, sha).get(name)
    return found.path if found is not None else None


def path_rel(repo: Repo, text: str) -> str:
    """A user-given path (relative to the current folder) as repo-relative POSIX; it need
    not exist in the workspace. A pointer file names its data."""
    abspath = os.path.abspath(text)
    rel = os.path.relpath(abspath, repo.root).replace(os.sep, "/")
    if rel == "." or rel.startswith("../") or os.path.isabs(rel):
        raise BadInputError(f"{text}: not a path inside the repository")
    return rel.removesuffix(POINTER_SUFFIX) if rel.endswith(POINTER_SUFFIX) else rel
