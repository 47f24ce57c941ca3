"""Copy and hash large files in one pass, bypassing the page cache where the filesystem allows.

A large object must reach the disk before it gets its name (it is fsynced), so passing its
bytes through the page cache only adds a copy into freshly allocated memory and evicts the
user's working set. Files of at least `DIRECT_MIN` bytes are therefore read and written with
O_DIRECT, in page-aligned blocks, and hashed from the same buffer; the unaligned tail is
written after O_DIRECT is switched off. A filesystem that refuses O_DIRECT (ramfs, older
tmpfs, some network and FUSE filesystems) gets ordinary buffered I/O, with the same results.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import mmap
import os

from gitml.hashing import new_hasher

DIRECT_MIN = 16 * 1024 * 1024  # files this big bypass the page cache
BLOCK = 8 * 1024 * 1024  # bytes per read and write: a multiple of any block size
ALIGN = 4096  # O_DIRECT offsets and lengths are multiples of this
_DIRECT = getattr(os, "O_DIRECT", 0)


def open_read(path: str, *, direct: bool) -> int:
    """A read-only descriptor for `path`, with O_DIRECT when asked for and allowed."""
    fd = os.open(path, os.O_RDONLY)
    if direct:
        _set_direct(fd)
    return fd


def create(path: str, mode: int, *, direct: bool) -> int:
    """Create `path` (it must not exist) for writing, with O_DIRECT when asked and allowed.

    O_DIRECT is switched on after the file exists: with O_CREAT|O_DIRECT, a filesystem that
    refuses direct I/O creates the file and then fails the open, leaving it behind.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    if direct:
        _set_direct(fd)
    return fd


def _set_direct(fd: int) -> None:
    """Turn O_DIRECT on for `fd` where the platform and filesystem allow it."""
    if not _DIRECT:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | _DIRECT)


def copy_hashed(src: int, dest: int | None) -> tuple[str, int]:
    """Copy everything left in descriptor `src` to descriptor `dest` (None: only hash it);
    (digest, size) of the bytes read. Either descriptor may have O_DIRECT; it is dropped
    where it cannot apply (an unaligned tail, or a filesystem that refuses an aligned
    transfer)."""
    hasher = new_hasher()
    size = 0
    with mmap.mmap(-1, BLOCK) as buf, memoryview(buf) as view:
        while n := _read(src, buf):
            with view[:n] as chunk:
                hasher.update(chunk)
                if dest is not None:
                    _write_all(dest, chunk)
            size += n
    return hasher.hexdigest(), size


def hash_fd(src: int) -> tuple[str, int]:
    """Digest and size of everything left in descriptor `src` (which may have O_DIRECT)."""
    return copy_hashed(src, None)


def hash_path(path: str, *, direct: bool) -> tuple[str, int]:
    """Digest and size of the file at `path`, read around the page cache if `direct`."""
    fd = open_read(path, direct=direct)
    try:
        return hash_fd(fd)
    finally:
        os.close(fd)


def _read(fd: int, buf: mmap.mmap) -> int:
    try:
        return os.readv(fd, [buf])
    except OSError as e:
        if e.errno != errno.EINVAL or not _drop_direct(fd):
            raise
        return os.readv(fd, [buf])


def _write_all(fd: int, chunk: memoryview) -> None:
    """Write `chunk` (which starts page-aligned) in full. Every slice is released before
    this returns or raises, so the caller's buffer can always be closed."""
    start, end = 0, len(chunk)
    aligned = end - end % ALIGN
    while start < end:
        if start == aligned:
            _drop_direct(fd)  # the tail is not a whole block: finish with buffered writes
        stop = aligned if start < aligned else end  # whole blocks first, then the tail
        try:
            with chunk[start:stop] as part:
                written = os.write(fd, part)
        except OSError as e:
            if e.errno != errno.EINVAL or not _drop_direct(fd):
                raise
            continue
        start += written
        if start < end and written % ALIGN:
            _drop_direct(fd)  # a short write left the offset unaligned


def _drop_direct(fd: int) -> bool:
    """Switch O_DIRECT off on `fd`; False if it was not on (or could not be switched off)."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    if not _DIRECT or not flags & _DIRECT:
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~_DIRECT)
    except OSError:
        return False
    return True
