"""The daily commands a DVC user reaches for: config, move, remove, doctor, completion,
stage list."""

from __future__ import annotations

from typing import Any

import click

from gitml.cli import Exit, cli, repo_here, say, verbosity
from gitml.cli import completion as _completion  # noqa: F401  (registers `completion`)
from gitml.cli.pipeline import stage
from gitml.errors import EXIT_DIFFERENCES, BadInputError


@cli.command("config")
@click.argument("name", required=False)
@click.argument("value", required=False)
@click.option("--local", is_flag=True, help="Only .gitml/config.local.yaml (not in Git).")
@click.option("--project", is_flag=True, help="Only .gitml/config.yaml (in Git).")
@click.option("-u", "--unset", is_flag=True, help="Remove the option.")
@click.option("-l", "--list", "listing", is_flag=True, help="List every option set.")
@click.option("--show-origin", is_flag=True, help="Name the file each value comes from.")
@verbosity
def config_cmd(
    name: str | None,
    value: str | None,
    local: bool,
    project: bool,
    unset: bool,
    listing: bool,
    show_origin: bool,
) -> None:
    """Get, set (NAME VALUE) or unset (-u NAME) a config option: `core.remote`, `cache.type`,
    `remote.NAME.url`, ..., or list them all (-l)."""
    from gitml.commands import configure as run

    if local and project:
        raise BadInputError("--local and --project go one at a time")
    level = True if local else False if project else None
    if show_origin and (value is not None or unset):
        raise BadInputError("--show-origin can't be used together with -u/--unset or a value")
    if listing:
        if name is not None or value is not None or unset:
            raise BadInputError("-l/--list can't be used together with -u/--unset, NAME or VALUE")
        for setting in run.listing(repo_here(), local=level):
            prefix = f"{setting.origin}\t" if show_origin else ""
            click.echo(f"{prefix}{setting.name}={setting.value}")
        return
    if name is None:
        raise BadInputError("give a config NAME (section.option), or -l to list")
    repo = repo_here()
    if unset:
        if value is not None:
            raise BadInputError("-u/--unset takes a NAME only, not a value")
        run.unset(repo, name, local=bool(local))
    elif value is not None:
        run.set_value(repo, name, value, local=bool(local))
    else:
        found = run.get(repo, name, local=level)
        if found is None:
            raise Exit(EXIT_DIFFERENCES)
        click.echo(f"{found.origin}\t{found.value}" if show_origin else found.value)


@stage.command("list")
@click.argument("target", required=False)
@click.option("--all", "every", is_flag=True, help="Every stage of every pipeline file.")
@click.option("--name-only", "--names-only", is_flag=True, help="Only the stage names.")
@verbosity
def stage_list(target: str | None, every: bool, name_only: bool) -> None:
    """List the stages of TARGET (a pipeline file or a stage; default: this folder's
    gitml.yaml) with a description: its `desc`, else what it outputs."""
    from gitml.commands.stage_list import stage_list as run

    lines = run(repo_here(), target, every=every)
    if name_only:
        for line in lines:
            click.echo(line.name)
    elif lines:
        click.echo(_columns([[s.name, s.description] for s in lines]))


def _columns(rows: list[list[str]]) -> str:
    """Rows in columns two spaces apart, no header (DVC's `ui.table` without headers)."""
    widths = [max(len(c) for c in col) for col in zip(*rows, strict=True)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


@cli.command("move")
@click.argument("src")
@click.argument("dst")
@verbosity
def move_cmd(src: str, dst: str) -> None:
    """Move tracked data SRC (added or imported) to DST, with its pointer and .gitignore
    entries; DST an existing folder means DST/NAME of SRC."""
    from gitml.commands.move import move

    moved = move(repo_here(), src, dst)
    say(f"Moved {moved.src} to {moved.dst}")
    _git_add_hint(moved.to_git_add)


def _git_add_hint(rels: tuple[str, ...]) -> None:
    import shlex

    if rels:
        say("\nTo track the changes with git, run:\n\n\tgit add " + shlex.join(rels))


@cli.command("remove")
@click.argument("targets", nargs=-1, required=True)
@click.option("--outs", is_flag=True, help="Also delete the data or the stage's outs.")
@verbosity
def remove_cmd(targets: tuple[str, ...], outs: bool) -> None:
    """Stop tracking TARGETS: pointer files (or their data's paths) and stages (`train`,
    `sub/gitml.yaml:train`). The data stays in the workspace unless --outs; the cache stays."""
    from gitml.commands.remove import remove

    removed = remove(repo_here(), targets, outs=outs)
    for rel in removed.pointers:
        say(f"Removed {rel}")
    for name in removed.stages:
        say(f"Removed stage '{name}'")
    for rel in removed.deleted:
        say(f"Deleted {rel}")
    _git_add_hint(removed.to_git_add)


@cli.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=5.0,
    show_default=True,
    help="Seconds to wait for the remotes.",
)
@verbosity
def doctor_cmd(as_json: bool, timeout: float) -> None:
    """Versions, platform, optional packages, remotes (and whether they answer), the cache
    folder, the link types that work there, file systems and free space: for bug reports."""
    from gitml.commands.doctor import doctor
    from gitml.errors import GitmlError
    from gitml.repo import find_repo

    try:
        repo = find_repo()
    except GitmlError:
        repo = None
    report = doctor(repo, timeout=timeout)
    if as_json:
        from gitml import render

        click.echo(render.to_json(report_json(report)))
    else:
        click.echo("\n".join(report_lines(report)))


def report_lines(report: Any) -> list[str]:
    """`dvc doctor`'s layout."""
    head = f"gitml version: {report.gitml}"
    lines = [head, "-" * len(head), f"Platform: {report.platform}", "Optional packages:"]
    lines += [f"\t{n} = {v or 'not installed'}" for n, v in report.packages.items()]
    if report.repo is None:
        return [*lines, "Repository: none here"]
    kinds = ", ".join(k for k, ok in report.link_types.items() if ok) or "none"
    lines += [
        f"Repository: {report.repo}",
        f"Cache directory: {report.cache_dir}",
        f"Cache types: {kinds}",
        f"Cache file system: {_fs_line(report.cache_fs)}",
        f"Workspace file system: {_fs_line(report.workspace_fs)}",
        "Remotes:" + ("" if report.remotes else " none"),
    ]
    for r in report.remotes:
        state = "reachable" if r.reachable else "NOT reachable"
        default = " (default)" if r.default else ""
        lines.append(f"\t{r.name}{default}: {r.url}: {state} ({r.detail}, {r.seconds:.2f} s)")
    return lines


def _fs_line(fs: Any) -> str:
    return f"{fs.fs_type} on {fs.device}, {_size(fs.free)} free of {_size(fs.total)}"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{n} B"
        value /= 1024
    return f"{n} B"


def report_json(report: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "gitml": report.gitml,
        "python": report.python,
        "platform": report.platform,
        "packages": report.packages,
        "repository": report.repo,
    }
    if report.repo is not None:
        data["cache"] = {
            "dir": report.cache_dir,
            "link_types": report.link_types,
            "fs": _fs_json(report.cache_fs),
        }
        data["workspace"] = {"dir": report.repo, "fs": _fs_json(report.workspace_fs)}
        data["remotes"] = [
            {
                "name": r.name,
                "url": r.url,
                "default": r.default,
                "reachable": r.reachable,
                "detail": r.detail,
                "seconds": round(r.seconds, 3),
            }
            for r in report.remotes
        ]
    return data


def _fs_json(fs: Any) -> dict[str, Any]:
    return {"type": fs.fs_type, "device": fs.device, "free": fs.free, "total": fs.total}
