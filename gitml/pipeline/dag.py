"""The pipeline DAG: edges from out/dep path overlap, validation, selection and order.

The hot path uses the standard library's graphlib (networkx costs ~100 ms to import, which
is most of a no-op `repro`); `gitml dag` renders with networkx.
"""

from __future__ import annotations

import bisect
import graphlib
from collections.abc import Iterable, Sequence

from gitml.errors import BadInputError
from gitml.pipeline.stage import Stage
from gitml.record import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class CyclicPipelineError(BadInputError):
    pass


def overlaps(a: str, b: str) -> bool:
    """Same path, or one inside the other."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


@dataclass(frozen=True)
class Dag:
    stages: dict[str, Stage]  # by address, in file order (the root gitml.yaml's first)
    upstream: dict[str, frozenset[str]]  # stage -> stages whose outs it depends on
    # pipeline file -> its top-level metrics/plots/params (paths relative to its folder)
    top_levels: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # the pipeline files loaded, repo-relative

    def in_file(self, file: str) -> list[str]:
        """The stages `file` defines, in file order."""
        return [n for n, s in self.stages.items() if s.file == file]

    def order(self, names: Iterable[str] | None = None) -> list[str]:
        """Topological order (file order among equals) of `names` (default: all)."""
        chosen = set(self.stages if names is None else names)
        position = {n: i for i, n in enumerate(self.stages)}
        sorter = graphlib.TopologicalSorter({n: self.upstream[n] & chosen for n in chosen})
        sorter.prepare()
        out: list[str] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready(), key=position.__getitem__)
            out.extend(ready)
            sorter.done(*ready)
        return out

    def run_order(self, names: Iterable[str]) -> list[str]:
        """The order `repro` runs `names` in, DVC's: a depth-first post-order over the stages
        in file order, each stage's upstream first in the order of its deps, so a stage's
        downstream follows it as soon as it can (logs read as DVC's do)."""
        chosen = set(names)
        done: set[str] = set()
        out: list[str] = []
        for root in self.stages:
            if root not in chosen or root in done:
                continue
            done.add(root)
            stack = [(root, iter(self._upstream_in_dep_order(root, chosen)))]
            while stack:
                name, ups = stack[-1]
                nxt = next((u for u in ups if u not in done), None)
                if nxt is None:
                    stack.pop()
                    out.append(name)
                else:
                    done.add(nxt)
                    stack.append((nxt, iter(self._upstream_in_dep_order(nxt, chosen))))
        return out

    def _upstream_in_dep_order(self, name: str, chosen: set[str]) -> list[str]:
        ordered: list[str] = []
        for dep in self.stages[name].deps:
            producers = sorted(
                (out.path, other)
                for other in self.upstream[name]
                for out in self.stages[other].outs
                if overlaps(dep, out.path)
            )
            ordered += [o for _, o in producers if o in chosen and o not in ordered]
        return ordered

    def ancestors(self, name: str) -> set[str]:
        return _closure(name, self.upstream)

    def descendants(self, name: str) -> set[str]:
        downstream: dict[str, set[str]] = {n: set() for n in self.stages}
        for n, ups in self.upstream.items():
            for up in ups:
                downstream[up].add(n)
        return _closure(name, {k: frozenset(v) for k, v in downstream.items()})


def _closure(start: str, edges: dict[str, frozenset[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in edges[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def build(stages: Sequence[Stage], tracked: Iterable[str] = ()) -> Dag:
    """Check the pipeline and link stages; `tracked` are outputs of pointer files."""
    tracked = list(tracked)
    outs = _Outs([(out.path, stage.name) for stage in stages for out in stage.outs])
    if not outs.clean(tracked):
        _check_outs(stages, tracked)  # says which pair, as the pairwise check finds it first
    upstream = {
        stage.name: frozenset(owner for dep in stage.deps for owner in outs.overlapping(dep))
        for stage in stages
    }
    dag = Dag({s.name: s for s in stages}, upstream)
    _check_cycles(dag)
    return dag


class _Outs:
    """The stages' outs by path, to find the ones overlapping a path (the same path, one
    above it, or ones below it) without comparing every pair: 500 stages are 250,000
    pairs, a few per path here."""

    def __init__(self, owned: list[tuple[str, str]]) -> None:
        self.owners: dict[str, list[str]] = {}
        for path, stage in owned:
            self.owners.setdefault(path, []).append(stage)
        self.paths = sorted(self.owners)

    def overlapping(self, path: str) -> list[str]:
        """The stages with an out equal to `path`, above it or below it."""
        found = [s for above in _self_and_above(path) for s in self.owners.get(above, ())]
        inside, paths = path + "/", self.paths
        at = bisect.bisect_left(paths, inside)  # the paths below it sort together from here
        while at < len(paths) and paths[at].startswith(inside):
            found += self.owners[paths[at]]
            at += 1
        return found

    def clean(self, tracked: list[str]) -> bool:
        """No out owned twice, none inside another, none overlapping a tracked path."""
        return (
            all(len(stages) == 1 for stages in self.owners.values())
            and not any(self.overlapping(path) != self.owners[path] for path in self.paths)
            and not any(self.overlapping(path) for path in tracked)
        )


def _self_and_above(path: str) -> list[str]:
    """`path` and the folders above it: a/b/c, a/b, a."""
    parts = path.split("/")
    return ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]


def _check_outs(stages: Sequence[Stage], tracked: list[str]) -> None:
    owners: list[tuple[str, str]] = []  # (out path, stage)
    for stage in stages:
        for out in stage.outs:
            for path, owner in owners:
                if path == out.path:
                    raise BadInputError(f"stages '{owner}' and '{stage.name}' both have out {path}")
                if overlaps(path, out.path):
                    inner, outer = (
                        (path, out.path) if len(path) > len(out.path) else (out.path, path)
                    )
                    raise BadInputError(
                        f"out {inner} (stage '{owner if inner == path else stage.name}') is"
                        f" inside out {outer}"
                    )
            for path in tracked:
                if overlaps(path, out.path):
                    raise BadInputError(
                        f"stage '{stage.name}': out {out.path} overlaps {path}, which"
                        f" {path}.gitml already tracks"
                    )
            owners.append((out.path, stage.name))


def _check_cycles(dag: Dag) -> None:
    try:
        graphlib.TopologicalSorter(dict(dag.upstream)).prepare()
    except graphlib.CycleError as e:
        cycle = list(reversed(e.args[1]))
        raise CyclicPipelineError(f"pipeline has a cycle: {' -> '.join(cycle)}") from e
