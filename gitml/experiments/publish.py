"""A worker's last push for an experiment (issue 18): its result, or its failure record,
published and its queue and claim refs dropped in one `--atomic` push leased on the
worker's own claim.

A refused push is read again from the remote before anything is concluded: a claim that is
no longer ours means another worker took over (publish nothing); a result ref that exists
means the name is taken; otherwise the refusal was the server's (e.g. a ref lock held by a
concurrent push) and the push is tried again, a few times, backing off.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Literal

from gitml.experiments import claims, queue
from gitml.experiments.claims import GitRemoteError, Update
from gitml.experiments.queue import QueueEntry

Published = Literal["ok", "lost", "taken"]
TRIES = 5


def publish(root: str, remote: str, entry: QueueEntry, claim: str, result: Update) -> Published:
    """Publish `result` (create-only) and drop the queue and claim refs: all or nothing,
    only while `claim` is ours."""
    claim_ref, queue_ref = claims.claim_ref(entry.id), claims.queue_ref(entry.id)
    for attempt in range(TRIES):
        if claims.swap(root, remote, [
            result, Update(queue_ref, "", entry.sha), Update(claim_ref, "", claim),
        ]):
            return "ok"
        if claims.remote_sha(root, remote, claim_ref) != claim:
            return "lost"
        if claims.remote_sha(root, remote, result.ref):
            return "taken"
        if claims.remote_sha(root, remote, queue_ref) != entry.sha:
            return "lost"  # someone removed the entry by hand
        time.sleep(0.2 * 2**attempt)
    give_back(root, remote, entry, claim)
    raise GitRemoteError(f"Git remote '{remote}' refused the result of experiment "
                         f"'{entry.name}' {TRIES} times; its claim was given back")


def failure_record(
    root: str, entry: QueueEntry, error: str, *, worker: str, started: float, lease: float
) -> str:
    """The commit for refs/exps/failed/<id>: who, why, and the run's last log lines."""
    return claims.make(
        root, entry.sha, worker=worker, started=started, lease=lease, state="failed",
        more=[("Name", entry.name), ("Baseline", entry.baseline), ("Error", json.dumps(error))],
        tail=log_tail(root, entry.id),
    )


def log_tail(root: str, id_: str, lines: int = 20) -> str:
    try:
        with open(os.path.join(queue.run_dir(root, id_), "log"), "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - 8192))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def give_back(root: str, remote: str, entry: QueueEntry, claim: str) -> None:
    """Delete our claim (only if it is still ours), so another worker may start at once."""
    with contextlib.suppress(GitRemoteError):
        claims.swap(root, remote, [Update(claims.claim_ref(entry.id), "", claim)])
