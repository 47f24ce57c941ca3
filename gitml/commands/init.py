"""`gitml init`: make `.gitml/` in a Git repository."""

from __future__ import annotations

import os

from gitml import atomic, scm
from gitml.constants import CONFIG_FILE, GITML_DIR, IGNORE_FILE
from gitml.errors import BadInputError, NotARepoError
from gitml.record import dataclass

_GITIGNORE = "/cache/\n/tmp/\n/config.local.yaml\n"
_CONFIG = "# gitml repository config (tracked by Git); see 'gitml remote --help'\n"
_IGNORE = "# gitignore-style patterns of files gitml leaves out when hashing directories\n"


@dataclass(frozen=True)
class InitResult:
    root: str
    created: tuple[str, ...]  # repo-relative files written


def init(cwd: str, *, force: bool = False) -> InitResult:
    """Create `.gitml/` at the top of the Git work tree containing `cwd`."""
    root = scm.find_git_root(cwd)
    if root is None:
        raise NotARepoError(f"{cwd} is not inside a Git repository", hint="run 'git init' first")
    gitml_dir = os.path.join(root, GITML_DIR)
    if os.path.isdir(gitml_dir) and not force:
        raise BadInputError(
            f"{root} is already a gitml repository", hint="use --force to restore missing files"
        )
    os.makedirs(os.path.join(gitml_dir, "cache"), exist_ok=True)
    os.makedirs(os.path.join(gitml_dir, "tmp"), exist_ok=True)
    files = {
        f"{GITML_DIR}/.gitignore": _GITIGNORE,
        f"{GITML_DIR}/{CONFIG_FILE}": _CONFIG,
        IGNORE_FILE: _IGNORE,
    }
    created = []
    for rel, text in files.items():
        path = os.path.join(root, rel)
        if not os.path.exists(path):
            atomic.write_text(path, text)
            created.append(rel)
    return InitResult(root, tuple(created))
