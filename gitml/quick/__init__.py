"""Click-free paths for the hot commands: `status`, `repro` with nothing to run, and the
`pre-commit` and `post-checkout` hooks (what every `git commit` and `git checkout` runs).

They call the same commands/ functions as the full CLI and print through the same code
(quick/show.py), without importing click or the CLI modules (~40 ms). Only command lines
quick/args.py understands take this path. A command's output is held until it is known to
be answered here; until then anything unusual (an error, a stage to run, a terminal that
wants a progress bar) hands over to the full CLI, which reports it as usual: what was done
so far is read-only, or (post-checkout) done again there to the same effect.
"""

from __future__ import annotations

import gc
import sys

from gitml.quick.show import stopped

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence  # `collections` costs ~2.5 ms of start-up

HOT = ("status", "repro", "hook")  # the commands with a quick path

__all__ = ["HOT", "Buffer", "main", "stopped"]


class Buffer:
    """An `Out` (quick/show.py) that keeps the lines until `flush`."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.lines: list[tuple[bool, str]] = []  # (to stderr?, text)

    def say(self, text: str = "") -> None:
        if not self.quiet:
            self.lines.append((False, text + "\n"))

    def echo(self, text: str, err: bool = False) -> None:
        self.lines.append((err, text + "\n"))

    def write(self, text: str) -> None:
        self.lines.append((False, text))

    def flush(self) -> None:
        for err, text in self.lines:
            stream = sys.stderr if err else sys.stdout
            stream.write(text)
            stream.flush()  # as click.echo does: stdout and stderr lines stay in order


def main(argv: Sequence[str]) -> int | None:
    """The exit code of a quick command, or None: use the full CLI."""
    from gitml.quick.args import parse

    args = parse(argv)
    if args is None:
        return None
    from gitml.quick import run

    out = Buffer(args.quiet)
    collecting = gc.isenabled()
    gc.disable()  # a short read-mostly run makes no garbage cycles worth ~10 ms of collections
    try:
        code = run.answer(args, out)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")  # as the full CLI says it
        return 130
    except Exception:
        code = None
    finally:
        if collecting:  # as the caller had it (an in-process caller may have turned it off)
            gc.enable()
    if code is not None:
        out.flush()
    return code
