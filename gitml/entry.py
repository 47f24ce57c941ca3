"""The console-script entry point: answers `--version` and the hot commands (`status`,
a no-op `repro`, the pre-commit and post-checkout hooks) without importing click
(gitml/quick/); everything else goes to the full CLI (gitml/cli/)."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence  # `collections` costs ~2.5 ms of start-up

_VERBOSITY = ("-q", "--quiet", "-v", "--verbose")
_HOT = ("status", "repro", "hook")  # gitml.quick.HOT, without importing it first


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    instruction = os.environ.get("_GITML_COMPLETE")  # the completion script calling
    if instruction:
        from gitml.cli.completion import complete

        return complete(instruction)
    if args in (["--version"], ["-V"]):
        from gitml import __version__

        sys.stdout.write(f"gitml, version {__version__}\n")
        return 0
    command = next((a for a in args if a not in _VERBOSITY), None)
    if command in _HOT:
        from gitml import quick

        code = quick.main(args)
        if code is not None:
            return code
    if command == "registry" and args[:1] == ["registry"]:  # show, history, check-ref --json
        from gitml.registry import quick as registry_quick

        code = registry_quick.main(args)
        if code is not None:
            return code
    if command == "drift":  # a comparison made before: answered from its cache
        from gitml.monitor import quick as drift_quick

        code = drift_quick.main(args)
        if code is not None:
            return code
    if args[:2] == ["exp", "show"]:  # read-only, and run often by people and scripts
        from gitml.experiments import quick as exp_quick

        code = exp_quick.main(args)
        if code is not None:
            return code
    if args[:1] == ["lineage"]:  # read-only: the upstream walk and --used-by
        from gitml.lineage import quick as lineage_quick

        code = lineage_quick.main(args)
        if code is not None:
            return code
    from gitml.cli import main as cli_main

    return cli_main(args)
