"""`gitml registry ...`: versions and stages of models as Git tags that GTO reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from gitml.cli import cli, repo_here, say, verbosity

if TYPE_CHECKING:
    from gitml.registry.actions import Created

_MSG = click.option("-m", "--message", help="The tag's message (default: GTO's).")
_PUSH = click.option("--push", is_flag=True, help="Push the new tag to the Git remote 'origin'.")


@cli.group()
def registry() -> None:
    """Register model versions and move them through stages, as Git tags (GTO's format)."""


def _told(made: list[Created]) -> None:
    for c in made:
        say(f"Created tag {c.tag}: {c.what}")
        if c.pushed:
            say(f"Pushed: {c.push}")
        else:
            say(f"To publish it, run: {c.push}")


def _table(header: list[str], rows: list[list[str]], md: bool) -> None:
    from gitml import render
    from gitml.metrics import text_table

    if rows or md:
        click.echo(render.md_table(header, rows) if md else text_table(header, rows))
    else:
        say("No registry tags.")


def _formats(f: Any) -> Any:
    f = click.option("--md", is_flag=True, help="Print a Markdown table.")(f)
    return click.option("--json", "as_json", is_flag=True, help="Print GTO's JSON.")(f)


@registry.command()
@click.argument("name", required=False)
@_formats
@click.option("--all", "show_all", is_flag=True, help="Include deprecated artifacts.")
@click.option("--as-of", help="The registry at that moment: YYYY-MM-DD[THH:MM[:SS]].")
@verbosity
def show(name: str | None, as_json: bool, md: bool, show_all: bool, as_of: str | None) -> None:
    """The latest version and the version in each stage, per artifact (or NAME's versions)."""
    from gitml import render
    from gitml.commands.registry_show import show as run

    data = run(repo_here(), name, deprecated=show_all, as_of=as_of)
    if as_json:
        click.echo(render.to_json(data))
    elif name is None:
        stages = sorted({s for d in data.values() for s in d["stage"]})
        rows = [
            [n if d["registered"] else f"*{n}", d["version"] or "-"]
            + [d["stage"].get(s) or "-" for s in stages]
            for n, d in sorted(data.items())
        ]
        _table(["name", "latest", *(f"#{s}" for s in stages)], rows, md)
    else:
        rows = [
            [
                v["artifact"],
                v["version"],
                ", ".join(s["stage"] for s in v["stages"]),
                v["created_at"],
                v["ref"],
            ]
            for v in data
        ]
        _table(["artifact", "version", "stage", "created_at", "ref"], rows, md)


@registry.command()
@click.argument("name", required=False)
@_formats
@verbosity
def history(name: str | None, as_json: bool, md: bool) -> None:
    """Every registry event, newest first: time, artifact, event, version, stage, commit."""
    from gitml import render
    from gitml.commands.registry_history import history as run

    rows = run(repo_here(), name)
    if as_json:
        click.echo(render.to_json(rows))
        return
    keys = ["timestamp", "artifact", "event", "version", "stage", "commit", "author", "ref"]
    table = [[str(r[k] if r[k] is not None else "-") for k in keys] for r in rows]
    for row in table:
        row[5] = row[5][:7]
    _table(keys, table, md)


@registry.command("check-ref")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print GTO's JSON.")
@verbosity
def check_ref(ref: str, as_json: bool) -> None:
    """What a registry tag means (for CI): event, artifact, version, stage, commit."""
    from gitml import render
    from gitml.commands.registry_check_ref import check_ref as run

    found = run(repo_here(), ref)
    if found is None:
        if not as_json:
            say(f"{ref} is not a registry event")
        return
    if as_json:
        click.echo(render.to_json(found))
        return
    parts = [f"{k}={found[k]}" for k in ("event", "artifact", "version", "stage") if k in found]
    click.echo(" ".join([*parts, f"commit={found['commit_hexsha']}"]))


@registry.command()
@click.argument("name")
@click.argument("rev", default="HEAD")
@click.option("--version", help="The version, e.g. v1.0.0 (default: the latest, bumped).")
@click.option("--bump-major", "bump", flag_value="major", help="Bump the major number.")
@click.option("--bump-minor", "bump", flag_value="minor", help="Bump the minor number.")
@click.option("--bump-patch", "bump", flag_value="patch", help="Bump the patch number.")
@_MSG
@_PUSH
@verbosity
def register(
    name: str, rev: str, version: str | None, bump: Any, message: str | None, push: bool
) -> None:
    """Tag version NAME@vX.Y.Z at REV (default HEAD); the first is v0.0.1."""
    from gitml.commands.registry_register import register as run

    _told([run(repo_here(), name, rev, version=version, bump=bump, message=message, push=push)])


@registry.command()
@click.argument("name")
@click.argument("version")
@_MSG
@_PUSH
@verbosity
def deregister(name: str, version: str, message: str | None, push: bool) -> None:
    """Retire VERSION of NAME (tag NAME@VERSION!); history stays."""
    from gitml.commands.registry_deregister import deregister as run

    _told([run(repo_here(), name, version, message=message, push=push)])


@registry.command()
@click.argument("name")
@click.argument("stage")
@click.argument("rev", required=False)
@click.option("--version", help="The registered version to assign (instead of REV).")
@_MSG
@_PUSH
@verbosity
def assign(
    name: str, stage: str, rev: str | None, version: str | None, message: str | None, push: bool
) -> None:
    """Put a version of NAME in STAGE (tag NAME#STAGE#N); REV defaults to HEAD and is
    registered first if it has no version."""
    from gitml.commands.registry_assign import assign as run

    _told(run(repo_here(), name, stage, version=version, rev=rev, message=message, push=push))


@registry.command()
@click.argument("name")
@click.argument("stage")
@click.option("--version", help="The version to take out (default: the one in STAGE).")
@_MSG
@_PUSH
@verbosity
def unassign(name: str, stage: str, version: str | None, message: str | None, push: bool) -> None:
    """Take NAME's version out of STAGE (tag NAME#STAGE!#N)."""
    from gitml.commands.registry_unassign import unassign as run

    _told([run(repo_here(), name, stage, version=version, message=message, push=push)])


@registry.command()
@click.argument("name")
@_MSG
@_PUSH
@verbosity
def deprecate(name: str, message: str | None, push: bool) -> None:
    """Retire the whole artifact NAME (tag NAME@deprecated); history stays."""
    from gitml.commands.registry_deprecate import deprecate as run

    _told([run(repo_here(), name, message=message, push=push)])


from gitml.cli import registry_files as _files  # noqa: E402, F401  (get and card)
