"""Commands on pipelines: repro, dag, stage add."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from gitml.cli import OUT, Exit, cli, repo_here, say, verbosity
from gitml.errors import EXIT_ERROR

if TYPE_CHECKING:
    from gitml.hashing import HashInfo


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("-f", "--force", is_flag=True, help="Run even stages that did not change.")
@click.option("-s", "--single-item", "single", is_flag=True, help="Only TARGETS, not upstream.")
@click.option("--downstream", is_flag=True, help="TARGETS and the stages after them.")
@click.option(
    "-P", "--all-pipelines", is_flag=True, help="All pipeline files (default: this folder's)."
)
@click.option("--dry", is_flag=True, help="Show what would run, and why; run nothing.")
@click.option("--pull", is_flag=True, help="Fetch missing cached data first.")
@click.option("-k", "--keep-going", is_flag=True, help="On failure, go on with other branches.")
@click.option("--no-run-cache", is_flag=True, help="Never restore outs from earlier runs.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, help="Stages at once.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@verbosity
def repro(
    targets: tuple[str, ...],
    force: bool,
    single: bool,
    downstream: bool,
    all_pipelines: bool,
    dry: bool,
    pull: bool,
    keep_going: bool,
    no_run_cache: bool,
    jobs: int,
    as_json: bool,
) -> None:
    """Reproduce invalidated stages in DAG order: TARGETS (`train`, `sub/gitml.yaml:train`,
    `sub/gitml.yaml`), else the stages of this folder's gitml.yaml, with their upstream."""
    from gitml.commands.repro import Options, StageRun
    from gitml.commands.repro import repro as run
    from gitml.quick import show as printed

    repo = repo_here()
    fetch_outs: Callable[[Sequence[tuple[str, HashInfo]]], None] | None = None
    if pull:
        _pull_for_repro(repo)

        def fetch_outs(outs: Sequence[tuple[str, HashInfo]]) -> None:
            _pull_for_repro(repo, outs)

    def show(event: StageRun) -> None:
        if not as_json:
            printed.stage_run(OUT, event)

    options = Options(
        force=force,
        dry=dry,
        keep_going=keep_going,
        run_cache=not no_run_cache,
        jobs=jobs,
        fetch_outs=fetch_outs,
    )
    result = run(
        repo,
        targets,
        single=single,
        downstream=downstream,
        all_pipelines=all_pipelines,
        options=options,
        on_event=show,
    )
    if as_json:
        printed.repro_json(OUT, result)
    if not result.ok:
        raise Exit(EXIT_ERROR)


def _pull_for_repro(repo: Any, outs: Sequence[tuple[str, HashInfo]] | None = None) -> None:
    """Fetch what the workspace needs (and the run records), or a run record's `outs`."""
    from gitml.commands.fetch import fetch
    from gitml.used import Scope

    result = fetch(repo, Scope(), outs=outs)
    if result.transfer.failed:
        say(f"warning: {len(result.transfer.failed)} object(s) could not be fetched")


@cli.command()
@click.argument("target", required=False)
@click.option("--dot", "fmt", flag_value="dot", help="Graphviz dot.")
@click.option("--mermaid", "fmt", flag_value="mermaid", help="A mermaid flowchart.")
@click.option("--md", "fmt", flag_value="md", help="Mermaid inside a Markdown code block.")
@verbosity
def dag(target: str | None, fmt: str | None) -> None:
    """Show the pipeline graph (of TARGET and its upstream, if given)."""
    from gitml.commands.dag import render_dag

    click.echo(render_dag(repo_here(), target, fmt or "text"))


@cli.group()
def stage() -> None:
    """Edit the stages of gitml.yaml."""


@stage.command("add")
@click.option("-n", "--name", required=True, help="Stage name.")
@click.option("-d", "--deps", multiple=True, help="A dependency (repeatable).")
@click.option("-o", "--outs", multiple=True, help="An output, cached (repeatable).")
@click.option("-O", "--outs-no-cache", multiple=True, help="An output kept in Git.")
@click.option("--outs-persist", multiple=True, help="An output repro does not remove first.")
@click.option("--outs-persist-no-cache", multiple=True, help="The same, kept in Git.")
@click.option(
    "-p", "--params", multiple=True, help="Param keys: KEY[,KEY], FILE:KEY[,KEY] or FILE:."
)
@click.option("-m", "--metrics", multiple=True, help="A metrics file, cached.")
@click.option("-M", "--metrics-no-cache", multiple=True, help="A metrics file kept in Git.")
@click.option("--plots", multiple=True, help="A plots file, cached.")
@click.option("--plots-no-cache", multiple=True, help="A plots file kept in Git.")
@click.option("-w", "--wdir", help="Folder the command runs in.")
@click.option("--always-changed", is_flag=True, help="Always run it on repro.")
@click.option("--desc", help="A description of the stage (for people; changes nothing).")
@click.option("-f", "--force", is_flag=True, help="Replace a stage of that name.")
@click.argument("command", nargs=-1, required=True)
@verbosity
def stage_add(command: tuple[str, ...], force: bool, name: str, **kw: Any) -> None:
    """Add a stage running COMMAND to this folder's gitml.yaml (comments and order are kept)."""
    import shlex

    from gitml.commands.stage import NewStage
    from gitml.commands.stage import stage_add as run

    cmd = command[0] if len(command) == 1 else shlex.join(command)
    run(repo_here(), NewStage(name=name, cmd=cmd, **kw), force=force)
    say(  # the file is in the current folder
        f"Added stage '{name}' to gitml.yaml\n\nTo track the changes with git, run:\n\n"
        "\tgit add gitml.yaml"
    )
