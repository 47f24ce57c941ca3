"""New registry events as annotated tags, with GTO's names, numbers and messages.

Every check runs before the one `git tag -a` that writes the event, so bad input writes
nothing; `git tag` refuses a name that exists, so two writers cannot both create one tag.
"""

from __future__ import annotations

import os
import shlex
import time
from dataclasses import dataclass
from typing import Literal

from gitml import scm
from gitml.errors import BadInputError, GitmlError, TransferError
from gitml.registry import artifacts, names
from gitml.registry.index import build
from gitml.registry.state import Artifact, State, Version
from gitml.registry.tags import read_tags
from gitml.registry.views import stage_map
from gitml.repo import Repo

Bump = Literal["major", "minor", "patch"]


@dataclass(frozen=True)
class Created:
    tag: str
    what: str  # "registers version v0.0.1", ...
    push: str  # the `git push` that publishes the tag (run with --push, else shown)
    pushed: bool


def load_state(repo: Repo) -> State:
    return build(read_tags(repo.root))


def _artifact(state: State, name: str) -> Artifact:
    names.check_artifact_name(name)
    found = state.artifacts.get(name)
    if found is None:
        raise BadInputError(f"artifact '{name}' has no registry tags")
    return found


def _version(art: Artifact, version: str) -> Version:
    names.check_version(version)
    found = art.find_version(version)
    if found is None or not found.is_registered:
        raise BadInputError(f"artifact '{art.name}' has no version {version}")
    return found


def register(
    repo: Repo,
    name: str,
    rev: str = "HEAD",
    *,
    version: str | None = None,
    bump: Bump | None = None,
    message: str | None = None,
    push: bool = False,
    remote: str = "origin",
) -> Created:
    """Tag a new version of `name` at `rev` (v0.0.1 first, else the latest bumped)."""
    sha, version = _plan_register(repo, name, rev, version, bump)
    msg = message or f"Registering artifact {name} version {version}"
    tag = names.tag_name("register", name, version=version)
    after = _newest(load_state(repo), name)
    return _tag(repo, tag, sha, msg, f"registers version {version}", push, remote, after)


def _plan_register(
    repo: Repo, name: str, rev: str, version: str | None, bump: Bump | None
) -> tuple[str, str]:
    names.check_artifact_name(name)
    if version is not None:
        names.check_version(version)
        if bump is not None:
            raise BadInputError("give either a version or a bump, not both")
    sha = scm.resolve(repo.root, rev)
    declared = artifacts.find(repo, name, sha)
    artifacts.output_at(repo, declared, sha)
    state = load_state(repo)
    art = state.artifacts.get(name) or Artifact(name)
    here = art.find_version(commit=sha)
    if here is not None and here.is_registered and here.is_active:
        raise BadInputError(
            f"artifact '{name}' already has version {here.version} at commit {sha[:8]}"
        )
    if here is not None and version is not None and version != here.version:
        raise BadInputError(f"at commit {sha[:8]} '{name}' can only be {here.version} again")
    if version is None and here is not None:
        version = here.version
    if version is None:  # bump the highest version ever registered (GTO: the highest in effect)
        known = [v.version for v in art.versions if v.is_registered]
        if not known and bump is not None:
            raise BadInputError(f"cannot bump: '{name}' has no version yet")
        top = max(known, key=names.version_key) if known else None
        version = names.bump(top, bump or "patch") if top else "v0.0.1"
    taken = art.find_version(version)
    if taken is not None and taken is not here:
        raise BadInputError(f"artifact '{name}' already has version {version}")
    return sha, version


def deregister(
    repo: Repo,
    name: str,
    version: str,
    *,
    message: str | None = None,
    push: bool = False,
    remote: str = "origin",
) -> Created:
    """Retire one version (its tags stay: history is never deleted)."""
    state = load_state(repo)
    found = _version(_artifact(state, name), version)
    if not found.is_active:
        raise BadInputError(f"version {version} of '{name}' was deregistered already")
    msg = message or f"Deregistering artifact {name} version {version}"
    tag = names.tag_name("deregister", name, version=version)
    what = f"deregisters version {version}"
    return _tag(repo, tag, found.commit_hexsha, msg, what, push, remote, _newest(state, name))


def _check_stage(repo: Repo, stage: str) -> None:
    names.check_stage_name(stage)
    allowed = repo.config.registry_stages
    if allowed is not None and stage not in allowed:
        raise BadInputError(
            f"unknown stage '{stage}': registry.stages allows {', '.join(allowed) or 'none'}"
        )


def _counter(state: State, name: str) -> int:
    """GTO's number for a new stage tag: one more than any numbered tag of the artifact."""
    top = 0
    for t in state.tag_names:
        p = names.parse_tag(t)
        if p is not None and p.artifact == name and p.counter is not None:
            top = max(top, p.counter)
    return top + 1


def assign(
    repo: Repo,
    name: str,
    stage: str,
    *,
    version: str | None = None,
    rev: str | None = None,
    message: str | None = None,
    push: bool = False,
    remote: str = "origin",
) -> list[Created]:
    """Put a version in `stage` (registering the commit `rev` first if it has none)."""
    names.check_artifact_name(name)
    _check_stage(repo, stage)
    if version is not None and rev is not None:
        raise BadInputError("give either --version or a REV, not both")
    made: list[Created] = []
    if version is not None:
        found = _version(_artifact(load_state(repo), name), version)
    else:
        sha = scm.resolve(repo.root, rev or "HEAD")
        at = (load_state(repo).artifacts.get(name) or Artifact(name)).find_version(commit=sha)
        if at is None:
            made.append(register(repo, name, sha, push=push, remote=remote))
        state = load_state(repo)
        at = _artifact(state, name).find_version(commit=sha)
        assert at is not None
        found = at
    if not found.is_active:
        raise BadInputError(f"version {found.version} of '{name}' is deregistered")
    if any(s.stage == stage for s in found.vstages()):
        raise BadInputError(f"version {found.version} of '{name}' is in stage '{stage}' already")
    state = load_state(repo)
    msg = message or f"Assigning stage {stage} to artifact {name} version {found.version}"
    tag = names.tag_name("assign", name, stage=stage, counter=_counter(state, name))
    what = f"assigns stage '{stage}' to version {found.version}"
    after = _newest(state, name)
    made.append(_tag(repo, tag, found.commit_hexsha, msg, what, push, remote, after))
    return made


def unassign(
    repo: Repo,
    name: str,
    stage: str,
    *,
    version: str | None = None,
    message: str | None = None,
    push: bool = False,
    remote: str = "origin",
) -> Created:
    """Take a version out of `stage` (by default, the one in it now)."""
    state = load_state(repo)
    art = _artifact(state, name)
    _check_stage(repo, stage)
    if version is None:
        now = stage_map(art).get(stage)
        if not now:
            raise BadInputError(f"no version of '{name}' is in stage '{stage}'")
        found = art.find_version(now[0].version)
        assert found is not None
    else:
        found = _version(art, version)
    if all(s.stage != stage for s in found.vstages()):
        raise BadInputError(f"version {found.version} of '{name}' is not in stage '{stage}'")
    msg = message or (f"Unassigning stage '{stage}' to artifact '{name}' version '{found.version}'")
    tag = names.tag_name("unassign", name, stage=stage, counter=_counter(state, name))
    what = f"unassigns stage '{stage}' from version {found.version}"
    return _tag(repo, tag, found.commit_hexsha, msg, what, push, remote, _newest(state, name))


def deprecate(
    repo: Repo,
    name: str,
    *,
    message: str | None = None,
    push: bool = False,
    remote: str = "origin",
) -> Created:
    """Retire the whole artifact, at the commit of its latest event (as GTO does)."""
    state = load_state(repo)
    art = _artifact(state, name)
    if not art.is_active:
        raise BadInputError(f"artifact '{name}' was deprecated already")
    sha = art.events()[0].commit_hexsha
    msg = message or f"Deprecating artifact '{name}'"
    tag = names.tag_name("deprecate", name)
    what = "deprecates the artifact"
    return _tag(repo, tag, sha, msg, what, push, remote, _newest(state, name))


def _newest(state: State, name: str) -> int:
    """The time of the artifact's newest tag (0 if none)."""
    art = state.artifacts.get(name)
    events = [e for e in art.events() if e.tag is not None] if art is not None else []
    return max((e.created_at.time for e in events), default=0)


def _tag(
    repo: Repo,
    tag: str,
    sha: str,
    message: str,
    what: str,
    push: bool,
    remote: str,
    after: int,
) -> Created:
    """`git tag -a`, dated at least a second after the artifact's newest tag: GTO orders
    events by their time in seconds, so two in one second could be read in either order
    (a deprecation right after a registration would not count). Bursts date a tag a few
    seconds ahead; a GIT_COMMITTER_DATE the user set is kept."""
    if scm.run(repo.root, "tag", "--list", tag).strip():
        raise BadInputError(f"tag {tag} exists already")
    env = None
    if "GIT_COMMITTER_DATE" not in os.environ and time.time() < after + 1:
        offset = time.localtime().tm_gmtoff // 60
        zone = f"{'-' if offset < 0 else '+'}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"
        env = {"GIT_COMMITTER_DATE": f"{after + 1} {zone}"}
    scm.run(repo.root, "tag", "-a", "--cleanup=whitespace", "-m", message, tag, sha, env=env)
    command = f"git push {shlex.quote(remote)} {shlex.quote(tag)}"
    if push:
        try:
            scm.run(repo.root, "push", remote, f"refs/tags/{tag}")
        except GitmlError as e:
            raise TransferError(
                f"created tag {tag} but could not push it: {e.message}",
                hint=f"run '{command}' when the remote is reachable",
            ) from e
    return Created(tag, what, command, push)
