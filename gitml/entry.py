"""The console-script entry point: answers `--version` and the pre-commit hook without
importing click (gitml/quick.py)."""

from __future__ import annotations

import sys


def main() -> int:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from gitml import __version__

        sys.stdout.write(f"gitml, version {__version__}\n")
        return 0
    if sys.argv[1:] == ["hook", "pre-commit"]:
        from gitml import quick

        code = quick.main(sys.argv[1:])
        if code is not None:
            return code
    if sys.argv[1:2] == ["registry"]:  # show, history, check-ref --json: for CI, quickly
        from gitml.registry import quick as registry_quick

        code = registry_quick.main(sys.argv[1:])
        if code is not None:
            return code
    from gitml.cli import main as cli_main

    return cli_main()
