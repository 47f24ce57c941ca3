"""Atomic file writes: a temp file in the same folder, fsync, os.replace.

A temp name is `.gitml-tmp-<tag>-<pid>-<token>-<counter>`: a fixed marker users do not write,
a short tag of the final name (so a leftover can be told apart per output), the writer's
process id, and its length does not grow with the final name (a name of 255 bytes still gets
a temp name). `is_tmp` recognises exactly that pattern; `owner_dead` says whether the process
that made one is gone, the only case in which its file may be removed.
"""

from __future__ import annotations

import itertools
import os

from gitml.errors import name_path

MARKER = ".gitml-tmp-"
_COUNTER = itertools.count()
_TOKEN = [os.urandom(4).hex()]  # per process: pids repeat across hosts sharing a folder


def _new_token() -> None:
    _TOKEN[0] = os.urandom(4).hex()


os.register_at_fork(after_in_child=_new_token)

_HEX = frozenset("0123456789abcdef")


def _tmp_pid(name: str) -> int | None:
    """The writer's pid in a temp name `.gitml-tmp-<8 hex>-<pid: 1-8 hex, no leading
    zero>-<8 hex>-<1-16 hex>` (lower-case hex), None for any other name (no `re`: ~4 ms
    of start-up for the hooks)."""
    if not name.startswith(MARKER):
        return None
    parts = name[len(MARKER) :].split("-")
    if len(parts) != 4:
        return None
    tag, pid, token, counter = parts
    if (
        len(tag) != 8
        or not 1 <= len(pid) <= 8
        or pid[0] == "0"
        or len(token) != 8
        or not 1 <= len(counter) <= 16
        or not _HEX.issuperset(tag + pid + token + counter)
    ):
        return None
    return int(pid, 16)


def name_tag(name: str) -> str:
    """8 hex digits naming the final file `name` (a base name) inside its temp names."""
    import zlib  # only where temp files are made or swept

    return f"{zlib.crc32(os.fsencode(name)):08x}"


def tmp_name(path: str) -> str:
    """A unique temporary name next to `path` (same folder, so replace is atomic), of at most
    45 bytes whatever `path`'s length: no random-number system call per file."""
    head, tail = os.path.split(path)
    unique = f"{os.getpid():x}-{_TOKEN[0]}-{next(_COUNTER):x}"
    return os.path.join(head, f"{MARKER}{name_tag(tail)}-{unique}")


def is_tmp(name: str) -> bool:
    """True for a base name made by `tmp_name` (and nothing else)."""
    return _tmp_pid(name) is not None


def tmp_tag(name: str) -> str:
    """The final name's tag inside a temp name (`is_tmp(name)` must hold)."""
    return name[len(MARKER) : len(MARKER) + 8]


def owner_dead(name: str) -> bool:
    """True if the process that made temp file `name` no longer runs: its file is a leftover
    of an interrupted write and nobody will rename or remove it."""
    pid = _tmp_pid(name)
    if pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # EPERM: it runs under another user
        return False
    return False


def remove_leftover(path: str) -> bool:
    """Remove `path` if it is a gitml temp file whose writer is gone; True if it is gone."""
    if not owner_dead(os.path.basename(path)):
        return False
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:  # a folder of that name, a read-only folder: leave it be
        return False
    return True


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
        _unlink_quietly(tmp)
        raise


def _unlink_quietly(path: str) -> None:
    """Remove `path`, or leave it (no `contextlib` import on the hooks' path)."""
    try:
        os.unlink(path)
    except OSError:
        return


def write_text(path: str, text: str, *, mode: int = 0o644) -> None:
    """Write UTF-8 text with LF endings atomically."""
    write_bytes(path, text.encode("utf-8"), mode=mode)
