"""`gitml report`: one Markdown report for a pull request, and metric gates for CI."""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from typing import Any

from gitml import render, scm
from gitml.commands.diff import DiffResult as DataDiff
from gitml.commands.diff import diff
from gitml.commands.drift import DriftSection, changed_tables
from gitml.commands.metrics import metrics_diff, params_diff
from gitml.commands.status import stale_stages
from gitml.errors import BadInputError
from gitml.metrics import Row, diff_json, diff_table, is_number
from gitml.record import dataclass, field
from gitml.repo import Repo
from gitml.revfiles import WORKSPACE

COMMENT_LIMIT = 65_536
MARKER = "<!-- gitml-report -->"


@dataclass(frozen=True)
class Report:
    base: str  # the revision compared against (a sha)
    base_name: str
    metrics: tuple[Row, ...]
    params: tuple[Row, ...]
    data: DataDiff
    stale: tuple[tuple[str, tuple[str, ...]], ...]
    dag: str  # mermaid
    drift: DriftSection = field(default_factory=lambda: DriftSection(None, (), ()))

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "metrics": diff_json(self.metrics),
            "params": diff_json(self.params),
            "data": self.data.to_json(),
            "stale": {name: list(why) for name, why in self.stale},
            "dag": self.dag,
            "drift": self.drift.to_json(),
        }


def resolve_base(repo: Repo, base: str | None) -> tuple[str, str]:
    """(sha, name) of BASE, by default the merge base of HEAD with the default branch."""
    if base:
        return scm.resolve(repo.root, base), base
    branch = scm.default_branch(repo.root)
    if branch is None:
        raise BadInputError("no BASE given and no default branch found", hint="pass BASE")
    sha = scm.merge_base(repo.root, "HEAD", branch)
    return sha, f"merge-base with {branch}"


def build_report(repo: Repo, base: str | None) -> Report:
    from gitml.commands.dag import render_dag

    sha, name = resolve_base(repo, base)
    data = diff(repo, sha, WORKSPACE)
    return Report(
        base=sha,
        base_name=name,
        metrics=metrics_diff(repo, sha, WORKSPACE, all_rows=True).rows,
        params=params_diff(repo, sha, WORKSPACE).rows,
        data=data,
        stale=stale_stages(repo, ()),
        dag=render_dag(repo, None, "mermaid"),
        drift=changed_tables(repo, sha, [c.path for c in data.modified]),
    )


def to_markdown(report: Report, precision: int, *, failures: Sequence[str] = ()) -> str:
    short = report.base[:8]
    parts = [MARKER, f"## gitml report: `{short}` ({report.base_name}) → this branch"]
    if failures:
        parts.append("**Gates failed:** " + ", ".join(f"`{f}`" for f in failures))
    parts.append("### Metrics")
    metric_rows = [r for r in report.metrics]
    parts.append(
        diff_table(metric_rows, short, "workspace", precision, md=True)
        if metric_rows
        else "_No metrics._"
    )
    parts.append("### Params")
    parts.append(
        diff_table(report.params, short, "workspace", precision, md=True, kind="Param")
        if report.params
        else "_No param changed._"
    )
    parts.append("### Data")
    parts.append(_data_section(report.data))
    parts.append("### Data drift")
    parts.append(report.drift.to_markdown())
    parts.append("### Stale stages")
    parts.append(
        "\n".join(f"- **{n}**: {'; '.join(why)}" for n, why in report.stale)
        if report.stale
        else "_Every stage is up to date._"
    )
    if report.dag.count("\n") > 0:
        parts += ["### Pipeline", f"```mermaid\n{report.dag}\n```"]
    return _truncate("\n\n".join(parts) + "\n")


def _data_section(data: DataDiff) -> str:
    rows = [
        [kind, c.path, render.human_size((c.new or c.old or ("", 0))[1])]
        for kind, changes in (
            ("added", data.added),
            ("deleted", data.deleted),
            ("modified", data.modified),
        )
        for c in changes
    ]
    if not rows:
        return "_No tracked data changed._"
    return render.md_table(["Status", "Path", "Size"], rows)


def _truncate(text: str, limit: int = COMMENT_LIMIT) -> str:
    if len(text) <= limit:
        return text
    note = "\n\n_… report truncated to fit a GitHub comment; run `gitml report` for all of it._\n"
    cut = text[: limit - len(note)]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    if cut.count("```") % 2:
        cut += "\n```"
    return cut + note


_GATE = re.compile(
    r"^\s*(?:(?P<path>[^:<>=!\s]+):)?(?P<key>[^<>=!\s]+)\s*"
    r"(?:(?P<op><=|>=|==|!=|<|>)\s*(?P<num>-?[0-9.eE+-]+)|(?P<trend>decreased|increased))\s*$"
)
_OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def check_gates(report: Report, exprs: Sequence[str]) -> list[str]:
    """The gate expressions that hold (each one fails the report)."""
    failed = []
    for expr in exprs:
        match = _GATE.match(expr)
        if match is None:
            raise BadInputError(
                f"bad --fail-on {expr!r}: use 'metric<0.9' or 'file:metric decreased'"
            )
        rows = [
            r
            for r in report.metrics
            if r.key == match["key"] and (match["path"] is None or r.path == match["path"])
        ]
        if not rows:
            raise BadInputError(f"--fail-on {expr!r}: no metric {match['key']!r} in the report")
        if any(_holds(row, match) for row in rows):
            failed.append(expr)
    return failed


def _holds(row: Row, match: re.Match[str]) -> bool:
    if match["trend"]:
        change = row.change
        return change is not None and (change < 0 if match["trend"] == "decreased" else change > 0)
    if not is_number(row.new):
        return True  # a gated metric that is missing or not a number fails the gate
    return bool(_OPS[match["op"]](float(row.new), float(match["num"])))
