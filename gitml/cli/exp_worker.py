"""`gitml exp worker` and `gitml exp show --remote` (issue 18): see gitml/cli/exp.py."""

from __future__ import annotations

import datetime
import signal
from typing import TYPE_CHECKING

import click

from gitml.cli import Exit, repo_here, say, verbosity
from gitml.cli.exp import exp
from gitml.errors import EXIT_ERROR

if TYPE_CHECKING:
    from gitml.experiments.queue import QueueEntry
    from gitml.experiments.remote_queue import RemoteRow


@exp.command("worker")
@click.argument("git_remote")
@click.option("--once", is_flag=True,
              help="Stop when nothing is left to claim (else wait for more work).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Experiments at once.")
@click.option("--lease", type=click.FloatRange(1, 86400), default=60.0, show_default=True,
              metavar="SECONDS",
              help="A claim not renewed for this long is taken over by another worker.")
@click.option("--poll", type=click.FloatRange(0.1, 3600), default=10.0, show_default=True,
              metavar="SECONDS", help="Without --once: seconds between looks at an empty queue.")
@click.option("-r", "--remote", help="gitml remote for the data (default: core.remote).")
@click.option("-f", "--force", is_flag=True, help="Run even stages that did not change.")
@click.option("--no-run-cache", is_flag=True, help="Never restore outs from earlier runs.")
@verbosity
def worker(
    git_remote: str, once: bool, jobs: int, lease: float, poll: float, remote: str | None,
    force: bool, no_run_cache: bool,
) -> None:
    """Run experiments queued on GIT_REMOTE, alongside any number of other workers."""
    from gitml.commands.exp_worker import exp_worker
    from gitml.commands.repro import Options as ReproOptions
    from gitml.experiments.worker import Options

    def show(what: str, entry: QueueEntry, detail: str) -> None:
        if what == "claimed":
            say(f"Claimed experiment '{entry.name}'")
        elif what == "took-over":
            say(f"Took over experiment '{entry.name}' from {detail} (its lease ran out)")
        elif what == "done":
            say(f"Ran experiment '{entry.name}' ({detail[:7]}); pushed")
        elif what in ("failed", "error"):
            click.echo(f"error: experiment '{entry.name}' failed: {detail}", err=True)
        else:
            click.echo(f"warning: experiment '{entry.name}' {what}: {detail}", err=True)

    # a CI job being cancelled gets SIGTERM: end like Ctrl-C (runs killed, claims given back)
    before = signal.signal(signal.SIGTERM, _interrupt)
    try:
        results = exp_worker(
            repo_here(), git_remote,
            options=Options(lease=lease, once=once, jobs=jobs, poll=poll), remote=remote,
            repro_options=ReproOptions(force=force, run_cache=not no_run_cache), on_event=show,
        )
    finally:
        signal.signal(signal.SIGTERM, before)
    if not results:
        say("Nothing to claim")
    if any(r.outcome in ("failed", "error") for r in results):
        raise Exit(EXIT_ERROR)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def show_remote(rows: list[RemoteRow], *, as_json: bool) -> None:
    """`exp show --remote`: one line per experiment the Git remote knows of."""
    from gitml import render

    if as_json:
        click.echo(render.to_json([
            {"id": r.id, "name": r.name, "baseline": r.baseline, "state": r.state, "rev": r.rev,
             "worker": r.worker or None, "since": r.since or None,
             "renewed": r.renewed or None, "expired": r.expired, "error": r.error or None}
            for r in rows
        ]))
        return
    order = {"claimed": 0, "queued": 1, "failed": 2, "done": 3}
    for r in sorted(rows, key=lambda r: (order[r.state], r.since, r.name)):
        state = "claimed*" if r.expired else r.state
        line = f"{r.name:<24} {state:<8} {r.baseline[:7]}  {r.rev[:7]}"
        if r.worker:
            line += f"  {r.worker}"
        if r.since:
            line += "  since " + datetime.datetime.fromtimestamp(r.since).strftime(
                "%Y-%m-%d %H:%M:%S")
        if r.error:
            line += f"  ({r.error})"
        click.echo(line)
