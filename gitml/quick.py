"""Click-free paths for what every `git commit` runs: `gitml hook pre-commit`.

The same output and exit codes as the full CLI, without importing click or the CLI modules
(about 45 ms of a 70 ms hook). Only the exact argument list takes this path; anything
unusual (an error, an option) goes through the full CLI, which reports it as usual: the
check is read-only, so running it again there changes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from gitml.errors import EXIT_DIFFERENCES

PRE_COMMIT = ["hook", "pre-commit"]


def stopped(problems: Sequence[object], what: str, skip: str) -> list[str]:
    """The lines a failed hook check prints (each problem, then how to skip the check)."""
    if not problems:
        return []
    lines = [f"gitml: {problem}" for problem in problems]
    return [*lines, f"gitml: {what} stopped ({len(problems)} problem(s)); skip with '{skip}'"]


def main(argv: Sequence[str]) -> int | None:
    """The exit code of a quick command, or None: use the full CLI."""
    if list(argv) != PRE_COMMIT:
        return None
    from gitml.commands.hook import gitml_root, pre_commit

    try:
        root = gitml_root()
        problems = pre_commit(root) if root is not None else []
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")  # as the full CLI says it
        return 130
    except Exception:
        return None
    for line in stopped(problems, "commit", "git commit --no-verify"):
        sys.stderr.write(line + "\n")
    return EXIT_DIFFERENCES if problems else 0
