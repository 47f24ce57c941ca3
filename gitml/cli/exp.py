"""`gitml exp ...`: the experiments group; its commands live in exp_*.py beside this."""

from __future__ import annotations

from gitml.cli import cli


@cli.group()
def exp() -> None:
    """Run, queue, compare and share experiments without touching the branch."""


from gitml.cli import exp_run as _exp_run  # noqa: E402, F401  (registers commands on `exp`)
from gitml.cli import exp_share as _exp_share  # noqa: E402, F401
from gitml.cli import exp_show as _exp_show  # noqa: E402, F401
from gitml.cli import exp_worker as _exp_worker  # noqa: E402, F401
