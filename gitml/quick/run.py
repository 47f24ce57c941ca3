"""The quick path's commands: the same commands/ functions the full CLI calls (cli/data.py,
cli/pipeline.py, cli/hooks.py), the same printing (quick/show.py)."""

from __future__ import annotations

import sys

from gitml.errors import EXIT_DIFFERENCES, EXIT_ERROR
from gitml.quick import show
from gitml.quick.args import Args


def answer(args: Args, out: show.Out) -> int | None:
    """The exit code, with the output in `out`; None: the full CLI must answer."""
    if args.command == "status":
        return _status(args, out)
    if args.command == "repro":
        return _repro(args, out)
    return _hook(args, out)


def _status(args: Args, out: show.Out) -> int | None:
    if not args.quiet and sys.stderr.isatty():
        return None  # the full CLI draws a progress bar there
    from gitml.commands.status import status
    from gitml.repo import find_repo

    repo = find_repo()
    result = status(repo, args.positional)
    show.status(out, result, "json" in args.flags)
    show.skipped(out, [repo])
    return EXIT_DIFFERENCES if "check" in args.flags and not result.clean else 0


def _repro(args: Args, out: show.Out) -> int | None:
    """A dry run (read-only, under the repository lock as a real one): answered here when
    it was asked for, or when no stage would run; a real run would then print the same."""
    from gitml.commands.repro import Options, repro
    from gitml.repo import find_repo

    repo = find_repo()
    result = repro(
        repo,
        args.positional,
        single="single" in args.flags,
        downstream="downstream" in args.flags,
        options=Options(dry=True),
    )
    if "dry" not in args.flags and any(
        run.action not in ("unchanged", "frozen") for run in result.runs
    ):
        return None
    if "json" in args.flags:
        show.repro_json(out, result)
    else:
        for run in result.runs:
            show.stage_run(out, run)
    show.skipped(out, [repo])
    return 0 if result.ok else EXIT_ERROR


def _hook(args: Args, out: show.Out) -> int | None:
    from gitml.commands import hook

    name, hook_args = args.positional[0], args.positional[1:]
    root = hook.gitml_root()
    if root is None:  # not a gitml repository: nothing to check
        return 0
    if name == "pre-commit":
        problems = hook.commit_check(root)
        for line in show.stopped(problems, "commit", "git commit --no-verify"):
            out.echo(line, err=True)
        return EXIT_DIFFERENCES if problems else 0
    outcome = hook.post_checkout(root, hook_args, on_wait=_waiting)
    show.checked_out(out, outcome)
    return 0


def _waiting(pid: int | None) -> None:
    sys.stderr.write(show.waiting(pid) + "\n")  # now, as the full CLI says it
    sys.stderr.flush()
