"""Claims on queued experiments, held on a Git remote (issue 18).

A claim is a small commit on `refs/exps/claims/<id>` of the Git remote (its parent is the
queued commit, its tree the queued commit's: pushing it sends one object); its message's
trailers name the worker (`host:pid:uuid`), when it started, when it last renewed, and the
lease it promised to renew within. Every change is one compare-and-swap that the Git server
checks under its ref lock: `git push --force-with-lease=REF:EXPECT SHA:REF` (an empty EXPECT:
REF must not exist). Creating it claims, pushing a new commit over the old one renews (or,
once the old one's lease ran out, takes over), and the worker's last push publishes the
result and deletes the queue and claim refs in one `--atomic` push leased on its own claim,
so a worker that lost its claim can publish nothing.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Sequence

from gitml import scm
from gitml.errors import EXIT_ERROR, GitmlError
from gitml.experiments.queue import QUEUE, parse_trailers
from gitml.record import dataclass

CLAIMS = "refs/exps/claims/"
FAILED = "refs/exps/failed/"
_T = "Gitml-Exp-"
# who makes claim commits: they are machinery, and a CI job may have no Git identity
_IDENTITY = {
    "GIT_AUTHOR_NAME": "gitml worker", "GIT_AUTHOR_EMAIL": "gitml@localhost",
    "GIT_COMMITTER_NAME": "gitml worker", "GIT_COMMITTER_EMAIL": "gitml@localhost",
}


# why a leased push is refused when another pusher moved first: our client saw the ref
# moved ("stale info"), or the server did under its ref lock ("failed to update ref");
# ("atomic transaction failed" when the push is --atomic); the other refs of an --atomic
# push are then refused with "atomic push failed"
_LOST = ("(stale info)", "(failed to update ref)", "(atomic transaction failed)",
         "(atomic push failed)", "(fetch first)")


class GitRemoteError(GitmlError):
    """The Git remote could not be reached, or refused a push for another reason than a
    lost compare-and-swap."""

    exit_code = EXIT_ERROR


@dataclass(frozen=True)
class Claim:
    id: str  # the queued experiment's id
    sha: str  # the claim commit
    worker: str  # host:pid:uuid
    started: float  # seconds since the epoch (the worker's clock)
    renewed: float
    lease: float  # seconds the worker promised to renew within

    def expired(self, now: float) -> bool:
        return now - self.renewed > self.lease


@dataclass(frozen=True)
class Update:
    """One ref of an atomic push: `new` ("" deletes) only if the remote holds `expect`
    ("" = the ref must not exist)."""

    ref: str
    new: str
    expect: str


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def make(
    root: str, queued: str, *, worker: str, started: float, lease: float,
    state: str = "claimed", more: Sequence[tuple[str, str]] = (), tail: str = "",
) -> str:
    """A new claim (or final state) commit on top of the queued commit `queued`; `tail`
    (a failed run's last log lines) goes after the trailers, indented."""
    lines = [
        f"gitml exp {state}: {worker}", "",
        f"{_T}State: {state}", f"{_T}Worker: {worker}", f"{_T}Started: {started:.6f}",
        f"{_T}Renewed: {time.time():.6f}", f"{_T}Lease: {lease:g}",
        *(f"{_T}{key}: {value}" for key, value in more),
        *(["", *("    " + line for line in tail.splitlines())] if tail else []),
    ]
    out = scm.run(root, "commit-tree", f"{queued}^{{tree}}", "-p", queued,
                  data=("\n".join(lines) + "\n").encode(), env=_IDENTITY)
    return out.decode().strip()


def parse(id_: str, sha: str, message: str) -> Claim:
    meta = parse_trailers(message)
    return Claim(id_, sha, meta.get("worker", "?"), _float(meta.get("started")),
                 _float(meta.get("renewed")), _float(meta.get("lease")))


def meta_of(message: str) -> dict[str, str]:
    return parse_trailers(message)


def _float(text: str | None) -> float:
    try:
        return float(text or 0)
    except ValueError:
        return 0.0


def swap(root: str, remote: str, updates: Sequence[Update]) -> bool:
    """Push `updates` atomically, each leased on its `expect`. True when the remote took
    them all, False when a lease did not hold (someone else moved first); anything else
    (the remote unreachable, a hook refusing) raises GitRemoteError."""
    from gitml import spawn

    leases = [f"--force-with-lease={u.ref}:{u.expect}" for u in updates]
    specs = [f"{u.new}:{u.ref}" if u.new else f":{u.ref}" for u in updates]
    argv = ["git", "-C", root, "push", "--atomic", "--porcelain", "--no-verify", *leases,
            remote, *specs]
    code, out, err = spawn.run(argv)
    if code == 0:
        return True
    rejected = [ln for ln in out.decode("utf-8", "replace").splitlines() if ln.startswith("!")]
    if rejected and all(any(why in ln for why in _LOST) for ln in rejected):
        return False
    msg = err.decode("utf-8", "replace").strip().splitlines()
    raise GitRemoteError(f"git push to '{remote}' failed: {msg[-1] if msg else code}")


def remote_sha(root: str, remote: str, ref: str) -> str:
    """What `ref` holds on the remote now ("" when absent)."""
    try:
        out = scm.run(root, "ls-remote", "--refs", remote, ref)
    except GitmlError as e:
        raise GitRemoteError(e.message) from e
    for line in out.decode().splitlines():
        sha, _, name = line.partition("\t")
        if name == ref:
            return sha
    return ""


def claim_ref(id_: str) -> str:
    return CLAIMS + id_


def queue_ref(id_: str) -> str:
    return QUEUE + id_


def failed_ref(id_: str) -> str:
    return FAILED + id_
