"""All-or-nothing changes to a work tree: every file written or removed can be put back.

A write keeps the old bytes (and mode) of the file it replaces; a removal moves the file or
folder aside into a backup folder on the same filesystem (a rename: cheap for DVC's cache
too). `commit()` deletes the backups; `rollback()` restores everything, newest first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator

from gitml import atomic


class Transaction:
    def __init__(self, root: str, backup: str) -> None:
        self.root = root
        self.backup = backup  # a folder of its own; made when first needed
        self._undo: list[tuple[str, str, bytes | None, int]] = []  # (kind, path, old, mode)
        self._count = 0
        self.written: list[str] = []  # repo-relative
        self.removed: list[str] = []  # repo-relative

    def abspath(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/"))

    def write(self, rel: str, data: bytes, *, mode: int | None = None) -> None:
        """Write `data` at `rel` atomically, keeping what was there for a rollback."""
        path = self.abspath(rel)
        old: bytes | None = None
        old_mode = 0o644
        if os.path.lexists(path):
            with open(path, "rb") as f:
                old = f.read()
            old_mode = stat.S_IMODE(os.stat(path).st_mode)
        folder = os.path.dirname(path)
        made = self._make_dirs(folder)
        self._undo.append(("write", path, old, old_mode))
        self._undo.extend(("mkdir", d, None, 0) for d in made)
        atomic.write_bytes(path, data, mode=old_mode if mode is None else mode)
        self.written.append(rel)

    def _make_dirs(self, folder: str) -> list[str]:
        made = []
        while not os.path.isdir(folder):
            made.append(folder)
            folder = os.path.dirname(folder)
        for path in reversed(made):
            os.mkdir(path)
        return made  # deepest first: undone in that order after the write

    def remove(self, rel: str) -> None:
        """Move the file or folder at `rel` aside (restored by a rollback)."""
        path = self.abspath(rel)
        os.makedirs(self.backup, exist_ok=True)
        self._count += 1
        aside = os.path.join(self.backup, f"{self._count}-{os.path.basename(path)}")
        os.rename(path, aside)
        self._undo.append(("remove", path, aside.encode(), 0))
        self.removed.append(rel)

    def copy_over_link(self, path: str) -> None:
        """Replace the symlink at `path` (absolute) by a copy of the file it points to; a
        rollback puts the link back."""
        target = os.readlink(path)
        tmp = atomic.tmp_name(path)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._undo.append(("link", path, os.fsencode(target), 0))

    def moved(self, src: str, dest: str) -> None:
        """Record that the file `src` was renamed to `dest` (absolute): a rollback moves it
        back."""
        self._undo.append(("move", dest, os.fsencode(src), 0))

    def rollback(self) -> None:
        """Undo every change, newest first; carries on past a failure, raising the first."""
        first: BaseException | None = None
        for kind, path, old, mode in reversed(self._undo):
            try:
                if kind == "write":
                    if old is None:
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(path)
                    else:
                        atomic.write_bytes(path, old, mode=mode)
                elif kind == "mkdir":
                    with contextlib.suppress(OSError):
                        os.rmdir(path)
                elif kind == "move":
                    assert old is not None
                    os.rename(path, os.fsdecode(old))
                elif kind == "link":
                    assert old is not None
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)
                    os.symlink(os.fsdecode(old), path)
                else:
                    assert old is not None
                    os.rename(old.decode(), path)
            except OSError as e:
                first = first or e
        self._undo.clear()
        self._drop_backup()
        if first is not None:
            raise first

    def commit(self) -> None:
        self._undo.clear()
        self._drop_backup()

    def _drop_backup(self) -> None:
        if os.path.isdir(self.backup):
            shutil.rmtree(self.backup, onerror=_writable_then_retry)


def _writable_then_retry(func: object, path: str, _exc: object) -> None:
    """DVC's cache objects are read-only, and so may be their folders."""
    with contextlib.suppress(OSError):
        os.chmod(os.path.dirname(path), 0o755)
        os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
    if callable(func):
        func(path)


@contextlib.contextmanager
def transaction(root: str, backup: str) -> Iterator[Transaction]:
    """Commit on success; roll back on any exception, then re-raise it."""
    tx = Transaction(root, backup)
    try:
        yield tx
    except BaseException:
        tx.rollback()
        raise
    tx.commit()
