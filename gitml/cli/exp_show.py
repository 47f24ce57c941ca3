"""`gitml exp show` and `gitml exp diff` (issue 13 items 3 and 4)."""

from __future__ import annotations

import json
from typing import Literal

import click

from gitml.cli import repo_here, verbosity
from gitml.cli.exp import exp


def _one_format(**flags: bool) -> str | None:
    chosen = [name for name, on in flags.items() if on]
    if len(chosen) > 1:
        raise click.UsageError(f"--{chosen[0]} and --{chosen[1]} cannot be used together")
    return chosen[0] if chosen else None


@exp.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (DVC's `exp show --json` shape).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--md", is_flag=True, help="Print a Markdown table.")
@click.option(
    "--sort-by", metavar="METRIC", help="Sort experiments by a metric or param (FILE:KEY or KEY)."
)
@click.option(
    "--sort-order", type=click.Choice(["asc", "desc"]), default="asc", show_default=True,
    help="Order for --sort-by.",
)
@click.option("-a", "--all-branches", is_flag=True, help="Baselines: the tip of every branch too.")
@click.option("-A", "--all-commits", is_flag=True, help="Baselines: every commit (not exps).")
@click.option(
    "-n", "--num", type=click.IntRange(min=1), default=1, show_default=True,
    help="Baselines: N commits back from HEAD (first parents).",
)
@click.option("--only-changed", is_flag=True, help="Only columns whose values differ between rows.")
@click.option("--hide-workspace", is_flag=True, help="No workspace row.")
@click.option(
    "--precision", type=click.IntRange(0, 16), default=None,
    help="Digits after the point in tables (default 5; CSV: exact). JSON is always exact.",
)
@click.option("--remote", "git_remote", metavar="GIT_REMOTE", default=None,
              help="Instead: experiments queued, claimed (by whom, since when), failed and done "
              "on this Git remote (text or --json).")
@verbosity
def exp_show(
    as_json: bool, as_csv: bool, md: bool, sort_by: str | None,
    sort_order: Literal["asc", "desc"], all_branches: bool, all_commits: bool, num: int,
    only_changed: bool, hide_workspace: bool, precision: int | None, git_remote: str | None,
) -> None:
    """Baselines and their experiments: name, rev, time, state, metrics, params, changed deps."""
    from gitml.commands.exp_show import exp_show as run
    from gitml.experiments import show_render

    fmt = _one_format(json=as_json, csv=as_csv, md=md)
    if git_remote is not None:
        if fmt in ("csv", "md"):
            raise click.UsageError(f"--remote prints text or --json, not --{fmt}")
        from gitml.cli.exp_worker import show_remote
        from gitml.commands.exp_show import exp_show_remote

        show_remote(exp_show_remote(repo_here(), git_remote), as_json=as_json)
        return
    result = run(
        repo_here(), all_branches=all_branches, all_commits=all_commits, num=num,
        hide_workspace=hide_workspace, sort_by=sort_by, sort_order=sort_order,
    )
    if fmt == "json":  # one line, as DVC prints it (and the C encoder: ~10x faster)
        click.echo(json.dumps(show_render.to_json(result)))
        return
    if precision is None and fmt != "csv":
        precision = 5
    click.echo(show_render.table(
        result, fmt="csv" if fmt == "csv" else "md" if fmt == "md" else "text",
        precision=precision, only_changed=only_changed,
    ))


@exp.command("diff")
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--all", "all_rows", is_flag=True, help="Also unchanged metrics and params.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--md", is_flag=True, help="Print Markdown tables.")
@click.option("--precision", type=click.IntRange(0, 16), default=5, show_default=True)
@verbosity
def exp_diff(
    a: str | None, b: str | None, all_rows: bool, as_json: bool, md: bool, precision: int
) -> None:
    """Metrics and params of A (HEAD) against B (the workspace); each an experiment name or
    a Git revision."""
    from gitml import render
    from gitml.commands.exp_diff import exp_diff as run
    from gitml.metrics import diff_json, diff_table

    _one_format(json=as_json, md=md)
    result = run(repo_here(), a, b, all_rows=all_rows)
    if as_json:
        out = {"metrics": diff_json(result.metrics), "params": diff_json(result.params)}
        click.echo(render.to_json(out))
        return
    tables = [
        diff_table(rows, result.a, result.b, precision, md=md, kind=kind)
        for rows, kind in ((result.metrics, "Metric"), (result.params, "Param"))
        if rows
    ]
    if tables:
        click.echo("\n\n".join(tables))
