"""The console-script entry point: answers `--version` without importing click."""

from __future__ import annotations

import sys


def main() -> int:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from gitml import __version__

        sys.stdout.write(f"gitml, version {__version__}\n")
        return 0
    from gitml.cli import main as cli_main

    return cli_main()
