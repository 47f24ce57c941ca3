"""A worker draining a queue that lives on a Git remote (issue 18).

Each turn: fetch the remote's queue and claims (remote_queue), claim the oldest entry that is
unclaimed or whose claim's lease ran out (claims.swap: create-only, or a compare-and-swap
over the dead claim), check the queue ref is still there (a claim made just after another
worker finished is given back), then run it with the local queue runner (runall.run_one: a
temporary worktree sharing the cache) while a thread renews the claim every lease/3 seconds.
A renewal that loses (another worker took over) kills the run's process group and the run
publishes nothing. Then: data and run records to the gitml remote (`push_data`), and one
`--atomic` push, leased on our claim, that creates the result ref (create-only) and deletes
the queue and claim refs; a failed run instead creates `refs/exps/failed/<id>` (publish.py).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Collection
from typing import Literal

from gitml import gitrefs
from gitml.experiments import claims, queue, remote_queue, runall
from gitml.experiments.claims import Claim, Update
from gitml.experiments.publish import failure_record, give_back, publish
from gitml.experiments.queue import QueueEntry
from gitml.experiments.refs import ref_for
from gitml.record import dataclass

# released: given back (another process of this clone runs it); error: given back, its
# data could not be pushed (another worker will run it again)
Outcome = Literal["done", "failed", "lost", "released", "error"]
# ("claimed"|"took-over"|"done"|"failed"|"lost"|"released"|"error", entry, detail)
Event = Callable[[str, QueueEntry, str], None]
FetchData = Callable[[str], None]  # bring a queued commit's data from the gitml remote
PushData = Callable[[str], bool]  # send an experiment commit's data; False when some failed


SPREAD = 8  # claim among this many of the oldest entries at random


@dataclass(frozen=True)
class Options:
    lease: float = 60.0  # seconds a claim stays ours without a renewal
    once: bool = False  # stop when nothing is left to claim (else wait for more)
    jobs: int = 1  # experiments at once
    poll: float = 10.0  # seconds between looks at an empty queue (without once)


@dataclass(frozen=True)
class WorkResult:
    entry: QueueEntry
    outcome: Outcome
    sha: str = ""  # the experiment commit (done)
    error: str = ""


@dataclass(frozen=True)
class Held:
    entry: QueueEntry
    claim: str  # our claim commit
    started: float
    took_over: Claim | None = None


def work(
    root: str, remote: str, reproduce: runall.Reproduce, *, fetch_data: FetchData,
    push_data: PushData, options: Options = Options(),  # noqa: B008  (frozen)
    on_event: Event | None = None, stop: threading.Event | None = None,
) -> list[WorkResult]:
    """Claim and run queued experiments of `remote`, `options.jobs` at a time, until the
    queue is drained (`once`) or `stop` is set. The first error of any run stops the others
    from claiming more and is raised once they ended. Interrupted (KeyboardInterrupt, or any
    exception in the waiting thread), the runs in progress are killed and their claims given
    back, so another worker starts them at once instead of after the lease."""
    me = claims.worker_id()
    results: list[WorkResult] = []
    errors: list[BaseException] = []
    active: dict[str, Renewer] = {}
    avoid: set[str] = set()  # given back by this worker: left to the others
    turn = threading.Lock()  # one fetch-and-claim at a time in this process
    stop = stop or threading.Event()
    say = on_event or (lambda *_: None)

    def loop() -> None:
        while not stop.is_set():
            with turn:
                held = claim_next(root, remote, me, options.lease, avoid)
            if held is None:
                if options.once:
                    return
                stop.wait(options.poll)
                continue
            if held.took_over:
                say("took-over", held.entry, held.took_over.worker)
            else:
                say("claimed", held.entry, me)
            result = run_held(root, remote, held, reproduce, me, options.lease,
                              fetch_data=fetch_data, push_data=push_data, active=active)
            results.append(result)
            if result.outcome in ("released", "error"):
                avoid.add(result.entry.id)
            say(result.outcome, result.entry, result.sha or result.error)

    def guarded() -> None:
        try:
            loop()
        except BaseException as e:  # raised in the caller's thread, below
            errors.append(e)
            stop.set()

    threads = [threading.Thread(target=guarded, daemon=True)
               for _ in range(max(1, options.jobs))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    except BaseException:
        stop.set()
        for renewer in list(active.values()):
            renewer.abandon()
        raise
    if errors:
        raise errors[0]
    return results


def claim_next(
    root: str, remote: str, me: str, lease: float, avoid: Collection[str] = ()
) -> Held | None:
    """Claim one of the oldest claimable entries of the remote's queue (the first `SPREAD`
    in a random order, so that workers starting together seldom race for the same one,
    then the rest oldest first), but none of `avoid`; None when there is none."""
    remote_queue.fetch(root, remote)
    held = remote_queue.claims_held(root)
    now = time.time()
    free = [(e, held.get(e.id)) for e in remote_queue.queued(root)]
    free = [(e, old) for e, old in free
            if e.id not in avoid and (old is None or old.expired(now))]
    head = free[:SPREAD]
    random.shuffle(head)
    for entry, old in head + free[SPREAD:]:
        started = time.time()
        new = claims.make(root, entry.sha, worker=me, started=started, lease=lease)
        ref = claims.claim_ref(entry.id)
        if not claims.swap(root, remote, [Update(ref, new, old.sha if old else "")]):
            continue  # another worker was first: the next one
        # a worker that finished it deleted queue and claim refs at once: if the queue ref
        # is gone, our claim came after that; give it back
        if claims.remote_sha(root, remote, claims.queue_ref(entry.id)) != entry.sha:
            with contextlib.suppress(claims.GitRemoteError):
                claims.swap(root, remote, [Update(ref, "", new)])
            continue
        return Held(entry, new, started, old)
    return None


class Renewer:
    """Renews a claim every lease/3 seconds; when a renewal loses (another worker took the
    claim over) or no renewal got through for a whole lease, the run is killed."""

    def __init__(self, root: str, remote: str, held: Held, me: str, lease: float) -> None:
        self.root, self.remote, self.held, self.me, self.lease = root, remote, held, me, lease
        self.sha = held.claim
        self.lost = False
        self._done = threading.Event()
        self._renewed = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        entry = self.held.entry
        while not self._done.wait(self.lease / 3):
            new = claims.make(self.root, entry.sha, worker=self.me, started=self.held.started,
                              lease=self.lease)
            ref = claims.claim_ref(entry.id)
            try:
                won = claims.swap(self.root, self.remote, [Update(ref, new, self.sha)])
            except claims.GitRemoteError:
                won = None  # unreachable: try again, until the lease runs out
            if won:
                self.sha, self._renewed = new, time.monotonic()
            elif won is False or time.monotonic() - self._renewed > self.lease:
                self.lost = True
                _kill_run(self.root, entry.id)
                return

    def stop(self) -> bool:
        """Stop renewing; True while the claim is still ours."""
        self._done.set()
        self._thread.join()
        return not self.lost

    def abandon(self) -> None:
        """The worker is going away: kill the run, give the claim back, publish nothing."""
        self._done.set()
        self._thread.join()
        if not self.lost:
            self.lost = True
            _kill_run(self.root, self.held.entry.id)
            give_back(self.root, self.remote, self.held.entry, self.sha)


def _kill_run(root: str, id_: str) -> None:
    pgid = queue.read_state(root, id_).get("pgid")
    if isinstance(pgid, int) and pgid > 1:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def run_held(
    root: str, remote: str, held: Held, reproduce: runall.Reproduce, me: str, lease: float,
    *, fetch_data: FetchData, push_data: PushData, active: dict[str, Renewer] | None = None,
) -> WorkResult:
    entry = held.entry
    renewer = Renewer(root, remote, held, me, lease)
    if active is not None:
        active[entry.id] = renewer
    try:
        return _run_held(root, remote, held, reproduce, me, lease, renewer,
                         fetch_data=fetch_data, push_data=push_data)
    finally:
        if active is not None:
            active.pop(entry.id, None)


def _run_held(
    root: str, remote: str, held: Held, reproduce: runall.Reproduce, me: str, lease: float,
    renewer: Renewer, *, fetch_data: FetchData, push_data: PushData,
) -> WorkResult:
    entry = held.entry
    try:
        fetch_data(entry.sha)
        # the local queue runner runs what refs/exps/queue/<id> holds here
        gitrefs.update(root, queue.QUEUE + entry.id, entry.sha)
        ran = runall.run_one(root, entry, reproduce)
    except BaseException:
        renewer.stop()
        give_back(root, remote, entry, renewer.sha)
        raise
    if not renewer.stop():
        return WorkResult(entry, "lost", error="another worker took the claim over")
    claim = renewer.sha
    if ran.state == "skipped":  # another process of this clone runs it
        give_back(root, remote, entry, claim)
        return WorkResult(entry, "released", error="already running here")
    if ran.state == "done":
        if not push_data(ran.sha):
            give_back(root, remote, entry, claim)
            return WorkResult(entry, "error", error="its data could not be pushed to the "
                              "gitml remote; the claim was given back")
        done = publish(root, remote, entry, claim, Update(ref_for(entry.baseline, entry.name),
                                                          ran.sha, ""))
        if done == "ok":
            return WorkResult(entry, "done", ran.sha)
        if done == "lost":
            return WorkResult(entry, "lost", error="another worker took the claim over")
        error = f"experiment '{entry.name}' exists on the Git remote"
    else:
        error = ran.error or "a stage failed"
    record = failure_record(root, entry, error, worker=me, started=held.started, lease=lease)
    if publish(root, remote, entry, claim, Update(claims.failed_ref(entry.id), record, "")) != "ok":
        return WorkResult(entry, "lost", error="another worker took the claim over")
    return WorkResult(entry, "failed", error=error)
