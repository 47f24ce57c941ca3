"""`gitml lineage`: what produced an output (upstream), or what used a data version."""

from __future__ import annotations

import click

from gitml.cli import cli, repo_here, verbosity


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
    from gitml.lineage.show import answer

    click.echo(
        answer(
            repo_here, target, rev=rev, as_json=as_json, md=md, mermaid=mermaid,
            openlineage=openlineage, used_by=used_by, all_branches=all_branches,
            all_tags=all_tags, all_commits=all_commits,
        )
    )
