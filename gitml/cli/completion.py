"""Shell completion: `gitml completion bash|zsh|fish` prints the script, and the script's
calls (`_GITML_COMPLETE=bash_complete gitml`, routed here by gitml/entry.py) answer with
click's completion of commands and options, plus remote, stage and config names."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from gitml.cli import cli, verbosity

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

COMPLETE_VAR = "_GITML_COMPLETE"
SHELLS = ("bash", "zsh", "fish")  # click's
PROG = "gitml"

Names = Callable[..., list[str]]


@cli.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
@verbosity
def completion(shell: str) -> None:
    """Print the completion script for SHELL: `eval "$(gitml completion bash)"` in ~/.bashrc,
    `gitml completion fish > ~/.config/fish/completions/gitml.fish`, ..."""
    from click.shell_completion import get_completion_class

    comp_cls = get_completion_class(shell)
    assert comp_cls is not None
    click.echo(comp_cls(cli, {}, PROG, COMPLETE_VAR).source(), nl=False)


def complete(instruction: str) -> int:
    """Answer one call of the completion script (`bash_complete`, `zsh_source`, ...)."""
    from click.shell_completion import shell_complete

    _attach(cli)
    return shell_complete(cli, {}, PROG, COMPLETE_VAR, instruction)


def _names(names: Names, *, files: bool = False) -> Callable[..., list[CompletionItem]]:
    """A param's completer: the names that start with what is typed (and, with `files`,
    the shell's file completion when none does); nothing when the repository cannot be
    read."""

    def completer(
        _ctx: click.Context, _param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        try:
            from gitml.repo import find_repo

            found = [n for n in names(find_repo()) if n.startswith(incomplete)]
        except Exception:  # a completion never fails aloud
            found = []
        if not found and files:
            return [CompletionItem(incomplete, type="file")]
        return [CompletionItem(n) for n in found]

    return completer


def _attach(group: click.Group, path: tuple[str, ...] = ()) -> None:
    """Give the params that take remote, stage or config names their completer: every
    `--remote` option, `remote modify/remove/default NAME`, every TARGET(S) argument (a
    stage, else a file), `config NAME`."""
    from gitml.commands import completion as names

    ctx = click.Context(group)
    for sub in group.list_commands(ctx):
        cmd = group.get_command(ctx, sub)
        if isinstance(cmd, click.Group):
            _attach(cmd, (*path, sub))
            continue
        for param in cmd.params if cmd is not None else ():
            found: Callable[..., list[CompletionItem]] | None = None
            if (param.name == "remote" and isinstance(param, click.Option)) or (
                param.name == "name" and path == ("remote",) and sub != "add"
            ):
                found = _names(names.remote_names)
            elif param.name in ("target", "targets") and isinstance(param, click.Argument):
                found = _names(names.stage_names, files=True)
            elif param.name == "name" and path == () and sub == "config":
                found = _names(names.config_names)
            if found is not None:
                param._custom_shell_complete = found  # click's `shell_complete=` hook
