"""`gitml import-dvc`: move a DVC repository to gitml in place."""

from __future__ import annotations

import os

import click

from gitml.cli import Exit, cli, say, verbosity, warn


@cli.command("import-dvc")
@click.option("--push", is_flag=True, help="Then upload the objects to the default remote.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), help="Threads for re-hashing.")
@verbosity
def import_dvc(push: bool, jobs: int | None) -> None:
    """Convert this DVC repository to gitml: .dvc files, dvc.yaml, dvc.lock, .dvcignore and
    .dvc/config remotes, every digest re-taken from the data; DVC's files are removed."""
    from gitml import render
    from gitml.commands.import_dvc import import_dvc as run

    result = run(os.getcwd(), push=push, jobs=jobs)
    if not result.converted:
        say("nothing to convert: no .dvc folder (already converted?)")
        return
    say(
        f"converted {render.plural(result.pointers, '.dvc file')},"
        f" {render.plural(result.pipelines, 'pipeline')},"
        f" {render.plural(result.locks, 'lock file')};"
        f" {render.plural(result.files, 'file')} ({render.human_size(result.size)}) re-hashed"
    )
    if result.remotes:
        default = f" (default: {result.default_remote})" if result.default_remote else ""
        say(f"remotes: {', '.join(result.remotes)}{default}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    say("\nTo record the change with git, run:\n")
    if result.git_rm:
        say(f"\tgit rm -r -q --cached --ignore-unmatch {_quoted(result.git_rm)}")
    if result.git_add:
        say(f"\tgit add {_quoted(result.git_add)}")
    say('\tgit commit -m "Move from DVC to gitml"')
    if result.push is not None:
        from gitml.cli.remotes import _report

        _report("pushed", result.push, False)
        warn(tuple(f"{p} ({o}) is not in the cache; not pushed" for p, o in result.push.not_local))
        if result.push.not_local:
            raise Exit(3)


def _quoted(paths: tuple[str, ...]) -> str:
    import shlex

    return " ".join(shlex.quote(p) for p in paths)
