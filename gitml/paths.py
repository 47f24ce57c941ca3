"""Relative-path rules of SPEC section 7: POSIX, relative, no '..', inside the repo."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Sequence

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
    return norm


def is_within(path: str, root: str) -> bool:
    """True if absolute `path` is `root` or below it (both already resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def check_inside(root: str, abspath: str, *, what: str) -> None:
    """Refuse `abspath` if it resolves (through symlinks) outside `root`."""
    real = os.path.realpath(abspath)
    if not is_within(real, os.path.realpath(root)):
        raise UnsafePathError(f"{what}: {abspath} resolves outside the repository ({real})")


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
