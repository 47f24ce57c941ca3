"""The queue of experiments waiting to run, running, or failed (refs under refs/exps/queue/
and run folders under .gitml/tmp/exps/). Interface shared by `exp run --queue`/`--run-all`,
`exp queue` and `exp show`; filled in by the queue work (issue 13 item 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

State = Literal["queued", "running", "failed", "done"]


@dataclass(frozen=True)
class QueueEntry:
    id: str  # stable id of the queued run
    name: str  # the experiment name it will get
    baseline: str  # full sha of its baseline commit
    state: State
    sha: str  # the queued commit (baseline tree + its params), "" when unknown
    message: str = ""
    time: float = 0.0  # when it was queued (or started/failed), seconds since the epoch


def entries(root: str) -> list[QueueEntry]:
    """Every queued, running and failed experiment, oldest first."""
    return []
