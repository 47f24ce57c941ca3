"""The upstream walk: from an output or a stage, through the stages whose outs feed each
dep, down to the tracked raw data, at one commit."""

from __future__ import annotations

from gitml.lineage.facts import Commit, Facts, Tracked
from gitml.pipeline.lock import StageLock
from gitml.record import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True)
class Dep:
    path: str
    digest: str
    kind: str  # "data": a stage out or tracked data; "code": any other file in Git
    producer: str | None  # the stage whose out it is


@dataclass(frozen=True)
class Node:
    """One stage as its lock recorded it."""

    name: str  # the stage's address
    cmd: str
    deps: tuple[Dep, ...]
    params: dict[str, dict[str, Any]]
    outs: tuple[tuple[str, str], ...]  # (path, digest)


@dataclass(frozen=True)
class Lineage:
    target: str
    kind: str  # path, stage, artifact, registry
    paths: tuple[str, ...]  # the outputs asked about (none for a stage)
    commit: Commit
    stages: tuple[Node, ...]  # upstream first: each stage after the stages it uses
    data: tuple[Tracked, ...]  # the tracked data the walk reached (and a tracked target)
    artifact: str | None = None
    version: str | None = None  # a registry version, or the stage the reference named


def _under(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/") + "/")


def related(a: str, b: str) -> bool:
    """The same path, or one inside the other (a folder out and a file in it)."""
    return a == b or _under(a, b) or _under(b, a)


class Walker:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.outs = [(o.path, name) for name, s in facts.stages.items() for o in s.outs]
        self.order: list[str] = []
        self.nodes: dict[str, Node] = {}
        self.data: dict[str, Tracked] = {}
        self._seen: set[str] = set()

    def producers(self, path: str) -> list[str]:
        exact = [name for out, name in self.outs if out == path]
        if exact:
            return exact
        return sorted({name for out, name in self.outs if related(path, out)})

    def tracked(self, path: str) -> list[Tracked]:
        hit = self.facts.pointers.get(path)
        if hit is not None:
            return [hit]
        return [t for p, t in sorted(self.facts.pointers.items()) if related(path, p)]

    def from_path(self, path: str) -> bool:
        """Walk what made `path`; False when nothing at this commit made or tracks it."""
        makers = self.producers(path)
        for name in makers:
            self.stage(name)
        found = self.tracked(path) if not makers else []
        for t in found:
            self.data[t.path] = t
        return bool(makers or found)

    def stage(self, name: str) -> None:
        if name in self._seen:
            return
        self._seen.add(name)
        lock = self.facts.stages[name]
        deps = []
        for d in lock.deps:
            makers = [m for m in self.producers(d.path) if m != name]
            for m in makers:
                self.stage(m)
            found = self.tracked(d.path) if not makers else []
            for t in found:
                self.data[t.path] = t
            kind = "data" if makers or found else "code"
            deps.append(Dep(d.path, d.hash_info.digest, kind, makers[0] if makers else None))
        self.nodes[name] = _node(name, lock, tuple(deps))
        self.order.append(name)

    def result(self) -> tuple[tuple[Node, ...], tuple[Tracked, ...]]:
        stages = tuple(self.nodes[n] for n in self.order)
        return stages, tuple(self.data[p] for p in sorted(self.data))


def _node(name: str, lock: StageLock, deps: tuple[Dep, ...]) -> Node:
    outs = tuple((o.path, o.hash_info.digest) for o in lock.outs)
    return Node(name, lock.cmd, deps, {f: dict(v) for f, v in lock.params.items()}, outs)
