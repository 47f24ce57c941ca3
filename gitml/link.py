"""Materialise cache objects in the workspace: reflink, hardlink, symlink or copy."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable

from gitml import bigio
from gitml.atomic import tmp_name
from gitml.errors import CorruptObjectError, name_path
from gitml.hashing import CHUNK, new_hasher

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    LinkType = Literal["reflink", "hardlink", "symlink", "copy"]
else:
    LinkType = str

FICLONE = 0x40049409
WORKSPACE_MODE = 0o644


class Linker:
    """Places objects at workspace paths with the first link type that works."""

    def __init__(self, types: tuple[LinkType, ...]) -> None:
        self.types = types
        self._broken: set[LinkType] = set()
        self.used: set[LinkType] = set()  # the kinds that placed at least one file

    def place(self, obj: str, oid: str, dest: str, *, large: bool = False) -> os.stat_result:
        """Atomically put object `obj` (named `oid`) at `dest`, verifying its bytes; the
        placed file's stat (taken after the rename, which changes the ctime). `large` (a
        hint: the object is at least `bigio.DIRECT_MIN` bytes) copies it around the page
        cache."""
        for kind in self.types:
            if kind in self._broken:
                continue
            tmp = tmp_name(dest)
            try:
                _MAKERS[kind](obj, oid, tmp, large)
                os.replace(tmp, dest)
                self.used.add(kind)
                return os.stat(dest)
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


def root_warning(kinds: Iterable[LinkType]) -> str | None:
    """The warning for a root user whose files are linked into the cache: root writes
    through the read-only bit, so an in-place edit would rewrite the cache object."""
    linked = sorted(k for k in kinds if k in ("hardlink", "symlink"))
    if not linked or os.geteuid() != 0:
        return None
    return (
        f"running as root: read-only protection of {linked[0]}ed files does not apply;"
        " an in-place edit would change the cache (use cache.type reflink,copy)"
    )


def linked_to(path: str, obj: str) -> LinkType | None:
    """How workspace file `path` shares its bytes with cache object file `obj`: "hardlink"
    (the same inode), "symlink" (it resolves to `obj`), or None (its own bytes)."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            return "symlink" if os.path.realpath(path) == os.path.realpath(obj) else None
        if st.st_nlink < 2:
            return None
        other = os.stat(obj)
    except FileNotFoundError:
        return None
    return "hardlink" if (st.st_ino, st.st_dev) == (other.st_ino, other.st_dev) else None


def _check(oid: str, digest: str, what: str) -> None:
    if digest != oid.split(".")[0]:
        raise CorruptObjectError(
            f"cache object {oid} is corrupt; not placing it at {what}",
            hint="run 'gitml fsck' to quarantine it, then 'gitml pull'",
        )


def _verify_object(obj: str, oid: str, dest: str, large: bool) -> None:
    _check(oid, bigio.hash_path(obj, direct=large)[0], dest)


def _copy(obj: str, oid: str, tmp: str, large: bool) -> None:
    _check(oid, copy_hashed(obj, tmp, large=large), tmp)


def copy_hashed(src: str, dest: str, *, large: bool = False) -> str:
    """Copy `src` to the new file `dest` and hash it in one pass; the digest. A large file
    bypasses the page cache both ways (see `bigio`): a checkout of a model several GiB big
    does not evict the user's working set."""
    fd_in = bigio.open_read(src, direct=large)
    try:
        fd = bigio.create(dest, WORKSPACE_MODE, direct=large)
        try:
            return bigio.copy_hashed(fd_in, fd)[0] if large else _copy_small(fd_in, fd)
        finally:
            os.close(fd)
    finally:
        os.close(fd_in)


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


_Maker = Callable[[str, str, str, bool], None]
_MAKERS: dict[str, _Maker] = {
    "reflink": _reflink,
    "hardlink": _hardlink,
    "symlink": _symlink,
    "copy": _copy,
}


def parse_cache_type(value: str) -> tuple[LinkType, ...]:
    kinds = tuple(v.strip() for v in value.split(",") if v.strip())
    return kinds  # type: ignore[return-value]  # the config schema allows only LinkType names
