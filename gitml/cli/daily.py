"""The daily commands a DVC user reaches for: config, move, remove, doctor, completion,
stage list."""

from __future__ import annotations

import click

from gitml.cli import repo_here, verbosity
from gitml.cli.pipeline import stage


@stage.command("list")
@click.argument("target", required=False)
@click.option("--all", "every", is_flag=True, help="Every stage of every pipeline file.")
@click.option("--name-only", "--names-only", is_flag=True, help="Only the stage names.")
@verbosity
def stage_list(target: str | None, every: bool, name_only: bool) -> None:
    """List the stages of TARGET (a pipeline file or a stage; default: this folder's
    gitml.yaml) with a description: its `desc`, else what it outputs."""
    from gitml.commands.stage_list import stage_list as run

    lines = run(repo_here(), target, every=every)
    if name_only:
        for line in lines:
            click.echo(line.name)
    elif lines:
        click.echo(_columns([[s.name, s.description] for s in lines]))


def _columns(rows: list[list[str]]) -> str:
    """Rows in columns two spaces apart, no header (DVC's `ui.table` without headers)."""
    widths = [max(len(c) for c in col) for col in zip(*rows, strict=True)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )
