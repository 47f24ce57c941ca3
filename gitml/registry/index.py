"""The registry's state built from its tags, indexed exactly as GTO indexes them.

GTO's rules are kept as GTO has them, ties included, so both tools agree byte for byte:
tags are read in order of their time (name order among equals), deprecations first, then
(de)registrations, then (un)assignments; an assignment names the version registered at its
commit (or the commit itself); each version gets its commit as an event too.
"""

from __future__ import annotations

from gitml.registry import names
from gitml.registry.state import Artifact, Event, State, Version
from gitml.registry.tags import CommitInfo, RawTag

_KIND = {
    "register": "registration",
    "deregister": "deregistration",
    "assign": "assignment",
    "unassign": "unassignment",
    "deprecate": "deprecation",
}

_PHASES = (("deprecate",), ("register", "deregister"), ("assign", "unassign"))


def build(tags: list[RawTag], *, until: int | None = None, only: str | None = None) -> State:
    """The state from `tags` (sorted by name); `until`: only tags made at or before it;
    `only`: just that artifact (artifacts are indexed independently)."""
    state = State(tag_names=tuple(t.name for t in tags))
    parsed = [(t, names.parse_tag(t.name)) for t in tags if t.annotated]
    chosen = [
        (t, p)
        for t, p in parsed
        if p is not None and p.action is not None and (only is None or p.artifact == only)
    ]
    if until is not None:
        chosen = [(t, p) for t, p in chosen if t.date.time <= until]
    chosen.sort(key=lambda tp: tp[0].date.time)
    commits: dict[str, CommitInfo] = {}
    for phase in _PHASES:
        for tag, p in chosen:
            if p.action not in phase:
                continue
            if tag.commit is not None:
                commits.setdefault(tag.target, tag.commit)
            artifact = state.artifact(p.artifact, create=True)
            assert artifact is not None
            _index(artifact, tag, p)
    for artifact in state.artifacts.values():
        for version in artifact.versions:
            info = commits.get(version.commit_hexsha)
            if info is not None:
                version.add(_commit_event(artifact.name, version, info))
    return state


def _index(artifact: Artifact, tag: RawTag, p: names.TagName) -> None:
    assert p.action is not None
    version = p.version
    if p.action in ("assign", "unassign"):
        found = artifact.find_version(commit=tag.target, create=True)
        assert found is not None
        version = found.version
    event = Event(
        kind=_KIND[p.action],
        artifact=p.artifact,
        created_at=tag.date,
        author=tag.tagger.name,
        author_email=tag.tagger.email,
        message=tag.message.strip(),
        commit_hexsha=tag.target,
        tag=tag.name,
        version=version if p.action != "deprecate" else None,
        stage=p.stage,
    )
    artifact.add(event)


def _commit_event(artifact: str, version: Version, info: CommitInfo) -> Event:
    return Event(
        kind="commit",
        artifact=artifact,
        created_at=info.date,
        author=info.author.name,
        author_email=info.author.email,
        message=info.message,
        commit_hexsha=version.commit_hexsha,
        version=version.version,
        committer=info.committer.name,
        committer_email=info.committer.email,
    )
