"""`--used-by`: the commits (and their stages) whose gitml.lock lists a data version, by
digest, among a stage's deps (read through lockcache.py); and what is downstream of it in
each (the outs of the stages that use it, transitively: what an artifact version must be to
have used it).
"""

from __future__ import annotations

from gitml.lineage.lockcache import Scan
from gitml.lineage.walk import related
from gitml.record import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def consumers(s: Scan, digest: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(commit, [(stage, dep path), ...]) of every searched commit with a stage whose deps
    include `digest`, newest first."""
    stages = s.cache.stages
    using = {
        i: [(st[0], path) for path, d in st[1] if d == digest] for i, st in enumerate(stages)
    }
    using = {i: found for i, found in using.items() if found}
    hits = []
    for commit in s.commits:
        used = [hit for i in s.cache.stage_ids(commit) if i in using for hit in using[i]]
        if used:
            hits.append((commit, used))
    return hits


def reached(s: Scan, commit: str, digest: str) -> set[str]:
    """The paths at `commit` that hold the data version (as a stage's dep, by `digest`) or
    are downstream of it: the outs of every stage with such a path among its deps (a path,
    or one inside or around it), transitively."""
    stages = [s.cache.stages[i] for i in s.cache.stage_ids(commit)]
    paths = {p for _, deps, _ in stages for p, d in deps if d == digest}
    todo = list(range(len(stages)))
    grew = True
    while grew:
        grew = False
        for i in list(todo):
            _, deps, outs = stages[i]
            if any(related(p, q) for p, _ in deps for q in paths):
                todo.remove(i)
                paths.update(outs)
                grew = True
    return paths


@dataclass(frozen=True)
class UsedBy:
    path: str
    digest: str
    rev: str  # the commit the data version was read at
    searched: int  # commits searched
    read: int  # of them, read from Git (not the cache)
    commits: list[tuple[str, list[tuple[str, str]]]]  # (commit, [(stage, dep path)])
    artifacts: list[tuple[str, str, str]]  # (artifact, version, commit)
    experiments: list[tuple[str, str]]  # (experiment name, commit)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "digest": self.digest,
            "rev": self.rev,
            "searched": self.searched,
            "commits": [
                {"commit": c, "stages": [{"stage": s, "dep": p} for s, p in used]}
                for c, used in self.commits
            ],
            "artifacts": [
                {"artifact": a, "version": v, "commit": c} for a, v, c in self.artifacts
            ],
            "experiments": [{"name": n, "commit": c} for n, c in self.experiments],
        }


def as_text(u: UsedBy) -> str:
    lines = [f"{u.path} {u.digest} (at {u.rev[:12]}): {len(u.commits)} of {u.searched} commits"]
    for commit, used in u.commits:
        stages = ", ".join(s if p == u.path else f"{s} (as {p})" for s, p in used)
        lines.append(f"commit {commit[:12]}: {stages}")
    lines += [f"artifact {a} {v} (commit {c[:12]})" for a, v, c in u.artifacts]
    lines += [f"experiment {n} (commit {c[:12]})" for n, c in u.experiments]
    return "\n".join(lines)
