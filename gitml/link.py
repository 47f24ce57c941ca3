"""Materialise cache objects in the workspace: reflink, hardlink, symlink or copy."""

from __future__ import annotations

import contextlib
import os
from typing import Literal

from gitml import bigio
from gitml.atomic import tmp_name
from gitml.errors import CorruptObjectError
from gitml.hashing import CHUNK, new_hasher

LinkType = Literal["reflink", "hardlink", "symlink", "copy"]
FICLONE = 0x40049409
WORKSPACE_MODE = 0o644


class Linker:
    """Places objects at workspace paths with the first link type that works."""

    def __init__(self, types: tuple[LinkType, ...]) -> None:
        self.types = types
        self._broken: set[LinkType] = set()

    def place(self, obj: str, oid: str, dest: str) -> LinkType:
        """Atomically put object `obj` (named `oid`) at `dest`, verifying its bytes."""
        for kind in self.types:
            if kind in self._broken:
                continue
            tmp = tmp_name(dest)
            try:
                _MAKERS[kind](obj, oid, tmp)
                os.replace(tmp, dest)
                return kind
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                if kind == "copy":
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


def _verify_object(obj: str, oid: str, dest: str) -> None:
    direct = os.stat(obj).st_size >= bigio.DIRECT_MIN
    _check(oid, bigio.hash_path(obj, direct=direct)[0], dest)


def _copy(obj: str, oid: str, tmp: str) -> None:
    """Copy and hash in one pass; a large file bypasses the page cache both ways (see
    `bigio`): a checkout of a model several GiB big does not evict the user's working set."""
    direct = os.stat(obj).st_size >= bigio.DIRECT_MIN
    src = bigio.open_read(obj, direct=direct)
    try:
        fd = bigio.create(tmp, WORKSPACE_MODE, direct=direct)
        try:
            digest = bigio.copy_hashed(src, fd)[0] if direct else _copy_small(src, fd)
        finally:
            os.close(fd)
    finally:
        os.close(src)
    _check(oid, digest, tmp)


def _copy_small(src: int, dest: int) -> str:
    hasher = new_hasher()
    while chunk := os.read(src, CHUNK):
        hasher.update(chunk)
        view = memoryview(chunk)
        while view:
            view = view[os.write(dest, view) :]
    return hasher.hexdigest()


def _reflink(obj: str, oid: str, tmp: str) -> None:
    import fcntl

    _verify_object(obj, oid, tmp)
    with open(obj, "rb") as src:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, WORKSPACE_MODE)
        try:
            fcntl.ioctl(fd, FICLONE, src.fileno())
        finally:
            os.close(fd)


def _hardlink(obj: str, oid: str, tmp: str) -> None:
    _verify_object(obj, oid, tmp)
    os.link(obj, tmp)


def _symlink(obj: str, oid: str, tmp: str) -> None:
    _verify_object(obj, oid, tmp)
    os.symlink(obj, tmp)


_MAKERS = {"reflink": _reflink, "hardlink": _hardlink, "symlink": _symlink, "copy": _copy}


def parse_cache_type(value: str) -> tuple[LinkType, ...]:
    kinds = tuple(v.strip() for v in value.split(",") if v.strip())
    return kinds  # type: ignore[return-value]  # the config schema allows only LinkType names
