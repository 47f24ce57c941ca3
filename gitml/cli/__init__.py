"""The only click user: thin commands, `main(argv) -> int`, and the error handler.

Command bodies import their modules when they run, so `gitml --help` stays fast.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from gitml import __version__
from gitml.errors import EXIT_ERROR, EXIT_USAGE, GitmlError

if TYPE_CHECKING:
    from gitml.repo import Repo

F = Callable[..., Any]


class Exit(Exception):
    """A command's non-zero exit code without an error message."""

    def __init__(self, code: int) -> None:
        self.code = code


def verbosity(f: F) -> F:
    def set_quiet(ctx: click.Context, _p: click.Parameter, value: bool) -> None:
        if value:
            ctx.meta["gitml.quiet"] = True
            _QUIET[0] = True

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
    """-q given? Also answers from worker threads, which have no click context."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        _QUIET[0] = bool(ctx.meta.get("gitml.quiet"))
    return _QUIET[0]


_QUIET = [False]  # the last answer seen in the main thread


def say(text: str = "") -> None:
    if not _quiet():
        click.echo(text)


def repo_here() -> Repo:
    from gitml.repo import find_repo

    repo = find_repo()
    _REPOS.append(repo)
    return repo


_REPOS: list[Repo] = []  # opened by this run: their skipped files are told at the end


def _warn_skipped() -> None:
    """One line per untracked `*.gitml` file that was skipped as not a valid pointer."""
    skipped = {rel: why for repo in _REPOS for rel, why in repo.skipped.items()}
    _REPOS.clear()
    if _quiet():
        return
    for rel, why in sorted(skipped.items()):
        click.echo(f"warning: skipped untracked {rel}, not a valid pointer ({why})", err=True)


@contextlib.contextmanager
def progress_bar(desc: str, unit: str = "file") -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar on a terminal; None (no output at all) otherwise."""
    if _quiet() or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(desc=desc, unit=unit, leave=False, file=sys.stderr) as bar:
        yield bar.update


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="gitml")
@verbosity
def cli() -> None:
    """Version data, models and metrics next to code in Git."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 differences, 2 bad input, 3 error)."""
    args = sys.argv[1:] if argv is None else argv
    _REPOS.clear()
    try:
        return _run(args)
    finally:
        _warn_skipped()


def _run(args: list[str]) -> int:
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


from gitml.cli import data as _data  # noqa: E402  (registers the commands on `cli`)
from gitml.cli import hooks as _hooks  # noqa: E402, F401
from gitml.cli import pipeline as _pipeline  # noqa: E402
from gitml.cli import plots as _plots  # noqa: E402
from gitml.cli import remotes as _remotes  # noqa: E402
from gitml.cli import reports as _reports  # noqa: E402

__all__ = ["_data", "_pipeline", "_plots", "_remotes", "_reports", "cli", "main"]
