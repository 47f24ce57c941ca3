"""`exp show`'s model: the workspace, each baseline and its experiments, as rows.

Baselines are HEAD (the `num` first-parent commits from HEAD), plus every branch tip with
`all_branches`, every commit of a branch or tag with `all_commits`; their experiments come from the
refs `refs/exps/<b[:2]>/<b[2:]>/<name>` (done) and from the queue (queued, running,
failed: their params from the queued commit, no metrics). Each commit's data comes from
show_rows (cached by commit sha).
"""

from __future__ import annotations

from typing import Any, Literal

from gitml.experiments import queue, refs, show_git, show_rows
from gitml.experiments.show_declared import declarations
from gitml.experiments.show_rows import FileResult, Row, Stats
from gitml.record import dataclass, field
from gitml.repo import Repo

Kind = Literal["workspace", "baseline", "experiment"]
_STATE_ORDER = {"running": 0, "done": 1, "queued": 2, "failed": 3}  # DVC's grouping


@dataclass(frozen=True)
class ExpRow:
    kind: Kind
    rev: str  # full sha, or "workspace"
    name: str | None  # experiment name, or a baseline's branch/tag
    state: str | None  # done/queued/running/failed for experiments
    time: int | None
    message: str
    metrics: dict[str, FileResult]
    params: dict[str, FileResult]
    deps: dict[str, dict[str, Any]]
    outs: dict[str, dict[str, Any]]
    baseline: str | None = None


@dataclass(frozen=True)
class Group:
    row: ExpRow  # the workspace or a baseline
    experiments: list[ExpRow] = field(default_factory=list)


@dataclass(frozen=True)
class ShowResult:
    groups: list[Group]
    metric_files: tuple[str, ...]
    param_files: tuple[str, ...]
    stats: Stats

    def rows(self) -> list[ExpRow]:
        return [r for g in self.groups for r in (g.row, *g.experiments)]


def show(
    repo: Repo,
    *,
    all_branches: bool = False,
    all_commits: bool = False,
    num: int = 1,
    hide_workspace: bool = False,
) -> ShowResult:
    cache = show_rows.RowCache(repo)
    decl = declarations(repo, cache)
    found = show_git.refs(repo.root)
    baselines = _baselines(repo.root, found, all_branches, all_commits, num)
    names = _names(found, baselines)
    exps = [e for ref, sha in found.by_ref.items() if (e := refs.parse(ref, sha))]
    exps = [e for e in exps if e.baseline in names]
    done = {(e.baseline, e.name) for e in exps}
    waiting = [  # done ones are shown from their refs
        q for q in queue.entries(repo.root)
        if q.baseline in names and q.sha and q.state != "done" and (q.baseline, q.name) not in done
    ]
    shas = [*baselines, *(e.sha for e in exps), *(q.sha for q in waiting)]
    data, stats = show_rows.collect(repo, shas, decl.files, decl.locks, cache)
    cache.save()  # the declarations, when only they are new
    layout = _Layout(decl.metrics, decl.params, frozenset(decl.metrics + decl.plots))

    groups = []
    if not hide_workspace:
        ws = show_rows.workspace_row(repo, decl.files, decl.locks)
        groups.append(Group(layout.row("workspace", "workspace", ws)))
    for base in baselines:
        children = [
            layout.row("experiment", e.sha, data[e.sha], name=e.name, state="done",
                       message=data[e.sha]["message"], baseline=base)
            for e in exps if e.baseline == base
        ]
        children += [
            layout.row(  # a queued commit holds its baseline's metrics: none shown
                "experiment", q.sha, data[q.sha], name=q.name, state=q.state, metrics={},
                message=q.message, baseline=base, time=int(q.time) or data[q.sha]["time"],
            )
            for q in waiting if q.baseline == base
        ]
        children.sort(key=lambda r: (r.time or 0, r.rev), reverse=True)  # DVC's order
        children.sort(key=lambda r: _STATE_ORDER.get(r.state or "", 9))
        head = layout.row("baseline", base, data[base], name=names[base],
                          message=data[base]["message"])
        groups.append(Group(head, children))
    return ShowResult(groups, decl.metrics, decl.params, stats)


@dataclass(frozen=True)
class _Layout:
    metrics: tuple[str, ...]
    params: tuple[str, ...]
    not_outs: frozenset[str]  # metrics and plots: DVC leaves them out of `outs`

    def row(self, kind: Kind, rev: str, row: Row, **kw: Any) -> ExpRow:
        outs = show_rows.outs(row)
        fields: dict[str, Any] = {
            "name": None, "state": None, "message": "", "time": row["time"],
            "deps": show_rows.deps(row),
            "outs": {p: o for p, o in outs.items() if p not in self.not_outs},
            "metrics": {p: row["files"].get(p) for p in self.metrics},
            "params": {p: row["files"].get(p) for p in self.params},
        }
        return ExpRow(kind=kind, rev=rev, **{**fields, **kw})


def _baselines(
    root: str, found: show_git.Refs, all_branches: bool, all_commits: bool, num: int
) -> list[str]:
    """HEAD first, then the others, each once."""
    out: list[str] = []
    if found.head is not None and num <= 1:
        out.append(found.head)
    elif found.head is not None:
        out += show_git.rev_list(root, "--first-parent", f"-n{num}", found.head)
    if all_branches:
        out += [sha for ref, sha in found.by_ref.items() if ref.startswith("refs/heads/")]
    if all_commits:
        head = [found.head] if found.head else []
        out += show_git.rev_list(root, "--branches", "--tags", *head)  # not refs/exps, stash
    return list(dict.fromkeys(out))


def _names(found: show_git.Refs, baselines: list[str]) -> dict[str, str | None]:
    """A baseline's name: HEAD's branch, another branch at it, else a tag at it (DVC's
    `describe`), else None (shown as the short sha)."""
    names: dict[str, str | None] = dict.fromkeys(baselines)
    for prefix in ("refs/tags/", "refs/heads/"):
        for ref, sha in sorted(found.by_ref.items(), reverse=True):
            if ref.startswith(prefix) and sha in names:
                names[sha] = ref.removeprefix(prefix)
    if found.head in names and found.head_branch:
        names[found.head] = found.head_branch
    return names
