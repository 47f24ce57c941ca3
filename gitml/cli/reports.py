"""Commands that compare revisions: metrics show/diff, params diff, report."""

from __future__ import annotations

import click

from gitml.cli import Exit, cli, repo_here, verbosity
from gitml.errors import EXIT_DIFFERENCES


@cli.group()
def metrics() -> None:
    """Metric values at revisions and their differences."""


@metrics.command("show")
@click.argument("revs", nargs=-1)
@click.option("--targets", "-t", multiple=True, help="Metric files (default: gitml.yaml's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--md", is_flag=True, help="Print a Markdown table.")
@click.option("--precision", type=click.IntRange(0, 16), default=5, show_default=True)
@click.option("-a", "--all-branches", is_flag=True, help="Also at every branch.")
@click.option("-T", "--all-tags", is_flag=True, help="Also at every tag.")
@click.option("-A", "--all-commits", is_flag=True, help="Also at every commit.")
@verbosity
def metrics_show(
    revs: tuple[str, ...],
    targets: tuple[str, ...],
    as_json: bool,
    md: bool,
    precision: int,
    **every: bool,
) -> None:
    """Metric values in the workspace, or at REVS; with -a/-T/-A, in the workspace and at
    each branch, tag or commit (a row per revision that has the file)."""
    from gitml import render
    from gitml.commands.metrics import show
    from gitml.metrics import cell, text_table

    if any(every.values()):
        from gitml.commands.metrics_all import show_all

        data = show_all(repo_here(), revs, targets, **every)
    else:
        data = show(repo_here(), revs, targets)
    if as_json:
        click.echo(render.to_json(data))
        return
    header = ["Revision", "Path", "Metric", "Value"]
    rows = [
        [rev, path, key, cell(value, precision)]
        for rev, files in data.items()
        for path, values in files.items()
        for key, value in values.items()
    ]
    click.echo(render.md_table(header, rows) if md else text_table(header, rows))


@metrics.command("diff")
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--targets", "-t", multiple=True, help="Metric files (default: gitml.yaml's).")
@click.option("--all", "all_rows", is_flag=True, help="Also unchanged metrics.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--md", is_flag=True, help="Print a Markdown table.")
@click.option("--precision", type=click.IntRange(0, 16), default=5, show_default=True)
@verbosity
def metrics_diff(
    a: str | None,
    b: str | None,
    targets: tuple[str, ...],
    all_rows: bool,
    as_json: bool,
    md: bool,
    precision: int,
) -> None:
    """Metrics at A (HEAD) against B (the workspace)."""
    from gitml import render
    from gitml.commands.metrics import metrics_diff as run
    from gitml.metrics import diff_json, diff_table

    result = run(repo_here(), a, b, paths=targets, all_rows=all_rows)
    if as_json:
        click.echo(render.to_json(diff_json(result.rows)))
    elif result.rows:
        click.echo(diff_table(result.rows, result.a, result.b, precision, md=md))


@cli.group()
def params() -> None:
    """Parameter differences between revisions."""


@params.command("diff")
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--all", "all_rows", is_flag=True, help="Also unchanged params.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--md", is_flag=True, help="Print a Markdown table.")
@click.option("--precision", type=click.IntRange(0, 16), default=5, show_default=True)
@verbosity
def params_diff(
    a: str | None, b: str | None, all_rows: bool, as_json: bool, md: bool, precision: int
) -> None:
    """Params the stages use, at A (HEAD) against B (the workspace)."""
    from gitml import render
    from gitml.commands.metrics import params_diff as run
    from gitml.metrics import diff_json, diff_table

    result = run(repo_here(), a, b, all_rows=all_rows)
    if as_json:
        click.echo(render.to_json(diff_json(result.rows)))
    elif result.rows:
        click.echo(diff_table(result.rows, result.a, result.b, precision, md=md, kind="Param"))


@cli.command()
@click.argument("base", required=False)
@click.option("--md", "fmt", flag_value="md", default=True, help="Markdown (default).")
@click.option("--json", "fmt", flag_value="json", help="JSON.")
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    help="A metric gate: 'accuracy<0.9', 'metrics.json:loss increased'. Exit 1 if true.",
)
@click.option("--precision", type=click.IntRange(0, 16), default=4, show_default=True)
@verbosity
def report(base: str | None, fmt: str, fail_on: tuple[str, ...], precision: int) -> None:
    """One pull-request report: metrics, params, data changed, stale stages, the DAG."""
    from gitml import render
    from gitml.commands.report import build_report, check_gates, to_markdown

    repo = repo_here()
    result = build_report(repo, base)
    failures = check_gates(result, fail_on)
    if fmt == "json":
        data = result.to_json()
        data["gates"] = [{"expr": e, "failed": e in failures} for e in fail_on]
        click.echo(render.to_json(data))
    else:
        click.echo(to_markdown(result, precision, failures=failures))
    for expr in failures:
        click.echo(f"gate failed: {expr}", err=True)
    if failures:
        raise Exit(EXIT_DIFFERENCES)
