"""Click-free `gitml drift` for a comparison already made (issue 15's "a second comparison of
the same versions"): the command line is read the way click reads it, both sides are resolved
and the cached pair answers, with the full CLI's output. Without click, the CLI modules,
numpy, pyarrow or scipy. Anything else (another option, `--html`, an fsspec URL, an error, a
pair not compared yet) goes to the full CLI, which does it as usual: nothing here writes."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitml.monitor.run import DriftResult
    from gitml.quick import Buffer

_VERBOSITY = ("-q", "--quiet")
_VALUED = ("--against", "--columns", "--method", "--threshold", "--drift-share")
_FLAGS = ("--json", "--md", "--check")


def main(argv: Sequence[str]) -> int | None:
    """The exit code, or None: use the full CLI."""
    parsed = _parse(argv)
    if parsed is None:
        return None
    positional, values, flags = parsed
    try:
        return _answer(positional, values, flags)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except Exception:
        return None


def _parse(argv: Sequence[str]) -> tuple[list[str], dict[str, str], set[str]] | None:
    args = list(argv)
    flags: set[str] = set()
    while args and args[0] in _VERBOSITY:
        flags.add("--quiet")
        args.pop(0)
    if not args or args.pop(0) != "drift":
        return None
    positional: list[str] = []
    values: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if not arg.startswith("-"):
            positional.append(arg)
        elif name in _VALUED and name not in values and (eq or i + 1 < len(args)):
            if not eq:
                i += 1
                value = args[i]
            values[name] = value
        elif arg in _FLAGS or arg in _VERBOSITY:
            flags.add("--quiet" if arg in _VERBOSITY else arg)
        else:
            return None  # "--html", "-v", "--help", "--", a repeated option, a typo
        i += 1
    if not 1 <= len(positional) <= 3 or {"--json", "--md"} <= flags:
        return None
    if "://" in values.get("--against", ""):
        return None  # a URL: read once, by the full CLI, when the pair is not cached
    return positional, values, flags


def _answer(positional: list[str], values: dict[str, str], flags: set[str]) -> int | None:
    from gitml import tracked
    from gitml.monitor import run
    from gitml.repo import find_repo

    columns = values.get("--columns")
    names = tuple(c.strip() for c in columns.split(",") if c.strip()) if columns else ()
    if columns is not None and not names:
        return None
    threshold = values.get("--threshold")
    opts = run.Options(
        names,
        values.get("--method", "auto"),
        float(threshold) if threshold is not None else None,
        float(values.get("--drift-share", "0.5")),
    )
    repo = find_repo()
    rel = tracked.rel_of(repo, positional[0])
    a, b = [*positional[1:], None, None][:2]
    plan = run.plan(repo, rel, a, b, values.get("--against"), opts)
    result = run.cached(rel, plan, opts)
    if result is None:
        return None
    from gitml.quick import Buffer
    from gitml.quick.show import skipped

    out = Buffer("--quiet" in flags)
    _show(result, flags, out)
    skipped(out, [repo])
    out.flush()
    return 1 if "--check" in flags and result.verdict.drifted else 0


def _show(result: DriftResult, flags: set[str], out: Buffer) -> None:
    from gitml import render
    from gitml.monitor import report

    title = f"{result.path}: {result.a.label} -> {result.b.label}"
    if "--json" in flags:
        out.echo(render.to_json(report.finite(result.to_json())))
    elif "--md" in flags:
        out.echo(report.markdown(title, result.columns, result.verdict))
    else:
        out.say(report.text(title, result.columns, result.verdict))
