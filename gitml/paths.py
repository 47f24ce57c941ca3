"""Relative-path rules of SPEC section 7: POSIX, relative, no '..', inside the repo."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Sequence

from gitml.constants import CACHE_DIR, GITML_DIR
from gitml.errors import BadInputError, UnsafePathError

# A path that is already safe and normal: '/'-separated names, none empty, '.' or '..',
# no backslash or NUL, not starting with '/' or a drive letter. Most paths are; they skip
# the checks below (a 20,000-entry manifest is checked in a fraction of the time).
_PLAIN_NAME = r"(?!\.\.?(?:/|$))[^/\\\x00]+"
_PLAIN = re.compile(f"(?!.:){_PLAIN_NAME}(?:/{_PLAIN_NAME})*")


def check_relpath(path: str, *, where: str) -> str:
    """Return `path` normalised if it is a safe relative POSIX path, else raise.

    `where` names the file or entry the path came from, for the message.
    """
    if isinstance(path, str) and _PLAIN.fullmatch(path):
        if ".git" in path.lower():
            check_not_private(path, where=where)
        return path
    if not isinstance(path, str) or not path:
        raise UnsafePathError(f"{where}: empty path")
    if "\\" in path or "\x00" in path:
        raise UnsafePathError(f"{where}: path {path!r} must use '/' separators")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise UnsafePathError(f"{where}: absolute path {path!r} is not allowed")
    parts = path.split("/")
    if ".." in parts:
        raise UnsafePathError(f"{where}: path {path!r} leads outside with '..'")
    norm = posixpath.normpath(path)
    if norm == ".":
        raise UnsafePathError(f"{where}: path {path!r} names no file")
    check_not_private(norm, where=where)
    return norm


# Folders no tracked path may enter: Git's own (a written `.git/config` or `.git/commondir`
# runs commands on the next `git status`) and gitml's (cache, secrets in config.local.yaml).
# Compared case-insensitively and without trailing dots or spaces, as Git itself does:
# `.GIT` is `.git` on macOS and Windows file systems.
_PRIVATE = frozenset((".git", ".gitml"))
# ...except the objects in the cache: with `cache.type: symlink` workspace files link there.
_CACHE_OBJECTS = f"{GITML_DIR}/{CACHE_DIR}/"


def is_private(rel: str) -> bool:
    """True if a component of POSIX `rel` is `.git` or `.gitml` (in any case)."""
    lowered = rel.lower()
    if ".git" not in lowered:
        return False
    return any(part.rstrip(". ") in _PRIVATE for part in lowered.split("/"))


def check_not_private(rel: str, *, where: str) -> None:
    if is_private(rel):
        raise UnsafePathError(f"{where}: path {rel!r} leads into .git or .gitml")


def is_within(path: str, root: str) -> bool:
    """True if absolute `path` is `root` or below it (both already resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)




def check_real_inside(root: str, abspath: str, *, what: str) -> str:
    """The real path of `abspath`; refuses one that resolves (through symlinks) outside
    the real `root` or into its .git or .gitml."""
    real_root = os.path.realpath(root)
    try:
        real = os.path.realpath(abspath, strict=True)
    except FileNotFoundError:
        real = os.path.realpath(abspath)
    except OSError as e:  # ELOOP: a symlink loop
        raise UnsafePathError(f"{what}: symlink loop ({e.strerror})") from e
    if not is_within(real, real_root):
        raise UnsafePathError(f"{what}: resolves outside the repository")
    rel = to_posix_rel(real_root, real)
    if real != real_root and is_private(rel) and not rel.startswith(_CACHE_OBJECTS):
        raise UnsafePathError(f"{what}: resolves into .git or .gitml")
    return real


class ParentGuard:
    """Refuses workspace paths whose folder resolves through a symlink.

    A folder Git tracks as a symlink (`lnk -> .git`) would otherwise redirect a write to
    `lnk/info/attributes` into Git's own folder. Each distinct folder is checked once
    (a 20,000-file checkout has a few hundred), so the cost is one realpath per folder.
    """

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.real_root = os.path.realpath(root)
        self._ok: set[str] = {self.root}

    def check(self, abspath: str) -> None:
        """Refuse `abspath` unless its parent folder is the same path once resolved."""
        folder = os.path.dirname(abspath)
        if folder in self._ok:
            return
        rel = os.path.relpath(folder, self.root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            raise UnsafePathError(f"{abspath}: not inside the repository")
        lexical = os.path.join(self.real_root, rel)
        if os.path.realpath(folder) != lexical:
            shown = rel.replace(os.sep, "/")
            raise UnsafePathError(
                f"{shown}: folder is or passes through a symlink; gitml does not write through it"
            )
        self._ok.add(folder)


def to_posix_rel(root: str, abspath: str) -> str:
    """`abspath` relative to `root`, with '/' separators."""
    return os.path.relpath(abspath, root).replace(os.sep, "/")


def shown(text: str) -> str:
    """`text` safe to print: bytes of a file name that are not UTF-8 (which Python keeps as
    lone surrogates) as `\\xNN` escapes."""
    if text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def check_utf8_names(rels: Sequence[str], *, folder: str | None = None) -> None:
    """Refuse a file name that is not UTF-8: pointers, manifests and locks are UTF-8 text,
    so such a name cannot be recorded (and could not be restored under the same bytes)."""
    if "".join(rels).isascii():
        return
    for rel in rels:
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:
            name = shown(f"{folder}/{rel}" if folder else rel)
            raise BadInputError(
                f"{name}: the file name is not UTF-8, which gitml cannot record",
                hint="rename it",
            ) from None
