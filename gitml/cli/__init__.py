"""The only click user: thin commands, `main(argv) -> int`, and the error handler.

Command bodies import their modules when they run, so `gitml --help` stays fast.
"""

from __future__ import annotations

import contextlib
import errno
import os
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


def warn(texts: tuple[str, ...]) -> None:
    """Warnings go to stderr, also with -q (like errors): they are about the user's data."""
    for text in texts:
        click.echo(f"warning: {text}", err=True)


def repo_here() -> Repo:
    from gitml.repo import find_repo

    repo = find_repo()
    _REPOS.append(repo)
    return repo


_REPOS: list[Repo] = []  # opened by this run: their skipped files are told at the end


def _warn_skipped() -> None:
    """One line per untracked `*.gitml` file that was skipped as not a valid pointer."""
    from gitml.quick import show

    repos = list(_REPOS)
    _REPOS.clear()
    show.skipped(OUT, repos)


class _ClickOut:
    """The `Out` of quick/show.py (the printing shared with the quick path), by click."""

    def say(self, text: str = "") -> None:
        say(text)

    def echo(self, text: str, err: bool = False) -> None:
        click.echo(text, err=err)

    def write(self, text: str) -> None:
        sys.stdout.write(text)

    @property
    def quiet(self) -> bool:
        return _quiet()


OUT = _ClickOut()


class Bar:
    """A progress bar: call it with the units done; `more(n)` adds to the known total, which
    turns on the percentage and the time left."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar

    def __call__(self, done: int) -> None:
        self._bar.update(done)

    def more(self, total: int) -> None:
        self._bar.total = (self._bar.total or 0) + total
        self._bar.refresh()


@contextlib.contextmanager
def progress_bar(desc: str, unit: str = "file") -> Iterator[Bar | None]:
    """A tqdm bar on a terminal, None (and no output at all) otherwise. Counts read
    `Adding: 10496 files [00:01, 8000.00 files/s]`; once the total is known,
    `Pushing:  40%|####      | 400/1000 [00:01<00:01, 400.00 objects/s]`."""
    if _quiet() or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(desc=desc, unit=f" {unit}s", leave=False, file=sys.stderr) as bar:
        yield Bar(bar)


def totals(bar: Bar | None) -> Callable[[int], None] | None:
    """What a command takes as `total=`: the bar's `more`, or None without a bar."""
    return bar.more if bar is not None else None


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
        click.echo(f"error: {_redacted(e)}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except OSError as e:  # a full disk, a read-only file system, ...: say which file
        _traceback_if_verbose(ctx_meta)
        click.echo(f"error: {_os_problem(e)}", err=True)
        return EXIT_ERROR
    except Exception as e:  # the last line of defence: one line, exit 3
        _traceback_if_verbose(ctx_meta)
        click.echo(f"error: unexpected {type(e).__name__}: {_redacted(e)}", err=True)
        return EXIT_ERROR


_OS_PROBLEMS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EIO: "input/output error",
    errno.ENOLCK: "the file system does not support file locks",
}
_OS_HINTS = {
    errno.ENOSPC: "free some space, then run the command again",
    errno.EDQUOT: "free some space, then run the command again",
    errno.ENOLCK: "keep the repository on a local disk or a mount with locking enabled",
}


def _os_problem(e: OSError) -> str:
    """One line for an operating-system error: what went wrong and with which file."""
    what = _OS_PROBLEMS.get(e.errno or 0) or e.strerror or _redacted(e)
    line = what
    if e.filename is not None:
        line += f": {_path_of(e.filename)}"
        if e.filename2 is not None:
            line += f" -> {_path_of(e.filename2)}"
    hint = _OS_HINTS.get(e.errno or 0)
    return f"{line} (hint: {hint})" if hint else line


def _path_of(name: object) -> str:
    from gitml.paths import shown

    return shown(os.fsdecode(name) if isinstance(name, str | bytes) else str(name))


def _redacted(e: BaseException) -> str:
    """The error's text, printable (a non-UTF-8 file name escaped), any password in a URL
    shown as ***."""
    from gitml.paths import shown
    from gitml.remoteurl import redact_text

    return shown(redact_text(str(e)))


def _traceback_if_verbose(meta: dict[str, Any]) -> None:
    if meta.get("gitml.verbose") or "-v" in sys.argv or "--verbose" in sys.argv:
        import traceback

        traceback.print_exc()


from gitml.cli import daily as _daily  # noqa: E402, F401
from gitml.cli import data as _data  # noqa: E402  (registers the commands on `cli`)
from gitml.cli import drift as _drift  # noqa: E402, F401
from gitml.cli import exp as _exp  # noqa: E402, F401
from gitml.cli import gc as _gc  # noqa: E402, F401
from gitml.cli import hooks as _hooks  # noqa: E402, F401
from gitml.cli import lineage as _lineage  # noqa: E402, F401
from gitml.cli import migrate as _migrate  # noqa: E402, F401
from gitml.cli import pipeline as _pipeline  # noqa: E402
from gitml.cli import plots as _plots  # noqa: E402
from gitml.cli import registry as _registry  # noqa: E402, F401
from gitml.cli import remotes as _remotes  # noqa: E402
from gitml.cli import reports as _reports  # noqa: E402
from gitml.cli import xrepo as _xrepo  # noqa: E402, F401

__all__ = ["_data", "_pipeline", "_plots", "_remotes", "_reports", "cli", "main"]
