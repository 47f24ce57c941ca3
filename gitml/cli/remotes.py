"""Commands on remotes: remote, push, fetch, pull, gc (and the --cloud/--remote checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from gitml.cli import Exit, cli, progress_bar, repo_here, say, totals, verbosity, warn
from gitml.errors import EXIT_DIFFERENCES, TransferError

F = Callable[..., Any]


def transfer_options(f: F) -> F:
    f = click.option("-r", "--remote", help="Remote name (default: core.remote).")(f)
    f = click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Parallel transfers.")(f)
    f = click.option("--all-branches", "-a", is_flag=True, help="Also every branch's data.")(f)
    f = click.option("--all-tags", "-T", is_flag=True, help="Also every tag's data.")(f)
    f = click.option("--all-commits", "-A", is_flag=True, help="Also every commit's data.")(f)
    return f


def scope_of(targets: tuple[str, ...], kw: dict[str, Any]) -> Any:
    from gitml.used import Scope

    return Scope(
        targets=targets,
        all_branches=kw.pop("all_branches"),
        all_tags=kw.pop("all_tags"),
        all_commits=kw.pop("all_commits"),
    )


@cli.group()
def remote() -> None:
    """Manage remotes (config.yaml; --local: config.local.yaml, not tracked)."""


@remote.command("add")
@click.argument("name")
@click.argument("url")
@click.option("-d", "--default", is_flag=True, help="Make it the default remote.")
@click.option("--local", is_flag=True, help="Write config.local.yaml.")
@click.option("-f", "--force", is_flag=True, help="Replace a remote of that name.")
@verbosity
def remote_add(name: str, url: str, default: bool, local: bool, force: bool) -> None:
    """Add remote NAME at URL (a folder, s3://bucket/prefix, ...)."""
    from gitml.commands import remote as run

    run.add(repo_here(), name, url, default=default, local=local, force=force)
    say(f"remote '{name}' added" + (" (default)" if default else ""))


@remote.command("modify")
@click.argument("name")
@click.argument("option")
@click.argument("value", required=False)
@click.option("--local", is_flag=True, help="Write config.local.yaml (needed for secrets).")
@click.option("-u", "--unset", is_flag=True, help="Remove the option.")
@verbosity
def remote_modify(name: str, option: str, value: str | None, local: bool, unset: bool) -> None:
    """Set OPTION of remote NAME: endpointurl, region, profile, access_key_id, ..."""
    from gitml.commands import remote as run

    run.modify(repo_here(), name, option, value, local=local, unset=unset)


@remote.command("remove")
@click.argument("name")
@click.option("--local", is_flag=True, help="Only from config.local.yaml.")
@verbosity
def remote_remove(name: str, local: bool) -> None:
    """Remove remote NAME."""
    from gitml.commands import remote as run

    run.remove(repo_here(), name, local=local)


@remote.command("default")
@click.argument("name", required=False)
@click.option("--local", is_flag=True, help="Write config.local.yaml.")
@click.option("-u", "--unset", is_flag=True, help="Clear the default.")
@verbosity
def remote_default(name: str | None, local: bool, unset: bool) -> None:
    """Show, set or clear the default remote."""
    from gitml.commands import remote as run

    repo = repo_here()
    if name is None and not unset:
        click.echo(repo.config.remote or "")
        return
    run.set_default(repo, None if unset else name, local=local)


@remote.command("list")
@verbosity
def remote_list() -> None:
    """List remotes: NAME, URL, and "(default)" after the default one."""
    from gitml.commands import remote as run

    for name, url, is_default in run.listing(repo_here()):
        click.echo(f"{name}\t{url}" + ("\t(default)" if is_default else ""))


def _report(verb: str, result: Any, as_json: bool) -> None:
    from gitml import render

    t = result.transfer
    if as_json:
        data = {
            "remote": result.remote,
            verb: len(t.transferred) - result.for_runs,
            "run_cache_objects": result.for_runs,
            "skipped": t.skipped,
            "failed": [{"object": o, "error": why} for o, why in t.failed],
            "not_in_cache": [{"path": p, "object": o} for p, o in result.not_local],
        }
        click.echo(render.to_json(data))
    else:
        count = render.plural(len(t.transferred) - result.for_runs, "object")
        runs = f"; {render.plural(result.for_runs, 'object')} of run records too"
        say(f"{count} {verb}, {t.skipped} already there{runs if result.for_runs else ''}")
    for path, oid in result.not_local:
        click.echo(f"warning: {path} ({oid}) is not in the cache; not pushed", err=True)
    if t.failed:
        first = t.failed[0]
        hint = None
        if result.missing:
            hint = (
                f"run 'gitml push' from a machine that has {result.missing[0][0]}, or"
                f" 'gitml fsck --remote {result.remote}' to find what the remote lost"
            )
        raise TransferError(
            f"{render.plural(len(t.failed), 'object')} not {verb}: {first[0]}: {first[1]}"
            + (f" (and {len(t.failed) - 1} more)" if len(t.failed) > 1 else ""),
            hint=hint,
        )


@cli.command()
@click.argument("targets", nargs=-1)
@transfer_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@verbosity
def push(targets: tuple[str, ...], as_json: bool, **kw: Any) -> None:
    """Upload the objects of tracked data that the remote lacks."""
    from gitml.commands.push import push as run

    scope = scope_of(targets, kw)
    with progress_bar("Pushing", unit="object") as progress:
        result = run(repo_here(), scope, progress=progress, total=totals(progress), **kw)
    _report("pushed", result, as_json)
    if result.not_local:
        raise Exit(3)


@cli.command()
@click.argument("targets", nargs=-1)
@transfer_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@verbosity
def fetch(targets: tuple[str, ...], as_json: bool, **kw: Any) -> None:
    """Download missing objects of tracked data into the cache."""
    from gitml.commands.fetch import fetch as run

    scope = scope_of(targets, kw)
    with progress_bar("Fetching", unit="object") as progress:
        result = run(repo_here(), scope, progress=progress, total=totals(progress), **kw)
    _report("fetched", result, as_json)


@cli.command()
@click.argument("targets", nargs=-1)
@transfer_options
@click.option("-f", "--force", is_flag=True, help="Overwrite local changes not in the cache.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@verbosity
def pull(targets: tuple[str, ...], as_json: bool, force: bool, **kw: Any) -> None:
    """Fetch, then check out."""
    from gitml import render
    from gitml.commands.fetch import pull as run

    scope = scope_of(targets, kw)
    with progress_bar("Pulling", unit="object") as progress:
        result = run(
            repo_here(), scope, force=force, progress=progress, total=totals(progress), **kw
        )
    co = result.checkout
    if co is not None:
        warn(co.warnings)
    if co is not None and co.changed and not as_json:
        say(
            f"{render.plural(co.added, 'file')} added, {co.modified} modified, {co.deleted} deleted"
        )
    _report("fetched", result.fetch, as_json)


def cloud_status(targets: tuple[str, ...], remote: str | None, check: bool, as_json: bool) -> None:
    """`gitml status --cloud`: called by the status command."""
    from gitml import render
    from gitml.commands.cloud_status import cloud_status as run
    from gitml.used import Scope

    result = run(repo_here(), Scope(targets=targets), remote=remote)
    if as_json:
        data = {
            "remote": result.remote,
            "missing": [{"path": p, "objects": n} for p, n in result.missing],
            "run_cache_objects_missing": result.runs_missing,
        }
        click.echo(render.to_json(data))
    elif result.clean:
        say(f"Remote '{result.remote}' has everything.")
    else:
        for path, count in result.missing:
            say(f"\tmissing on '{result.remote}': {path} ({render.plural(count, 'object')})")
    if result.runs_missing and not as_json:
        runs = render.plural(result.runs_missing, "object")
        say(f"\tmissing on '{result.remote}': {runs} of run records (the run cache)")
    if check and not result.clean:
        raise Exit(EXIT_DIFFERENCES)


def fsck_remote(name: str, jobs: int | None) -> None:
    """`gitml fsck --remote NAME`: called by the fsck command."""
    from gitml import render
    from gitml.commands.fsck_remote import fsck_remote as run

    result = run(repo_here(), remote=name, jobs=jobs)
    for oid, path in result.corrupt:
        what = f" ({path})" if path else ""
        click.echo(f"corrupt on '{name}': {oid}{what}; moved to quarantine/", err=True)
    for path, oid in result.missing:
        click.echo(f"missing on '{name}': {path} ({oid})", err=True)
    for where, moid in result.withdrawn:
        click.echo(
            f"withdrawn from '{name}': manifest {moid} of {where}; 'gitml push' from a"
            " machine that has it re-sends what is missing",
            err=True,
        )
    for oid, why in result.errors:
        click.echo(f"unreadable on '{name}': {oid}: {why}", err=True)
    say(
        f"{render.plural(result.checked, 'object')} checked on '{name}':"
        f" {len(result.corrupt)} corrupt, {len(result.missing)} missing,"
        f" {render.plural(len(result.withdrawn), 'manifest')} withdrawn"
    )
    if result.errors:
        raise Exit(3)
    if not result.clean:
        raise Exit(EXIT_DIFFERENCES)
