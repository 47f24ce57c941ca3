"""What the hot commands print, shared by the full CLI (cli/) and the quick path, so the two
cannot drift: each function writes through an `Out`, which cli/ backs with click and the
quick path with a buffer written when the command is known to be answered."""

from __future__ import annotations

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Protocol

    from gitml.commands.hook import CheckoutOutcome
    from gitml.commands.repro import ReproResult, StageRun
    from gitml.commands.status import StatusResult
    from gitml.repo import Repo
    from gitml.untracked import Dropped

    class Out(Protocol):
        def say(self, text: str = "") -> None:
            """A line on stdout, unless -q."""

        def echo(self, text: str, err: bool = False) -> None:
            """A line on stdout (or stderr), also with -q."""

        def write(self, text: str) -> None:
            """Text on stdout as it is (a stage's captured output), also with -q."""

        @property
        def quiet(self) -> bool: ...

else:
    Out = object


def status(out: Out, result: StatusResult, as_json: bool) -> None:
    from gitml import render

    for line in result.unchecked:
        out.echo(f"warning: {line}", err=True)
    if as_json:
        out.echo(render.to_json(result.to_json()))
    elif result.clean:
        out.say("Data and pipelines are up to date.")
    else:
        for change in result.changes:
            out.say(f"{change.pointer}:\n\t{change.state}: {change.path}")
        for pointer, _, text in result.updates:
            out.say(f"{pointer}: {text}")
        for name, reasons in result.stages:
            out.say(f"{name}:")
            for reason in reasons:
                out.say(f"\t{reason}")


def stage_run(out: Out, event: StageRun) -> None:
    """One event of `repro` (a stage skipped, run, restored ...), as it happens."""
    why = "; ".join(str(x) for x in event.reasons)
    if event.action == "unchanged":
        out.say(f"Stage '{event.name}' didn't change, skipping")
    elif event.action == "running":
        out.say(f"Running stage '{event.name}' ({why}):\n> {event.cmd}")
    elif event.action == "would run":
        out.say(f"Stage '{event.name}' would run: {why}")
    elif event.action == "restored":
        out.say(f"Stage '{event.name}' restored from the run cache")
    elif event.action == "frozen":
        out.say(f"Stage '{event.name}' is frozen, skipping")
    elif event.action == "blocked":
        out.say(f"Stage '{event.name}' skipped: an upstream stage failed")
    if event.output:
        out.write("".join(f"[{event.name}] {ln}\n" for ln in event.output.splitlines()))
    if event.error:
        out.echo(f"error: {event.error}", err=True)


def repro_json(out: Out, result: ReproResult) -> None:
    from gitml import render

    data = [
        {
            "stage": x.name,
            "action": x.action,
            "reasons": [str(y) for y in x.reasons],
            **({"error": x.error} if x.error else {}),
        }
        for x in result.runs
    ]
    out.echo(render.to_json(data))


def checked_out(out: Out, outcome: CheckoutOutcome) -> None:
    """What the post-checkout and post-merge hooks say."""
    from gitml import render

    result = outcome.result
    if result is not None and result.changed:
        out.say(
            f"gitml: {render.plural(result.added, 'file')} added, {result.modified} modified,"
            f" {result.deleted} deleted"
        )
    if result is not None:
        dropped(out, result.dropped, prefix="gitml: ")
    if outcome.warning:
        out.echo(f"gitml: warning: {outcome.warning}", err=True)


def waiting(pid: int | None) -> str:
    """What a hook says while it waits for the repository lock."""
    who = "another gitml process" + ("" if pid is None else f" (pid {pid})")
    return f"gitml: waiting for {who} to finish ..."


def dropped(out: Out, dropped: Dropped, prefix: str = "") -> None:
    """Outputs no longer tracked: removed (their bytes are in the cache), or kept."""
    for rel in dropped.removed:
        out.say(f"{prefix}removed {rel}: no longer tracked (its data is in the cache)")
    for rel in dropped.kept:
        out.echo(
            f"{prefix}warning: kept {rel}: no longer tracked, and not all of it is in the cache"
            " (move it away, or 'gitml add' it)",
            err=True,
        )


def skipped(out: Out, repos: Iterable[Repo]) -> None:
    """One line per untracked `*.gitml` file that was skipped as not a valid pointer."""
    found = {rel: why for repo in repos for rel, why in repo.skipped.items()}
    if out.quiet:
        return
    for rel, why in sorted(found.items()):
        out.echo(f"warning: skipped untracked {rel}, not a valid pointer ({why})", err=True)


def stopped(problems: Sequence[object], what: str, skip: str) -> list[str]:
    """The lines a failed hook check prints (each problem, then how to skip the check)."""
    if not problems:
        return []
    lines = [f"gitml: {problem}" for problem in problems]
    return [*lines, f"gitml: {what} stopped ({len(problems)} problem(s)); skip with '{skip}'"]
