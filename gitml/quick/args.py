"""The command lines the quick path understands, read the way click reads them.

Only plain forms are accepted: known flags spelled out (`-q`, `--check`), positional
arguments, and `--` before arguments that start with a dash. Anything else (`-qv`, an option
with a value, `--help`, an unknown option) is not understood: the full CLI handles it.
"""

from __future__ import annotations

from gitml.record import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence  # `collections` costs ~2.5 ms of start-up

VERBOSITY = {"-q": "quiet", "--quiet": "quiet", "-v": "verbose", "--verbose": "verbose"}
# each hot command's flags (the click option names, without the ones that take a value)
FLAGS: dict[str, dict[str, str]] = {
    "status": {"--check": "check", "--json": "json"},
    "repro": {
        "-s": "single",
        "--single-item": "single",
        "--downstream": "downstream",
        "--dry": "dry",
        "-k": "keep_going",
        "--keep-going": "keep_going",
        "--no-run-cache": "no_run_cache",
        "--json": "json",
    },
}
HOOKS = ("pre-commit", "post-checkout")  # the hooks with a quick path


@dataclass
class Args:
    command: str  # "status", "repro" or "hook"
    flags: set[str] = field(default_factory=set)  # canonical names: "quiet", "check", ...
    positional: list[str] = field(default_factory=list)  # targets; for hook: NAME, ARGS

    @property
    def quiet(self) -> bool:
        return "quiet" in self.flags


def parse(argv: Sequence[str]) -> Args | None:
    """`argv` (after `gitml`) read as click reads it, or None: not understood."""
    args = list(argv)
    flags: set[str] = set()
    while args and args[0] in VERBOSITY:  # group options, before the command
        flags.add(VERBOSITY[args.pop(0)])
    if not args:
        return None
    command = args.pop(0)
    if command == "hook":
        return _hook(args, flags)
    known = FLAGS.get(command)
    if known is None:
        return None
    parsed = Args(command, flags)
    options_done = False
    for arg in args:
        if options_done or not arg.startswith("-"):
            parsed.positional.append(arg)
        elif arg == "--":
            options_done = True
        elif arg in VERBOSITY:
            parsed.flags.add(VERBOSITY[arg])
        elif arg in known:
            parsed.flags.add(known[arg])
        else:
            return None  # "-", "-qv", "--jobs=2", "--help", a typo: the full CLI
    return parsed


def _hook(args: list[str], flags: set[str]) -> Args | None:
    """`hook [-q|-v]... NAME ARGS...`: after NAME every word is Git's (click stops there);
    only Git's plain arguments (no dash) are taken."""
    while args and args[0] in VERBOSITY:
        flags.add(VERBOSITY[args.pop(0)])
    if not args or args[0] not in HOOKS or any(a.startswith("-") for a in args[1:]):
        return None
    return Args("hook", flags, args)
