"""What `registry show`, `history` and `check-ref` answer, in GTO's JSON shapes."""

from __future__ import annotations

import datetime
from typing import Any

from gitml.registry import names
from gitml.registry.state import PRIORITY, Artifact, Event, State, Version, VStage
from gitml.registry.tags import Stamp

Json = dict[str, Any]


def iso(stamp: Stamp) -> str:
    """As GTO prints a time: ISO 8601 in the writer's own UTC offset."""
    zone = datetime.timezone(datetime.timedelta(seconds=stamp.offset))
    return datetime.datetime.fromtimestamp(stamp.time, tz=zone).isoformat()


def event_json(e: Event, *, event_key: bool = True, internal: bool = True) -> Json:
    """An event as GTO dumps it (`internal`: with priority and addition)."""
    out: Json = {}
    if internal:
        out.update(priority=PRIORITY[e.kind], addition=e.addition)
    out.update(
        artifact=e.artifact,
        created_at=iso(e.created_at),
        author=e.author,
        author_email=e.author_email,
        message=e.message,
        commit_hexsha=e.commit_hexsha,
    )
    if e.kind == "commit":
        out.update(version=e.version, enrichments=[], committer=e.committer)
        out["committer_email"] = e.committer_email
        return out
    out["tag"] = e.tag
    if e.version is not None:
        out["version"] = e.version
    if e.stage is not None:
        out["stage"] = e.stage
    if event_key:
        out["event"] = e.kind
    return out


def _authored(out: Json, active: bool, activated: Stamp | None, author: Event) -> Json:
    out.update(
        is_active=active,
        activated_at=iso(activated) if activated else None,
        created_at=iso(author.created_at),
        author=author.author,
        author_email=author.author_email,
        message=author.message,
        ref=author.ref,
    )
    return out


def vstage_json(s: VStage) -> Json:
    out: Json = {
        "artifact": s.artifact,
        "commit_hexsha": s.commit_hexsha,
        "version": s.version,
        "stage": s.stage,
        "assignments": [event_json(e) for e in s.assignments],
        "unassignments": [event_json(e) for e in s.unassignments],
    }
    return _authored(out, s.is_active, s.activated_at, s.authoring)


def version_json(v: Version, stages: list[VStage]) -> Json:
    out: Json = {
        "artifact": v.artifact,
        "commit_hexsha": v.commit_hexsha,
        "version": v.version,
        "enrichments": [event_json(e, event_key=False) for e in v.enrichments],
        "registrations": [event_json(e, event_key=False) for e in v.registrations],
        "deregistrations": [event_json(e, event_key=False) for e in v.deregistrations],
        "stages": [vstage_json(s) for s in stages],
    }
    _authored(out, v.is_active, v.activated_at, v.authoring)
    out["discovered"] = v.discovered
    return out


def sort_versions(versions: list[Version], *, by_time: bool) -> list[Version]:
    """GTO's order: newest first by time, or by SemVer (then other names, reversed)."""
    if by_time:
        return sorted(versions, key=lambda v: v.authoring.created_at.time)[::-1]
    semver = [v for v in versions if names.is_version(v.version)]
    other = [v for v in versions if not names.is_version(v.version)]
    out = sorted(semver, key=lambda v: names.version_key(v.version))[::-1]
    return out + sorted(other, key=lambda v: v.version)[::-1]


def versions_of(
    a: Artifact,
    *,
    non_explicit: bool,
    discovered: bool = False,
    by_time: bool = False,
    active_only: bool = True,
) -> list[Version]:
    chosen = [
        v
        for v in a.versions
        if not active_only
        or (
            v.is_active
            and (
                (v.is_registered and not v.discovered)
                or (discovered and v.discovered)
                or (non_explicit and not v.is_registered)
            )
        )
    ]
    return sort_versions(chosen, by_time=by_time)


def latest(a: Artifact, *, registered_only: bool = True) -> Version | None:
    found = versions_of(a, non_explicit=not registered_only)
    return found[0] if found else None


def stage_map(a: Artifact, *, by_time: bool = True, per_stage: int = 1) -> dict[str, list[VStage]]:
    """Stage -> the versions in it, newest assignment first (GTO's `get_vstages`)."""
    assignments = [
        s
        for v in versions_of(a, non_explicit=True, by_time=by_time)
        for s in v.vstages(ascending=True)
    ]
    if by_time:
        assignments = sorted(assignments, key=lambda s: s.authoring.created_at.time)[::-1]
    stages: dict[str, list[VStage]] = {}
    for s in assignments:
        listed = stages.setdefault(s.stage, [])
        if per_stage > -1 and len(listed) >= per_stage:
            continue
        if s.version not in [i.version for i in listed]:
            listed.append(s)
    return stages


def used_stages(state: State) -> list[str]:
    return sorted({s for a in state.artifacts.values() for s in stage_map(a, by_time=False)})


def show_registry(state: State, stages: list[str] | None, *, deprecated: bool = False) -> Json:
    """`gto show --json`: per artifact its latest version and the version in each stage."""
    names_ = stages if stages is not None else used_stages(state)
    out: Json = {}
    for a in state.artifacts.values():
        if not (a.is_active or deprecated):
            continue
        top = latest(a)
        in_stage = stage_map(a)
        out[a.name] = {
            "version": top.version if top else None,
            "stage": {s: ", ".join(v.version for v in in_stage.get(s, [])) or None for s in names_},
            "registered": a.is_registered,
            "active": a.is_active,
        }
    return out


def show_artifact(a: Artifact, *, deprecated: bool = False) -> list[Json]:
    """`gto show NAME --json`: every version, newest first."""
    if not (a.is_active or deprecated):
        return []
    in_stage = stage_map(a)
    return [
        version_json(v, [s for ss in in_stage.values() for s in ss if s.version == v.version])
        for v in versions_of(a, non_explicit=True, discovered=True, active_only=not deprecated)
    ]


def history(state: State, name: str | None = None) -> list[Json]:
    """`gto history --json`: every event, newest first."""
    events = [e for a in state.artifacts.values() for e in a.events() if e.kind != "commit"]
    events.sort(key=lambda e: (e.created_at.time, PRIORITY[e.kind]))
    events.reverse()
    return [
        {
            "timestamp": iso(e.created_at),
            "artifact": e.artifact,
            "event": e.kind,
            "priority": PRIORITY[e.kind],
            "version": e.version if e.kind != "deprecation" else None,
            "stage": e.stage,
            "commit": e.commit_hexsha,
            "author": e.author,
            "author_email": e.author_email,
            "message": e.message,
            "ref": e.ref,
        }
        for e in events
        if name is None or e.artifact == name
    ]


def check_ref(state: State, ref: str) -> list[Event]:
    """The events a tag made (GTO: empty for a tag that is not the registry's)."""
    tag = ref.removeprefix("refs/tags/")
    parsed = names.parse_tag(tag)
    if parsed is None or tag not in state.tag_names:
        return []
    a = state.artifacts.get(parsed.artifact)
    return [e for e in a.events() if e.ref == tag] if a is not None else []


def check_ref_json(event: Event) -> Json:
    return event_json(event, internal=False)
