"""Atomic file writes: a temp file in the same folder, fsync, os.replace."""

from __future__ import annotations

import contextlib
import itertools
import os
import re

from gitml.errors import name_path

_COUNTER = itertools.count()


def tmp_name(path: str) -> str:
    """A unique temporary name next to `path` (same folder, so replace is atomic): this
    process's id and a counter (no random-number system call per file)."""
    head, tail = os.path.split(path)
    unique = f"{os.getpid() & 0xFFFFFF:06x}{next(_COUNTER) & 0xFFFFFF:06x}"
    return os.path.join(head, f".{tail}.{unique}.tmp")


_LEFTOVER = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")


def is_leftover(name: str) -> bool:
    """True for a name made by `tmp_name`: the remains of an interrupted atomic write."""
    return name.endswith(".tmp") and _LEFTOVER.match(name) is not None


def write_bytes(path: str, data: bytes, *, mode: int = 0o644, fsync: bool = True) -> None:
    """Write `data` to `path` atomically: readers see the old file or the new one."""
    tmp = tmp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb", closefd=True) as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as e:
        name_path(e, path)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: str, text: str, *, mode: int = 0o644) -> None:
    """Write UTF-8 text with LF endings atomically."""
    write_bytes(path, text.encode("utf-8"), mode=mode)
