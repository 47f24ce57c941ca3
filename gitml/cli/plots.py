"""Commands on plots: plots show, plots diff."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gitml.cli import cli, repo_here, say, verbosity

if TYPE_CHECKING:
    from gitml.commands.plots import PlotsResult

OUT_HELP = "Folder for index.html (created if needed)."


@cli.group()
def plots() -> None:
    """Draw the plot files declared in gitml.yaml at revisions, as one static HTML page."""


@plots.command("show")
@click.argument("revs", nargs=-1)
@click.option("-o", "--out", required=True, metavar="DIR", help=OUT_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print what was drawn as JSON.")
@verbosity
def plots_show(revs: tuple[str, ...], out: str, as_json: bool) -> None:
    """Draw the plots at REVS (default: the workspace)."""
    from gitml.commands.plots import show

    _report(show(repo_here(), revs, out=out), as_json)


@plots.command("diff")
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("-o", "--out", required=True, metavar="DIR", help=OUT_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print what was drawn as JSON.")
@verbosity
def plots_diff(a: str | None, b: str | None, out: str, as_json: bool) -> None:
    """Draw the plots at A (HEAD) and B (workspace) side by side."""
    from gitml.commands.plots import diff

    _report(diff(repo_here(), a, b, out=out), as_json)


def _report(result: PlotsResult, as_json: bool) -> None:
    from gitml import render

    if as_json:
        click.echo(render.to_json(result.to_json()))
        return
    for plot in result.plots:
        drawn = ", ".join(f"{rev} ({n})" for rev, n in plot.points.items()) or "nothing"
        say(f"{plot.path}: {plot.template}, {drawn}")
        for note in plot.notes:
            say(f"\t{note}")
    say(f"Wrote {result.output}")
