"""`gitml exp run`, `gitml exp save`, `gitml exp queue` (issue 13): see gitml/cli/exp.py."""

from __future__ import annotations

import datetime
import sys
from typing import TYPE_CHECKING

import click

from gitml.cli import Exit, repo_here, say, verbosity, warn
from gitml.cli.exp import exp
from gitml.errors import EXIT_ERROR

if TYPE_CHECKING:
    from gitml.commands.repro import StageRun
    from gitml.experiments.queue import QueueEntry


@exp.command("run")
@click.argument("targets", nargs=-1)
@click.option("-S", "--set-param", "set_params", multiple=True, metavar="[FILE:]KEY=VALUE",
              help="Set a param (a comma list makes a grid, queued); +KEY adds, ~KEY drops.")
@click.option("-n", "--name", default=None, help="The experiment's name (a grid: NAME-<n>).")
@click.option("-m", "--message", default="", help="The experiment commit's message.")
@click.option("--queue", is_flag=True, help="Queue the experiment instead of running it.")
@click.option("--run-all", is_flag=True, help="Run every queued experiment.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1,
              help="With --run-all: experiments at once.")
@click.option("-f", "--force", is_flag=True, help="Run even stages that did not change.")
@click.option("--no-run-cache", is_flag=True, help="Never restore outs from earlier runs.")
@click.option("--remote", "git_remote", metavar="GIT_REMOTE", default=None,
              help="With --queue: queue on this Git remote, for 'gitml exp worker'.")
@verbosity
def run(
    targets: tuple[str, ...],
    set_params: tuple[str, ...],
    name: str | None,
    message: str,
    queue: bool,
    run_all: bool,
    jobs: int,
    force: bool,
    no_run_cache: bool,
    git_remote: str | None,
) -> None:
    """Run an experiment: set params, reproduce, record it on a hidden ref."""
    if git_remote is not None and (not queue or run_all):
        raise click.UsageError("--remote goes with --queue (and not --run-all)")
    from gitml.commands.exp_run import exp_run
    from gitml.commands.repro import Options

    def show(event: StageRun) -> None:
        if event.action == "running":
            say(f"Running stage '{event.name}':\n> {event.cmd}")
        elif event.action == "restored":
            say(f"Stage '{event.name}' restored from the run cache")
        elif event.action == "unchanged":
            say(f"Stage '{event.name}' didn't change, skipping")
        elif event.action == "blocked":
            say(f"Stage '{event.name}' skipped: an upstream stage failed")
        if event.output:
            sys.stdout.write(event.output)
        if event.error:
            click.echo(f"error: {event.error}", err=True)

    def show_queue(what: str, entry: QueueEntry) -> None:
        if what == "start":
            say(f"Running experiment '{entry.name}'")
        elif what == "done":
            say(f"Ran experiment '{entry.name}'")
        else:
            click.echo(f"error: experiment '{entry.name}' failed (see 'gitml exp queue "
                       f"logs {entry.name}')", err=True)

    options = Options(force=force, run_cache=not no_run_cache)
    result = exp_run(
        repo_here(), targets, set_params=set_params, name=name, message=message,
        queue=queue, run_all=run_all, jobs=jobs, options=options, on_event=show,
        on_queue_event=show_queue, git_remote=git_remote,
    )
    where = f" on Git remote '{git_remote}'" if git_remote else ""
    for entry in result.queued:
        say(f"Queued experiment '{entry.name}'{where} for future execution.")
    if result.experiment is not None:
        say(f"Ran experiment '{result.experiment.name}' ({result.experiment.sha[:7]}); "
            "its results are in the workspace.")
    if not result.ok:
        raise Exit(EXIT_ERROR)


@exp.command("save")
@click.argument("targets", nargs=-1)
@click.option("-n", "--name", default=None, help="The experiment's name.")
@click.option("-m", "--message", default="", help="The experiment commit's message.")
@click.option("-f", "--force", is_flag=True, help="Replace an experiment of that name.")
@click.option("-I", "--include-untracked", multiple=True, metavar="PATH",
              help="Include this untracked file (or folder) too.")
@verbosity
def save(
    targets: tuple[str, ...], name: str | None, message: str, force: bool,
    include_untracked: tuple[str, ...],
) -> None:
    """Record the workspace as an experiment of HEAD, running nothing."""
    from gitml.commands.exp_save import exp_save

    result = exp_save(repo_here(), targets, name=name, message=message, force=force,
                      include_untracked=include_untracked)
    if result.left_out:
        warn(("untracked files not included (add them with -I PATH): "
              + ", ".join(result.left_out[:10]),))
    say(f"Experiment has been saved as: {result.experiment.name}")


@exp.group("queue", invoke_without_command=True)
@click.pass_context
def queue_group(ctx: click.Context) -> None:
    """The experiment queue (no subcommand: list it)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(queue_list)


@queue_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def queue_list(as_json: bool = False) -> None:
    """Queued, running, failed and finished runs."""
    from gitml import render
    from gitml.commands.exp_queue import listing

    found = listing(repo_here())
    if as_json:
        click.echo(render.to_json([
            {"id": e.id, "name": e.name, "baseline": e.baseline, "state": e.state,
             "rev": e.sha, "time": e.time, "message": e.message} for e in found
        ]))
        return
    for e in found:
        when = datetime.datetime.fromtimestamp(e.time).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{e.name:<24} {e.state:<8} {e.baseline[:7]}  {when}")


@queue_group.command("remove")
@click.argument("names", nargs=-1)
@click.option("-A", "--all", "everything", is_flag=True, help="Every entry that is not running.")
def queue_remove(names: tuple[str, ...], everything: bool) -> None:
    """Drop queued experiments, or the kept logs of finished or failed runs."""
    from gitml.commands.exp_queue import remove

    if not names and not everything:
        raise click.UsageError("give NAME... or --all")
    for entry in remove(repo_here(), list(names), everything=everything):
        say(f"Removed '{entry.name}' ({entry.state})")


@queue_group.command("logs")
@click.argument("name")
def queue_logs(name: str) -> None:
    """The output of a queued experiment's run."""
    from gitml.commands.exp_queue import logs

    sys.stdout.write(logs(repo_here(), name))
