"""The repository locks: flocks on files in `.gitml/tmp/`, waited for briefly.

`lock` is the write lock (one writer at a time). `cache.lock` guards the cache's contents
against `gc`: transfers (fetch, push) hold it shared, several at once, while they write
objects (and their temp files) or read them; gc holds it exclusively while it deletes.

A kernel lock is released when its process dies (kill -9 included), so a crash never leaves
the repository locked. (The filelock package does the same, but costs ~16 ms to import,
which was a sixth of a no-op `repro`.) The holder writes its pid into the file, so a waiter
can say which process it waits for.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator

from gitml.constants import LOCK_TIMEOUT_S
from gitml.errors import LockedError, name_path
from gitml.record import dataclass

_POLL_S = 0.05

OnWait = Callable[[int | None], None]  # told once, with the holder's pid (None: unknown)


@dataclass(frozen=True)
class Wait:
    """How long a writer waits for another one: interactive commands briefly, hooks long."""

    timeout: float = LOCK_TIMEOUT_S
    on_wait: OnWait | None = None


@contextlib.contextmanager
def hold(
    path: str,
    wait: Wait,
    *,
    shared: bool = False,
    doing: str = "writing to this repository",
) -> Iterator[None]:
    """Hold the lock at `path` (`shared`: with other shared holders); wait up to
    `wait.timeout` s for a conflicting holder, then fail saying another process is `doing`.
    An exclusive holder writes its pid into the file, so a waiter can name it."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, wait, shared=shared, doing=doing)
        try:
            if not shared:  # only so a waiter can name us: a full disk is no reason to stop
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            if not shared:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: str, wait: Wait, *, shared: bool, doing: str) -> None:
    deadline = time.monotonic() + wait.timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockedError(
                    f"another gitml process{_pid_text(fd)} is {doing} (lock: {path})",
                    hint="wait for it to finish, then run the command again",
                ) from None
            if not told and wait.on_wait is not None:
                wait.on_wait(holder(fd))
                told = True
            time.sleep(_POLL_S)
        except OSError as e:  # ENOLCK: a file system without locks (some network mounts)
            name_path(e, path)
            raise


def holder(fd: int) -> int | None:
    """The pid the lock's holder wrote (None: not written yet, or unreadable)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _pid_text(fd: int) -> str:
    pid = holder(fd)
    return "" if pid is None else f" (pid {pid})"
