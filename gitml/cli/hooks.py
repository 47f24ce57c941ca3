"""Git hooks: `gitml install [--uninstall] [--pre-commit]` and `gitml hook NAME [ARGS]`."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from gitml.cli import OUT, Exit, cli, repo_here, say, verbosity
from gitml.errors import EXIT_DIFFERENCES

if TYPE_CHECKING:
    from gitml.commands.hook import CheckoutOutcome, Problem
    from gitml.commands.install import ConfigResult

HOOKS = (
    "pre-commit",
    "post-checkout",
    "post-merge",
    "pre-push",
    "repro-check",
    "validate",
    "governance",
)


@cli.command()
@click.option("--uninstall", is_flag=True, help="Remove gitml's hooks, restore the ones kept.")
@click.option(
    "--pre-commit",
    "pre_commit",
    is_flag=True,
    help="Instead, write .pre-commit-config.yaml for the pre-commit framework.",
)
@verbosity
def install(uninstall: bool, pre_commit: bool) -> None:
    """Install Git hooks: pre-commit, post-checkout, post-merge, pre-push.

    A hook already there is kept as NAME.legacy and runs first.
    """
    from gitml.commands import install as run

    repo = repo_here()
    if pre_commit:
        _pre_commit_config(run.write_pre_commit_config(repo))
        return
    if uninstall:
        undone = run.uninstall(repo)
        for name in undone.removed:
            say(f"removed: {name}")
        for name in undone.restored:
            say(f"restored: {name} (your hook)")
        for name in undone.foreign:
            say(f"left alone: {name} (not gitml's)")
        return
    result = run.install(repo)
    for name in result.written:
        kept = f" (your hook now runs first, as {name}.legacy)" if name in result.kept else ""
        say(f"installed: {name}{kept}")
    if not result.written:
        say(f"gitml hooks already installed in {result.hooks_dir}")


def _pre_commit_config(result: ConfigResult) -> None:
    from gitml.commands.install import PRE_COMMIT_INSTALL

    name = os.path.basename(result.path)
    if result.written:
        say(f"wrote {name}; install its hooks with:\n\n\t{PRE_COMMIT_INSTALL}")
    elif result.has_gitml:
        say(f"{name} already runs gitml's hooks")
    else:
        say(f"{name} exists; add this under 'repos:' (not edited):\n\n{result.block}")


@cli.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("name", type=click.Choice(HOOKS))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@verbosity
def hook(name: str, args: tuple[str, ...]) -> None:
    """Run hook NAME (what gitml's Git hooks and pre-commit framework hooks call).

    ARGS are Git's hook arguments; under the pre-commit framework there are none and the
    PRE_COMMIT_* variables are read instead.
    """
    from gitml.commands import hook as run

    root = run.gitml_root()
    if root is None:  # not a gitml repository: nothing to check
        return
    if name == "pre-commit":
        _report(run.commit_check(root), "commit", "git commit --no-verify")
    elif name == "governance":
        _report(run.governance(root), "commit", "git commit --no-verify")
    elif name in ("post-checkout", "post-merge"):
        if name == "post-checkout":
            outcome = run.post_checkout(root, args, on_wait=_waiting)
        else:
            outcome = run.post_merge(root, on_wait=_waiting)
        _checked_out(outcome)
    elif name == "pre-push":
        _pre_push(root, args)
    elif name == "repro-check":
        stale = run.repro_check(root)
        for stage, reasons in stale:
            click.echo(f"{stage}: {'; '.join(reasons)}", err=True)
        if stale:
            click.echo(f"gitml: {len(stale)} stale stage(s); run 'gitml repro'", err=True)
            raise Exit(EXIT_DIFFERENCES)
    else:
        _validated(root, args)


@cli.command("validate")
@click.argument("files", nargs=-1)
@verbosity
def validate(files: tuple[str, ...]) -> None:
    """Check gitml's files (FILES, or all of them: config, gitml.yaml, gitml.lock, pointers)
    against their schemas and the pipeline's rules; one `path:line: problem` line per bad
    file, exit 1 when any is bad."""
    _validated(repo_here().root, files)


def _validated(root: str, files: Sequence[str]) -> None:
    from gitml.commands.validate import validate as run

    problems = run(root, files)
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise Exit(EXIT_DIFFERENCES)


def _report(problems: Sequence[Problem | str], what: str, skip: str) -> None:
    from gitml.quick import stopped

    for line in stopped(problems, what, skip):
        click.echo(line, err=True)
    if problems:
        raise Exit(EXIT_DIFFERENCES)


def _waiting(pid: int | None) -> None:
    from gitml.quick import show

    click.echo(show.waiting(pid), err=True)


def _checked_out(outcome: CheckoutOutcome) -> None:
    from gitml.quick import show

    show.checked_out(OUT, outcome)


def _pre_push(root: str, args: tuple[str, ...]) -> None:
    from gitml import render
    from gitml.commands import hook_push as push_run
    from gitml.errors import GitmlError

    if args:  # called by Git: `pre-push REMOTE URL`, ref lines on stdin
        stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
        ranges = push_run.ranges_from_git(root, stdin)
    else:
        ranges = push_run.ranges_from_env(os.environ)
    try:
        outcome = push_run.pre_push(root, ranges)
    except GitmlError as e:
        click.echo(f"gitml: push stopped: {e}", err=True)
        raise Exit(EXIT_DIFFERENCES) from e
    if outcome.no_remote:
        say("gitml: no gitml remote configured; data not pushed ('gitml remote add -d NAME URL')")
        return
    t = outcome.transfer
    if t is not None and t.transferred:
        say(f"gitml: {render.plural(len(t.transferred), 'object')} pushed to '{outcome.remote}'")
    for path, oid in outcome.unavailable:
        click.echo(
            f"gitml: warning: {path} ({oid}) is in neither the cache nor the remote", err=True
        )
    problems = [f"{o}: {why} (not pushed)" for o, why in (t.failed if t else [])]
    problems += [
        f"{path}: object {oid} is in neither the cache nor remote '{outcome.remote}';"
        f" run 'gitml add {path}' or 'gitml fetch'"
        for path, oid in outcome.lost
    ]
    _report(problems, "push", "git push --no-verify")
