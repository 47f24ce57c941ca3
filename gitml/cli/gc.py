"""`gitml gc`: the one command that deletes objects, so it asks first."""

from __future__ import annotations

import sys
from typing import Any

import click

from gitml.cli import cli, repo_here, say, verbosity
from gitml.cli.remotes import scope_of


@cli.command()
@click.option("-w", "--workspace", is_flag=True, help="Keep what the workspace uses.")
@click.option("-a", "--all-branches", is_flag=True, help="Keep what every branch uses.")
@click.option("-T", "--all-tags", is_flag=True, help="Keep what every tag uses.")
@click.option("-A", "--all-commits", is_flag=True, help="Keep what every commit uses.")
@click.option("-c", "--cloud", is_flag=True, help="Also delete from the remote.")
@click.option("-r", "--remote", help="Remote for --cloud (default: core.remote).")
@click.option("--dry", is_flag=True, help="Only list what would be removed.")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@verbosity
def gc(
    workspace: bool,
    cloud: bool,
    remote: str | None,
    dry: bool,
    force: bool,
    as_json: bool,
    **kw: Any,
) -> None:
    """Delete cache (and with -c remote) objects that no kept revision uses."""
    from gitml import render
    from gitml.commands.gc import gc as run
    from gitml.errors import BadInputError

    if not (workspace or any(kw.values())):
        raise BadInputError("say what to keep: -w, -a, -T or -A (the workspace is always kept)")
    if not (dry or force):
        where = "the cache and the remote" if cloud else "the cache"
        if not sys.stdin.isatty():
            raise BadInputError(
                f"gc deletes objects from {where} and there is no terminal to ask on",
                hint="pass -f to confirm, or --dry to see what would go",
            )
        if not click.confirm(f"Delete every object from {where} not used by what you keep?"):
            say("Nothing removed.")
            return
    result = run(repo_here(), scope_of((), kw), cloud=cloud, remote=remote, dry=dry)
    if as_json:
        data = {
            "dry": result.dry,
            "kept": result.kept,
            "local": list(result.local),
            "remote": list(result.remote),
            "remote_temps": list(result.remote_temps),
        }
        click.echo(render.to_json(data))
        return
    verb = "would remove" if dry else "removed"
    if dry:
        for oid in result.local:
            say(f"cache: {oid}")
        for oid in result.remote:
            say(f"remote: {oid}")
        for path in result.remote_temps:
            say(f"remote temp file: {path}")
    temps = len(result.remote_temps)
    say(
        f"{verb} {render.plural(len(result.local), 'object')} from the cache"
        + (f" and {len(result.remote)} from the remote" if cloud else "")
        + (f" (and {render.plural(temps, 'stale temp file')})" if temps else "")
        + f"; {result.kept} kept"
    )
