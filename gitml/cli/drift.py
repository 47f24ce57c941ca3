"""`gitml drift`: data drift between two versions of a table."""

from __future__ import annotations

import click

from gitml.cli import Exit, cli, repo_here, say, verbosity
from gitml.errors import EXIT_DIFFERENCES

METHODS = ["auto", "ks", "chi2", "z", "wasserstein", "jensenshannon", "psi"]


@cli.command("drift")
@click.argument("path")
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option(
    "--against",
    "other",
    metavar="FILE",
    help="Compare A (default HEAD) with this file outside Git: a path, an fsspec URL, or"
    " remote://NAME/PATH (under gitml remote NAME).",
)
@click.option("--columns", metavar="C,...", help="Only these columns (comma-separated).")
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="auto",
    show_default=True,
    help="The test for every column (auto: Evidently's defaults).",
)
@click.option(
    "--threshold",
    type=float,
    metavar="X",
    help="Drift threshold for every column (default: 0.05 for p-values, 0.1 else).",
)
@click.option(
    "--drift-share",
    type=float,
    default=0.5,
    show_default=True,
    metavar="S",
    help="The dataset drifts when at least this share of columns drift.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--md", is_flag=True, help="Print Markdown.")
@click.option("--html", metavar="FILE", help="Also write one self-contained HTML page.")
@click.option("--check", is_flag=True, help="Exit 1 when the dataset drifts.")
@verbosity
def drift_cmd(
    path: str,
    a: str | None,
    b: str | None,
    other: str | None,
    columns: str | None,
    method: str,
    threshold: float | None,
    drift_share: float,
    as_json: bool,
    md: bool,
    html: str | None,
    check: bool,
) -> None:
    """Compare table PATH (CSV, TSV, JSON lines, Parquet) at revision A (default HEAD) with
    revision B (default: the workspace) or --against FILE: per column a drift test, then the
    dataset's verdict."""
    from gitml import render
    from gitml.commands.drift import drift, write_html
    from gitml.monitor import report
    from gitml.monitor.run import Options

    if as_json and md:
        raise click.UsageError("give --json or --md, not both")
    names = tuple(c.strip() for c in columns.split(",") if c.strip()) if columns else ()
    if columns is not None and not names:
        raise click.UsageError("--columns needs at least one column name")
    repo = repo_here()
    opts = Options(names, method, threshold, drift_share)
    result = drift(repo, path, a, b, other, opts)
    if html:
        write_html(result, repo, html)
    title = f"{result.path}: {result.a.label} -> {result.b.label}"
    if as_json:
        click.echo(render.to_json(report.finite(result.to_json())))
    elif md:
        click.echo(report.markdown(title, result.columns, result.verdict))
    else:
        say(report.text(title, result.columns, result.verdict))
    if html:
        say(f"Wrote {html}")
    if check and result.verdict.drifted:
        raise Exit(EXIT_DIFFERENCES)
