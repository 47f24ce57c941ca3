"""Take gitml's entries out of `.gitignore` files (`scm.add_to_gitignore` puts them in):
`move` and `remove` stop ignoring a path as DVC's `ignore_remove` does."""

from __future__ import annotations

import os

from gitml import atomic


def gitignore_of(root: str, rel: str) -> str:
    """The `.gitignore` that holds `rel`'s entry: the one of its folder."""
    return os.path.join(root, os.path.dirname(rel), ".gitignore")


def remove_entry(root: str, rel: str) -> bool:
    """Drop the line `/NAME` for `rel` from its folder's .gitignore (the file goes when no
    line is left, as DVC does); False if there was no such line."""
    path = gitignore_of(root, rel)
    entry = "/" + os.path.basename(rel)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines(keepends=True)
    except FileNotFoundError:
        return False
    kept = [line for line in lines if line.strip() != entry]
    if len(kept) == len(lines):
        return False
    if not kept:
        os.unlink(path)
    else:
        atomic.write_text(path, "".join(kept))
    return True
