"""Data shared between repositories: `gitml get`, `import`, `update`, `ls`."""

from __future__ import annotations

import click

from gitml.cli import cli, repo_here, say, verbosity

_REV = "Git revision of the source (branch, tag or commit; default: its HEAD)."


@cli.command()
@click.argument("url")
@click.argument("path")
@click.option("--rev", help=_REV)
@click.option("-o", "--out", help="Where to write it (default: PATH's last name, here).")
@click.option("-f", "--force", is_flag=True, help="Overwrite OUT if it exists.")
@verbosity
def get(url: str, path: str, rev: str | None, out: str | None, force: bool) -> None:
    """Download PATH of the gitml repository at URL (no pointer, nothing tracked)."""
    from gitml.commands.get import get as run

    result = run(url, path, rev=rev, out=out, force=force)
    say(f"Downloaded {path} to {result.out} ({result.files} file(s), {result.rev_lock[:7]})")


@cli.command("import")
@click.argument("url")
@click.argument("path")
@click.option("--rev", help=_REV)
@click.option("-o", "--out", help="Where to put it (default: PATH's last name, here).")
@click.option("-f", "--force", is_flag=True, help="Overwrite OUT and its pointer if they exist.")
@verbosity
def import_(url: str, path: str, rev: str | None, out: str | None, force: bool) -> None:
    """Import PATH of the gitml repository at URL, tracked by OUT.gitml (frozen)."""
    from gitml.commands.import_ import import_ as run

    result = run(repo_here(), url, path, rev=rev, out=out, force=force)
    say(
        f"Imported {path} ({result.rev_lock[:7]}) as {result.rel}"
        f" ({result.hash_info.digest[:12]})"
    )
    if result.to_git_add:
        say(f"\nTo track the changes with git, run:\n\n\tgit add {' '.join(result.to_git_add)}")


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("--rev", help="Move the imports to this revision of their source (recorded).")
@click.option("-f", "--force", is_flag=True, help="Overwrite local changes to the data.")
@verbosity
def update(targets: tuple[str, ...], rev: str | None, force: bool) -> None:
    """Update imports (all, or TARGETS) to what their source's rev names now."""
    from gitml.commands.update import update as run

    result = run(repo_here(), targets, rev=rev, force=force)
    for item in result.updated:
        if not item.changed:
            say(f"{item.pointer_rel}: up to date ({item.new_rev_lock[:7]})")
        else:
            what = "updated" if item.data_changed else "moved on, data unchanged"
            say(f"{item.pointer_rel}: {what} ({item.old_rev_lock[:7]} -> {item.new_rev_lock[:7]})")
    if result.to_git_add:
        say(f"\nTo track the changes with git, run:\n\n\tgit add {' '.join(result.to_git_add)}")


@cli.command("ls")
@click.argument("url")
@click.argument("path", required=False)
@click.option("-R", "--recursive", is_flag=True, help="List folders' contents too.")
@click.option("--rev", help=_REV)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@verbosity
def ls(url: str, path: str | None, recursive: bool, rev: str | None, as_json: bool) -> None:
    """List the Git files and gitml outputs of the repository at URL."""
    from gitml import render
    from gitml.commands.ls import ls as run

    result = run(url, path, rev=rev, recursive=recursive)
    if as_json:
        click.echo(render.to_json([e.to_json() for e in result.entries]))
        return
    for e in result.entries:
        name = e.path + ("/" if e.isdir else "")
        click.echo(f"{name}  [gitml]" if e.isout else name)
