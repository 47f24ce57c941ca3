"""The repository write lock: an flock on `.gitml/tmp/lock`, waited for briefly.

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

from gitml.errors import LockedError, name_path

_POLL_S = 0.05


@contextlib.contextmanager
def hold(path: str, timeout: float) -> Iterator[None]:
    """Hold the lock at `path`; wait up to `timeout` s for another holder, then fail."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(
                        f"another gitml process is writing to this repository (lock: {path})",
                        hint="wait for it to finish, then run the command again",
                    ) from None
                time.sleep(_POLL_S)
            except OSError as e:  # ENOLCK: a file system without locks (some network mounts)
                name_path(e, path)
                raise
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
