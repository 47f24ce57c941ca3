"""Commands on tracked data: init, add, status, checkout, commit, diff, fsck, unprotect."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from gitml.cli import OUT, Exit, cli, progress_bar, repo_here, say, totals, verbosity, warn
from gitml.errors import EXIT_DIFFERENCES, MissingObjectError

if TYPE_CHECKING:
    from gitml.untracked import Dropped


@cli.command()
@click.option("-f", "--force", is_flag=True, help="Restore missing files of an existing setup.")
@verbosity
def init(force: bool) -> None:
    """Make .gitml/ in the current Git repository."""
    from gitml.commands.init import init as run

    result = run(os.getcwd(), force=force)
    say(f"Initialized gitml repository in {result.root}")
    if result.created:
        say(f"Track it with Git:\n\n\tgit add {' '.join(result.created)}")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), help="Threads for hashing.")
@verbosity
def add(paths: tuple[str, ...], jobs: int | None) -> None:
    """Hash and cache PATHS, write PATH.gitml pointers, ignore PATHS in Git."""
    from gitml.commands.add import add as run

    with progress_bar("Adding") as progress:
        result = run(repo_here(), paths, jobs=jobs, progress=progress, total=totals(progress))
    for item in result.added:
        state = "added" if item.changed else "unchanged"
        say(f"{state}: {item.rel} ({item.hash_info.digest[:12]})")
    warn(result.warnings)
    if result.to_git_add:
        say(f"\nTo track the changes with git, run:\n\n\tgit add {' '.join(result.to_git_add)}")


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("--check", is_flag=True, help="Exit 1 when anything differs.")
@click.option("-c", "--cloud", is_flag=True, help="Compare with the remote instead.")
@click.option("-r", "--remote", help="Remote for --cloud (default: core.remote).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@verbosity
def status(
    targets: tuple[str, ...], check: bool, cloud: bool, remote: str | None, as_json: bool
) -> None:
    """Show tracked data that differs from its pointer (or, with --cloud, from the remote)."""
    from gitml.commands.status import status as run
    from gitml.quick import show

    if cloud:
        from gitml.cli.remotes import cloud_status

        cloud_status(targets, remote, check, as_json)
        return

    with progress_bar("Checking") as progress:
        result = run(repo_here(), targets, progress=progress, total=totals(progress))
    show.status(OUT, result, as_json)
    if check and not result.clean:
        raise Exit(EXIT_DIFFERENCES)


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("-f", "--force", is_flag=True, help="Overwrite local changes not in the cache.")
@verbosity
def checkout(targets: tuple[str, ...], force: bool) -> None:
    """Make the workspace match the pointers."""
    from gitml import render
    from gitml.commands.checkout import LAST_CHECKOUT
    from gitml.commands.checkout import checkout as run

    with progress_bar("Checkout") as progress:
        result = run(
            repo_here(),
            targets,
            force=force,
            progress=progress,
            total=totals(progress),
            previous=None if targets else LAST_CHECKOUT,  # what `git checkout` just left
        )
    warn(result.warnings)
    report_dropped(result.dropped)
    if result.changed:
        say(
            f"{render.plural(result.added, 'file')} added, {result.modified} modified,"
            f" {result.deleted} deleted"
        )
    if result.missing:
        shown = ", ".join(path for path, _ in result.missing[:3])
        raise MissingObjectError(
            f"{render.plural(len(result.missing), 'path')} could not be checked out,"
            f" their objects are not in the cache: {shown}",
            hint="run 'gitml pull'",
        )


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), help="Threads for hashing.")
@click.option(
    "-f",
    "--force",
    is_flag=True,
    help="Also record stages whose cmd, deps or params changed since they last ran.",
)
@verbosity
def commit(targets: tuple[str, ...], jobs: int | None, force: bool) -> None:
    """Record the current content of tracked data into its pointers and gitml.lock.

    A stage whose cmd, deps or params changed since it last ran is refused without --force:
    its outs were not built from them ('gitml repro' rebuilds them).
    """
    from gitml.commands.commit import commit as run

    with progress_bar("Committing") as progress:
        result = run(repo_here(), targets, force=force, jobs=jobs, progress=progress)
    warn(result.pointers.warnings)
    changed = [a.rel for a in result.pointers.added if a.changed] + list(result.stages)
    say(f"updated: {', '.join(changed)}" if changed else "Nothing to commit.")


@cli.command()
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--md", is_flag=True, help="Print a Markdown table.")
@verbosity
def diff(a: str | None, b: str | None, as_json: bool, md: bool) -> None:
    """Files added, modified and deleted in tracked data between A (HEAD) and B (workspace)."""
    from gitml import render
    from gitml.commands.diff import diff as run

    result = run(repo_here(), a, b)
    if as_json:
        click.echo(render.to_json(result.to_json()))
        return
    rows = [
        [kind, c.path, render.human_size((c.new or c.old or ("", 0))[1])]
        for kind, changes in (
            ("added", result.added),
            ("deleted", result.deleted),
            ("modified", result.modified),
        )
        for c in changes
    ]
    if md:
        click.echo(render.md_table(["Status", "Path", "Size"], rows))
    else:
        for kind, path, _size in rows:
            say(f"{kind}: {path}")
        say(
            f"files summary: {len(result.added)} added, {len(result.deleted)} deleted,"
            f" {len(result.modified)} modified"
        )
    for out in result.not_in_cache:
        click.echo(f"warning: manifest of {out} at {result.a} is not in the cache", err=True)


@cli.command()
@click.option("-r", "--remote", help="Verify the objects on this remote instead.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Parallel downloads.")
@verbosity
def fsck(remote: str | None, jobs: int | None) -> None:
    """Verify every cache object's hash; quarantine corrupt ones (exit 1 if any)."""
    from gitml.commands.fsck import fsck as run

    if remote:
        from gitml.cli.remotes import fsck_remote

        fsck_remote(remote, jobs)
        return

    with progress_bar("Verifying", unit="object") as progress:
        result = run(repo_here(), progress=progress, total=totals(progress))
    for oid, where in result.corrupt:
        click.echo(f"corrupt: {oid} (moved to {where})", err=True)
    say(f"{result.checked} objects checked, {len(result.corrupt)} corrupt")
    if not result.clean:
        raise Exit(EXIT_DIFFERENCES)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@verbosity
def unprotect(paths: tuple[str, ...]) -> None:
    """Make linked, read-only tracked files writable copies."""
    from gitml.commands.unprotect import unprotect as run

    count = run(repo_here(), paths)
    say(f"{count} file(s) unprotected")


def report_dropped(dropped: Dropped, prefix: str = "") -> None:
    """Outputs no longer tracked: removed (their bytes are in the cache), or kept."""
    from gitml.quick import show

    show.dropped(OUT, dropped, prefix)
