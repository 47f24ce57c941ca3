"""The queue as a Git remote holds it: queued, claimed, failed and done experiments.

One `git fetch --prune` copies the remote's `refs/exps/queue/*`, `refs/exps/claims/*` and
`refs/exps/failed/*` (small commits: trailers in their messages) to `refs/exps/remote/...`
here, where neither the local queue nor `exp show` looks; the listings below read those
copies with one `for-each-ref` each. Done experiments are the remote's experiment refs.
"""

from __future__ import annotations

import json
import time
from typing import Literal

from gitml import scm
from gitml.errors import GitmlError
from gitml.experiments import claims, queue
from gitml.experiments.claims import Claim, GitRemoteError
from gitml.experiments.queue import QueueEntry
from gitml.record import dataclass

TRACK = "refs/exps/remote/"
RemoteState = Literal["queued", "claimed", "done", "failed"]
_KINDS = ("queue", "claims", "failed")


@dataclass(frozen=True)
class RemoteRow:
    id: str  # the queued experiment's id ("" for a done experiment)
    name: str
    baseline: str
    state: RemoteState
    rev: str  # the queued commit, the experiment commit (done) or the failed record
    worker: str = ""  # who claimed (or failed) it
    since: float = 0.0  # queued, claimed or failed at (seconds since the epoch)
    renewed: float = 0.0  # a claim's last renewal
    expired: bool = False  # a claim whose lease ran out (another worker will take it over)
    error: str = ""  # why it failed


_FETCH_TRIES = 3


def fetch(root: str, remote: str) -> None:
    """Copy the remote's queue, claim and failed refs here (pruning those it dropped)."""
    specs = [f"+refs/exps/{kind}/*:{TRACK}{kind}/*" for kind in _KINDS]
    for attempt in range(1, _FETCH_TRIES + 1):
        try:
            scm.run(root, "fetch", "--quiet", "--prune", "--no-tags", "--no-write-fetch-head",
                    "--no-recurse-submodules", remote, *specs)
            return
        except GitmlError as e:
            # seen once in CI while other workers pushed (root cause not found): try again
            if attempt == _FETCH_TRIES or "did not send all necessary objects" not in e.message:
                raise GitRemoteError(e.message) from e
            time.sleep(0.2 * attempt)


def queued(root: str) -> list[QueueEntry]:
    """The remote's queued experiments (as last fetched), oldest first."""
    found = queue.queued_under(root, f"{TRACK}queue/")
    return sorted(found, key=lambda e: (e.time, e.id))


def claims_held(root: str) -> dict[str, Claim]:
    """id -> the remote's claim on it (as last fetched)."""
    prefix = f"{TRACK}claims/"
    return {
        ref[len(prefix):]: claims.parse(ref[len(prefix):], sha, message)
        for ref, sha, message in queue.messages(root, prefix)
    }


def failed(root: str) -> list[RemoteRow]:
    prefix = f"{TRACK}failed/"
    rows = []
    for ref, sha, message in queue.messages(root, prefix):
        meta = claims.meta_of(message)
        rows.append(RemoteRow(
            ref[len(prefix):], meta.get("name", ""), meta.get("baseline", ""), "failed", sha,
            meta.get("worker", ""), claims.parse("", sha, message).renewed,
            error=_text(meta.get("error", '""')),
        ))
    return rows


def _text(raw: str) -> str:
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, str) else raw


def status(root: str, remote: str) -> list[RemoteRow]:
    """Every experiment the remote knows of: queued (claimed or not), failed and done."""
    from gitml.experiments import share

    fetch(root, remote)
    now = time.time()
    held = claims_held(root)
    rows = []
    for entry in queued(root):
        claim = held.get(entry.id)
        if claim is None:
            rows.append(RemoteRow(entry.id, entry.name, entry.baseline, "queued", entry.sha,
                                  since=entry.time))
        else:
            rows.append(RemoteRow(
                entry.id, entry.name, entry.baseline, "claimed", entry.sha, claim.worker,
                claim.started, claim.renewed, claim.expired(now),
            ))
    rows.extend(failed(root))
    try:
        done = share.remote_experiments(root, remote)
    except share.GitRemoteError as e:
        raise GitRemoteError(e.message) from e
    rows.extend(RemoteRow("", e.name, e.baseline, "done", e.sha) for e in done)
    return rows


def taken_names(root: str, remote: str, baseline: str) -> set[str]:
    """Names of `baseline`'s experiments queued or done on the remote."""
    from gitml.experiments import share

    fetch(root, remote)
    names = {e.name for e in queued(root) if e.baseline == baseline}
    try:
        done = share.remote_experiments(root, remote)
    except share.GitRemoteError as e:
        raise GitRemoteError(e.message) from e
    return names | {e.name for e in done if e.baseline == baseline}
