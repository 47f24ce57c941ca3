"""The registry's state: artifacts, their versions and stage assignments, and the events
behind them (registry/index.py builds it from the tags, by GTO's rules). Lists of events are
sorted by time and then reversed, as GTO's are (equal times come out newest-added first).
"""

from __future__ import annotations

from typing import NamedTuple

from gitml.errors import GitmlError
from gitml.registry.tags import Stamp

PRIORITY = {
    "commit": 0,
    "creation": 1,
    "deprecation": 2,
    "registration": 3,
    "deregistration": 4,
    "assignment": 5,
    "unassignment": 6,
}

class Event(NamedTuple):
    kind: str  # registration, deregistration, assignment, unassignment, deprecation, commit
    artifact: str
    created_at: Stamp
    author: str
    author_email: str
    message: str
    commit_hexsha: str
    tag: str | None = None  # None for the commit event
    version: str | None = None
    stage: str | None = None
    committer: str = ""  # commit events only
    committer_email: str = ""

    @property
    def addition(self) -> bool:
        return self.kind in ("commit", "creation", "registration", "assignment")

    @property
    def ref(self) -> str:
        return self.tag if self.tag is not None else self.commit_hexsha


def _newest_first(events: list[Event], ascending: bool = False) -> list[Event]:
    ordered = sorted(events, key=lambda e: e.created_at.time)
    return ordered if ascending else ordered[::-1]


class VStage:
    """One stage of one version (plain classes here: see tags.py)."""

    __slots__ = ("artifact", "assignments", "commit_hexsha", "stage", "unassignments", "version")

    def __init__(self, artifact: str, commit_hexsha: str, version: str, stage: str) -> None:
        self.artifact = artifact
        self.commit_hexsha = commit_hexsha
        self.version = version
        self.stage = stage
        self.assignments: list[Event] = []
        self.unassignments: list[Event] = []

    def events(self, ascending: bool = False) -> list[Event]:
        return _newest_first(self.assignments + self.unassignments, ascending)

    @property
    def is_active(self) -> bool:
        return self.events()[0].kind == "assignment"

    @property
    def activated_at(self) -> Stamp | None:
        first = self.events()[0]
        return first.created_at if first.kind == "assignment" else None

    @property
    def authoring(self) -> Event:
        adds = [e for e in self.events() if e.addition]
        return adds[0] if adds else self.events()[0]


class Version:
    __slots__ = (
        "artifact",
        "commit_hexsha",
        "deregistrations",
        "enrichments",
        "registrations",
        "stages",
        "version",
    )

    def __init__(self, artifact: str, commit_hexsha: str, version: str) -> None:
        self.artifact = artifact
        self.commit_hexsha = commit_hexsha
        self.version = version
        self.enrichments: list[Event] = []
        self.registrations: list[Event] = []
        self.deregistrations: list[Event] = []
        self.stages: dict[str, VStage] = {}

    def events(self, direct: bool = True, indirect: bool = True, asc: bool = False) -> list[Event]:
        mine = self.registrations + self.deregistrations if direct else []
        more = self.enrichments + [e for s in self.stages.values() for e in s.events()]
        return _newest_first(mine + (more if indirect else []), asc)

    def add(self, event: Event) -> None:
        # GTO skips an event equal to one it has; each names its own tag, so none is
        if event.kind in ("assignment", "unassignment"):
            assert event.stage is not None
            vstage = self.stages.setdefault(
                event.stage, VStage(self.artifact, self.commit_hexsha, self.version, event.stage)
            )
            lst = vstage.assignments if event.kind == "assignment" else vstage.unassignments
            _insort(lst, event)
            return
        lists = {
            "registration": self.registrations,
            "deregistration": self.deregistrations,
            "commit": self.enrichments,
        }
        _insort(lists[event.kind], event)

    @property
    def is_active(self) -> bool:
        direct = self.events(indirect=False)
        if direct:
            return direct[0].kind == "registration"
        return bool(self.events(direct=False))

    @property
    def activated_at(self) -> Stamp:
        if self.registrations:
            return self.registrations[0].created_at
        return self.events(asc=True)[0].created_at

    @property
    def is_registered(self) -> bool:
        return bool(self.registrations)

    @property
    def discovered(self) -> bool:
        return not self.events(indirect=False)

    @property
    def authoring(self) -> Event:
        adds = [e for e in self.events(indirect=False) if e.addition]
        if adds:
            return adds[0]
        return self.events(direct=False)[0]

    def vstages(self, ascending: bool = False) -> list[VStage]:
        active = [s for s in self.stages.values() if s.is_active]
        ordered = sorted(active, key=lambda s: s.activated_at.time if s.activated_at else 0)
        return ordered if ascending else ordered[::-1]


def _insort(events: list[Event], event: Event) -> None:
    events.append(event)
    events.sort(key=lambda e: e.created_at.time)


class Artifact:
    __slots__ = ("deprecations", "name", "versions")

    def __init__(self, name: str) -> None:
        self.name = name
        self.versions: list[Version] = []
        self.deprecations: list[Event] = []

    def events(self, ascending: bool = False) -> list[Event]:
        mine = list(self.deprecations)
        return _newest_first(mine + [e for v in self.versions for e in v.events()], ascending)

    @property
    def is_active(self) -> bool:
        events = self.events()
        return bool(events) and events[0].kind != "deprecation"

    @property
    def is_registered(self) -> bool:
        return not all(e.kind == "commit" for e in self.events())

    def find_version(
        self,
        name: str | None = None,
        commit: str | None = None,
        *,
        create: bool = False,
        discovered: bool = False,
    ) -> Version | None:
        found = [
            v
            for v in self.versions
            if (not name or v.version == name)
            and (not commit or v.commit_hexsha == commit)
            and (discovered or not v.discovered)
        ]
        if create and not found:
            assert commit is not None
            self.versions.append(Version(self.name, commit, name or commit))
            found = [self.versions[-1]]
        if len(found) > 1:
            listed = ", ".join(v.version for v in found)
            raise GitmlError(f"artifact '{self.name}' has several versions here: {listed}")
        return found[0] if found else None

    def add(self, event: Event) -> None:
        if event.kind == "deprecation":
            _insort(self.deprecations, event)
            return
        version = self.find_version(event.version, event.commit_hexsha, create=True)
        assert version is not None
        version.add(event)


class State:
    __slots__ = ("artifacts", "tag_names")

    def __init__(self, tag_names: tuple[str, ...] = ()) -> None:
        self.artifacts: dict[str, Artifact] = {}
        self.tag_names = tag_names  # every registry-like tag (to number new ones as GTO does)

    def artifact(self, name: str, *, create: bool = False) -> Artifact | None:
        if name not in self.artifacts and create:
            self.artifacts[name] = Artifact(name)
        return self.artifacts.get(name)
