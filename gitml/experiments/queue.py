"""The queue of experiments waiting to run, running, or failed (refs under refs/exps/queue/
and run folders under .gitml/tmp/exps/). Interface shared by `exp run --queue`/`--run-all`,
`exp queue` and `exp show`.

A queued experiment is a commit (the baseline's tree + the workspace changes + its params)
on `refs/exps/queue/<id>`; its name, baseline, targets and message are trailers of the
commit message, so the queue is plain Git data (it can be pushed). A run of it keeps its
folder `.gitml/tmp/exps/<id>/`: `lock` (flock: held by the one runner of it), `state.json`
(state, pid, times), `log`, and the temporary worktree `wt/` while it runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from gitml import atomic, gitrefs
from gitml.constants import GITML_DIR, TMP_DIR
from gitml.errors import BadInputError
from gitml.record import dataclass

State = Literal["queued", "running", "failed", "done"]
QUEUE = "refs/exps/queue/"
_TRAILER = "Gitml-Exp-"


@dataclass(frozen=True)
class QueueEntry:
    id: str  # stable id of the queued run
    name: str  # the experiment name it will get
    baseline: str  # full sha of its baseline commit
    state: State
    sha: str  # the queued commit (baseline tree + its params), "" when unknown
    message: str = ""
    time: float = 0.0  # when it was queued (or started/failed), seconds since the epoch
    targets: tuple[str, ...] = ()


def entries(root: str) -> list[QueueEntry]:
    """Every queued, running and failed experiment, oldest first."""
    return [e for e in runs(root) if e.state != "done"]


def runs(root: str) -> list[QueueEntry]:
    """`entries` and the finished runs whose folder (and log) is kept, oldest first."""
    found: dict[str, QueueEntry] = {}
    for entry in queued_under(root):
        state = read_state(root, entry.id)
        running = state.get("state") == "running" and pid_alive(state.get("pid"))
        found[entry.id] = _with(entry, "running" if running else "queued")
    base = exps_dir(root)
    for id_ in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        state = read_state(root, id_)
        if id_ not in found and state.get("state") in ("failed", "done"):
            found[id_] = QueueEntry(
                id_, str(state.get("name", "")), str(state.get("baseline", "")),
                state["state"], str(state.get("sha", "")), str(state.get("message", "")),
                float(state.get("time", 0.0)), tuple(state.get("targets", ())),
            )
    return sorted(found.values(), key=lambda e: (e.time, e.id))


def _with(entry: QueueEntry, state: State) -> QueueEntry:
    return QueueEntry(entry.id, entry.name, entry.baseline, state, entry.sha, entry.message,
                      entry.time, entry.targets)


def queued_under(root: str, prefix: str = QUEUE) -> list[QueueEntry]:
    """The queued commits (under `prefix`): one `git for-each-ref` reading their messages."""
    found = []
    for ref, sha, message in messages(root, prefix):
        meta = parse_trailers(message)
        found.append(QueueEntry(
            ref[len(prefix):], meta.get("name", ""), meta.get("baseline", ""), "queued",
            sha, json.loads(meta.get("message", '""')), float(meta.get("time", "0")),
            tuple(json.loads(meta.get("targets", "[]"))),
        ))
    return found


def messages(root: str, prefix: str) -> list[tuple[str, str, str]]:
    """(ref, commit sha, commit message) of every ref under `prefix`: one `for-each-ref`."""
    from gitml import scm

    fmt = "%(refname)%00%(objectname)%00%(contents)%00%00"
    out = scm.run(root, "for-each-ref", f"--format={fmt}", prefix).decode("utf-8", "replace")
    found = []
    for record in out.split("\0\0"):
        parts = record.lstrip("\n").split("\0")
        if len(parts) >= 3 and parts[0].startswith(prefix):
            found.append((parts[0], parts[1], parts[2]))
    return found


def parse_trailers(message: str) -> dict[str, str]:
    meta = {}
    for line in message.splitlines():
        if line.startswith(_TRAILER) and ": " in line:
            key, _, value = line[len(_TRAILER):].partition(": ")
            meta[key.lower()] = value
    return meta


def enqueue(
    root: str,
    baseline: str,
    name: str,
    changes: Mapping[str, str | None],
    *,
    message: str = "",
    targets: tuple[str, ...] = (),
) -> QueueEntry:
    """Make the queued commit and its ref (create-only)."""
    from gitml import gitobjects

    id_ = os.urandom(8).hex()  # 16 hex digits (uuid would import platform: ~5 ms)
    now = time.time()
    body = "\n".join([
        f"gitml exp queue: {name}", "",
        f"{_TRAILER}Name: {name}", f"{_TRAILER}Baseline: {baseline}",
        f"{_TRAILER}Message: {json.dumps(message)}", f"{_TRAILER}Targets: {json.dumps(targets)}",
        f"{_TRAILER}Time: {now:.6f}",
    ])
    sha = gitobjects.commit_files(root, baseline, changes, body + "\n")
    gitrefs.update(root, QUEUE + id_, sha, old=gitrefs.ZERO, reason=f"gitml exp queue: {name}")
    return QueueEntry(id_, name, baseline, "queued", sha, message, now, targets)


def find(root: str, name: str) -> QueueEntry:
    """A queued, running, failed or finished run by experiment name or id."""
    hits = [e for e in runs(root) if name in (e.name, e.id)]
    if not hits:
        raise BadInputError(f"unknown queued experiment '{name}'", hint="see 'gitml exp queue'")
    return hits[-1]


def exps_dir(root: str) -> str:
    return os.path.join(root, GITML_DIR, TMP_DIR, "exps")


def run_dir(root: str, id_: str) -> str:
    return os.path.join(exps_dir(root), id_)


def read_state(root: str, id_: str) -> dict[str, Any]:
    try:
        with open(os.path.join(run_dir(root, id_), "state.json"), encoding="utf-8") as f:
            data = json.load(f)
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(root: str, id_: str, data: dict[str, Any]) -> None:
    path = os.path.join(run_dir(root, id_), "state.json")
    atomic.write_text(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def state_of(entry: QueueEntry, state: State, **more: Any) -> dict[str, Any]:
    return {
        "id": entry.id, "name": entry.name, "baseline": entry.baseline, "sha": entry.sha,
        "message": entry.message, "targets": list(entry.targets), "time": entry.time,
        "state": state, **more,
    }


def pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def claim(root: str, id_: str) -> Iterator[bool]:
    """Hold the run's lock (flock, released by the kernel if this process dies); yields
    False without waiting when another runner holds it."""
    folder = run_dir(root, id_)
    os.makedirs(folder, exist_ok=True)
    fd = os.open(os.path.join(folder, "lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
