"""The repository locks: flocks on files in `.gitml/tmp/`, waited for briefly.

`lock` is the write lock (one writer at a time). `cache.lock` guards the cache's contents
against `gc`: transfers (fetch, push) hold it shared, several at once, while they write
objects (and their temp files) or read them; gc holds it exclusively while it deletes.

A kernel lock is released when its process dies (kill -9 included), so a crash never leaves
the repository locked. (The filelock package does the same, but costs ~16 ms to import,
which was a sixth of a no-op `repro`.)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator

from gitml.errors import LockedError

_POLL_S = 0.05


@contextlib.contextmanager
def hold(
    path: str,
    timeout: float,
    *,
    shared: bool = False,
    holder: str = "writing to this repository",
) -> Iterator[None]:
    """Hold the lock at `path` (`shared`: with other shared holders); wait up to `timeout` s
    for a conflicting holder, then fail saying another process is `holder`."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(
                        f"another gitml process is {holder} (lock: {path})",
                        hint="wait for it to finish, then run the command again",
                    ) from None
                time.sleep(_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
