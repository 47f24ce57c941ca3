"""Materialise cache objects in the workspace: reflink, hardlink, symlink or copy."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import Literal

from gitml import bigio
from gitml.atomic import tmp_name
from gitml.errors import CorruptObjectError, name_path
from gitml.hashing import CHUNK, new_hasher

LinkType = Literal["reflink", "hardlink", "symlink", "copy"]
FICLONE = 0x40049409
WORKSPACE_MODE = 0o644


class Linker:
    """Places objects at workspace paths with the first link type that works."""

    def __init__(self, types: tuple[LinkType, ...]) -> None:
        self.types = types
        self._broken: set[LinkType] = set()

    def place(self, obj: str, oid: str, dest: str, *, large: bool = False) -> os.stat_result:
        """Atomically put object `obj` (named `oid`) at `dest`, verifying its bytes; the
        placed file's stat. `large` (a hint: the object is at least `bigio.DIRECT_MIN`
        bytes) copies it around the page cache."""
        for kind in self.types:
            if kind in self._broken:
                continue
            tmp = tmp_name(dest)
            try:
                st = _MAKERS[kind](obj, oid, tmp, large)
                os.replace(tmp, dest)
                return st or os.stat(dest)
            except OSError as e:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                if kind == "copy":
                    name_path(e, dest)
                    raise
                self._broken.add(kind)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        raise OSError(f"none of the link types {','.join(self.types)} works for {dest}")


def _check(oid: str, digest: str, what: str) -> None:
    if digest != oid.split(".")[0]:
        raise CorruptObjectError(
            f"cache object {oid} is corrupt; not placing it at {what}",
            hint="run 'gitml fsck' to quarantine it, then 'gitml pull'",
        )


def _verify_object(obj: str, oid: str, dest: str, large: bool) -> None:
    _check(oid, bigio.hash_path(obj, direct=large)[0], dest)


def _copy(obj: str, oid: str, tmp: str, large: bool) -> os.stat_result:
    """Copy and hash in one pass; the copy's stat (taken before the rename, which keeps
    inode, size and mtime). A large file bypasses the page cache both ways (see `bigio`):
    a checkout of a model several GiB big does not evict the user's working set."""
    src = bigio.open_read(obj, direct=large)
    try:
        fd = bigio.create(tmp, WORKSPACE_MODE, direct=large)
        try:
            digest = bigio.copy_hashed(src, fd)[0] if large else _copy_small(src, fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
    finally:
        os.close(src)
    _check(oid, digest, tmp)
    return st


def _copy_small(src: int, dest: int) -> str:
    hasher = new_hasher()
    while chunk := os.read(src, CHUNK):
        hasher.update(chunk)
        view = memoryview(chunk)
        while view:
            view = view[os.write(dest, view) :]
    return hasher.hexdigest()


def _reflink(obj: str, oid: str, tmp: str, large: bool) -> None:
    import fcntl

    _verify_object(obj, oid, tmp, large)
    with open(obj, "rb") as src:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, WORKSPACE_MODE)
        try:
            fcntl.ioctl(fd, FICLONE, src.fileno())
        finally:
            os.close(fd)


def _hardlink(obj: str, oid: str, tmp: str, large: bool) -> None:
    _verify_object(obj, oid, tmp, large)
    os.link(obj, tmp)


def _symlink(obj: str, oid: str, tmp: str, large: bool) -> None:
    _verify_object(obj, oid, tmp, large)
    os.symlink(obj, tmp)


_Maker = Callable[[str, str, str, bool], os.stat_result | None]
_MAKERS: dict[str, _Maker] = {
    "reflink": _reflink,
    "hardlink": _hardlink,
    "symlink": _symlink,
    "copy": _copy,
}


def parse_cache_type(value: str) -> tuple[LinkType, ...]:
    kinds = tuple(v.strip() for v in value.split(",") if v.strip())
    return kinds  # type: ignore[return-value]  # the config schema allows only LinkType names
