"""Undo for commands that change several files (`move`, `remove`): each file as it was
before its first change, renames and new folders; all put back if a later step fails, so
an error leaves nothing half done."""

from __future__ import annotations

import contextlib
import os
import shutil
from types import TracebackType

from gitml import atomic


class Undo:
    """Use as `with Undo() as undo:`; call `keep(path)` before writing or deleting a file,
    `renamed(src, dst)` after a rename, `made(folder)` after creating one."""

    def __init__(self) -> None:
        self._files: dict[str, bytes | None] = {}
        self._steps: list[tuple[str, str, str]] = []  # ("rename", src, dst) / ("mkdir", p, "")
        self._trash: list[str] = []

    def __enter__(self) -> Undo:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        _e: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.rollback()
        else:
            self._empty_trash()

    def keep(self, path: str) -> None:
        """Remember `path`'s bytes (or that it did not exist) before its first change."""
        if path in self._files:
            return
        try:
            with open(path, "rb") as f:
                self._files[path] = f.read()
        except FileNotFoundError:
            self._files[path] = None

    def rename(self, src: str, dst: str) -> None:
        os.rename(src, dst)
        self._steps.append(("rename", src, dst))

    def makedirs(self, folder: str) -> None:
        """Create `folder` and its missing parents (removed again on rollback)."""
        missing = []
        while folder and not os.path.isdir(folder):
            missing.append(folder)
            folder = os.path.dirname(folder)
        for path in reversed(missing):
            os.mkdir(path)
            self._steps.append(("mkdir", path, ""))

    def discard(self, path: str) -> None:
        """Delete file or folder `path` for good once every step has succeeded: until then
        it is only renamed aside (a temp name in its folder), so a rollback restores it."""
        aside = atomic.tmp_name(path)
        self.rename(path, aside)
        self._trash.append(aside)

    def rollback(self) -> None:
        for kind, a, b in reversed(self._steps):
            with contextlib.suppress(OSError):
                if kind == "rename":
                    os.rename(b, a)
                else:
                    os.rmdir(a)
        for path, data in self._files.items():
            with contextlib.suppress(OSError):
                if data is None:
                    os.unlink(path)
                else:
                    atomic.write_bytes(path, data)

    def _empty_trash(self) -> None:
        for path in self._trash:
            with contextlib.suppress(OSError):
                if os.path.isdir(path) and not os.path.islink(path):
                    _make_writable(path)
                    shutil.rmtree(path)
                else:
                    os.unlink(path)


def _make_writable(top: str) -> None:
    """Folders of a checked-out tracked folder may be read-only: rmtree needs them writable."""
    for folder, _, _ in os.walk(top):
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o755)
