"""`gitml exp apply/branch/remove/push/pull` (issue 13 item 4): see gitml/cli/exp.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from gitml.cli import Exit, progress_bar, repo_here, say, totals, verbosity
from gitml.cli.exp import exp
from gitml.errors import EXIT_ERROR

F = Callable[..., Any]


def _selection(verb: str, default: str) -> Callable[[F], F]:
    def add(f: F) -> F:
        f = click.option(
            "-n", "--num", type=int, default=1, show_default=True,
            help=f"{verb} experiments of the last NUM first-parent commits from --rev"
            " (negative: all).",
        )(f)
        f = click.option(
            "--rev", "revs", multiple=True, metavar="COMMIT",
            help=f"{verb} experiments whose baseline is COMMIT{default} (repeatable).",
        )(f)
        f = click.option(
            "-A", "--all-commits", is_flag=True, help=f"{verb} every experiment."
        )(f)
        return f

    return add


def _sel(names: tuple[str, ...], revs: tuple[str, ...], num: int, all_commits: bool) -> Any:
    from gitml.experiments.select import Selection

    return Selection(names, revs, num, all_commits)


def _sharing(verb: str, side: str) -> Callable[[F], F]:
    def add(f: F) -> F:
        f = click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Parallel transfers.")(f)
        f = click.option(
            "-r", "--remote", help="gitml remote for the data (default: core.remote)."
        )(f)
        f = click.option(
            "--run-cache", is_flag=True,
            help=f"{verb} every run record, not only those of the experiments' stages.",
        )(f)
        f = click.option(
            "--no-cache", "no_cache", is_flag=True,
            help=f"{verb} only the refs, not the data and run records.",
        )(f)
        f = click.option(
            "-f", "--force", is_flag=True,
            help=f"Replace an experiment of the same name {side}.",
        )(f)
        return f

    return add


@exp.command("apply")
@click.argument("name")
@verbosity
def exp_apply(name: str) -> None:
    """Bring experiment NAME's changes into the workspace (left unstaged); refuses,
    changing nothing, when that would overwrite uncommitted work."""
    from gitml.commands.exp_apply import exp_apply as run

    result = run(repo_here(), name)
    say(f"Changes for experiment '{result.exp.name}' have been applied to your workspace"
        f" ({len(result.written)} written, {len(result.deleted)} deleted,"
        f" {result.data_written} data files checked out).")


@exp.command("branch")
@click.argument("name")
@click.argument("branch", required=False)
@verbosity
def exp_branch(name: str, branch: str | None) -> None:
    """Make Git branch BRANCH (default NAME-branch) at experiment NAME's commit."""
    from gitml.commands.exp_branch import exp_branch as run

    result = run(repo_here(), name, branch)
    say(f"Git branch '{result.branch}' has been created from experiment '{result.exp.name}'.")
    say(f"To switch to the new branch run: git checkout {result.branch}")


@exp.command("remove")
@click.argument("names", nargs=-1)
@_selection("Remove", "")
@click.option("--queue", is_flag=True, help="Remove every queued (not running) experiment.")
@click.option("--keep", is_flag=True, help="Keep the selected experiments, remove the others.")
@click.option("-g", "--git-remote", metavar="GIT_REMOTE",
              help="Remove them from this Git remote (name or URL) instead.")
@verbosity
def exp_remove(
    names: tuple[str, ...], revs: tuple[str, ...], num: int, all_commits: bool, queue: bool,
    keep: bool, git_remote: str | None,
) -> None:
    """Remove experiments: NAMEs, or those of --rev, -A, --queue."""
    from gitml.commands.exp_remove import exp_remove as run

    sel = _sel(names, revs, num, all_commits)
    result = run(repo_here(), sel, queue=queue, keep=keep, git_remote=git_remote)
    if result.removed:
        say("Removed experiments: " + ", ".join(f"'{n}'" for n in result.removed))
    else:
        say("No experiments to remove.")


@exp.command("push")
@click.argument("git_remote")
@click.argument("names", nargs=-1)
@_selection("Push", " (default: HEAD)")
@_sharing("Push", "on the Git remote")
@verbosity
def exp_push(git_remote: str, names: tuple[str, ...], **kw: Any) -> None:
    """Push experiments (default: those of HEAD) to GIT_REMOTE, their data to the gitml remote."""
    from gitml.commands.exp_push import exp_push as run

    sel = _sel(names, kw.pop("revs"), kw.pop("num"), kw.pop("all_commits"))
    with progress_bar("Pushing", unit="object") as bar:
        result = run(repo_here(), git_remote, sel, cache=not kw.pop("no_cache"), progress=bar,
                     total=totals(bar), **kw)
    _report(result, "Pushed", "to", git_remote, "pushed")


@exp.command("pull")
@click.argument("git_remote")
@click.argument("names", nargs=-1)
@_selection("Pull", " (default: HEAD)")
@_sharing("Pull", "here")
@verbosity
def exp_pull(git_remote: str, names: tuple[str, ...], **kw: Any) -> None:
    """Pull experiments (default: those of HEAD) from GIT_REMOTE, their data from the gitml
    remote."""
    from gitml.commands.exp_pull import exp_pull as run

    sel = _sel(names, kw.pop("revs"), kw.pop("num"), kw.pop("all_commits"))
    with progress_bar("Pulling", unit="object") as bar:
        result = run(repo_here(), git_remote, sel, cache=not kw.pop("no_cache"), progress=bar,
                     total=totals(bar), **kw)
    _report(result, "Pulled", "from", git_remote, "fetched")


def _report(result: Any, verb: str, way: str, git_remote: str, moved: str) -> None:
    from gitml import render
    from gitml.errors import TransferError

    for e in result.moved:
        say(f"{verb} experiment '{e.name}' {way} Git remote '{git_remote}'.")
    for e in result.up_to_date:
        say(f"Experiment '{e.name}' is up to date with Git remote '{git_remote}'.")
    data = result.data
    if not result.moved and not result.up_to_date and (data is None or data.ok):
        say(f"No experiments to {verb.lower()[:-2]}.")
    if data is None:
        return
    t = data.transfer
    say(f"{render.plural(len(t.transferred), 'object')} {moved}, {t.skipped} already there")
    if not t.ok:
        raise TransferError(
            f"{render.plural(len(t.failed), 'object')} not {moved}: {t.failed[0][0]}:"
            f" {t.failed[0][1]}",
            hint=f"run 'gitml exp {verb.lower()[:-2]}' again once the gitml remote has them",
        )
    if data.not_local:
        path, oid = data.not_local[0]
        click.echo(f"error: {path} ({oid}) is not in the cache; not pushed, and no ref pushed",
                   err=True)
        raise Exit(EXIT_ERROR)
