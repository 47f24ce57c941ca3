"""The one user-facing error root, and the few subclasses someone catches."""

from __future__ import annotations

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_USAGE = 2
EXIT_ERROR = 3


class GitmlError(Exception):
    """An error written for the person at the terminal.

    `exit_code` is 2 for bad input (the default) and 3 for everything else.
    `hint` is an optional second sentence saying what to do about it.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} (hint: {self.hint})"
        return self.message


class BadInputError(GitmlError):
    """A file, path or argument the user gave is not acceptable."""


class UnsafePathError(BadInputError):
    """A path that is absolute, has '..', or leads outside the repository."""


class NotARepoError(GitmlError):
    """Not inside a Git repository initialised for gitml."""


class LockedError(GitmlError):
    """Another gitml process holds the repository lock."""

    exit_code = EXIT_ERROR


class MissingObjectError(GitmlError):
    """An object a pointer needs is not in the cache."""

    exit_code = EXIT_ERROR


class CorruptObjectError(GitmlError):
    """An object's bytes do not hash to its name."""

    exit_code = EXIT_ERROR


class UncommittedChangeError(GitmlError):
    """Checkout would overwrite a local change that cannot be restored."""


class StorageError(GitmlError):
    """A file operation on the cache failed (a disk or permission problem, not the input)."""

    exit_code = EXIT_ERROR


class TransferError(GitmlError):
    """Some objects could not be transferred (the others were)."""

    exit_code = EXIT_ERROR


def name_path(error: BaseException, path: str) -> None:
    """Name `path` in an OSError from a call on a file descriptor (it carries no file name),
    so the message says which file the disk was full, read-only, ... for."""
    if isinstance(error, OSError) and error.filename is None:
        error.filename = path
