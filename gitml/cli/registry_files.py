"""`gitml registry get` and `card`: a registered version's bytes and its model card."""

from __future__ import annotations

import click

from gitml.cli import repo_here, say, verbosity
from gitml.cli.registry import registry


@registry.command()
@click.argument("name")
@click.option("--version", help="The version to get (default: the latest).")
@click.option("--stage", help="Get the version in this stage.")
@click.option("-o", "--out", help="Where to write it (default: its file name, here).")
@click.option("-r", "--remote", help="The gitml remote to fetch from (default: core.remote).")
@click.option("--allow-deprecated", is_flag=True, help="Also get deprecated or deregistered ones.")
@click.option("-f", "--force", is_flag=True, help="Replace the file at the output path.")
@verbosity
def get(
    name: str,
    version: str | None,
    stage: str | None,
    out: str | None,
    remote: str | None,
    allow_deprecated: bool,
    force: bool,
) -> None:
    """Write NAME's bytes at a registered version, from the cache or the remote, verified."""
    from gitml.commands.registry_get import get as run

    got = run(
        repo_here(),
        name,
        version=version,
        stage=stage,
        out=out,
        remote=remote,
        allow_deprecated=allow_deprecated,
        force=force,
    )
    fetched = f", {got.fetched} fetched" if got.fetched else ""
    say(f"{got.artifact} {got.version} ({got.digest}{fetched}) -> {got.path}")


@registry.command()
@click.argument("name")
@click.option("--version", help="The version (default: the latest).")
@click.option("--stage", help="The version in this stage.")
@click.option("-o", "--out", help="Write the card to this file (default: print it).")
@verbosity
def card(name: str, version: str | None, stage: str | None, out: str | None) -> None:
    """A model card (Hugging Face README front matter and sections) for NAME's version."""
    from gitml.commands.registry_card import card_text, write_card

    repo = repo_here()
    text = card_text(repo, name, version=version, stage=stage)
    if out is None:
        click.echo(text, nl=False)
        return
    write_card(repo, text, out)
    say(f"Wrote {out}")
