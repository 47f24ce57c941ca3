"""Refs through plain `git` plumbing: atomic create-only updates, deletes, listings.

`git update-ref NEW OLD` is Git's compare-and-swap: with OLD all zeros it creates the ref only
if it does not exist, so two processes can never both make the same experiment or claim.
"""

from __future__ import annotations

from gitml import scm
from gitml.errors import GitmlError

ZERO = "0" * 40


class RefExistsError(GitmlError):
    """A create-only (or compare-and-swap) ref update lost: the ref is not what we expected."""


def update(root: str, ref: str, new: str, *, old: str | None = None, reason: str = "") -> None:
    """Point `ref` at `new`. `old=ZERO` creates it only if absent; another sha updates it only
    if it still points there; None updates it whatever it holds. Atomic (Git's ref lock)."""
    args = ["update-ref", "-m", reason or "gitml", ref, new]
    if old is not None:
        args.append(old)
    try:
        scm.run(root, *args)
    except GitmlError as e:
        if old is not None and exists(root, ref) != (old != ZERO):
            raise RefExistsError(f"{ref} already exists") from e
        if old is not None:
            raise RefExistsError(f"{ref} changed meanwhile") from e
        raise


def delete(root: str, ref: str, *, old: str | None = None) -> None:
    """Delete `ref` (only if it still points at `old`, when given)."""
    scm.run(root, "update-ref", "-d", ref, *([old] if old else []))


def exists(root: str, ref: str) -> bool:
    import subprocess  # only here: `exp show` lists refs without it

    proc = subprocess.run(
        ["git", "show-ref", "--verify", "--quiet", ref], cwd=root, check=False,
        stdin=subprocess.DEVNULL,
    )
    return proc.returncode == 0


def listing(root: str, prefix: str) -> dict[str, str]:
    """ref -> commit sha of every ref under `prefix` (one `git for-each-ref`)."""
    out = scm.run(root, "for-each-ref", "--format=%(objectname) %(refname)", prefix)
    refs: dict[str, str] = {}
    for line in out.decode("utf-8", "replace").splitlines():
        sha, _, ref = line.partition(" ")
        refs[ref] = sha
    return refs


def valid_component(name: str) -> bool:
    """True when `name` is one valid ref-name component (`git check-ref-format`, no '/'),
    not starting with '-' (it would read as an option on a command line)."""
    if not name or "/" in name or name.startswith("-"):
        return False
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        return False
    import subprocess

    proc = subprocess.run(
        ["git", "check-ref-format", f"refs/exps/{name}"], check=False,
        stdin=subprocess.DEVNULL, capture_output=True,
    )
    return proc.returncode == 0
