"""The only click user: thin commands, `main(argv) -> int`, and the error handler.

Command bodies import their modules when they run, so `gitml --help` stays fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from gitml import __version__
from gitml.errors import (
    EXIT_DIFFERENCES,
    EXIT_ERROR,
    EXIT_USAGE,
    GitmlError,
    MissingObjectError,
)

if TYPE_CHECKING:
    from gitml.repo import Repo

F = Callable[..., Any]


class Exit(Exception):
    """A command's non-zero exit code without an error message."""

    def __init__(self, code: int) -> None:
        self.code = code


def _verbosity(f: F) -> F:
    def set_quiet(ctx: click.Context, _p: click.Parameter, value: bool) -> None:
        if value:
            ctx.meta["gitml.quiet"] = True

    def set_verbose(ctx: click.Context, _p: click.Parameter, value: bool) -> None:
        if value:
            ctx.meta["gitml.verbose"] = True

    f = click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=set_quiet,
        help="Print nothing but errors.",
    )(f)
    f = click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        callback=set_verbose,
        help="Show more, and tracebacks on errors.",
    )(f)
    return f


def _quiet() -> bool:
    return bool(click.get_current_context().meta.get("gitml.quiet"))


def say(text: str = "") -> None:
    if not _quiet():
        click.echo(text)


def _repo() -> Repo:
    from gitml.repo import find_repo

    return find_repo()


@contextlib.contextmanager
def _progress(desc: str, unit: str = "file") -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar on a terminal; None (no output at all) otherwise."""
    if _quiet() or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(desc=desc, unit=unit, leave=False, file=sys.stderr) as bar:
        yield bar.update


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="gitml")
@_verbosity
def cli() -> None:
    """Version data, models and metrics next to code in Git."""


@cli.command()
@click.option("-f", "--force", is_flag=True, help="Restore missing files of an existing setup.")
@_verbosity
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
@_verbosity
def add(paths: tuple[str, ...], jobs: int | None) -> None:
    """Hash and cache PATHS, write PATH.gitml pointers, ignore PATHS in Git."""
    from gitml.commands.add import add as run

    with _progress("Adding") as progress:
        result = run(_repo(), paths, jobs=jobs, progress=progress)
    for item in result.added:
        state = "added" if item.changed else "unchanged"
        say(f"{state}: {item.rel} ({item.hash_info.digest[:12]})")
    if result.to_git_add:
        say(f"\nTo track the changes with git, run:\n\n\tgit add {' '.join(result.to_git_add)}")


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("--check", is_flag=True, help="Exit 1 when anything differs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_verbosity
def status(targets: tuple[str, ...], check: bool, as_json: bool) -> None:
    """Show tracked data that differs from its pointer."""
    from gitml import render
    from gitml.commands.status import status as run

    with _progress("Checking") as progress:
        result = run(_repo(), targets, progress=progress)
    if as_json:
        click.echo(render.to_json(result.to_json()))
    elif result.clean:
        say("Data is up to date.")
    else:
        for pointer, items in result.to_json().items():
            say(f"{pointer}:")
            for item in items:
                say(f"\t{item['status']}: {item['path']}")
    if check and not result.clean:
        raise Exit(EXIT_DIFFERENCES)


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("-f", "--force", is_flag=True, help="Overwrite local changes not in the cache.")
@_verbosity
def checkout(targets: tuple[str, ...], force: bool) -> None:
    """Make the workspace match the pointers."""
    from gitml import render
    from gitml.commands.checkout import checkout as run

    with _progress("Checkout") as progress:
        result = run(_repo(), targets, force=force, progress=progress)
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
@_verbosity
def commit(targets: tuple[str, ...], jobs: int | None) -> None:
    """Record the current content of tracked data into its pointers."""
    from gitml.commands.commit import commit as run

    with _progress("Committing") as progress:
        result = run(_repo(), targets, jobs=jobs, progress=progress)
    changed = [a.rel for a in result.added if a.changed]
    say(f"updated: {', '.join(changed)}" if changed else "Nothing to commit.")


@cli.command()
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--md", is_flag=True, help="Print a Markdown table.")
@_verbosity
def diff(a: str | None, b: str | None, as_json: bool, md: bool) -> None:
    """Files added, modified and deleted in tracked data between A (HEAD) and B (workspace)."""
    from gitml import render
    from gitml.commands.diff import diff as run

    result = run(_repo(), a, b)
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
@_verbosity
def fsck() -> None:
    """Verify every cache object's hash; quarantine corrupt ones (exit 1 if any)."""
    from gitml.commands.fsck import fsck as run

    with _progress("Verifying", unit="object") as progress:
        result = run(_repo(), progress=progress)
    for oid, where in result.corrupt:
        click.echo(f"corrupt: {oid} (moved to {where})", err=True)
    say(f"{result.checked} objects checked, {len(result.corrupt)} corrupt")
    if not result.clean:
        raise Exit(EXIT_DIFFERENCES)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@_verbosity
def unprotect(paths: tuple[str, ...]) -> None:
    """Make linked, read-only tracked files writable copies."""
    from gitml.commands.unprotect import unprotect as run

    count = run(_repo(), paths)
    say(f"{count} file(s) unprotected")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 differences, 2 bad input, 3 error)."""
    args = sys.argv[1:] if argv is None else argv
    ctx_meta: dict[str, Any] = {}
    try:
        with cli.make_context("gitml", list(args)) as ctx:
            ctx_meta = ctx.meta
            cli.invoke(ctx)
        return 0
    except click.exceptions.Exit as e:
        return e.exit_code
    except Exit as e:
        return e.code
    except click.UsageError as e:
        e.show()
        return EXIT_USAGE
    except click.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_ERROR
    except GitmlError as e:
        _traceback_if_verbose(ctx_meta)
        click.echo(f"error: {e}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception as e:  # the last line of defence: one line, exit 3
        _traceback_if_verbose(ctx_meta)
        click.echo(f"error: unexpected {type(e).__name__}: {e}", err=True)
        return EXIT_ERROR


def _traceback_if_verbose(meta: dict[str, Any]) -> None:
    if meta.get("gitml.verbose") or "-v" in sys.argv or "--verbose" in sys.argv:
        import traceback

        traceback.print_exc()
