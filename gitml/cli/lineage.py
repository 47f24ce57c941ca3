"""`gitml lineage`: what produced an output (upstream), or what used a data version."""

from __future__ import annotations

import json
from typing import Any

import click

from gitml.cli import cli, repo_here, verbosity
from gitml.errors import BadInputError


@cli.command()
@click.argument("target", required=False)
@click.option("--rev", help="The commit to read (default HEAD).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--md", is_flag=True, help="Print Markdown.")
@click.option("--mermaid", is_flag=True, help="Print a Mermaid flowchart.")
@click.option(
    "--openlineage", is_flag=True, help="Print OpenLineage RunEvents (a JSON list)."
)
@click.option(
    "--used-by", "used_by", metavar="PATH[@REV]",
    help="Instead: every commit, stage, artifact version and experiment that used PATH's"
    " data version (at REV, default HEAD).",
)
@click.option("--all-branches", is_flag=True, help="--used-by: search every branch.")
@click.option("--all-tags", is_flag=True, help="--used-by: search every tag.")
@click.option("-A", "--all-commits", is_flag=True, help="--used-by: search every commit.")
@verbosity
def lineage(
    target: str | None,
    rev: str | None,
    as_json: bool,
    md: bool,
    mermaid: bool,
    openlineage: bool,
    used_by: str | None,
    all_branches: bool,
    all_tags: bool,
    all_commits: bool,
) -> None:
    """What produced TARGET (a path, a stage, an artifact, NAME@vX.Y.Z or NAME#STAGE):
    each upstream stage's cmd, deps with digests, params and outs, down to tracked data."""
    if sum((as_json, md, mermaid, openlineage)) > 1:
        raise BadInputError("give one of --json, --md, --mermaid, --openlineage")
    if used_by is not None:
        if target is not None:
            raise BadInputError("give TARGET or --used-by PATH, not both")
        _used_by(used_by, as_json, branches=all_branches, tags=all_tags, commits=all_commits)
        return
    if target is None:
        raise BadInputError("give a TARGET (a path, stage or artifact) or --used-by PATH")
    if all_branches or all_tags or all_commits:
        raise BadInputError("--all-branches, --all-tags and -A go with --used-by")
    from gitml.commands.lineage import lineage as run
    from gitml.lineage import render

    lin = run(repo_here(), target, rev=rev)
    if as_json:
        click.echo(json.dumps(render.as_json(lin), indent=2))
    elif md:
        click.echo(render.as_markdown(lin))
    elif mermaid:
        click.echo(render.as_mermaid(lin))
    elif openlineage:
        from gitml.lineage.openlineage import run_events

        click.echo(json.dumps(run_events(lin), indent=2))
    else:
        click.echo(render.as_text(lin))


def _used_by(spec: str, as_json: bool, **scope: Any) -> None:
    from gitml.commands.lineage_used_by import used_by as run
    from gitml.lineage.usedby import as_text

    found = run(repo_here(), spec, **scope)
    if as_json:
        click.echo(json.dumps(found.as_json(), indent=2))
    else:
        click.echo(as_text(found))
